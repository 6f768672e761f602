//! `/lists/new`: make a list.

use crate::components::meta::PageMeta;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::components::list_fields::ListDetailsFields;
use crate::components::ui::{SubmitButton, CARD};
use crate::forms::{form_error, ErrorMessage};
use crate::owner::CreateList;

/// The form; on success the server sends the owner to the new list.
#[component]
pub fn NewListPage() -> impl IntoView {
    let create = ServerAction::<CreateList>::new();
    let error = form_error(create.value(), CreateList::PATH);
    let general = Signal::derive(move || {
        error
            .get()
            .filter(|e| !matches!(e, crate::error::AppError::Invalid { .. }))
    });

    view! {
        <PageMeta title="New list" description="Make a new gift list for an occasion and share it with one link." noindex=true />
        <section class="mx-auto max-w-2xl px-4 py-8">
            <p><a href=crate::routes::DASHBOARD.path() class="inline-flex min-h-11 items-center text-sm font-medium text-rose-800 hover:underline">"← Your lists"</a></p>
            <h1 class="text-2xl font-bold">"New list"</h1>
            <ActionForm action=create attr:class=format!("{CARD} mt-6 grid gap-6") attr:novalidate="true">
                <ListDetailsFields error />
                <ErrorMessage error=general />
                <div>
                    <SubmitButton label="Create the list" busy="Creating…" />
                </div>
            </ActionForm>
        </section>
    }
}
