//! What search engines are told: `robots.txt` and `sitemap.xml`. Only production may be
//! indexed; every other environment (staging, test, a developer's machine) disallows
//! everything and marks every response `X-Robots-Tag: noindex` (`headers::security_headers`),
//! which also covers a page someone links to from elsewhere.

use axum::extract::State;
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Response};

use app::routes;

/// What crawlers are told, made once at start.
#[derive(Debug, Clone)]
pub struct Crawlers {
    robots: String,
    sitemap: String,
}

/// Whether the site's pages may appear in search results.
pub fn indexable(config: &crate::config::Config) -> bool {
    config.environment == crate::config::Environment::Prod
}

/// The text with `&`, `<` and `>` escaped for XML.
fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Crawlers {
    /// For the site at `site` (its public origin).
    pub fn new(site: &str, indexable: bool) -> Self {
        let site = site.trim_end_matches('/');
        let robots = if indexable {
            // Lists, reservations, owners' pages and server functions are nobody's search
            // result (pages that are reached anyway carry `noindex`).
            format!(
                "User-agent: *\nDisallow: /lists/\nDisallow: /reservations/\nDisallow: /account\n\
                 Disallow: /auth/\nDisallow: {}/\n\nSitemap: {site}{}\n",
                routes::SERVER_FUNCTIONS,
                routes::SITEMAP.path()
            )
        } else {
            "User-agent: *\nDisallow: /\n".to_owned()
        };
        let pages = routes::IN_SITEMAP
            .iter()
            .map(|route| route.path().to_owned())
            .chain(
                app::content::ideas()
                    .iter()
                    .map(|idea| routes::idea(idea.slug)),
            );
        let mut sitemap = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        if indexable {
            for path in pages {
                sitemap.push_str(&format!(
                    "  <url><loc>{}</loc></url>\n",
                    xml_text(&format!("{site}{path}"))
                ));
            }
        }
        sitemap.push_str("</urlset>\n");
        Self { robots, sitemap }
    }
}

fn text(body: &str, kind: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body.to_owned(),
    )
        .into_response()
}

/// `GET /robots.txt`
pub async fn robots(State(crawlers): State<std::sync::Arc<Crawlers>>) -> Response {
    text(&crawlers.robots, "text/plain; charset=utf-8")
}

/// `GET /sitemap.xml`: every page anyone may find, in production; none elsewhere.
pub async fn sitemap(State(crawlers): State<std::sync::Arc<Crawlers>>) -> Response {
    text(&crawlers.sitemap, "application/xml; charset=utf-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_lists_its_pages_and_articles_and_keeps_private_paths_out() {
        let prod = Crawlers::new("https://ewelists.example/", true);
        assert!(
            prod.robots.contains("Disallow: /lists/\n"),
            "{}",
            prod.robots
        );
        assert!(prod.robots.contains("Disallow: /reservations/\n"));
        assert!(prod
            .robots
            .contains("Sitemap: https://ewelists.example/sitemap.xml"));
        assert!(!prod.robots.contains("Disallow: /\n"));
        for path in [
            "/",
            "/faq",
            "/how-it-works",
            "/ideas",
            "/ideas/baby-shower",
            "/privacy",
        ] {
            let loc = format!("<loc>https://ewelists.example{path}</loc>");
            assert!(prod.sitemap.contains(&loc), "{loc} in {}", prod.sitemap);
        }
        assert!(!prod.sitemap.contains("/lists"));
    }

    #[test]
    fn every_other_environment_disallows_everything_and_lists_nothing() {
        let staging = Crawlers::new("https://staging.ewelists.example", false);
        assert_eq!(staging.robots, "User-agent: *\nDisallow: /\n");
        assert!(!staging.sitemap.contains("<url>"));
    }
}
