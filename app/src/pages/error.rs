//! What a page shows when rendering it failed.

use crate::components::meta::PageMeta;
use leptos::prelude::*;

/// The error boundary's fallback: a plain apology with the errors' own words, and a way back.
///
/// Errors that reach this page are the app's typed errors, whose `Display` is written for people;
/// internal details never get this far.
#[component]
pub fn ErrorPage(errors: ArcRwSignal<Errors>) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::INTERNAL_SERVER_ERROR);
    }
    let messages = move || {
        errors
            .get()
            .into_iter()
            .map(|(_, error)| view! { <li>{error.to_string()}</li> })
            .collect_view()
    };

    view! {
        <PageMeta title="Something went wrong" description="Something went wrong on Ewelists." noindex=true />
        <section role="alert" class="mx-auto max-w-xl px-4 py-16 text-center">
            <h1 class="text-3xl font-bold">"Something went wrong"</h1>
            <ul class="mt-4 text-stone-700">{messages}</ul>
            <a
                href="/"
                class="mt-8 inline-flex min-h-11 items-center rounded-lg bg-rose-700 px-5 font-semibold text-white hover:bg-rose-800"
            >
                "Go to the home page"
            </a>
        </section>
    }
}
