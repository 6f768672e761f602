//! The share bar of a list: copy the link (with visible feedback), email, WhatsApp and
//! Messenger (on phones), and the device's own share sheet where the browser has one.

use leptos::prelude::*;

use super::ui::{INPUT, SECONDARY};

/// The text a shared message carries.
fn share_message(title: &str, url: &str) -> String {
    format!("Here is our gift list, \"{title}\": {url}")
}

/// Percent-encodes a value for a URL query (everything but unreserved characters).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `mailto:` with a prepared subject and body.
pub fn mailto(title: &str, url: &str) -> String {
    let subject = format!("Our gift list: {title}");
    let body = format!(
        "Hello,\n\nWe made a gift list for {title}. You can see it and reserve a gift here:\n{url}\n\nThank you!"
    );
    format!(
        "mailto:?subject={}&body={}",
        encode(&subject),
        encode(&body)
    )
}

pub fn whatsapp(title: &str, url: &str) -> String {
    format!("https://wa.me/?text={}", encode(&share_message(title, url)))
}

pub fn messenger(url: &str) -> String {
    format!("fb-messenger://share/?link={}", encode(url))
}

/// How the last copy went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Copied {
    Not,
    Done,
    Failed,
}

/// An island: copying and the share sheet need the browser. The links work without it.
#[island]
pub fn ShareBar(title: String, url: String) -> impl IntoView {
    let hydrated = crate::hydrated_flag();
    let (copied, set_copied) = signal(Copied::Not);
    // Set once hydrated, where the browser has a share sheet; the server never shows it.
    let (can_share, set_can_share) = signal(false);
    Effect::new(move |_| set_can_share.set(browser::can_share()));

    let copy = {
        let url = url.clone();
        move |_| {
            let url = url.clone();
            leptos::task::spawn_local(async move {
                let ok = browser::copy(&url).await;
                set_copied.set(if ok { Copied::Done } else { Copied::Failed });
            });
        }
    };
    let share = {
        let (title, url) = (title.clone(), url.clone());
        move |_| {
            let (title, url) = (title.clone(), url.clone());
            leptos::task::spawn_local(async move {
                browser::share(&title, &url).await;
            });
        }
    };
    let link = "inline-flex min-h-11 items-center justify-center rounded-lg px-3 text-sm font-semibold text-rose-800 ring-1 ring-stone-300 hover:bg-rose-50";

    view! {
        <section aria-labelledby="share-heading" class="rounded-2xl bg-rose-50 p-4 ring-1 ring-rose-200" data-hydrated=hydrated>
            <h2 id="share-heading" class="scroll-mt-20 font-semibold">"Share your list"</h2>
            <div class="mt-2 flex flex-col gap-2 sm:flex-row">
                <label for="share-url" class="sr-only">"The list's link"</label>
                <input id="share-url" type="text" readonly value=url.clone() class=format!("{INPUT} mt-0 font-mono text-sm") data-testid="share-url" />
                <button type="button" class=SECONDARY on:click=copy data-testid="copy-link">
                    {move || match copied.get() {
                        Copied::Done => "Copied!",
                        _ => "Copy link",
                    }}
                </button>
            </div>
            <p role="status" class="mt-1 min-h-5 text-sm text-stone-700" data-testid="copy-status">
                {move || match copied.get() {
                    Copied::Not => "",
                    Copied::Done => "The link is copied. Paste it into a message.",
                    Copied::Failed => "Your browser didn't let us copy. Select the link and copy it yourself.",
                }}
            </p>
            <div class="mt-2 flex flex-wrap gap-2">
                <a href=mailto(&title, &url) class=link>"Email"</a>
                <a href=whatsapp(&title, &url) class=link target="_blank" rel="noopener noreferrer">"WhatsApp"</a>
                <a href=messenger(&url) class=format!("{link} md:hidden")>"Messenger"</a>
                <button type="button" class=link hidden=move || !can_share.get() on:click=share>"More…"</button>
            </div>
        </section>
    }
}

/// What only a browser can do; on the server these do nothing.
mod browser {
    #[cfg(feature = "hydrate")]
    pub fn can_share() -> bool {
        web_sys::window()
            .map(|w| w.navigator())
            .is_some_and(|n| js_sys::Reflect::has(&n, &"share".into()).unwrap_or(false))
    }

    #[cfg(feature = "hydrate")]
    pub async fn copy(text: &str) -> bool {
        let Some(window) = web_sys::window() else {
            return false;
        };
        let promise = window.navigator().clipboard().write_text(text);
        wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
    }

    #[cfg(feature = "hydrate")]
    pub async fn share(title: &str, url: &str) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let data = web_sys::ShareData::new();
        data.set_title(title);
        data.set_url(url);
        // Cancelling the share sheet is not an error worth showing.
        let _ =
            wasm_bindgen_futures::JsFuture::from(window.navigator().share_with_data(&data)).await;
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn can_share() -> bool {
        false
    }

    #[cfg(not(feature = "hydrate"))]
    pub async fn copy(_text: &str) -> bool {
        false
    }

    #[cfg(not(feature = "hydrate"))]
    pub async fn share(_title: &str, _url: &str) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_carry_the_list_encoded() {
        let url = "https://ewelists.com/lists/abc";
        let mail = mailto("Mia & Leo's shower", url);
        assert!(
            mail.starts_with(
                "mailto:?subject=Our%20gift%20list%3A%20Mia%20%26%20Leo%27s%20shower&body="
            ),
            "{mail}"
        );
        assert!(mail.contains("https%3A%2F%2Fewelists.com%2Flists%2Fabc"));
        assert!(!mail.contains(' ') && !mail.contains('\n'));
        assert_eq!(
            whatsapp("Mia", url),
            "https://wa.me/?text=Here%20is%20our%20gift%20list%2C%20%22Mia%22%3A%20https%3A%2F%2Fewelists.com%2Flists%2Fabc"
        );
        assert_eq!(
            messenger(url),
            "fb-messenger://share/?link=https%3A%2F%2Fewelists.com%2Flists%2Fabc"
        );
    }
}
