//! `/sign-in/problem`: where a sign-in that failed lands, in words, with a way back. The page
//! reads only a code from its address and says what it means in the site's own words: anyone
//! can make a link to it, so nothing else in the address is ever shown.

use crate::components::meta::PageMeta;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::routes::{self, sign_in_href};

/// What a failure code means for the person. The codes are the hosted sign-in's
/// (`access_denied`, …) and the app's own (`expired`, `failed`, `email`, `unavailable`).
pub fn explain(code: &str) -> &'static str {
    match code {
        "access_denied" => "Sign-in was cancelled or refused.",
        "expired" => {
            "That sign-in took too long, was already finished, or was started in another browser. Please start again."
        }
        "failed" => "We couldn't confirm your sign-in with the sign-in service. Please try again.",
        "email" => {
            "Your sign-in didn't give us an email address we can use. Please sign in with an account that has one."
        }
        "sign_out" => {
            "This browser is signed out, but we couldn't end the sign-in on our side just now. It ends by itself when it expires; if you used a shared computer and are worried, please contact us."
        }
        "busy" => {
            "That's a lot of sign-ins from here in a short time. Please wait a few minutes and try again."
        }
        "unavailable" | "temporarily_unavailable" | "server_error" => {
            "Signing in isn't possible just now. Please try again in a moment."
        }
        _ => "The sign-in page reported a problem.",
    }
}

/// The page itself.
#[component]
pub fn SignInProblemPage() -> impl IntoView {
    let query = use_query_map();
    let reason = move || query.with(|q| explain(&q.get("error").unwrap_or_default()));

    view! {
        <PageMeta title="Sign-in problem" description="Why signing in to Ewelists did not work, and what to do next." noindex=true />
        <section class="mx-auto max-w-xl px-4 py-16 text-center">
            <h1 class="text-3xl font-bold">"We couldn't sign you in"</h1>
            <p class="mt-4 text-stone-700" data-testid="sign-in-problem">{reason}</p>
            <div class="mt-8 flex flex-col items-center gap-3 sm:flex-row sm:justify-center">
                <a
                    href=sign_in_href(routes::HOME.path())
                    rel="external"
                    class="inline-flex min-h-11 items-center rounded-lg bg-rose-700 px-5 font-semibold text-white hover:bg-rose-800"
                >
                    "Try again"
                </a>
                <a
                    href="/"
                    class="inline-flex min-h-11 items-center rounded-lg px-5 font-semibold text-stone-800 hover:bg-stone-100"
                >
                    "Go to the home page"
                </a>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_get_their_own_words_and_others_a_general_one() {
        assert_eq!(
            explain("access_denied"),
            "Sign-in was cancelled or refused."
        );
        assert!(explain("expired").contains("start again"));
        assert_eq!(explain("server_error"), explain("unavailable"));
        assert_eq!(explain("<script>"), "The sign-in page reported a problem.");
        assert_eq!(explain(""), "The sign-in page reported a problem.");
    }
}
