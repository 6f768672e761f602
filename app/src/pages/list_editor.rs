//! `/lists/:id/edit`: the owner's list: its header, the share bar, adding gifts, and the gifts
//! with what the surprise setting lets the owner see.

use domain::OwnerVisibility;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::meta::PageMeta;
use leptos_router::hooks::use_params_map;

use crate::components::add_gift::AddGiftPanel;
use crate::components::gift_card::GiftCard;
use crate::components::share::ShareBar;
use crate::components::ui::SECONDARY;
use crate::owner::{owner_list, OwnerListView};
use crate::routes;

#[component]
pub fn ListEditorPage() -> impl IntoView {
    let params = use_params_map();
    let list_id = move || params.with(|p| p.get("id").unwrap_or_default());
    let list = Resource::new(list_id, owner_list);

    view! {
        <PageMeta title="Your list" description="Add gifts to your list and share it." noindex=true />
        <section class="mx-auto max-w-3xl px-4 py-6">
            <p><a href=routes::DASHBOARD.path() class="inline-flex min-h-11 items-center text-sm font-medium text-rose-800 hover:underline">"← Your lists"</a></p>
            <Transition fallback=|| view! { <p class="text-stone-600">"Loading the list…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(view) => view! { <Editor view /> }.into_any(),
                        Err(err) => view! {
                            <Title text="List not found" />
                            <h1 class="text-2xl font-bold">"We can't show this list"</h1>
                            <p role="alert" class="mt-3 text-stone-700">{err.to_string()}</p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Editor(view: OwnerListView) -> impl IntoView {
    let OwnerListView {
        list,
        share_url,
        visibility,
        gifts,
        reservations,
    } = view;
    let id = list.id.to_string();
    let title = list.details.title.to_string();
    let open = list.is_open();
    let date = list.details.event_date.map(crate::format::long_date);
    let message = list.details.message.as_ref().map(|m| m.to_string());
    let names_for = move |gift_id: domain::GiftId| {
        reservations
            .iter()
            .filter(|r| r.gift_id == gift_id)
            .cloned()
            .collect::<Vec<_>>()
    };
    let seeing = match visibility {
        OwnerVisibility::Nothing => "Surprise: you don't see what guests reserve.",
        OwnerVisibility::Counts => "You see how many are reserved and bought, not by whom.",
        OwnerVisibility::Names => "You see who reserved and bought each gift.",
    };

    view! {
        <Title text=title.clone() />
        <header class="flex items-start gap-4">
            <img src=list.image_path() alt="" width="88" height="88" class="h-20 w-20 shrink-0 rounded-2xl object-cover ring-1 ring-stone-200 sm:h-24 sm:w-24" />
            <div class="min-w-0 flex-1">
                <h1 class="text-2xl font-bold break-words" data-testid="list-title">{title.clone()}</h1>
                <p class="text-sm text-stone-600">
                    {list.details.occasion.label()}
                    {date.map(|d| format!(" · {d}"))}
                </p>
                {(!open).then(|| view! {
                    <p class="mt-1 inline-block rounded-full bg-stone-200 px-3 py-1 text-sm font-semibold text-stone-800" data-testid="closed-badge">"Closed: guests can no longer reserve"</p>
                })}
                {message.map(|m| view! { <p class="mt-2 whitespace-pre-line text-stone-700">{m}</p> })}
            </div>
        </header>
        <div class="mt-3 flex flex-wrap gap-2">
            {open.then(|| view! { <a href="#share-heading" class=SECONDARY>"Share"</a> })}
            <a href=routes::list_settings(&list.id) class=SECONDARY>"Settings"</a>
            <a href=routes::public_list(&list.id) class=SECONDARY>"See it as a guest"</a>
        </div>

        <div class="mt-6 grid gap-6">
            // On a phone the gifts come right after adding one; sharing follows them (the
            // "Share" button above leads there).
            {open.then(|| view! { <AddGiftPanel list_id=id.clone() editor=routes::list_editor(&list.id) /> })}

            <section aria-labelledby="gifts-heading">
                <h2 id="gifts-heading" class="text-lg font-semibold">"Gifts"</h2>
                <p class="text-sm text-stone-600">{seeing}</p>
                {if gifts.is_empty() {
                    view! { <p class="mt-3 text-stone-700" data-testid="no-gifts">"No gifts yet. Paste a link above to add the first."</p> }.into_any()
                } else {
                    view! {
                        <ul class="mt-3 grid gap-3">
                            {gifts.into_iter().map(|gift| {
                                let names = names_for(gift.id);
                                view! { <GiftCard list_id=id.clone() gift visibility names open /> }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
            {open.then(|| view! { <ShareBar title=title.clone() url=share_url.clone() /> })}
        </div>
    }
}
