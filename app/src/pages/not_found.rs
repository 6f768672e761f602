//! The page for addresses that lead nowhere.

use crate::components::meta::PageMeta;
use leptos::prelude::*;

/// Shown for unknown paths, with a 404 status when rendered on the server.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }

    view! {
        <PageMeta title="Page not found" description="This page does not exist on Ewelists." noindex=true />
        <section class="mx-auto max-w-xl px-4 py-16 text-center">
            <p class="text-sm font-semibold uppercase tracking-wide text-rose-700">"404"</p>
            <h1 class="mt-2 text-3xl font-bold">"We can't find that page"</h1>
            <p class="mt-4 text-stone-700">
                "The link may be mistyped, or the list it pointed to may have been deleted by its owner."
            </p>
            <a
                href="/"
                class="mt-8 inline-flex min-h-11 items-center rounded-lg bg-rose-700 px-5 font-semibold text-white hover:bg-rose-800"
            >
                "Go to the home page"
            </a>
        </section>
    }
}
