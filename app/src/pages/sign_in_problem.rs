//! `/sign-in/problem`: where a sign-in that failed lands, in words, with a way back.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use crate::routes::{self, sign_in_href};

/// The longest part of the provider's own description that is shown.
const MAX_DESCRIPTION: usize = 200;

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
        "unavailable" | "temporarily_unavailable" | "server_error" => {
            "Signing in isn't possible just now. Please try again in a moment."
        }
        _ => "The sign-in page reported a problem.",
    }
}

/// The provider's description, trimmed to a readable length (it is shown as text, escaped).
pub fn description(raw: &str) -> Option<String> {
    let text: String = raw
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_DESCRIPTION)
        .collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The page itself.
#[component]
pub fn SignInProblemPage() -> impl IntoView {
    let query = use_query_map();
    let reason = move || query.with(|q| explain(&q.get("error").unwrap_or_default()));
    let detail =
        move || query.with(|q| q.get("error_description").as_deref().and_then(description));

    view! {
        <Title text="Sign-in problem" />
        <Meta name="robots" content="noindex" />
        <section class="mx-auto max-w-xl px-4 py-16 text-center">
            <h1 class="text-3xl font-bold">"We couldn't sign you in"</h1>
            <p class="mt-4 text-stone-700" data-testid="sign-in-problem">{reason}</p>
            {move || detail().map(|text| view! {
                <p class="mt-2 text-sm text-stone-600">"The sign-in page said: “" {text} "”"</p>
            })}
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

    #[test]
    fn descriptions_are_trimmed_and_stripped_of_control_characters() {
        assert_eq!(description("  "), None);
        assert_eq!(
            description("User is disabled.\r\n").as_deref(),
            Some("User is disabled.")
        );
        assert_eq!(
            description(&"x".repeat(500)).unwrap().chars().count(),
            MAX_DESCRIPTION
        );
    }
}
