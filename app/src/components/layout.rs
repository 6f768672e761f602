//! The frame of every page: header with its mobile menu, and footer.

use leptos::prelude::*;

use crate::components::account::AccountLink;
use crate::routes;

/// Links shown in the header (and repeated in the footer).
const NAV_LINKS: [(&str, &str); 3] = [
    (routes::HOW_IT_WORKS.path(), "How it works"),
    (routes::IDEAS.path(), "List ideas"),
    (routes::FAQ.path(), "FAQ"),
];

/// The footer's links to the site's rules.
const SMALL_PRINT: [(&str, &str); 4] = [
    (routes::CONTACT.path(), "Contact"),
    (routes::PRIVACY.path(), "Privacy"),
    (routes::TERMS.path(), "Terms"),
    (routes::COOKIES.path(), "Cookies"),
];

/// The list of site links, styled per place; used by the header, its mobile menu and the footer.
#[component]
fn NavLinks(list_class: &'static str, link_class: &'static str) -> impl IntoView {
    view! {
        <ul class=list_class>
            {NAV_LINKS
                .iter()
                .map(|(href, label)| {
                    view! {
                        <li>
                            <a href=*href class=link_class>
                                {*label}
                            </a>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// The site header. On small screens the links fold into a menu behind a button: a
/// `<details>`, so it opens without any script (the page script closes it on a link).
#[component]
pub fn Header() -> impl IntoView {
    view! {
        <header class="sticky top-0 z-40 border-b border-stone-200 bg-white/95 backdrop-blur">
            <div class="mx-auto flex h-14 max-w-5xl items-center justify-between px-4">
                <a href="/" class="flex items-center gap-2 rounded text-lg font-bold text-rose-700">
                    <img src="/favicon.svg" alt="" width="28" height="28" />
                    "Ewelists"
                </a>
                <nav aria-label="Main" class="hidden md:block">
                    <NavLinks
                        list_class="flex gap-6 text-sm font-medium"
                        link_class="rounded py-2 text-stone-700 hover:text-rose-700"
                    />
                </nav>
                <div class="flex items-center gap-1">
                <AccountLink />
                <details id="mobile-menu" class="md:hidden">
                    <summary
                        id="menu-button"
                        class="inline-flex h-11 min-w-11 cursor-pointer list-none items-center justify-center gap-2 rounded-lg px-3 text-sm font-medium text-stone-700 hover:bg-stone-100 [&::-webkit-details-marker]:hidden"
                    >
                        <svg aria-hidden="true" viewBox="0 0 24 24" class="h-5 w-5" fill="none" stroke="currentColor" stroke-width="2">
                            <path d="M4 7h16M4 12h16M4 17h16" stroke-linecap="round" />
                        </svg>
                        "Menu"
                    </summary>
                    <nav aria-label="Main" class="absolute inset-x-0 top-full border-t border-stone-200 bg-white shadow-sm">
                        <NavLinks
                            list_class="mx-auto max-w-5xl px-2 py-2"
                            link_class="flex min-h-11 items-center rounded-lg px-3 text-base text-stone-800 hover:bg-stone-100"
                        />
                    </nav>
                </details>
                </div>
            </div>
        </header>
    }
}

/// The site footer.
#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="border-t border-stone-200 bg-white">
            <div class="mx-auto flex max-w-5xl flex-col gap-4 px-4 py-6 text-sm text-stone-600 sm:flex-row sm:items-center sm:justify-between">
                <p>"Ewelists: gift lists for life's big moments."</p>
                <nav aria-label="Footer" class="flex flex-wrap items-center gap-x-4">
                    <NavLinks
                        list_class="flex flex-wrap gap-x-4 gap-y-1"
                        link_class="inline-flex min-h-11 items-center hover:text-rose-700"
                    />
                    {SMALL_PRINT
                        .iter()
                        .map(|(href, label)| view! {
                            <a href=*href class="inline-flex min-h-11 items-center hover:text-rose-700">{*label}</a>
                        })
                        .collect_view()}
                </nav>
            </div>
        </footer>
    }
}
