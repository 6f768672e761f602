//! Ewelists' user interface: the HTML shell, the router, pages and components.
//!
//! Pages render on the server only (feature `ssr`; Leptos' islands mode). The few parts that
//! need the browser are `#[island]`s: they are rendered on the server too and hydrated in the
//! browser (feature `hydrate`), so an island builds the same tree on both sides and reaches the
//! browser only through effects. Islands take their data as props (no router hooks inside),
//! and only pages that hold one load the site's WebAssembly ([`routes::has_islands`]); every
//! other page is plain HTML whose forms post, with a small inline script ([`PAGE_SCRIPT`]).

pub mod account;
pub mod admin;
pub mod components;
pub mod contact;
pub mod content;
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
use leptos_meta::{provide_meta_context, HashedStylesheet, Link, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    SsrMode,
};

use crate::components::layout::{Footer, Header};
use crate::pages::{
    account::AccountPage,
    admin::{AdminAuditPage, AdminCataloguePage, AdminHomePage, AdminProductPage, AdminQueuePage},
    contact::ContactPage,
    dashboard::DashboardPage,
    error::ErrorPage,
    home::HomeRoute,
    ideas::{IdeaPage, IdeasPage},
    list_editor::ListEditorPage,
    list_settings::ListSettingsPage,
    new_list::NewListPage,
    not_found::NotFound,
    privacy::PrivacyPage,
    public_list::PublicListPage,
    reservation::ReservationPage,
    sign_in_problem::SignInProblemPage,
    written::WrittenPage,
};

/// What the site is, in one sentence (the home page's description).
pub const SITE_DESCRIPTION: &str = "Gift lists for baby showers, birthdays, Christmas and christenings: add gifts from any shop, share one link, and guests reserve without an account.";

/// The script of every page (forms that say they are being sent, the phone menu closing on a
/// link). Inline and tiny; the page works without it.
pub const PAGE_SCRIPT: &str = include_str!("js/page.js");

/// The site's stylesheet, put into every page's `<head>` (the server provides it as context
/// when it has the built file; otherwise pages link to the file). Inline, the first paint needs
/// no second round trip, which on a slow phone network is most of the wait.
#[derive(Debug, Clone)]
pub struct InlineStyle(pub std::sync::Arc<str>);

/// Whether the page being rendered has islands (and so loads the WebAssembly).
fn page_has_islands() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .is_some_and(|parts| routes::has_islands(parts.uri.path()))
    }
    #[cfg(not(feature = "ssr"))]
    {
        false
    }
}

/// `data-hydrated` of an island's root: `false` as the server renders it, `true` once the
/// browser has hydrated it (end-to-end tests wait for that).
pub fn hydrated_flag() -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    move || if hydrated.get() { "true" } else { "false" }
}

/// The document around the app: rendered once per request on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let islands = page_has_islands();
    #[cfg(feature = "ssr")]
    let nonce = csp::apply(&options, islands);
    #[cfg(not(feature = "ssr"))]
    let nonce: Option<leptos::nonce::Nonce> = None;
    let style = match use_context::<InlineStyle>() {
        Some(InlineStyle(css)) => {
            view! { <style nonce=nonce.clone() inner_html=css></style> }.into_any()
        }
        // The file names carry their content's hash (cargo-leptos `hash-files`).
        None => view! { <HashedStylesheet options=options.clone() id="ewelists" /> }.into_any(),
    };
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#be3455" />
                <AutoReload options=options.clone() />
                {style}
                {islands.then(|| view! { <HydrationScripts options islands=true /> })}
                <script nonce=nonce inner_html=PAGE_SCRIPT></script>
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

    view! {
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml" />
        <Title formatter=|page: String| {
            if page.is_empty() { "Ewelists".to_owned() } else { format!("{page} · Ewelists") }
        } />
        <Router>
            <div id="app" class="flex min-h-dvh flex-col">
                <a
                    href="#main"
                    class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2"
                >
                    "Skip to content"
                </a>
                <Header />
                <main id="main" class="flex-1">
                    <ErrorBoundary fallback=|errors| view! { <ErrorPage errors /> }>
                        // Every page is rendered whole before answering (`SsrMode::Async`), so
                        // that its status (404, 429) and its title are its own: no script
                        // finishes a page in the browser.
                        <Routes fallback=NotFound>
                            <Route path=routes::HOME view=HomeRoute ssr=SsrMode::Async />
                            <Route path=routes::PRIVACY view=PrivacyPage ssr=SsrMode::Async />
                            <Route path=routes::HOW_IT_WORKS view=|| view! { <WrittenPage slug="how-it-works" /> } ssr=SsrMode::Async />
                            <Route path=routes::FAQ view=|| view! { <WrittenPage slug="faq" /> } ssr=SsrMode::Async />
                            <Route path=routes::TERMS view=|| view! { <WrittenPage slug="terms" /> } ssr=SsrMode::Async />
                            <Route path=routes::COOKIES view=|| view! { <WrittenPage slug="cookies" /> } ssr=SsrMode::Async />
                            <Route path=routes::CONTACT view=ContactPage ssr=SsrMode::Async />
                            <Route path=routes::IDEAS view=IdeasPage ssr=SsrMode::Async />
                            <Route path=routes::IDEA view=IdeaPage ssr=SsrMode::Async />
                            <Route path=routes::ACCOUNT view=AccountPage ssr=SsrMode::Async />
                            <Route path=routes::SIGN_IN_PROBLEM view=SignInProblemPage ssr=SsrMode::Async />
                            <Route path=routes::ADMIN view=AdminHomePage ssr=SsrMode::Async />
                            <Route path=routes::ADMIN_QUEUE view=AdminQueuePage ssr=SsrMode::Async />
                            <Route path=routes::ADMIN_CATALOGUE view=AdminCataloguePage ssr=SsrMode::Async />
                            <Route path=routes::ADMIN_IMPORT view=AdminCataloguePage ssr=SsrMode::Async />
                            <Route path=routes::ADMIN_PRODUCT view=AdminProductPage ssr=SsrMode::Async />
                            <Route path=routes::ADMIN_AUDIT view=AdminAuditPage ssr=SsrMode::Async />
                            <Route path=routes::DASHBOARD view=DashboardPage ssr=SsrMode::Async />
                            <Route path=routes::NEW_LIST view=NewListPage ssr=SsrMode::Async />
                            <Route path=routes::LIST_EDITOR view=ListEditorPage ssr=SsrMode::Async />
                            <Route path=routes::LIST_SETTINGS view=ListSettingsPage ssr=SsrMode::Async />
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
        use crate::{account, contact, guest, owner, routes};
        use leptos::server_fn::ServerFn;

        let paths = [
            account::CurrentViewer::PATH,
            account::MyAccount::PATH,
            contact::SendContact::PATH,
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
