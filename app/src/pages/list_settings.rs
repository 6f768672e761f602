//! `/lists/:id/settings`: the list's details, its surprise setting, closing and deleting it.

use crate::components::meta::PageMeta;
use domain::{GiftList, SurpriseMode};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_params_map;

use crate::components::list_fields::ListDetailsFields;
use crate::components::ui::{SubmitButton, CARD, DANGER, INPUT, LABEL, SECONDARY};
use crate::forms::{form_error, ErrorMessage};
use crate::owner::{owner_list, CloseList, DeleteList, SetSurprise, UpdateList};
use crate::routes;

/// What each surprise setting means, for guests and for the owner.
fn surprise_words(mode: SurpriseMode) -> (&'static str, &'static str) {
    match mode {
        SurpriseMode::Surprise => (
            "Keep it all a surprise",
            "You won't see which gifts are reserved or bought, or by whom. Guests see what is still available.",
        ),
        SurpriseMode::Counts => (
            "Show how many, not who",
            "You'll see how many of each gift are reserved and bought, but not who reserved them. Guests see what is still available.",
        ),
        SurpriseMode::Names => (
            "Show who reserved what",
            "You'll see each guest's name next to what they reserved or bought. Guests never see each other's names.",
        ),
    }
}

#[component]
pub fn ListSettingsPage() -> impl IntoView {
    let params = use_params_map();
    let list_id = move || params.with(|p| p.get("id").unwrap_or_default());
    let update = ServerAction::<UpdateList>::new();
    let surprise = ServerAction::<SetSurprise>::new();
    let close = ServerAction::<CloseList>::new();
    let list = Resource::new(list_id, owner_list);

    view! {
        <PageMeta title="List settings" description="The settings of one of your gift lists." noindex=true />
        <section class="mx-auto max-w-2xl px-4 py-6">
            <p>
                <a href=move || routes::LIST_EDITOR.fill(&[&list_id()]) class="inline-flex min-h-11 items-center text-sm font-medium text-rose-800 hover:underline">
                    "← Back to the list"
                </a>
            </p>
            <h1 class="text-2xl font-bold">"List settings"</h1>
            <Transition fallback=|| view! { <p class="text-stone-600">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(view) => view! { <Settings list=view.list update surprise close /> }.into_any(),
                        Err(err) => view! { <p role="alert" class="mt-3 text-stone-700">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Settings(
    list: GiftList,
    update: ServerAction<UpdateList>,
    surprise: ServerAction<SetSurprise>,
    close: ServerAction<CloseList>,
) -> impl IntoView {
    let delete = ServerAction::<DeleteList>::new();
    let update_error = form_error(update.value(), UpdateList::PATH);
    let surprise_error = form_error(surprise.value(), SetSurprise::PATH);
    let close_error = form_error(close.value(), CloseList::PATH);
    let delete_error = form_error(delete.value(), DeleteList::PATH);
    let general_update = Signal::derive(move || {
        update_error
            .get()
            .filter(|e| !matches!(e, crate::error::AppError::Invalid { .. }))
    });
    let id = list.id.to_string();
    let (id_details, id_surprise, id_close, id_delete) = (id.clone(), id.clone(), id.clone(), id);
    let current = list.surprise;
    let is_open = list.is_open();
    let details = list.details.clone();
    // The form's plain post came back done.
    let saved = |function: &'static str| {
        crate::forms::form_done(function).then(|| {
            view! { <p role="status" class="text-sm text-green-800">"Saved."</p> }
        })
    };

    view! {
        <div class="mt-6 grid gap-6">
            <section aria-labelledby="details-heading" class=CARD>
                <h2 id="details-heading" class="text-lg font-semibold">"Details"</h2>
                <ActionForm action=update attr:class="mt-4 grid gap-5" attr:novalidate="true">
                    <input type="hidden" name="list_id" value=id_details />
                    <ListDetailsFields initial=details error=update_error />
                    <ErrorMessage error=general_update />
                    {saved(UpdateList::PATH)}
                    <div><SubmitButton label="Save details" busy="Saving…" /></div>
                </ActionForm>
            </section>

            <section aria-labelledby="surprise-heading" class=CARD>
                <h2 id="surprise-heading" class="text-lg font-semibold">"What you see of reservations"</h2>
                <ActionForm action=surprise attr:class="mt-4 grid gap-4">
                    <input type="hidden" name="list_id" value=id_surprise />
                    <fieldset class="grid gap-2">
                        <legend class="sr-only">"Surprise setting"</legend>
                        {SurpriseMode::ALL.into_iter().map(|mode| {
                            let (label, words) = surprise_words(mode);
                            let input_id = format!("mode-{}", mode.as_str());
                            let label_for = input_id.clone();
                            view! {
                                <label for=label_for class="flex cursor-pointer gap-3 rounded-lg border border-stone-300 p-3 has-[:checked]:border-rose-700 has-[:checked]:bg-rose-50">
                                    <input id=input_id type="radio" name="mode" value=mode.as_str() checked=current.mode == mode class="mt-1 h-4 w-4 accent-rose-700" />
                                    <span>
                                        <span class="block font-semibold">{label}</span>
                                        <span class="block text-sm text-stone-700">{words}</span>
                                    </span>
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                    <label class="flex min-h-11 items-center gap-3 text-sm">
                        <input type="checkbox" name="reveal_after" value="on" checked=current.reveal_names_after_event class="h-5 w-5 accent-rose-700" />
                        "Show me who reserved what once the list's date has passed"
                    </label>
                    <ErrorMessage error=surprise_error />
                    {saved(SetSurprise::PATH)}
                    <div><SubmitButton label="Save" busy="Saving…" class=SECONDARY /></div>
                </ActionForm>
            </section>

            <section aria-labelledby="close-heading" class=CARD>
                <h2 id="close-heading" class="text-lg font-semibold">"Close the list"</h2>
                {if is_open {
                    view! {
                        <p class="mt-2 text-stone-700">"Guests will still see the list, marked closed, but can no longer reserve. This can't be undone."</p>
                        <ActionForm action=close attr:class="mt-3 grid gap-2">
                            <input type="hidden" name="list_id" value=id_close />
                            <ErrorMessage error=close_error />
                            <div><SubmitButton label="Close the list" busy="Closing…" class=SECONDARY /></div>
                        </ActionForm>
                    }.into_any()
                } else {
                    view! { <p class="mt-2 text-stone-700" data-testid="list-closed">"This list is closed. Guests can no longer reserve."</p> }.into_any()
                }}
            </section>

            <section aria-labelledby="delete-heading" class="rounded-2xl bg-white p-4 shadow-sm ring-1 ring-red-200 sm:p-5">
                <h2 id="delete-heading" class="text-lg font-semibold text-red-800">"Delete the list"</h2>
                <p class="mt-2 text-stone-700">"The list, its gifts and every reservation go for good. Guests' links will stop working."</p>
                <ActionForm action=delete attr:class="mt-3 grid gap-3">
                    <input type="hidden" name="list_id" value=id_delete />
                    <div>
                        <label for="delete-confirm" class=LABEL>"Type delete to confirm"</label>
                        <input id="delete-confirm" name="confirm" type="text" autocomplete="off" class=format!("{INPUT} max-w-48") />
                    </div>
                    <ErrorMessage error=delete_error />
                    <div><SubmitButton label="Delete the list" busy="Deleting…" class=DANGER /></div>
                </ActionForm>
            </section>
        </div>
    }
}
