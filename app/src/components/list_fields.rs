//! The fields that describe a list (title, occasion with its picture, date, message), shared by
//! "New list" and the list's settings.

use domain::{ListDetails, Occasion};
use leptos::prelude::*;

use super::ui::{FieldError, INPUT, LABEL};
use crate::error::AppError;

/// The fields, filled with `initial` when editing. Field names match the server functions'
/// arguments.
#[component]
pub fn ListDetailsFields(
    #[prop(optional)] initial: Option<ListDetails>,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let first = initial
        .as_ref()
        .map_or(Occasion::BabyShower, |d| d.occasion);
    let title = initial
        .as_ref()
        .map(|d| d.title.to_string())
        .unwrap_or_default();
    let date = initial
        .as_ref()
        .and_then(|d| d.event_date)
        .map(|d| d.to_string())
        .unwrap_or_default();
    let message = initial
        .as_ref()
        .and_then(|d| d.message.as_ref())
        .map(|m| m.to_string())
        .unwrap_or_default();
    let invalid = move |field: &'static str| {
        move || {
            crate::forms::field_message(error.get(), field)
                .is_some()
                .to_string()
        }
    };

    view! {
        <div class="grid gap-5">
            <div>
                <label for="list-title" class=LABEL>"Title"</label>
                <input
                    id="list-title"
                    name="title"
                    type="text"
                    required
                    maxlength=domain::Title::MAX_CHARS.to_string()
                    autocomplete="off"
                    placeholder="Mia's baby shower"
                    class=INPUT
                    value=title
                    aria-invalid=invalid("title")
                    aria-describedby="list-title-error"
                />
                <FieldError error field="title" id="list-title-error".to_owned() />
            </div>

            <fieldset>
                <legend class=LABEL>"Occasion"</legend>
                <OccasionPicker first />
                <FieldError error field="occasion" id="occasion-error".to_owned() />
            </fieldset>

            <div>
                <label for="list-date" class=LABEL>
                    "Date " <span class="font-normal text-stone-600">"(optional)"</span>
                </label>
                <input
                    id="list-date"
                    name="event_date"
                    type="date"
                    class=INPUT
                    value=date
                    aria-invalid=invalid("event_date")
                    aria-describedby="list-date-error"
                />
                <FieldError error field="event_date" id="list-date-error".to_owned() />
            </div>

            <div>
                <label for="list-message" class=LABEL>
                    "A message for your guests " <span class="font-normal text-stone-600">"(optional)"</span>
                </label>
                <textarea
                    id="list-message"
                    name="message"
                    rows="3"
                    maxlength=domain::Message::MAX_CHARS.to_string()
                    class=INPUT
                    placeholder="Thank you for celebrating with us!"
                    aria-invalid=invalid("message")
                    aria-describedby="list-message-error"
                >
                    {message}
                </textarea>
                <FieldError error field="message" id="list-message-error".to_owned() />
            </div>
        </div>
    }
}

/// The occasion's choices, with the picture of the chosen one beside them (it follows the
/// choice once the page's script has run; without it, the first choice's picture stays).
#[island]
fn OccasionPicker(first: Occasion) -> impl IntoView {
    let (occasion, set_occasion) = signal(first);
    let hydrated = crate::hydrated_flag();
    view! {
        <div class="mt-2 grid grid-cols-[1fr_auto] items-start gap-3" data-hydrated=hydrated>
            <div class="grid grid-cols-2 gap-2 sm:grid-cols-3">
                {Occasion::ALL
                    .into_iter()
                    .map(|o| {
                        let id = format!("occasion-{}", o.as_str());
                        let label_for = id.clone();
                        view! {
                            <label
                                for=label_for
                                class="flex min-h-11 cursor-pointer items-center gap-2 rounded-lg border border-stone-300 px-3 text-sm has-[:checked]:border-rose-700 has-[:checked]:bg-rose-50 has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-rose-600"
                            >
                                <input
                                    id=id
                                    type="radio"
                                    name="occasion"
                                    value=o.as_str()
                                    checked=o == first
                                    class="h-4 w-4 accent-rose-700"
                                    on:change=move |_| set_occasion.set(o)
                                />
                                {o.label()}
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
            <img
                src=move || occasion.get().image_path()
                alt=""
                width="96"
                height="96"
                class="h-20 w-20 rounded-xl object-cover ring-1 ring-stone-200 sm:h-24 sm:w-24"
                data-testid="occasion-picture"
            />
        </div>
    }
}
