//! `/lists`: the owner's lists (home once signed in).

use crate::components::meta::PageMeta;
use leptos::prelude::*;

use crate::components::ui::{CARD, PRIMARY};
use crate::owner::{my_lists, ListSummary};
use crate::routes;

/// Open lists first, closed ones apart; an empty state that leads to the first list.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let lists = Resource::new(|| (), |_| my_lists());

    view! {
        <PageMeta title="Your lists" description="Your gift lists on Ewelists." noindex=true />
        <section class="mx-auto max-w-3xl px-4 py-8">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h1 class="text-2xl font-bold">"Your lists"</h1>
                <a href=routes::NEW_LIST.path() class=PRIMARY>"New list"</a>
            </div>
            <Suspense fallback=|| view! { <p class="mt-6 text-stone-600">"Loading your lists…"</p> }>
                {move || Suspend::new(async move {
                    match lists.await {
                        Ok(lists) if lists.is_empty() => view! { <EmptyState /> }.into_any(),
                        Ok(lists) => {
                            let (open, closed): (Vec<_>, Vec<_>) =
                                lists.into_iter().partition(|l| l.open);
                            view! {
                                <ListGroup heading="Open" id="open-lists" lists=open empty="No open lists." />
                                <ListGroup heading="Closed" id="closed-lists" lists=closed empty="No closed lists." />
                            }
                            .into_any()
                        }
                        Err(err) => view! { <p role="alert" class="mt-6 text-red-800">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn EmptyState() -> impl IntoView {
    view! {
        <div class=format!("{CARD} mt-6 text-center")>
            <img src="/images/occasions/baby-shower.svg" alt="" width="320" height="120" class="mx-auto h-28 w-full max-w-xs rounded-xl object-cover" />
            <h2 class="mt-4 text-lg font-semibold">"Make your first list"</h2>
            <p class="mt-2 text-stone-700">
                "Choose the occasion, add gifts from any shop, and share one link with family and friends."
            </p>
            <a href=routes::NEW_LIST.path() class=format!("{PRIMARY} mt-5")>"Create a list"</a>
        </div>
    }
}

#[component]
fn ListGroup(
    heading: &'static str,
    id: &'static str,
    lists: Vec<ListSummary>,
    empty: &'static str,
) -> impl IntoView {
    let heading_id = format!("{id}-heading");
    let labelled_by = heading_id.clone();
    view! {
        <section class="mt-8" aria-labelledby=labelled_by>
            <h2 id=heading_id class="text-sm font-semibold uppercase tracking-wide text-stone-600">{heading}</h2>
            {if lists.is_empty() {
                view! { <p class="mt-3 text-stone-600">{empty}</p> }.into_any()
            } else {
                view! {
                    <ul id=id class="mt-3 grid gap-3">
                        {lists.into_iter().map(|list| view! { <ListCard list /> }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
    }
}

#[component]
fn ListCard(list: ListSummary) -> impl IntoView {
    let date = list.event_date.map(crate::format::long_date);
    view! {
        <li>
            <a
                href=routes::list_editor(&list.id)
                class="flex min-h-11 items-center gap-4 rounded-2xl bg-white p-3 shadow-sm ring-1 ring-stone-200 hover:ring-rose-300 focus-visible:outline focus-visible:outline-2 focus-visible:outline-rose-700"
            >
                <img src=list.occasion.image_path() alt="" width="64" height="64" class="h-16 w-16 shrink-0 rounded-xl object-cover" />
                <span class="min-w-0">
                    <span class="block truncate font-semibold">{list.title}</span>
                    <span class="block text-sm text-stone-600">
                        {list.occasion.label()}
                        {date.map(|d| format!(" · {d}"))}
                        {(!list.open).then_some(" · closed")}
                    </span>
                </span>
            </a>
        </li>
    }
}
