//! The Content-Security-Policy of every page, bound to the nonce of its inline scripts.

use leptos::config::LeptosOptions;
use leptos::nonce::use_nonce;
use leptos::prelude::use_context;

/// The origin of the hosted sign-in (provided by the server as context): the sign-out form's
/// answer redirects there, and browsers check form redirects against `form-action`.
#[derive(Debug, Clone)]
pub struct SignInOrigin(pub String);

/// Origins that pictures may also come from over plain http: only the local test shop (the
/// server provides it as context in local and test, from the fetch allow-list).
#[derive(Debug, Clone, Default)]
pub struct ExtraImageOrigins(pub Vec<String>);

/// The policy for a page whose inline scripts carry `nonce`.
///
/// Scripts: only the nonce'd inline scripts (the page script, the islands' loader) and what they
/// load (`'strict-dynamic'`), with `'wasm-unsafe-eval'` to compile the WebAssembly. Styles: the
/// site's files and its nonce'd inline stylesheet. Everything else from this origin only, except
/// images, which may come from any https shop, and forms, which may also lead to the hosted
/// sign-in. No plugins, no `<base>`, no framing.
pub fn policy(
    nonce: &str,
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
    format!(
        "default-src 'self'; \
         script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self' 'nonce-{nonce}'; \
         img-src {img}; \
         connect-src {connect}; \
         font-src 'self'; \
         object-src 'none'; \
         base-uri 'none'; \
         form-action {forms}; \
         frame-ancestors 'none'"
    )
}

/// Puts the policy for this response's nonce into its headers. Called while rendering the shell.
pub fn apply(options: &LeptosOptions) {
    let (Some(nonce), Some(response)) =
        (use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let sign_in = use_context::<SignInOrigin>();
    let images = use_context::<ExtraImageOrigins>();
    if let Ok(value) =
        http::HeaderValue::from_str(&policy(&nonce, options, sign_in.as_ref(), images.as_ref()))
    {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
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
        let p = policy("abc123", &options(leptos::config::Env::PROD), None, None);
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
    fn the_local_test_shop_may_serve_pictures() {
        let shop = ExtraImageOrigins(vec!["http://127.0.0.1:4567".into()]);
        let p = policy("n", &options(leptos::config::Env::PROD), None, Some(&shop));
        assert!(
            p.contains("img-src 'self' https: data: http://127.0.0.1:4567;"),
            "{p}"
        );
    }

    #[test]
    fn forms_may_lead_to_the_hosted_sign_in_only() {
        let origin = SignInOrigin("https://auth.ewelists.com".into());
        let p = policy(
            "n",
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
        let p = policy("n", &options(leptos::config::Env::DEV), None, None);
        assert!(p.contains("connect-src 'self' ws://localhost:3001 ws://127.0.0.1:3001;"));
    }
}
