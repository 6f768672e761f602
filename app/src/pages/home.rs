//! The home page for visitors: what Ewelists does, with a live preview of a list per occasion.

use crate::components::meta::PageMeta;
use domain::Occasion;
use leptos::prelude::*;

/// A few gifts that show what a list for each occasion could hold.
fn sample_gifts(occasion: Occasion) -> [(&'static str, &'static str); 3] {
    match occasion {
        Occasion::BabyShower => [
            ("Travel cot", "John Lewis"),
            ("Muslin squares, pack of 6", "Mothercare"),
            ("Baby monitor", "Amazon"),
        ],
        Occasion::Birthday => [
            ("Balance bike", "Halfords"),
            ("Wooden train set", "Brio"),
            ("Picture books bundle", "Waterstones"),
        ],
        Occasion::Christmas => [
            ("Knitted stocking", "Etsy"),
            ("Board game", "Argos"),
            ("Cosy slippers", "M&S"),
        ],
        Occasion::Baptism | Occasion::Christening => [
            ("Silver keepsake box", "Not on the High Street"),
            ("Children's Bible", "Waterstones"),
            ("Engraved photo frame", "Etsy"),
        ],
        Occasion::Other => [
            ("Anything from any shop", "Paste the link"),
            ("Experiences", "Type the details"),
            ("Home-made things", "Add a note"),
        ],
    }
}

/// `/`: the landing page.
/// The home page as the router shows it: after an account was deleted (`?deleted=account`,
/// where the deletion sends the browser), it first says so.
#[component]
pub fn HomeRoute() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let deleted = move || query.with(|q| q.get("deleted").as_deref() == Some("account"));
    view! {
        {move || deleted().then(|| view! {
            <p role="status" data-testid="account-deleted" class="mx-auto mt-4 max-w-5xl rounded-lg bg-green-50 px-4 py-3 text-green-900 ring-1 ring-green-200">
                "Your account, your sign-in and all your lists have been deleted."
            </p>
        })}
        <HomePage />
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <PageMeta title="" description=crate::SITE_DESCRIPTION />
        <section class="bg-gradient-to-b from-rose-50 to-stone-50">
            <div class="mx-auto grid max-w-5xl gap-10 px-4 py-10 md:grid-cols-2 md:py-16">
                <div class="flex flex-col justify-center gap-5">
                    <h1 class="text-3xl font-extrabold leading-tight tracking-tight text-stone-900 sm:text-4xl">
                        "Gift lists for life's big moments"
                    </h1>
                    <p class="text-lg text-stone-700">
                        "Make a list for a baby shower, a birthday, Christmas or a christening. Add gifts from any shop, share one link, and let family and friends reserve what they will buy, without an account."
                    </p>
                    <ul class="grid gap-2 text-stone-700">
                        <li>"✓ Nothing is ever bought twice"</li>
                        <li>"✓ Guests need only a name and an email"</li>
                        <li>"✓ You choose how much of the surprise to keep"</li>
                    </ul>
                    <div>
                        <a
                            href=crate::routes::NEW_LIST.path()
                            class="inline-flex min-h-11 items-center rounded-lg bg-rose-700 px-5 font-semibold text-white hover:bg-rose-800"
                            data-testid="start-list"
                        >
                            "Start your list"
                        </a>
                    </div>
                </div>
                <OccasionPreview />
            </div>
        </section>

        <section id="how-it-works" class="mx-auto max-w-5xl scroll-mt-16 px-4 py-12">
            <h2 class="text-2xl font-bold">"How it works"</h2>
            <ol class="mt-6 grid gap-6 md:grid-cols-3">
                <li class="rounded-xl bg-white p-5 ring-1 ring-stone-200">
                    <h3 class="font-semibold">"1. Make a list"</h3>
                    <p class="mt-2 text-stone-700">"Pick the occasion and the date, and write a few words for your guests."</p>
                </li>
                <li class="rounded-xl bg-white p-5 ring-1 ring-stone-200">
                    <h3 class="font-semibold">"2. Add gifts from any shop"</h3>
                    <p class="mt-2 text-stone-700">"Paste a link and the details are filled in, or type them yourself. Set how many you need."</p>
                </li>
                <li class="rounded-xl bg-white p-5 ring-1 ring-stone-200">
                    <h3 class="font-semibold">"3. Share one link"</h3>
                    <p class="mt-2 text-stone-700">"Send it by message or email. Everyone sees what is still wanted."</p>
                </li>
            </ol>
        </section>

        <section id="for-guests" class="scroll-mt-16 bg-white">
            <div class="mx-auto max-w-5xl px-4 py-12">
                <h2 class="text-2xl font-bold">"For guests"</h2>
                <p class="mt-4 max-w-prose text-stone-700">
                    "Open the link, choose a gift and reserve it with your name and email. You buy it in the shop, then confirm it, change the quantity or cancel from the link in your confirmation email. Two guests can never reserve the same last gift."
                </p>
            </div>
        </section>

        <section id="surprise" class="mx-auto max-w-5xl scroll-mt-16 px-4 py-12">
            <h2 class="text-2xl font-bold">"Keeping the surprise"</h2>
            <p class="mt-4 max-w-prose text-stone-700">
                "Each list says how much you see: nothing at all, how many of each gift are reserved and bought, or who reserved what. You can also choose to see names only after the big day."
            </p>
        </section>
    }
}

/// A list for the chosen occasion: its picture and a few typical gifts.
#[island]
fn OccasionPreview() -> impl IntoView {
    let (occasion, set_occasion) = signal(Occasion::BabyShower);
    let hydrated = crate::hydrated_flag();
    view! {
        <div class="rounded-2xl bg-white p-4 shadow-sm ring-1 ring-stone-200" data-hydrated=hydrated>
            <h2 class="sr-only">"Preview a list"</h2>
            <p id="occasion-label" class="mb-2 text-sm font-medium text-stone-600">"Preview a list for:"</p>
            <div role="group" aria-labelledby="occasion-label" class="mb-4 flex flex-wrap gap-2">
                {Occasion::ALL
                    .into_iter()
                    .map(|o| {
                        view! {
                            <button
                                type="button"
                                class="min-h-11 rounded-full border px-4 text-sm font-medium transition aria-pressed:border-rose-700 aria-pressed:bg-rose-700 aria-pressed:text-white border-stone-300 text-stone-800 hover:border-rose-400"
                                aria-pressed=move || if occasion.get() == o { "true" } else { "false" }
                                on:click=move |_| set_occasion.set(o)
                            >
                                {o.label()}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <figure class="overflow-hidden rounded-xl ring-1 ring-stone-200">
                <img
                    src=move || occasion.get().image_path()
                    alt=""
                    width="640"
                    height="240"
                    class="h-32 w-full object-cover"
                />
                <figcaption class="p-4">
                    <p id="preview-title" class="text-lg font-semibold">
                        {move || format!("Our {} list", occasion.get().label().to_lowercase())}
                    </p>
                    <ul class="mt-3 divide-y divide-stone-100">
                        {move || {
                            sample_gifts(occasion.get())
                                .into_iter()
                                .map(|(gift, shop)| {
                                    view! {
                                        <li class="flex items-center justify-between py-2">
                                            <span>{gift}</span>
                                            <span class="text-sm text-stone-500">{shop}</span>
                                        </li>
                                    }
                                })
                                .collect_view()
                        }}
                    </ul>
                </figcaption>
            </figure>
        </div>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn render() -> String {
        Owner::new().with(|| {
            leptos_meta::provide_meta_context();
            view! { <HomePage /> }.to_html()
        })
    }

    #[test]
    fn offers_a_preview_for_every_occasion() {
        let html = render();
        for occasion in Occasion::ALL {
            assert!(
                html.contains(occasion.label()),
                "{} missing",
                occasion.label()
            );
        }
        // Exactly one occasion is chosen at first, and its picture and gifts are shown.
        assert_eq!(html.matches(r#"aria-pressed="true""#).count(), 1);
        assert!(html.contains(&Occasion::BabyShower.image_path()));
        assert!(html.contains("Travel cot"));
    }

    #[test]
    fn every_occasion_has_sample_gifts() {
        for occasion in Occasion::ALL {
            assert!(sample_gifts(occasion)
                .iter()
                .all(|(gift, shop)| !gift.is_empty() && !shop.is_empty()));
        }
    }
}
