//! The "paste a link" lookup: fetches a shop's page, safely, and reads the product on it.
//!
//! [`SafeFetcher`] is the server's [`PageReader`]. A link an owner pastes is untrusted, so the
//! fetcher only reaches public web servers on the usual ports (`guard.rs` has the rules), checks
//! every redirect again (at most [`MAX_REDIRECTS`]), gives up after [`TIMEOUT`] in all, reads at
//! most [`MAX_BODY_BYTES`] and only HTML. What the page says is then read by [`read_product`].
//!
//! Failures are logged with the link's host only (a link may carry someone's details in its
//! path or query) and answered with a plain [`LookupError`]; the owner can always type the
//! details by hand.

mod guard;
mod metadata;

pub use guard::is_public;
pub use metadata::read_product;

use std::sync::Arc;
use std::time::Duration;

use app::ports::{LookupError, PageProduct, PageReader};
use domain::HttpUrl;
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use reqwest::redirect::Policy;
use url::Url;

use crate::config::FetchConfig;
use guard::{check_url, is_refused, AllowList, VettingResolver};

/// The longest a whole lookup may take, redirects and all.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// The largest page read; larger ones are refused, not cut.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// How many redirects are followed.
pub const MAX_REDIRECTS: usize = 5;

const USER_AGENT: &str = concat!(
    "Ewelists/",
    env!("CARGO_PKG_VERSION"),
    " (gift list link lookup; +https://ewelists.com)"
);
const ACCEPT_HTML: &str = "text/html,application/xhtml+xml;q=0.9";

/// Reads product details from shops' pages on the public web (the app's [`PageReader`]).
#[derive(Debug, Clone)]
pub struct SafeFetcher {
    client: reqwest::Client,
    allow: Arc<AllowList>,
    /// Lookups running at once in this instance: each holds a connection, up to 2 MB of page
    /// and a blocking thread while it is read, so their number is capped whoever asks.
    running: Arc<tokio::sync::Semaphore>,
}

/// The most lookups one instance runs at once; more wait up to [`QUEUE_WAIT`], then are told
/// to try again.
pub const MAX_CONCURRENT_LOOKUPS: usize = 16;

/// How long a lookup waits for one of the [`MAX_CONCURRENT_LOOKUPS`] places.
const QUEUE_WAIT: Duration = Duration::from_secs(2);

/// A page as fetched: its text and where it was found after redirects.
struct Fetched {
    html: String,
    url: Url,
}

impl SafeFetcher {
    /// A fetcher that may also reach the `host:port` pairs of `config.allow` (the test shop).
    pub fn new(config: &FetchConfig) -> Result<Self, reqwest::Error> {
        let allow = Arc::new(AllowList::new(&config.allow));
        let client = reqwest::Client::builder()
            // Redirects are followed by `fetch`, which checks each one.
            .redirect(Policy::none())
            // A proxy would connect to the host itself, past the resolver's checks.
            .no_proxy()
            .dns_resolver(VettingResolver::new(Arc::clone(&allow)))
            .user_agent(USER_AGENT)
            .timeout(TIMEOUT)
            .build()?;
        Ok(Self {
            client,
            allow,
            running: Arc::new(tokio::sync::Semaphore::new(MAX_CONCURRENT_LOOKUPS)),
        })
    }

    /// Fetches an HTML page, following and checking redirects.
    async fn fetch(&self, start: &Url) -> Result<Fetched, LookupError> {
        let mut url = start.clone();
        for _ in 0..=MAX_REDIRECTS {
            let host = url.host_str().unwrap_or_default().to_owned();
            if let Err(refusal) = check_url(&url, &self.allow) {
                tracing::info!(host, reason = refusal.as_str(), "refused to look up a page");
                return Err(LookupError::Forbidden);
            }
            let mut response = self
                .client
                .get(url.clone())
                .header(ACCEPT, ACCEPT_HTML)
                .send()
                .await
                .map_err(|e| failure(e, &host))?;

            let status = response.status();
            if status.is_redirection() {
                let next = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|location| location.to_str().ok())
                    .and_then(|location| url.join(location).ok());
                let Some(next) = next else {
                    tracing::info!(host, %status, "a redirect without a usable location");
                    return Err(LookupError::Unreachable);
                };
                url = next;
                continue;
            }
            if !status.is_success() {
                tracing::info!(host, %status, "the page answered with an error");
                return Err(LookupError::Unreachable);
            }
            let content_type = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            if !is_html(content_type.as_deref()) {
                tracing::info!(host, content_type, "the link is not a web page");
                return Err(LookupError::NotHtml);
            }
            if response
                .content_length()
                .is_some_and(|length| length > MAX_BODY_BYTES as u64)
            {
                tracing::info!(host, "the page is too large");
                return Err(LookupError::TooLarge);
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| failure(e, &host))? {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    tracing::info!(host, "the page is too large");
                    return Err(LookupError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            let html = decode(&body, content_type.as_deref());
            return Ok(Fetched { html, url });
        }
        tracing::info!(
            host = start.host_str().unwrap_or_default(),
            "too many redirects"
        );
        Err(LookupError::Unreachable)
    }
}

#[async_trait::async_trait]
impl PageReader for SafeFetcher {
    async fn read(&self, url: &HttpUrl) -> Result<PageProduct, LookupError> {
        let Ok(Ok(_place)) = tokio::time::timeout(QUEUE_WAIT, self.running.acquire()).await else {
            tracing::warn!(
                limit = MAX_CONCURRENT_LOOKUPS,
                "every lookup place is taken; refused"
            );
            return Err(LookupError::Busy);
        };
        let page = match tokio::time::timeout(TIMEOUT, self.fetch(url.inner())).await {
            Ok(page) => page?,
            Err(_) => {
                tracing::info!(host = url.host(), "the page took too long");
                return Err(LookupError::Timeout);
            }
        };
        // Parsing up to 2 MB of HTML is real work: keep it off the threads that serve requests.
        let read = tokio::task::spawn_blocking(move || read_product(&page.html, &page.url)).await;
        Ok(read.unwrap_or_else(|error| {
            tracing::warn!(host = url.host(), %error, "reading the page failed");
            PageProduct::default()
        }))
    }
}

/// What a failed request means for the owner. The error is logged without its URL.
fn failure(error: reqwest::Error, host: &str) -> LookupError {
    if is_refused(&error) {
        // The resolver logged it.
        return LookupError::Forbidden;
    }
    let timeout = error.is_timeout();
    tracing::info!(host, error = %error.without_url(), "could not fetch the page");
    if timeout {
        LookupError::Timeout
    } else {
        LookupError::Unreachable
    }
}

fn is_html(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|value| value.split(';').next())
        .map(str::trim)
        .is_some_and(|mime| {
            mime.eq_ignore_ascii_case("text/html")
                || mime.eq_ignore_ascii_case("application/xhtml+xml")
        })
}

/// The page's text: in the character set its `Content-Type` or its own `<meta>` declares,
/// UTF-8 otherwise (a byte-order mark wins over both). Bad bytes become U+FFFD.
fn decode(body: &[u8], content_type: Option<&str>) -> String {
    let encoding = content_type
        .and_then(charset_parameter)
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        .or_else(|| meta_charset(body))
        .unwrap_or(UTF_8);
    encoding.decode(body).0.into_owned()
}

fn charset_parameter(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (key, value) = parameter.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']))
    })
}

/// `<meta charset="…">` or `<meta http-equiv="Content-Type" content="…; charset=…">` near the
/// top of the page.
fn meta_charset(body: &[u8]) -> Option<&'static Encoding> {
    let head = body[..body.len().min(1024)].to_ascii_lowercase();
    let at = head.windows(8).position(|w| w == b"charset=")? + 8;
    let label: Vec<u8> = head[at..]
        .iter()
        .skip_while(|b| matches!(b, b'"' | b'\'' | b' '))
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'))
        .copied()
        .collect();
    let encoding = Encoding::for_label(&label)?;
    // A page read as ASCII cannot really be UTF-16; browsers read it as UTF-8.
    Some(if encoding == UTF_16LE || encoding == UTF_16BE {
        UTF_8
    } else {
        encoding
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::net::SocketAddr;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    use axum::http::{header, HeaderMap, StatusCode};
    use axum::response::{Html, IntoResponse, Redirect, Response};
    use axum::routing::get;
    use axum::Router;
    use domain::{Currency, Price};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    const PRODUCT: &str = r#"<!doctype html>
<html><head><title>Travel cot | Little Shop</title>
<meta property="og:title" content="Travel cot">
<meta property="og:site_name" content="Little Shop">
<meta property="og:image" content="/images/cot.svg">
<meta property="product:price:amount" content="89.99">
<meta property="product:price:currency" content="GBP">
</head><body><h1>Travel cot</h1></body></html>"#;

    /// The product page, for a client that introduces itself and asks for HTML.
    async fn product(headers: HeaderMap) -> Response {
        let header = |name| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        if !header(header::USER_AGENT).starts_with("Ewelists/")
            || !header(header::ACCEPT).starts_with("text/html")
        {
            return StatusCode::BAD_REQUEST.into_response();
        }
        Html(PRODUCT).into_response()
    }

    async fn serve(router: Router) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        addr
    }

    struct Shop {
        addr: SocketAddr,
        /// How many times `/loop` was asked for.
        loops: Arc<AtomicUsize>,
    }

    impl Shop {
        async fn start() -> Shop {
            // Another local server, on a port the allow-list does not name.
            let elsewhere = serve(Router::new().fallback(get(product))).await;
            let loops = Arc::new(AtomicUsize::new(0));
            let counter = Arc::clone(&loops);
            let router = Router::new()
                .route("/product", get(product))
                .route("/moved", get(|| async { Redirect::permanent("/product") }))
                .route(
                    "/elsewhere",
                    get(move || async move {
                        Redirect::to(&format!("http://127.0.0.1:{}/", elsewhere.port()))
                    }),
                )
                .route(
                    "/metadata",
                    get(|| async {
                        Redirect::temporary("http://169.254.169.254/latest/meta-data/")
                    }),
                )
                .route(
                    "/huge",
                    get(|| async {
                        let mut page = b"<!doctype html><title>Huge</title>".to_vec();
                        page.resize(3 * 1024 * 1024, b'a');
                        ([(header::CONTENT_TYPE, "text/html")], page)
                    }),
                )
                .route(
                    "/slow",
                    get(|| async {
                        tokio::time::sleep(Duration::from_secs(10)).await;
                        Html(PRODUCT)
                    }),
                )
                .route(
                    "/image",
                    get(|| async {
                        (
                            [(header::CONTENT_TYPE, "image/png")],
                            &b"\x89PNG\r\n\x1a\n"[..],
                        )
                    }),
                )
                .route(
                    "/loop",
                    get(move || {
                        counter.fetch_add(1, Ordering::SeqCst);
                        async { Redirect::to("/loop") }
                    }),
                )
                .route(
                    "/latin1",
                    get(|| async {
                        (
                            [(header::CONTENT_TYPE, "text/html; charset=ISO-8859-1")],
                            &b"<title>Caf\xe9 set \xa320</title>"[..],
                        )
                    }),
                );
            Shop {
                addr: serve(router).await,
                loops,
            }
        }

        fn link(&self, path: &str) -> HttpUrl {
            HttpUrl::parse(&format!("http://{}{path}", self.addr)).unwrap()
        }

        /// A fetcher that may reach this shop (and only it).
        fn fetcher(&self) -> SafeFetcher {
            allowing(&[&self.addr.to_string()])
        }
    }

    fn allowing(allow: &[&str]) -> SafeFetcher {
        SafeFetcher::new(&FetchConfig {
            allow: allow.iter().map(|s| (*s).to_owned()).collect(),
        })
        .unwrap()
    }

    fn link(s: &str) -> HttpUrl {
        HttpUrl::parse(s).unwrap()
    }

    #[tokio::test]
    async fn reads_a_shops_page() {
        let shop = Shop::start().await;
        let fetcher = shop.fetcher();
        for path in ["/product", "/moved"] {
            let product = fetcher.read(&shop.link(path)).await.unwrap();
            assert_eq!(product.title.unwrap().as_str(), "Travel cot", "{path}");
            assert_eq!(product.site_name.unwrap().as_str(), "Little Shop");
            assert_eq!(
                product.price,
                Some(Price::new(8999, Currency::GBP).unwrap())
            );
            assert_eq!(
                product.image_url.unwrap().as_str(),
                format!("http://{}/images/cot.svg", shop.addr)
            );
        }
        // A page in another character set.
        let product = fetcher.read(&shop.link("/latin1")).await.unwrap();
        assert_eq!(product.title.unwrap().as_str(), "Café set £20");
    }

    #[tokio::test]
    async fn every_redirect_is_checked() {
        let shop = Shop::start().await;
        let fetcher = shop.fetcher();
        // To a local port that is not on the allow-list.
        assert_eq!(
            fetcher.read(&shop.link("/elsewhere")).await,
            Err(LookupError::Forbidden)
        );
        // To the cloud's metadata service.
        assert_eq!(
            fetcher.read(&shop.link("/metadata")).await,
            Err(LookupError::Forbidden)
        );
        // Round and round: the first request and five redirects, then it gives up.
        assert_eq!(
            fetcher.read(&shop.link("/loop")).await,
            Err(LookupError::Unreachable)
        );
        assert_eq!(shop.loops.load(Ordering::SeqCst), MAX_REDIRECTS + 1);
    }

    #[tokio::test]
    async fn only_public_hosts_on_the_usual_ports() {
        let shop = Shop::start().await;
        // The same page, without the allow-list: loopback.
        assert_eq!(
            allowing(&[]).read(&shop.link("/product")).await,
            Err(LookupError::Forbidden)
        );
        // Another port of an allowed host.
        let other_port = format!("127.0.0.1:{}", shop.addr.port().wrapping_add(1));
        assert_eq!(
            allowing(&[&other_port]).read(&shop.link("/product")).await,
            Err(LookupError::Forbidden)
        );
        // A name that resolves to loopback, on the usual port: refused by the resolver,
        // before any connection.
        assert_eq!(
            allowing(&[]).read(&link("http://localhost/")).await,
            Err(LookupError::Forbidden)
        );
        for refused in [
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "https://shop.example.com:8443/",
            "http://shop.example.com:22/",
        ] {
            assert_eq!(
                allowing(&[]).read(&link(refused)).await,
                Err(LookupError::Forbidden),
                "{refused}"
            );
        }
        // An allowed name is resolved and reached on its port.
        let by_name = format!("localhost:{}", shop.addr.port());
        let product = allowing(&[&by_name])
            .read(&link(&format!("http://{by_name}/product")))
            .await
            .unwrap();
        assert_eq!(product.title.unwrap().as_str(), "Travel cot");
    }

    #[tokio::test]
    async fn refuses_what_is_not_a_small_web_page() {
        let shop = Shop::start().await;
        let fetcher = shop.fetcher();
        assert_eq!(
            fetcher.read(&shop.link("/image")).await,
            Err(LookupError::NotHtml)
        );
        assert_eq!(
            fetcher.read(&shop.link("/missing")).await,
            Err(LookupError::Unreachable)
        );
        assert_eq!(
            fetcher.read(&shop.link("/huge")).await,
            Err(LookupError::TooLarge)
        );
        // A page that never says how long it is is cut off while it streams.
        let endless = endless_page().await;
        assert_eq!(
            allowing(&[&endless.to_string()])
                .read(&link(&format!("http://{endless}/")))
                .await,
            Err(LookupError::TooLarge)
        );
        // Nothing listening.
        let closed = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap();
        assert_eq!(
            allowing(&[&closed.to_string()])
                .read(&link(&format!("http://{closed}/")))
                .await,
            Err(LookupError::Unreachable)
        );
    }

    #[tokio::test]
    async fn gives_up_on_a_slow_page() {
        let shop = Shop::start().await;
        let started = Instant::now();
        assert_eq!(
            shop.fetcher().read(&shop.link("/slow")).await,
            Err(LookupError::Timeout)
        );
        let took = started.elapsed();
        assert!(
            took >= TIMEOUT - Duration::from_millis(100) && took < TIMEOUT + Duration::from_secs(2),
            "{took:?}"
        );
    }

    /// A server that answers every request with an HTML page of 3 MB and no length.
    async fn endless_page() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buffer = [0; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buffer[..n]),
                        }
                    }
                    let head =
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n";
                    if socket.write_all(head).await.is_err() {
                        return;
                    }
                    let chunk = vec![b'a'; 64 * 1024];
                    for _ in 0..48 {
                        if socket.write_all(&chunk).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        addr
    }

    #[test]
    fn only_html_is_read() {
        assert!(is_html(Some("text/html")));
        assert!(is_html(Some("text/html; charset=utf-8")));
        assert!(is_html(Some("TEXT/HTML;charset=UTF-8")));
        assert!(is_html(Some("application/xhtml+xml")));
        assert!(!is_html(Some("application/json")));
        assert!(!is_html(Some("image/svg+xml")));
        assert!(!is_html(Some("text/plain")));
        assert!(!is_html(None));
    }

    #[test]
    fn character_sets() {
        let latin1 = b"<title>\xa3</title>";
        assert_eq!(
            decode(latin1, Some("text/html; charset=iso-8859-1")),
            "<title>£</title>"
        );
        assert_eq!(decode(latin1, Some("text/html")), "<title>\u{fffd}</title>");
        let declared = b"<meta charset=\"windows-1252\"><title>\x80</title>";
        assert!(decode(declared, None).ends_with("<title>€</title>"));
        let equiv = b"<meta http-equiv=Content-Type content='text/html; charset=ISO-8859-1'>\xe9";
        assert!(decode(equiv, Some("text/html")).ends_with('é'));
        // The header wins over the page; a byte-order mark wins over both.
        assert!(decode(
            "<meta charset=latin1>£".as_bytes(),
            Some("text/html; charset=utf-8")
        )
        .ends_with('£'));
        assert_eq!(
            decode(b"\xef\xbb\xbf\xc2\xa3", Some("text/html; charset=latin1")),
            "£"
        );
        // UTF-16 declared inside the page is read as UTF-8.
        assert_eq!(
            decode("<meta charset=utf-16>£".as_bytes(), None),
            "<meta charset=utf-16>£"
        );
    }
}
