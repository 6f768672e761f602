//! The written pages (`/how-it-works`, `/faq`, `/terms`, `/cookies`): Markdown from
//! `content/pages/` ([`crate::content`]).

use leptos::prelude::*;

use crate::components::meta::PageMeta;
use crate::content;
use crate::pages::not_found::NotFound;

/// The page whose file is `content/pages/<slug>.md`.
#[component]
pub fn WrittenPage(slug: &'static str) -> impl IntoView {
    let Some(page) = content::page(slug) else {
        return view! { <NotFound /> }.into_any();
    };
    view! {
        <PageMeta title=page.title.clone() description=page.description.clone() />
        <article class="mx-auto max-w-2xl px-4 py-10" data-testid=format!("page-{slug}")>
            <h1 class="text-3xl font-bold">{page.title.clone()}</h1>
            <div class="written mt-6" inner_html=page.html.clone()></div>
        </article>
    }
    .into_any()
}
