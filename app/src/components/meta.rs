//! A page's title, description and Open Graph tags, so that a page found in search results or
//! shared in a chat shows what it is. Every page has one [`PageMeta`].

use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};

/// The site's public address, for absolute links in tags (the server provides it).
#[derive(Debug, Clone)]
pub struct SiteUrl(pub String);

/// The page's own address, absolute, without its query (the query of a shared link never makes
/// another page).
fn canonical() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        let site = use_context::<SiteUrl>()?;
        let parts = use_context::<http::request::Parts>()?;
        Some(format!(
            "{}{}",
            site.0.trim_end_matches('/'),
            parts.uri.path()
        ))
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// The title (the site's name is added after it; empty for the home page), the description,
/// and whether search engines should leave the page out (anything personal or private).
#[component]
pub fn PageMeta(
    #[prop(into)] title: String,
    #[prop(into)] description: String,
    #[prop(optional)] noindex: bool,
) -> impl IntoView {
    let shared_title = if title.is_empty() {
        "Ewelists".to_owned()
    } else {
        title.clone()
    };
    let url = canonical();
    view! {
        <Title text=title />
        <Meta name="description" content=description.clone() />
        <Meta property="og:title" content=shared_title />
        <Meta property="og:description" content=description />
        <Meta property="og:type" content="website" />
        <Meta property="og:site_name" content="Ewelists" />
        {url.clone().map(|url| view! { <Meta property="og:url" content=url /> })}
        {match (noindex, url) {
            (true, _) => view! { <Meta name="robots" content="noindex" /> }.into_any(),
            (false, Some(url)) => view! { <Link rel="canonical" href=url /> }.into_any(),
            (false, None) => ().into_any(),
        }}
    }
}
