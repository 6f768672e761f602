//! Small shared pieces of the owner's pages: form fields, buttons, the page frame.

use leptos::prelude::*;

use crate::error::AppError;
use crate::forms::field_message;

/// Classes of a text input, select or textarea.
pub const INPUT: &str = "mt-1 block min-h-11 w-full rounded-lg border border-stone-300 bg-white px-3 py-2 text-base text-stone-900 focus:border-rose-600 focus:outline-none focus:ring-2 focus:ring-rose-600/30";
/// A label above a field.
pub const LABEL: &str = "block text-sm font-medium text-stone-800";
/// The main button of a form.
pub const PRIMARY: &str = "inline-flex min-h-11 items-center justify-center gap-2 rounded-lg bg-rose-700 px-5 font-semibold text-white hover:bg-rose-800 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-rose-700 disabled:cursor-not-allowed disabled:opacity-60";
/// A secondary button.
pub const SECONDARY: &str = "inline-flex min-h-11 items-center justify-center gap-2 rounded-lg border border-stone-300 bg-white px-4 font-semibold text-stone-800 hover:bg-stone-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-rose-700 disabled:cursor-not-allowed disabled:opacity-60";
/// A button that destroys something.
pub const DANGER: &str = "inline-flex min-h-11 items-center justify-center gap-2 rounded-lg bg-red-700 px-4 font-semibold text-white hover:bg-red-800 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-700 disabled:cursor-not-allowed disabled:opacity-60";
/// A white card.
pub const CARD: &str = "rounded-2xl bg-white p-4 shadow-sm ring-1 ring-stone-200 sm:p-5";

/// The error under a field, when the form's error is about it; the id lets the field point at
/// it with `aria-describedby`.
#[component]
pub fn FieldError(
    #[prop(into)] error: Signal<Option<AppError>>,
    field: &'static str,
    id: String,
) -> impl IntoView {
    move || {
        field_message(error.get(), field).map(|message| {
            view! { <p id=id.clone() class="mt-1 text-sm text-red-800">{message}</p> }
        })
    }
}

/// A submit button that says it is busy and cannot be pressed twice while the action runs.
#[component]
pub fn SubmitButton(
    #[prop(into)] pending: Signal<bool>,
    label: &'static str,
    busy: &'static str,
    #[prop(default = PRIMARY)] class: &'static str,
) -> impl IntoView {
    view! {
        <button type="submit" class=class disabled=move || pending.get() aria-busy=move || pending.get().to_string()>
            {move || if pending.get() { busy } else { label }}
        </button>
    }
}
