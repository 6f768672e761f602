//! `/contact`: a message to the team. It works without script (a plain post); after sending,
//! the page says so and what happens next.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::components::meta::PageMeta;
use crate::components::ui::{FieldError, SubmitButton, CARD, INPUT, LABEL};
use crate::contact::SendContact;
use crate::error::AppError;
use crate::forms::{form_done, form_error, ErrorMessage};

#[component]
pub fn ContactPage() -> impl IntoView {
    let send = ServerAction::<SendContact>::new();
    let error = form_error(send.value(), SendContact::PATH);
    let general = Signal::derive(move || {
        error
            .get()
            .filter(|e| !matches!(e, AppError::Invalid { .. }))
    });
    let sent = form_done(SendContact::PATH);
    let field = move |name: &'static str,
                      label: &'static str,
                      kind: &'static str,
                      autocomplete: &'static str| {
        let id = format!("contact-{name}");
        let error_id = format!("{id}-error");
        view! {
            <div>
                <label for=id.clone() class=LABEL>{label}</label>
                <input
                    id=id
                    name=name
                    type=kind
                    autocomplete=autocomplete
                    required
                    class=INPUT
                    aria-invalid=move || crate::forms::field_message(error.get(), name).is_some().to_string()
                    aria-describedby=error_id.clone()
                />
                <FieldError error field=name id=error_id />
            </div>
        }
    };
    view! {
        <PageMeta
            title="Contact us"
            description="Write to the Ewelists team: a question, a problem with a list or a reservation, or an idea. We answer by email."
        />
        <section class="mx-auto max-w-2xl px-4 py-10">
            <h1 class="text-3xl font-bold">"Contact us"</h1>
            {if sent {
                view! {
                    <div class=format!("{CARD} mt-6") role="status" data-testid="contact-sent">
                        <h2 class="text-lg font-semibold">"Thank you, we've got your message"</h2>
                        <p class="mt-2 text-stone-700">
                            "A copy is on its way to your inbox. We answer within a few working days, by email."
                        </p>
                    </div>
                }
                .into_any()
            } else {
                view! {
                    <p class="mt-3 text-stone-700">
                        "A question, a problem with a list or a reservation, or an idea? Write to us and we'll answer by email. For a reservation, the link in its email is the quickest way to change or cancel it."
                    </p>
                    <ActionForm action=send attr:class=format!("{CARD} mt-6 grid gap-5") attr:novalidate="true" attr:data-testid="contact-form">
                        {field("name", "Your name", "text", "name")}
                        {field("email", "Your email address", "email", "email")}
                        <div>
                            <label for="contact-text" class=LABEL>"Your message"</label>
                            <textarea
                                id="contact-text"
                                name="text"
                                rows="6"
                                required
                                maxlength="3000"
                                class=INPUT
                                aria-invalid=move || crate::forms::field_message(error.get(), "text").is_some().to_string()
                                aria-describedby="contact-text-error"
                            ></textarea>
                            <FieldError error field="text" id="contact-text-error".to_owned() />
                        </div>
                        // Hidden from people (and screen readers); scripts fill it in.
                        <div class="hidden" aria-hidden="true">
                            <label for="contact-website">"Leave this empty"</label>
                            <input id="contact-website" name="website" type="text" tabindex="-1" autocomplete="off" />
                        </div>
                        <ErrorMessage error=general />
                        <p class="text-sm text-stone-600">
                            "We keep your message for a year, to answer it and look back; see "
                            <a href=crate::routes::PRIVACY.path() class="font-semibold text-rose-700 underline">"Privacy"</a>
                            "."
                        </p>
                        <div>
                            <SubmitButton label="Send the message" busy="Sending…" />
                        </div>
                    </ActionForm>
                }
                .into_any()
            }}
        </section>
    }
}
