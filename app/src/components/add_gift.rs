//! Adding a gift: paste a link (the catalogue, then the shop's page, are looked up), check or
//! correct the details, set how many and notes. Typing everything by hand is always possible,
//! also without the page's script (a `<details>` holds the manual form).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::ui::{FieldError, SubmitButton, CARD, INPUT, LABEL, SECONDARY};
use crate::error::AppError;
use crate::forms::{island_form_error, linked_error, ErrorMessage};
use crate::owner::{AddGift, LinkLookup as Prefill, LookUpLink};

/// The whole "add a gift" panel, with the errors a plain post of its forms came back with.
#[component]
pub fn AddGiftPanel(list_id: String) -> impl IntoView {
    let lookup_error = linked_error(LookUpLink::PATH);
    let add_error = linked_error(AddGift::PATH);
    view! { <AddGiftForms list_id lookup_error add_error /> }
}

/// An island: a looked-up link fills in the details form in place. Once a gift is added, the
/// page is loaded again (the list is rendered on the server), with empty fields.
#[island]
fn AddGiftForms(
    list_id: String,
    lookup_error: Option<AppError>,
    add_error: Option<AppError>,
) -> impl IntoView {
    let hydrated = crate::hydrated_flag();
    let lookup = ServerAction::<LookUpLink>::new();
    let add = ServerAction::<AddGift>::new();
    let lookup_error = island_form_error(lookup.value(), lookup_error);
    let add_error = island_form_error(add.value(), add_error);
    // The details form, once a lookup answered or the owner chose to type.
    let (prefill, set_prefill) = signal(None::<Prefill>);
    // A new form (and fresh inputs) each time it is filled again.
    let (form_key, set_form_key) = signal(0u32);

    Effect::new(move |_| {
        if let Some(Ok(result)) = lookup.value().get() {
            set_prefill.set(Some(result));
            set_form_key.update(|k| *k += 1);
        }
    });
    // How many gifts this panel added: a fresh manual form after each.
    let (added, set_added) = signal(0u32);
    Effect::new(move |_| {
        if let Some(Ok(_)) = add.value().get() {
            set_prefill.set(None);
            set_added.update(|n| *n += 1);
            browser::load_again();
        }
    });
    let list_for_lookup = list_id.clone();
    let manual_list_id = list_id.clone();
    let general_add_error = Signal::derive(move || {
        add_error
            .get()
            .filter(|e| !matches!(e, AppError::Invalid { .. }))
    });

    view! {
        <section aria-labelledby="add-heading" class=CARD data-hydrated=hydrated>
            <h2 id="add-heading" class="text-lg font-semibold">"Add a gift"</h2>
            <ActionForm action=lookup attr:class="mt-3 grid gap-2">
                <input type="hidden" name="list_id" value=list_for_lookup />
                <label for="gift-link" class=LABEL>"Paste a link from any shop"</label>
                <div class="flex flex-col gap-2 sm:flex-row">
                    <input
                        id="gift-link"
                        name="text"
                        type="text"
                        inputmode="url"
                        autocomplete="off"
                        placeholder="https://…"
                        class=format!("{INPUT} mt-0")
                        aria-describedby="gift-link-error"
                    />
                    <SubmitButton pending=lookup.pending() label="Look it up" busy="Looking…" class=SECONDARY />
                </div>
                <div id="gift-link-error"><ErrorMessage error=lookup_error /></div>
            </ActionForm>
            {move || {
                let key = form_key.get();
                prefill
                    .get()
                    .map(|fill| {
                        view! {
                            <GiftDetailsForm
                                list_id=list_id.clone()
                                fill
                                action=add
                                error=add_error
                                general_error=general_add_error
                                key
                            />
                        }
                    })
            }}
            // Typing by hand: a disclosure, so it also works without the page's script.
            <details class="mt-4 group" data-testid="manual-add">
                <summary class="flex min-h-11 cursor-pointer items-center font-semibold text-rose-800">
                    "No link? Type the details yourself"
                </summary>
                {move || {
                    let key = 1000 + added.get();
                    view! {
                        <GiftDetailsForm
                            list_id=manual_list_id.clone()
                            fill=Prefill::default()
                            action=add
                            error=add_error
                            general_error=general_add_error
                            key
                        />
                    }
                }}
            </details>
        </section>
    }
}

/// What only a browser can do.
mod browser {
    /// Loads the page again at its path (without an error from an earlier plain post).
    #[cfg(feature = "hydrate")]
    pub fn load_again() {
        if let Some(location) = web_sys::window().map(|w| w.location()) {
            if let Ok(path) = location.pathname() {
                let _ = location.replace(&path);
            }
        }
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn load_again() {}
}

/// The details form (title, shop, link, picture, price, how many, notes).
#[component]
fn GiftDetailsForm(
    list_id: String,
    fill: Prefill,
    action: ServerAction<AddGift>,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(into)] general_error: Signal<Option<AppError>>,
    key: u32,
) -> impl IntoView {
    let id = move |name: &str| format!("gift-{name}-{key}");
    let field = move |name: &'static str,
                      label: &'static str,
                      value: String,
                      kind: &'static str,
                      optional: bool| {
        let input_id = id(name);
        let error_id = format!("{input_id}-error");
        view! {
            <div>
                <label for=input_id.clone() class=LABEL>
                    {label}
                    {optional.then(|| view! { <span class="font-normal text-stone-600">" (optional)"</span> })}
                </label>
                <input
                    id=input_id
                    name=name
                    type=kind
                    value=value
                    autocomplete="off"
                    class=INPUT
                    aria-invalid=move || crate::forms::field_message(error.get(), name).is_some().to_string()
                    aria-describedby=error_id.clone()
                />
                <FieldError error field=name id=error_id />
            </div>
        }
    };
    let picture = (!fill.image_url.is_empty()).then(|| fill.image_url.clone());

    view! {
        <ActionForm action attr:class="mt-4 grid gap-4 border-t border-stone-200 pt-4" attr:data-testid="gift-details-form">
            {fill.note.clone().map(|note| view! { <p class="text-sm text-stone-700" data-testid="lookup-note">{note}</p> })}
            {picture.map(|src| view! { <img src=src alt="" width="96" height="96" class="h-24 w-24 rounded-lg object-contain ring-1 ring-stone-200" /> })}
            <input type="hidden" name="list_id" value=list_id />
            <input type="hidden" name="catalogue_id" value=fill.catalogue_id.clone() />
            {field("title", "What is it?", fill.title.clone(), "text", false)}
            {field("shop", "Where is it from?", fill.shop.clone(), "text", true)}
            {field("url", "Link to the shop's page", fill.url.clone(), "url", true)}
            <div class="grid grid-cols-[1fr_6rem] gap-3">
                {field("price", "Price", fill.price.clone(), "text", true)}
                <div>
                    <label for=id("currency") class=LABEL>"Currency"</label>
                    <select id=id("currency") name="currency" class=INPUT>
                        {["GBP", "EUR", "USD"].into_iter().map(|c| {
                            let selected = fill.currency == c || (fill.currency.is_empty() && c == "GBP");
                            view! { <option value=c selected=selected>{c}</option> }
                        }).collect_view()}
                    </select>
                </div>
            </div>
            {field("image_url", "Link to a picture", fill.image_url.clone(), "url", true)}
            <div>
                <label for=id("wanted") class=LABEL>"How many?"</label>
                <input id=id("wanted") name="wanted" type="number" inputmode="numeric" min="1" max="99" value="1" class=format!("{INPUT} max-w-32")
                    aria-describedby=format!("{}-error", id("wanted")) />
                <FieldError error field="wanted" id=format!("{}-error", id("wanted")) />
            </div>
            <div>
                <label for=id("notes") class=LABEL>"Notes for your guests " <span class="font-normal text-stone-600">"(optional)"</span></label>
                <textarea id=id("notes") name="notes" rows="2" class=INPUT placeholder="Colour, size…"
                    aria-describedby=format!("{}-error", id("notes"))></textarea>
                <FieldError error field="notes" id=format!("{}-error", id("notes")) />
            </div>
            <ErrorMessage error=general_error />
            <div>
                <SubmitButton pending=action.pending() label="Add to the list" busy="Adding…" />
            </div>
        </ActionForm>
    }
}
