//! The header's sign-in link or account link, and the sign-out button.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::account::current_viewer;
use crate::routes::{self, sign_in_href};

const LINK_CLASS: &str = "inline-flex h-11 items-center rounded-lg px-3 text-sm font-semibold";

/// "Sign in" (back to this page afterwards) for visitors; a link to the account for a
/// signed-in person.
#[component]
pub fn AccountLink() -> impl IntoView {
    let viewer = Resource::new(|| (), |_| current_viewer());
    let location = use_location();
    let here = move || {
        let path = location.pathname.get();
        let query = location.search.get();
        if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        }
    };

    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match viewer.await {
                    Ok(Some(person)) => view! {
                        <a href=routes::DASHBOARD.path() class=format!("{LINK_CLASS} text-stone-800 hover:bg-stone-100") data-testid="my-lists-link">
                            "My lists"
                        </a>
                        <a
                            href=routes::ACCOUNT.path()
                            class=format!("{LINK_CLASS} max-w-40 gap-2 text-stone-800 hover:bg-stone-100")
                            data-testid="account-link"
                        >
                            <span aria-hidden="true" class="flex h-7 w-7 shrink-0 items-center justify-center rounded-full bg-rose-100 text-rose-800">
                                {initial(&person.name)}
                            </span>
                            <span class="sr-only sm:not-sr-only sm:truncate">"Account"</span>
                        </a>
                    }
                    .into_any(),
                    _ => view! {
                        // A plain link: it leaves the app for the sign-in page.
                        <a
                            href=move || sign_in_href(&here())
                            rel="external"
                            class=format!("{LINK_CLASS} bg-rose-700 text-white hover:bg-rose-800")
                            data-testid="sign-in-link"
                        >
                            "Sign in"
                        </a>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

/// The first letter of a name, for the small avatar.
fn initial(name: &str) -> String {
    name.chars()
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default()
}

/// Signs out: a plain form post (it works before the page's script has loaded), which ends the
/// session and the hosted sign-in's session too.
#[component]
pub fn SignOutButton() -> impl IntoView {
    view! {
        <form method="post" action=routes::SIGN_OUT.path()>
            <button
                type="submit"
                class="inline-flex min-h-11 items-center rounded-lg border border-stone-300 bg-white px-5 font-semibold text-stone-800 hover:bg-stone-100"
            >
                "Sign out"
            </button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::initial;

    #[test]
    fn the_avatar_shows_the_first_letter_in_capitals() {
        assert_eq!(initial("ann"), "A");
        assert_eq!(initial("émile"), "É");
        assert_eq!(initial(""), "");
    }
}
