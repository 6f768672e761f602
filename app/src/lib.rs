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
use leptos_meta::{provide_meta_context, HashedStylesheet, Link, Meta, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    SsrMode,
};

use crate::components::layout::{Footer, Header};
use crate::pages::{
    account::AccountPage, dashboard::DashboardPage, error::ErrorPage, home::HomeRoute,
    list_editor::ListEditorPage, list_settings::ListSettingsPage, new_list::NewListPage,
    not_found::NotFound, privacy::PrivacyPage, public_list::PublicListPage,
    reservation::ReservationPage, sign_in_problem::SignInProblemPage,
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
                // The file names carry their content's hash (cargo-leptos `hash-files`).
                <HashedStylesheet options=options.clone() id="ewelists" />
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
                            <Route path=routes::HOME view=HomeRoute />
                            <Route path=routes::PRIVACY view=PrivacyPage />
                            <Route path=routes::ACCOUNT view=AccountPage />
                            <Route path=routes::SIGN_IN_PROBLEM view=SignInProblemPage />
                            <Route path=routes::DASHBOARD view=DashboardPage />
                            <Route path=routes::NEW_LIST view=NewListPage />
                            <Route path=routes::LIST_EDITOR view=ListEditorPage />
                            <Route path=routes::LIST_SETTINGS view=ListSettingsPage />
                            // Rendered whole before answering, so that the status (404, 429)
                            // is the page's own.
                            <Route path=routes::PUBLIC_LIST view=PublicListPage ssr=SsrMode::Async />
                            <Route path=routes::RESERVATION view=ReservationPage ssr=SsrMode::Async />
                        </Routes>
                    </ErrorBoundary>
                </main>
                <Footer />
            </div>
        </Router>
    }
}

#[cfg(test)]
mod tests {
    /// The text between `start` and the next `end` in `source`.
    fn between<'a>(source: &'a str, start: &str, end: &str) -> &'a str {
        let from = source.find(start).expect(start) + start.len();
        let to = source[from..].find(end).expect(end) + from;
        &source[from..to]
    }

    #[test]
    fn every_route_in_the_router_comes_from_the_route_table_in_its_order() {
        let router = between(include_str!("lib.rs"), "<Routes fallback", "</Routes>");
        let table = between(include_str!("routes.rs"), "pub const ALL", "];");
        let table: Vec<&str> = table
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|word| !word.is_empty())
            .collect();
        let mut last = None;
        let mut seen = 0;
        for route in router.split("<Route ").skip(1) {
            let path = route.split_whitespace().next().unwrap_or_default();
            let name = path
                .strip_prefix("path=routes::")
                .unwrap_or_else(|| panic!("a <Route> whose path is not from the table: {path}"));
            let place = table.iter().position(|word| *word == name);
            assert!(place.is_some(), "routes::{name} is not in routes::ALL");
            assert!(place > last, "routes::{name} is out of the table's order");
            last = place;
            seen += 1;
        }
        assert!(seen > 0, "no <Route> found in the router");
    }

    #[test]
    fn server_functions_answer_under_their_prefix() {
        use crate::{account, guest, owner, routes};
        use leptos::server_fn::ServerFn;

        let paths = [
            account::CurrentViewer::PATH,
            account::MyAccount::PATH,
            owner::MyLists::PATH,
            owner::CreateList::PATH,
            owner::OwnerList::PATH,
            owner::UpdateList::PATH,
            owner::SetSurprise::PATH,
            owner::CloseList::PATH,
            owner::DeleteList::PATH,
            owner::LookUpLink::PATH,
            owner::AddGift::PATH,
            owner::UpdateGift::PATH,
            owner::RemoveGift::PATH,
            guest::PublicList::PATH,
            guest::Reserve::PATH,
            guest::Reservation::PATH,
            guest::ConfirmPurchase::PATH,
            guest::ChangeReservation::PATH,
            guest::CancelReservation::PATH,
        ];
        for path in paths {
            let rest = path
                .strip_prefix(routes::SERVER_FUNCTIONS)
                .unwrap_or_default();
            assert!(rest.starts_with('/') && rest.len() > 1, "{path}");
            assert_eq!(routes::route_of(path), None, "{path}");
        }
    }
}
