//! Adding a gift: paste a link (the catalogue, then the shop's page, are looked up), check or
//! correct the details, set how many and notes; or type everything by hand (a `<details>`
//! holds that form).
//!
//! No script is needed: "Look it up" loads the editor again with the link in its address
//! (`?link=`), and the server renders the details form filled in from the lookup. Adding posts
//! the form; the server answers with the editor as it is now, and the link field empty.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use super::ui::{FieldError, SubmitButton, CARD, INPUT, LABEL, SECONDARY};
use crate::error::AppError;
use crate::forms::{form_error, ErrorMessage};
use crate::owner::{look_up_link, AddGift, LinkLookup as Prefill};

/// The query key of the editor's address that carries a pasted link to look up.
pub const LINK: &str = "link";

/// The whole "add a gift" panel of the list `list_id`, whose editor is at `editor`.
#[component]
pub fn AddGiftPanel(list_id: String, editor: String) -> impl IntoView {
    let pasted = use_query_map()
        .with_untracked(|q| q.get(LINK))
        .filter(|text| !text.trim().is_empty());
    let add = ServerAction::<AddGift>::new();
    let add_error = form_error(add.value(), AddGift::PATH);
    let general_add_error = Signal::derive(move || {
        add_error
            .get()
            .filter(|e| !matches!(e, AppError::Invalid { .. }))
    });
    // A refused manual form comes back open, with its error.
    let manual_open = pasted.is_none() && add_error.get_untracked().is_some();
    let looked_up = pasted.clone().map(|text| {
        let lookup = OnceResource::new(look_up_link(list_id.clone(), text));
        let list_id = list_id.clone();
        view! {
            <Suspense fallback=|| view! { <p class="mt-3 text-stone-600">"Looking it up…"</p> }>
                {move || {
                    let list_id = list_id.clone();
                    Suspend::new(async move {
                        match lookup.await {
                            Ok(fill) => view! {
                                <GiftDetailsForm list_id fill action=add error=add_error general_error=general_add_error key="lookup" />
                            }.into_any(),
                            Err(err) => view! {
                                <div id="gift-link-error" class="mt-2">
                                    <ErrorMessage error=Signal::stored(Some(err)) />
                                </div>
                            }.into_any(),
                        }
                    })
                }}
            </Suspense>
        }
    });

    view! {
        <section aria-labelledby="add-heading" class=CARD>
            <h2 id="add-heading" class="scroll-mt-20 text-lg font-semibold">"Add a gift"</h2>
            <form method="get" action=format!("{editor}#add-heading") class="mt-3 grid gap-2">
                <label for="gift-link" class=LABEL>"Paste a link from any shop"</label>
                <div class="flex flex-col gap-2 sm:flex-row">
                    <input
                        id="gift-link"
                        name=LINK
                        type="text"
                        inputmode="url"
                        autocomplete="off"
                        placeholder="https://…"
                        value=pasted.clone().unwrap_or_default()
                        class=format!("{INPUT} mt-0")
                        aria-describedby="gift-link-error"
                    />
                    <SubmitButton label="Look it up" busy="Looking…" class=SECONDARY />
                </div>
            </form>
            {looked_up}
            <details class="mt-4 group" data-testid="manual-add" open=manual_open>
                <summary class="flex min-h-11 cursor-pointer items-center font-semibold text-rose-800">
                    "No link? Type the details yourself"
                </summary>
                <GiftDetailsForm
                    list_id
                    fill=Prefill::default()
                    action=add
                    error=add_error
                    general_error=general_add_error
                    key="manual"
                />
            </details>
        </section>
    }
}

/// The details form (title, shop, link, picture, price, how many, notes).
#[component]
fn GiftDetailsForm(
    list_id: String,
    fill: Prefill,
    action: ServerAction<AddGift>,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(into)] general_error: Signal<Option<AppError>>,
    /// Tells this form's field ids from the other's on the page.
    key: &'static str,
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
        <ActionForm action attr:class="mt-4 grid gap-4 border-t border-stone-200 pt-4" attr:data-testid="gift-details-form" attr:id=format!("gift-form-{key}")>
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
                <SubmitButton label="Add to the list" busy="Adding…" />
            </div>
        </ActionForm>
    }
}
