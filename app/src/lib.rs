//! Ewelists' user interface: the HTML shell, the router, pages and components.
//!
//! Everything here renders on the server (feature `ssr`) and hydrates in the browser
//! (feature `hydrate`). Server and browser must build the same tree, so nothing in a view
//! may depend on which side it runs on, except through effects (which run in the browser only).

pub mod account;
pub mod components;
#[cfg(feature = "ssr")]
pub mod csp;
pub mod error;
pub mod format;
pub mod forms;
pub mod guest;
pub mod owner;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ports;
#[cfg(feature = "ssr")]
pub mod request;
pub mod routes;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

use crate::components::layout::{Footer, Header};
use crate::pages::{
    account::AccountPage, dashboard::DashboardPage, error::ErrorPage, home::HomePage,
    list_editor::ListEditorPage, list_settings::ListSettingsPage, new_list::NewListPage,
    not_found::NotFound, public_list::PublicListPage, reservation::ReservationPage,
    sign_in_problem::SignInProblemPage,
};

/// The document around the app: rendered once per request on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    csp::apply(&options);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#be3455" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="min-h-dvh bg-stone-50 text-stone-900 antialiased">
                <App />
            </body>
        </html>
    }
}

/// The application: layout, routes and the error boundary around every page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Set once the WebAssembly has taken over the page; end-to-end tests wait for it.
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));

    view! {
        <Stylesheet id="ewelists" href="/pkg/ewelists.css" />
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml" />
        <Title formatter=|page: String| {
            if page.is_empty() { "Ewelists".to_owned() } else { format!("{page} · Ewelists") }
        } />
        <Meta
            name="description"
            content="Gift lists for baby showers, birthdays, Christmas and christenings: add gifts from any shop, share one link, and guests reserve without an account."
        />
        <Router>
            <div
                id="app"
                class="flex min-h-dvh flex-col"
                data-hydrated=move || if hydrated.get() { "true" } else { "false" }
            >
                <a
                    href="#main"
                    class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2"
                >
                    "Skip to content"
                </a>
                <Header />
                <main id="main" class="flex-1">
                    <ErrorBoundary fallback=|errors| view! { <ErrorPage errors /> }>
                        <Routes fallback=NotFound>
                            <Route path=path!("") view=HomePage />
                            <Route path=path!("/account") view=AccountPage />
                            <Route path=path!("/sign-in/problem") view=SignInProblemPage />
                            <Route path=path!("/lists") view=DashboardPage />
                            <Route path=path!("/lists/new") view=NewListPage />
                            <Route path=path!("/lists/:id/edit") view=ListEditorPage />
                            <Route path=path!("/lists/:id/settings") view=ListSettingsPage />
                            // Rendered whole before answering, so that the status (404, 429)
                            // is the page's own.
                            <Route path=path!("/lists/:id") view=PublicListPage ssr=SsrMode::Async />
                            <Route path=path!("/reservations/:token") view=ReservationPage ssr=SsrMode::Async />
                        </Routes>
                    </ErrorBoundary>
                </main>
                <Footer />
            </div>
        </Router>
    }
}
