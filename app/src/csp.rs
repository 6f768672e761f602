//! The Content-Security-Policy of every page.
//!
//! A page with islands allows its nonce'd inline scripts and what they load (the islands'
//! WebAssembly). A page without islands (the guest pages) allows exactly its two inline
//! elements by their hashes (the page script and the stylesheet, the same on every page) and
//! nothing else: no nonce, so the page's bytes are the same for everyone and can be cached and
//! compressed once (see the server's page cache).

use leptos::config::LeptosOptions;
use leptos::nonce::{use_nonce, Nonce};
use leptos::prelude::use_context;

/// The origin of the hosted sign-in (provided by the server as context): the sign-out form's
/// answer redirects there, and browsers check form redirects against `form-action`.
#[derive(Debug, Clone)]
pub struct SignInOrigin(pub String);

/// Origins that pictures may also come from over plain http: only the local test shop (the
/// server provides it as context in local and test, from the fetch allow-list).
#[derive(Debug, Clone, Default)]
pub struct ExtraImageOrigins(pub Vec<String>);

/// The SHA-256 hashes (base64) of the inline elements every page carries, as a policy names
/// them: the page script ([`crate::PAGE_SCRIPT`]) and, when inline, the stylesheet (the server
/// provides them as context; it computes them once at start).
#[derive(Debug, Clone)]
pub struct InlineHashes {
    pub script: String,
    pub style: Option<String>,
}

/// What a page's inline scripts and style are allowed by.
#[derive(Debug, Clone, Copy)]
pub enum Inline<'a> {
    /// This response's nonce (pages with islands).
    Nonce(&'a str),
    /// Their hashes (pages without islands).
    Hashes(&'a InlineHashes),
}

/// The policy for a page whose inline elements are allowed by `inline`.
///
/// Scripts: only the allowed inline scripts (the page script, the islands' loader) and what
/// they load (`'strict-dynamic'`, with a nonce), with `'wasm-unsafe-eval'` to compile the
/// WebAssembly. Styles: the site's files and its allowed inline stylesheet. Everything else
/// from this origin only, except images, which may come from any https shop, and forms, which
/// may also lead to the hosted sign-in. No plugins, no `<base>`, no framing.
pub fn policy(
    inline: Inline<'_>,
    options: &LeptosOptions,
    sign_in: Option<&SignInOrigin>,
    images: Option<&ExtraImageOrigins>,
) -> String {
    let mut connect = String::from("'self'");
    if options.env == leptos::config::Env::DEV {
        // cargo-leptos' reload socket during development.
        let port = options.reload_port;
        connect.push_str(&format!(" ws://localhost:{port} ws://127.0.0.1:{port}"));
    }
    let mut img = String::from("'self' https: data:");
    for origin in images.map(|i| i.0.as_slice()).unwrap_or_default() {
        img.push(' ');
        img.push_str(origin);
    }
    let mut forms = String::from("'self'");
    if let Some(SignInOrigin(origin)) = sign_in {
        forms.push(' ');
        forms.push_str(origin);
    }
    let (scripts, styles) = match inline {
        Inline::Nonce(nonce) => (
            format!("'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'"),
            format!("'self' 'nonce-{nonce}'"),
        ),
        Inline::Hashes(hashes) => (
            format!("'sha256-{}'", hashes.script),
            match &hashes.style {
                Some(style) => format!("'self' 'sha256-{style}'"),
                None => "'self'".to_owned(),
            },
        ),
    };
    format!(
        "default-src 'self'; \
         script-src {scripts}; \
         style-src {styles}; \
         img-src {img}; \
         connect-src {connect}; \
         font-src 'self'; \
         object-src 'none'; \
         base-uri 'none'; \
         form-action {forms}; \
         frame-ancestors 'none'"
    )
}

/// Puts the page's policy into its headers, and answers the nonce its inline elements carry
/// (`None`: they are allowed by their hashes). Called while rendering the shell.
///
/// Hashes for a page without islands, except while developing (cargo-leptos' reload script
/// is another inline script).
pub fn apply(options: &LeptosOptions, islands: bool) -> Option<Nonce> {
    let response = use_context::<leptos_axum::ResponseOptions>()?;
    let hashes = use_context::<InlineHashes>()
        .filter(|_| !islands && options.env != leptos::config::Env::DEV);
    let nonce = if hashes.is_some() { None } else { use_nonce() };
    let inline = match (&hashes, &nonce) {
        (Some(hashes), _) => Inline::Hashes(hashes),
        (None, Some(nonce)) => Inline::Nonce(nonce.as_inner()),
        (None, None) => return None,
    };
    let sign_in = use_context::<SignInOrigin>();
    let images = use_context::<ExtraImageOrigins>();
    if let Ok(value) =
        http::HeaderValue::from_str(&policy(inline, options, sign_in.as_ref(), images.as_ref()))
    {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
    nonce
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(env: leptos::config::Env) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name("ewelists")
            .env(env)
            .build()
    }

    #[test]
    fn scripts_need_the_nonce() {
        let p = policy(
            Inline::Nonce("abc123"),
            &options(leptos::config::Env::PROD),
            None,
            None,
        );
        assert!(p.contains("script-src 'nonce-abc123' 'strict-dynamic' 'wasm-unsafe-eval';"));
        assert!(!p.contains("'unsafe-inline'"));
        assert!(p.contains("style-src 'self' 'nonce-abc123';"), "{p}");
        assert!(p.contains("frame-ancestors 'none'"));
        assert!(p.contains("object-src 'none'"));
        assert!(!p.contains("ws://"), "no reload socket in production: {p}");
        assert!(p.contains("form-action 'self';"));
        assert!(p.contains("img-src 'self' https: data:;"), "{p}");
    }

    #[test]
    fn a_page_without_islands_allows_its_two_inline_elements_by_hash_and_nothing_else() {
        let hashes = InlineHashes {
            script: "c2NyaXB0".into(),
            style: Some("c3R5bGU=".into()),
        };
        let p = policy(
            Inline::Hashes(&hashes),
            &options(leptos::config::Env::PROD),
            None,
            None,
        );
        assert!(p.contains("script-src 'sha256-c2NyaXB0';"), "{p}");
        assert!(p.contains("style-src 'self' 'sha256-c3R5bGU=';"), "{p}");
        for absent in [
            "nonce-",
            "strict-dynamic",
            "wasm-unsafe-eval",
            "unsafe-inline",
        ] {
            assert!(!p.contains(absent), "{absent} in {p}");
        }
    }

    #[test]
    fn the_local_test_shop_may_serve_pictures() {
        let shop = ExtraImageOrigins(vec!["http://127.0.0.1:4567".into()]);
        let p = policy(
            Inline::Nonce("n"),
            &options(leptos::config::Env::PROD),
            None,
            Some(&shop),
        );
        assert!(
            p.contains("img-src 'self' https: data: http://127.0.0.1:4567;"),
            "{p}"
        );
    }

    #[test]
    fn forms_may_lead_to_the_hosted_sign_in_only() {
        let origin = SignInOrigin("https://auth.ewelists.com".into());
        let p = policy(
            Inline::Nonce("n"),
            &options(leptos::config::Env::PROD),
            Some(&origin),
            None,
        );
        assert!(
            p.contains("form-action 'self' https://auth.ewelists.com;"),
            "{p}"
        );
    }

    #[test]
    fn development_allows_the_reload_socket() {
        let p = policy(
            Inline::Nonce("n"),
            &options(leptos::config::Env::DEV),
            None,
            None,
        );
        assert!(p.contains("connect-src 'self' ws://localhost:3001 ws://127.0.0.1:3001;"));
    }
}
