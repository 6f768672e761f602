//! `/lists/:id`: the list as guests see it: what is still wanted, and reserving without an
//! account. The owner sees it the same way.
//!
//! Plain HTML, no WebAssembly. The page holds one reserve form, in the card of the gift chosen
//! by the address (`?reserve=<gift>`, the target of each card's "Reserve" link), so a list of
//! fifty gifts does not repeat fifty forms.

use crate::components::meta::PageMeta;
use domain::{GiftId, ListId};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
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

    /// The value of `show` in the page's address (`None`: all).
    pub fn as_query(self) -> Option<&'static str> {
        match self {
            Self::All => None,
            Self::Available => Some("available"),
            Self::Bought => Some("bought"),
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
    let list_id = params.with_untracked(|p| p.get("id").unwrap_or_default());
    let (filter, chosen) = query.with_untracked(|q| {
        (
            Filter::parse(q.get("show").as_deref()),
            q.get("reserve").and_then(|g| GiftId::parse(&g).ok()),
        )
    });
    let list = OnceResource::new(public_list(list_id));

    view! {
        <Suspense fallback=|| view! { <p class="px-4 py-8 text-stone-600">"Loading the list…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(view) => view! { <ListView view filter chosen /> }.into_any(),
                    Err(AppError::NotFound) => view! { <crate::pages::not_found::NotFound /> }.into_any(),
                    Err(err) => view! {
                        <section class="mx-auto max-w-xl px-4 py-16 text-center">
                            <h1 class="text-2xl font-bold">"We can't show this list just now"</h1>
                            <p role="alert" class="mt-3 text-stone-700">{err.to_string()}</p>
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The page's address with `show` (unless all) and `reserve` (a gift whose form is open).
fn page_link(list: &ListId, filter: Filter, reserve: Option<GiftId>) -> String {
    let mut query = Vec::new();
    if let Some(show) = filter.as_query() {
        query.push(format!("show={show}"));
    }
    if let Some(gift) = reserve {
        query.push(format!("reserve={gift}"));
    }
    let base = crate::routes::public_list(list);
    if query.is_empty() {
        base
    } else {
        format!("{base}?{}", query.join("&"))
    }
}

#[component]
fn ListView(view: PublicListView, filter: Filter, chosen: Option<GiftId>) -> impl IntoView {
    let image = view.occasion.image_path();
    let date = view.event_date.map(crate::format::long_date);
    let list_id = view.id;
    let tab = move |which: Filter, label: &'static str| {
        view! {
            <a
                href=page_link(&list_id, which, None)
                class="inline-flex min-h-11 items-center rounded-full px-4 text-sm font-semibold ring-1 ring-stone-300 aria-[current=page]:bg-rose-700 aria-[current=page]:text-white aria-[current=page]:ring-rose-700"
                aria-current=(filter == which).then_some("page")
            >
                {label}
            </a>
        }
    };
    let open = view.open;
    let viewer = view.viewer.clone();
    let shown: Vec<PublicGift> = view
        .gifts
        .iter()
        .filter(|g| filter.keeps(g))
        .cloned()
        .collect();

    view! {
        <PageMeta
            title=view.title.clone()
            description=format!("{}: a gift list on Ewelists. Choose a gift and reserve it, no account needed.", view.title)
            noindex=true
        />
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
                {tab(Filter::All, "All")}
                {tab(Filter::Available, "Still wanted")}
                {tab(Filter::Bought, "Bought")}
            </nav>
            <ul class="mt-4 grid gap-3" data-testid="gifts">
                {if shown.is_empty() {
                    view! { <li class="text-stone-700">"Nothing to show here."</li> }.into_any()
                } else {
                    shown.into_iter().map(|gift| {
                        let form = (chosen == Some(gift.id)).then(|| viewer.clone());
                        view! { <GuestGiftCard gift list_id open filter form /> }
                    }).collect_view().into_any()
                }}
            </ul>
        </section>
    }
}

/// One gift. Only the gift being reserved holds a form (`form`: `Some`, with the signed-in
/// person if any); the others link to their own.
#[component]
fn GuestGiftCard(
    gift: PublicGift,
    list_id: ListId,
    open: bool,
    filter: Filter,
    form: Option<Option<Viewer>>,
) -> impl IntoView {
    let title = gift.product.title.to_string();
    let price = gift.product.price.map(|p| p.display());
    let shop = gift.product.brand.as_ref().map(|b| b.to_string());
    let status = availability(&gift);
    let reservable = open && gift.remaining > 0;
    let reserve = match form {
        Some(viewer) if reservable => Some(
            view! { <ReserveForm gift=gift.clone() list_id filter viewer /> }.into_any(),
        ),
        // Chosen, but nothing is left (or the list closed): the refusal that brought the guest
        // back here says why.
        Some(_) => Some(view! { <ReserveRefusal /> }.into_any()),
        _ if reservable => Some(view! {
            <p class="mt-3 border-t border-stone-100 pt-3">
                <a href=format!("{}#gift-{}", page_link(&list_id, filter, Some(gift.id)), gift.id) class=PRIMARY data-testid="reserve-link" rel="nofollow">
                    "Reserve"
                    <span class="sr-only">{format!(" {title}")}</span>
                </a>
            </p>
        }.into_any()),
        _ => None,
    };

    view! {
        <li id=format!("gift-{}", gift.id) class="scroll-mt-16 rounded-2xl bg-white p-4 shadow-sm ring-1 ring-stone-200" data-testid="gift" data-gift-id=gift.id.to_string()>
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
            {reserve}
        </li>
    }
}

/// Why reserving the chosen gift was refused, when nothing can be reserved any more.
#[component]
fn ReserveRefusal() -> impl IntoView {
    let reserve = ServerAction::<Reserve>::new();
    let error = form_error(reserve.value(), Reserve::PATH);
    view! { <div class="mt-3"><ErrorMessage error /></div> }
}

/// The page's one reserve form, inside the chosen gift's card. A refusal comes back here with
/// its reason (a lost race leaves nothing to reserve, so the reason shows even without a form).
#[component]
fn ReserveForm(
    gift: PublicGift,
    list_id: ListId,
    filter: Filter,
    viewer: Option<Viewer>,
) -> impl IntoView {
    let reserve = ServerAction::<Reserve>::new();
    let error = form_error(reserve.value(), Reserve::PATH);
    let general = Signal::derive(move || {
        error
            .get()
            .filter(|e| !matches!(e, AppError::Invalid { .. }))
    });
    let (name, email) = viewer
        .clone()
        .map(|v| (v.name, v.email))
        .unwrap_or_default();
    let fixed = viewer.is_some();
    let remaining = gift.remaining;

    view! {
        <div class="mt-3 border-t border-stone-100 pt-3" data-testid="reserve">
            <ErrorMessage error=general />
            <ActionForm action=reserve attr:class="mt-2 grid gap-3" attr:novalidate="true" attr:id="reserve-form">
                <input type="hidden" name="list_id" value=list_id.to_string() />
                <input type="hidden" name="gift_id" value=gift.id.to_string() />
                // People never see this field; bots that fill in every field do.
                <div class="hidden" aria-hidden="true">
                    <label for="reserve-website">"Leave this empty"</label>
                    <input id="reserve-website" name="website" type="text" tabindex="-1" autocomplete="off" />
                </div>
                <div>
                    <label for="reserve-name" class=LABEL>"Your name"</label>
                    <input id="reserve-name" name="name" type="text" autocomplete="name" required value=name readonly=fixed class=INPUT aria-describedby="reserve-name-error" />
                    <FieldError error field="name" id="reserve-name-error".to_owned() />
                </div>
                <div>
                    <label for="reserve-email" class=LABEL>"Your email"</label>
                    <input id="reserve-email" name="email" type="email" autocomplete="email" required value=email readonly=fixed class=INPUT aria-describedby="reserve-email-hint" />
                    <p id="reserve-email-hint" class="mt-1 text-sm text-stone-600">"We email you a private link to confirm, change or cancel. The list's owner never sees it."</p>
                    <FieldError error field="email" id="reserve-email-error".to_owned() />
                </div>
                <div>
                    <label for="reserve-quantity" class=LABEL>"How many?"</label>
                    <select id="reserve-quantity" name="quantity" class=format!("{INPUT} max-w-32")>
                        {(1..=remaining).map(|n| view! { <option value=n.to_string()>{n}</option> }).collect_view()}
                    </select>
                    <FieldError error field="quantity" id="reserve-quantity-error".to_owned() />
                </div>
                <div class="flex flex-wrap items-center gap-3">
                    <SubmitButton label="Reserve it" busy="Reserving…" />
                    <a href=page_link(&list_id, filter, None) class="inline-flex min-h-11 items-center px-2 text-sm font-semibold text-stone-700 underline">"Not now"</a>
                </div>
            </ActionForm>
        </div>
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
