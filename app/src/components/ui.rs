//! Small shared pieces of the pages: form fields, buttons, the page frame.
//!
//! The class names below are components defined once in `style/tailwind.css` (`@apply`), so
//! that a page with fifty forms doesn't repeat fifty long utility lists.

use leptos::prelude::*;

use crate::error::AppError;
use crate::forms::field_message;

/// Classes of a text input, select or textarea.
pub const INPUT: &str = "field";
/// A label above a field.
pub const LABEL: &str = "field-label";
/// The main button of a form.
pub const PRIMARY: &str = "btn-primary";
/// A secondary button.
pub const SECONDARY: &str = "btn-secondary";
/// A button that destroys something.
pub const DANGER: &str = "btn-danger";
/// A white card.
pub const CARD: &str = "card";

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

/// A form's submit button. While its form is being sent it says `busy` and a second press does
/// nothing (the page script, `crate::PAGE_SCRIPT`, reads `data-busy`).
#[component]
pub fn SubmitButton(
    label: &'static str,
    busy: &'static str,
    #[prop(default = PRIMARY)] class: &'static str,
) -> impl IntoView {
    view! {
        <button type="submit" class=class data-busy=busy>
            {label}
        </button>
    }
}
