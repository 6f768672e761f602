//! `/lists/:id`: the list as guests see it: what is still wanted, and reserving without an
//! account. The owner sees it the same way.

use domain::ListId;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::account::Viewer;
use crate::components::ui::{FieldError, SubmitButton, INPUT, LABEL, PRIMARY};
use crate::error::AppError;
use crate::forms::{form_error, ErrorMessage};
use crate::guest::{public_list, PublicGift, PublicListView, Reserve};

/// Which gifts to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    All,
    Available,
    Bought,
}

impl Filter {
    pub fn parse(text: Option<&str>) -> Self {
        match text {
            Some("available") => Self::Available,
            Some("bought") => Self::Bought,
            _ => Self::All,
        }
    }

    pub fn keeps(self, gift: &PublicGift) -> bool {
        match self {
            Self::All => true,
            Self::Available => gift.remaining > 0,
            Self::Bought => gift.bought > 0,
        }
    }
}

/// "2 of 3 left", "All reserved", …
pub fn availability(gift: &PublicGift) -> String {
    match gift.remaining {
        0 if gift.bought >= gift.wanted => "Bought".to_owned(),
        0 => "All reserved".to_owned(),
        n if gift.wanted == 1 => {
            debug_assert_eq!(n, 1);
            "Still wanted".to_owned()
        }
        n => format!("{n} of {} still wanted", gift.wanted),
    }
}

#[component]
pub fn PublicListPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let list_id = move || params.with(|p| p.get("id").unwrap_or_default());
    let filter = Memo::new(move |_| query.with(|q| Filter::parse(q.get("show").as_deref())));
    let reserve = ServerAction::<Reserve>::new();
    let list = Resource::new(
        move || (list_id(), reserve.version().get()),
        |(id, _)| public_list(id),
    );

    view! {
        <Transition fallback=|| view! { <p class="px-4 py-8 text-stone-600">"Loading the list…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(view) => view! { <ListView view filter reserve /> }.into_any(),
                    Err(AppError::NotFound) => view! { <crate::pages::not_found::NotFound /> }.into_any(),
                    Err(err) => view! {
                        <section class="mx-auto max-w-xl px-4 py-16 text-center">
                            <h1 class="text-2xl font-bold">"We can't show this list just now"</h1>
                            <p role="alert" class="mt-3 text-stone-700">{err.to_string()}</p>
                        </section>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ListView(
    view: PublicListView,
    filter: Memo<Filter>,
    reserve: ServerAction<Reserve>,
) -> impl IntoView {
    let image = view.occasion.image_path();
    let date = view.event_date.map(crate::format::long_date);
    let base = crate::routes::public_list(&view.id);
    let tab = move |which: Filter, label: &'static str, query: &'static str| {
        let href = format!("{base}{query}");
        view! {
            <a
                href=href
                class="inline-flex min-h-11 items-center rounded-full px-4 text-sm font-semibold ring-1 ring-stone-300 aria-[current=page]:bg-rose-700 aria-[current=page]:text-white aria-[current=page]:ring-rose-700"
                aria-current=move || (filter.get() == which).then_some("page")
            >
                {label}
            </a>
        }
    };
    let gifts = view.gifts.clone();
    let viewer = view.viewer.clone();
    let open = view.open;
    let list_id = view.id;

    view! {
        <Title text=view.title.clone() />
        <Meta name="description" content=format!("{}: a gift list on Ewelists.", view.title) />
        <section class="mx-auto max-w-3xl px-4 py-6">
            <header>
                <img src=image alt="" width="640" height="200" class="h-32 w-full rounded-2xl object-cover ring-1 ring-stone-200 sm:h-40" />
                <h1 class="mt-4 text-2xl font-bold break-words sm:text-3xl">{view.title.clone()}</h1>
                <p class="text-stone-600">{view.occasion.label()}{date.map(|d| format!(" · {d}"))}</p>
                {view.message.clone().map(|m| view! { <p class="mt-3 whitespace-pre-line text-stone-800">{m}</p> })}
            </header>
            {(!open).then(|| view! {
                <p class="mt-4 rounded-lg bg-stone-200 px-4 py-3 font-semibold text-stone-800" data-testid="list-closed" role="status">
                    "This list is closed: gifts can no longer be reserved."
                </p>
            })}
            <nav aria-label="Show" class="mt-6 flex flex-wrap gap-2">
                {tab(Filter::All, "All", "")}
                {tab(Filter::Available, "Still wanted", "?show=available")}
                {tab(Filter::Bought, "Bought", "?show=bought")}
            </nav>
            <ul class="mt-4 grid gap-3" data-testid="gifts">
                {move || {
                    let shown: Vec<_> = gifts.iter().filter(|g| filter.get().keeps(g)).cloned().collect();
                    if shown.is_empty() {
                        view! { <li class="text-stone-700">"Nothing to show here."</li> }.into_any()
                    } else {
                        shown.into_iter().map(|gift| view! {
                            <GuestGiftCard gift list_id open viewer=viewer.clone() reserve />
                        }).collect_view().into_any()
                    }
                }}
            </ul>
        </section>
    }
}

#[component]
fn GuestGiftCard(
    gift: PublicGift,
    list_id: ListId,
    open: bool,
    viewer: Option<Viewer>,
    reserve: ServerAction<Reserve>,
) -> impl IntoView {
    let gift_id = gift.id;
    let id = gift_id.to_string();
    let title = gift.product.title.to_string();
    let price = gift.product.price.map(|p| p.display());
    let shop = gift.product.brand.as_ref().map(|b| b.to_string());
    let status = availability(&gift);
    let remaining = gift.remaining;
    // Errors belong to the card whose form was sent.
    let last_input = reserve.input();
    let error = form_error(reserve.value(), Reserve::PATH);
    let this_card =
        move || last_input.with(|i| i.as_ref().is_none_or(|r| r.gift_id == gift_id.to_string()));
    let card_error = Signal::derive(move || error.get().filter(|_| this_card()));
    let general = Signal::derive(move || {
        card_error
            .get()
            .filter(|e| !matches!(e, AppError::Invalid { .. }))
    });
    let field = move |name: &str| format!("{name}-{gift_id}");
    let (name, email) = viewer
        .clone()
        .map(|v| (v.name, v.email))
        .unwrap_or_default();
    let fixed = viewer.is_some();

    view! {
        <li class="rounded-2xl bg-white p-4 shadow-sm ring-1 ring-stone-200" data-testid="gift" data-gift-id=id.clone()>
            <div class="flex gap-3">
                {gift.product.image_url.as_ref().map(|src| view! {
                    <img src=src.as_str().to_owned() alt="" width="80" height="80" loading="lazy" class="h-20 w-20 shrink-0 rounded-lg object-contain ring-1 ring-stone-200" />
                })}
                <div class="min-w-0 flex-1">
                    <h2 class="font-semibold" data-testid="gift-title">{title.clone()}</h2>
                    <p class="text-sm text-stone-600">{shop}{price.map(|p| format!(" · {p}"))}</p>
                    <p class="mt-1 text-sm font-medium" data-testid="gift-availability">{status}</p>
                    {(gift.mine > 0).then(|| view! {
                        <p class="mt-1 inline-block rounded-full bg-green-100 px-3 py-1 text-sm font-semibold text-green-900" data-testid="mine">
                            {format!("You reserved {}", gift.mine)}
                        </p>
                    })}
                    {gift.notes.clone().map(|n| view! { <p class="mt-1 whitespace-pre-line text-sm text-stone-700">{n}</p> })}
                    {gift.product.url.as_ref().map(|url| view! {
                        <p class="mt-1"><a href=url.as_str().to_owned() target="_blank" rel="noopener noreferrer" class="inline-flex min-h-11 items-center text-sm font-semibold text-rose-800 underline">"See it in the shop"</a></p>
                    })}
                </div>
            </div>
            // Outside the form: a lost race leaves nothing to reserve, and the reason must stay.
            <div class="mt-2"><ErrorMessage error=general /></div>
            {(open && remaining > 0).then(move || view! {
                // Open when its form came back with an error (also without the script).
                <details class="mt-2 border-t border-stone-100 pt-2" data-testid="reserve" open=move || card_error.get().is_some()>
                    <summary class=format!("{PRIMARY} cursor-pointer list-none")>"Reserve"</summary>
                    <ActionForm action=reserve attr:class="mt-3 grid gap-3" attr:novalidate="true">
                        <input type="hidden" name="list_id" value=list_id.to_string() />
                        <input type="hidden" name="gift_id" value=gift_id.to_string() />
                        // People never see this field; bots that fill in every field do.
                        <div class="hidden" aria-hidden="true">
                            <label for=field("website")>"Leave this empty"</label>
                            <input id=field("website") name="website" type="text" tabindex="-1" autocomplete="off" />
                        </div>
                        <div>
                            <label for=field("name") class=LABEL>"Your name"</label>
                            <input id=field("name") name="name" type="text" autocomplete="name" required value=name.clone() readonly=fixed class=INPUT aria-describedby=field("name-error") />
                            <FieldError error=card_error field="name" id=field("name-error") />
                        </div>
                        <div>
                            <label for=field("email") class=LABEL>"Your email"</label>
                            <input id=field("email") name="email" type="email" autocomplete="email" required value=email.clone() readonly=fixed class=INPUT aria-describedby=field("email-hint") />
                            <p id=field("email-hint") class="mt-1 text-sm text-stone-600">"We email you a private link to confirm, change or cancel. The list's owner never sees it."</p>
                            <FieldError error=card_error field="email" id=field("email-error") />
                        </div>
                        <div>
                            <label for=field("quantity") class=LABEL>"How many?"</label>
                            <select id=field("quantity") name="quantity" class=format!("{INPUT} max-w-32")>
                                {(1..=remaining).map(|n| view! { <option value=n.to_string()>{n}</option> }).collect_view()}
                            </select>
                            <FieldError error=card_error field="quantity" id=field("quantity-error") />
                        </div>
                        <div><SubmitButton pending=reserve.pending() label="Reserve it" busy="Reserving…" /></div>
                    </ActionForm>
                </details>
            })}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{GiftId, ProductSnapshot, ProductTitle};

    fn gift(wanted: u32, remaining: u32, bought: u32) -> PublicGift {
        PublicGift {
            id: GiftId::generate(),
            product: ProductSnapshot {
                title: ProductTitle::parse("Cot").unwrap(),
                brand: None,
                url: None,
                image_url: None,
                price: None,
            },
            notes: None,
            wanted,
            remaining,
            bought,
            mine: 0,
        }
    }

    #[test]
    fn availability_in_words() {
        assert_eq!(availability(&gift(3, 2, 0)), "2 of 3 still wanted");
        assert_eq!(availability(&gift(1, 1, 0)), "Still wanted");
        assert_eq!(availability(&gift(2, 0, 1)), "All reserved");
        assert_eq!(availability(&gift(2, 0, 2)), "Bought");
    }

    #[test]
    fn filters_keep_what_they_say() {
        let open = gift(3, 2, 1);
        let gone = gift(1, 0, 0);
        assert!(Filter::All.keeps(&gone));
        assert!(Filter::Available.keeps(&open) && !Filter::Available.keeps(&gone));
        assert!(Filter::Bought.keeps(&open) && !Filter::Bought.keeps(&gone));
        assert_eq!(Filter::parse(Some("bought")), Filter::Bought);
        assert_eq!(Filter::parse(Some("nonsense")), Filter::All);
    }
}
