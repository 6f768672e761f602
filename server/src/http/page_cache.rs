//! The public list page, kept rendered and compressed for visitors who bring nothing of their
//! own: no session, and no reservation on that list remembered by their browser. Everyone else
//! (an owner, a guest who reserved there) gets the page rendered for them.
//!
//! - **Key:** the list and the query that changes the page (`show`, `reserve`); any other
//!   query (an error sent back to a form, a tracking tag) is rendered as usual.
//! - **Bytes:** the page as rendered, plus brotli and gzip, made once when it is kept. A page
//!   without islands carries no nonce (its inline script and style are allowed by their hashes,
//!   `app::csp`), so its bytes are the same for everyone; a page whose policy has a nonce is
//!   never kept.
//! - **Fresh:** for [`PageCache::LIFETIME`] at most, and never past a change to the list made
//!   on this instance (`crate::store::changes`). A change made on another instance shows
//!   within the lifetime: counts a stranger sees may be that late, never more. Reserving
//!   re-checks what is left, so a late count never over-reserves, and whoever changed something
//!   (the owner, a guest who reserved) is not served kept pages.
//! - **Revalidation:** an `ETag` of the bytes; `If-None-Match` gets `304`. The browser may keep
//!   the page but must ask again (`private, no-cache`).
//! - **Limits:** a kept page is counted against the public page's quota in this instance's
//!   memory instead of the table (a hit reads nothing from the table, so its cost is the
//!   instance's time only); a rendered one is counted in the table as before.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use app::ports::{LimitedAction, RememberedReservations};
use app::request::{ClientAddress, CurrentUser, OverQuota};
use app::routes::{self, PUBLIC_LIST};
use domain::ListId;

use crate::http::session::SessionId;
use crate::limits::Quotas;
use crate::store::changes;
use crate::store::keys;

/// The largest page kept (a list at its weight cap renders well under this).
const MAX_PAGE: usize = 4 * 1024 * 1024;

/// One kept page.
struct Kept {
    made: Instant,
    list_pk: String,
    etag: HeaderValue,
    /// The rendered page's headers (type, policy), without cookies.
    headers: HeaderMap,
    identity: Bytes,
    brotli: Bytes,
    gzip: Bytes,
}

/// Views of kept pages, counted per client address in this instance's memory.
#[derive(Default)]
struct Views {
    /// Per address: the quota's window number and the views in it.
    by_address: HashMap<String, (u64, u32)>,
}

pub struct PageCache {
    capacity: usize,
    lifetime: Duration,
    pages: Mutex<HashMap<String, Arc<Kept>>>,
    views: Mutex<Views>,
    /// The public page's quota (views per window).
    quota: (u32, u64),
    remembered: Arc<dyn RememberedReservations>,
}

impl PageCache {
    /// How long a kept page may be served without asking the table.
    pub const LIFETIME: Duration = Duration::from_secs(5);
    /// How many pages one instance keeps.
    pub const CAPACITY: usize = 512;

    pub fn new(quotas: &Quotas, remembered: Arc<dyn RememberedReservations>) -> Self {
        let quota = quotas.of(LimitedAction::PublicList);
        Self {
            capacity: Self::CAPACITY,
            lifetime: Self::LIFETIME,
            pages: Mutex::default(),
            views: Mutex::default(),
            quota: (
                quota.limit,
                u64::try_from(quota.window_seconds.max(1)).unwrap_or(1),
            ),
            remembered,
        }
    }

    /// The same, keeping nothing: every page is rendered (benchmarks compare the two).
    pub fn disabled(quotas: &Quotas, remembered: Arc<dyn RememberedReservations>) -> Self {
        Self {
            capacity: 0,
            ..Self::new(quotas, remembered)
        }
    }

    /// The kept page's key for this request, if it may be served a kept page.
    fn key_for(&self, request: &Request) -> Option<(String, ListId)> {
        if self.capacity == 0 || !matches!(*request.method(), Method::GET | Method::HEAD) {
            return None;
        }
        let path = request.uri().path();
        if routes::route_of(path) != Some(&PUBLIC_LIST) {
            return None;
        }
        let id = ListId::parse(path.rsplit('/').next()?).ok()?;
        let extensions = request.extensions();
        if extensions.get::<CurrentUser>().is_some() || extensions.get::<SessionId>().is_some() {
            return None;
        }
        if self
            .remembered
            .read(request.headers())
            .iter()
            .any(|token| token.list_id() == id)
        {
            return None;
        }
        let mut show = None;
        let mut reserve = None;
        for pair in request.uri().query().unwrap_or_default().split('&') {
            match pair.split_once('=') {
                _ if pair.is_empty() => {}
                Some(("show", value @ ("available" | "bought"))) if show.is_none() => {
                    show = Some(value);
                }
                Some(("reserve", value)) if reserve.is_none() && value.len() <= 22 => {
                    reserve = Some(value);
                }
                _ => return None,
            }
        }
        let key = format!(
            "{id}?show={}&reserve={}",
            show.unwrap_or_default(),
            reserve.unwrap_or_default()
        );
        Some((key, id))
    }

    fn fresh(&self, key: &str) -> Option<Arc<Kept>> {
        let pages = self.pages.lock().unwrap_or_else(|p| p.into_inner());
        let kept = pages.get(key)?;
        let fresh = kept.made.elapsed() < self.lifetime
            && !changes::LISTS.changed_since(&kept.list_pk, kept.made);
        fresh.then(|| kept.clone())
    }

    fn keep(&self, key: String, kept: Arc<Kept>) {
        let mut pages = self.pages.lock().unwrap_or_else(|p| p.into_inner());
        if pages.len() >= self.capacity {
            let lifetime = self.lifetime;
            pages.retain(|_, page| page.made.elapsed() < lifetime);
            if pages.len() >= self.capacity {
                // Still full of fresh pages: the oldest goes.
                if let Some(oldest) = pages
                    .iter()
                    .min_by_key(|(_, page)| page.made)
                    .map(|(key, _)| key.clone())
                {
                    pages.remove(&oldest);
                }
            }
        }
        pages.insert(key, kept);
    }

    /// Counts a view of a kept page from `address`; `false` when over the quota.
    fn allow_view(&self, address: &str) -> bool {
        let (limit, window) = self.quota;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() / window)
            .unwrap_or_default();
        let mut views = self.views.lock().unwrap_or_else(|p| p.into_inner());
        if views.by_address.len() >= 100_000 {
            views.by_address.retain(|_, (at, _)| *at == now);
        }
        let entry = views
            .by_address
            .entry(address.to_owned())
            .or_insert((now, 0));
        if entry.0 != now {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= limit
    }
}

/// The layer: answers from a kept page when it may, keeps what it renders when it may.
pub async fn serve(
    State(cache): State<Arc<PageCache>>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some((key, id)) = cache.key_for(&request) else {
        return next.run(request).await;
    };
    let asked = request.headers().clone();
    let address = request
        .extensions()
        .get::<ClientAddress>()
        .map(|a| a.0.clone())
        .unwrap_or_default();
    // Every view counts here; a rendered one counts in the table too.
    if !cache.allow_view(&address) {
        // Rendered, so the refusal is the page's own (its words, its status).
        request
            .extensions_mut()
            .insert(OverQuota(LimitedAction::PublicList));
        return next.run(request).await;
    }
    if let Some(kept) = cache.fresh(&key) {
        return answer(&kept, &asked);
    }
    // A page's age counts from before its reads: a change noted while it renders ends it.
    let started = Instant::now();
    let response = next.run(request).await;
    let Some(kept) = keepable(response, &id, started).await else {
        return Response::builder()
            .status(StatusCode::INTERNAL_SERVER_ERROR)
            .body(Body::empty())
            .unwrap_or_default();
    };
    match kept {
        Keepable::Yes(kept) => {
            let kept = Arc::new(kept);
            cache.keep(key, kept.clone());
            answer(&kept, &asked)
        }
        Keepable::No(response) => response,
    }
}

enum Keepable {
    Yes(Kept),
    /// Served as rendered.
    No(Response),
}

/// The rendered response as a page to keep, or as it was. `None` only when its body cannot be
/// read.
async fn keepable(response: Response, id: &ListId, started: Instant) -> Option<Keepable> {
    let keep = response.status() == StatusCode::OK
        && !response.headers().contains_key(header::SET_COOKIE)
        && !response.headers().contains_key(header::CONTENT_ENCODING)
        && response
            .headers()
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|policy| !policy.contains("'nonce-"));
    if !keep {
        return Some(Keepable::No(response));
    }
    let (parts, body) = response.into_parts();
    let identity = axum::body::to_bytes(body, MAX_PAGE).await.ok()?;
    let copy = identity.clone();
    let compressed = tokio::task::spawn_blocking(move || compress(&copy))
        .await
        .ok()?;
    let (brotli, gzip) = compressed?;
    let mut headers = parts.headers;
    headers.remove(header::CONTENT_LENGTH);
    let etag = HeaderValue::from_str(&format!(
        "\"{}\"",
        URL_SAFE_NO_PAD.encode(&Sha256::digest(&identity)[..16])
    ))
    .ok()?;
    Some(Keepable::Yes(Kept {
        made: started,
        list_pk: keys::list_pk(id),
        etag,
        headers,
        identity,
        brotli,
        gzip,
    }))
}

/// Brotli (quality 5: most of 11's gain for a fraction of its time, paid on each render kept)
/// and gzip (level 6).
fn compress(page: &[u8]) -> Option<(Bytes, Bytes)> {
    let mut brotli = Vec::with_capacity(page.len() / 4);
    {
        let mut writer = brotli::CompressorWriter::new(&mut brotli, 4096, 5, 22);
        writer.write_all(page).ok()?;
    }
    let mut gzip = flate2::write::GzEncoder::new(
        Vec::with_capacity(page.len() / 3),
        flate2::Compression::new(6),
    );
    gzip.write_all(page).ok()?;
    Some((brotli.into(), gzip.finish().ok()?.into()))
}

/// Which encoding the browser takes, best first: brotli, gzip, none.
fn encoding(asked: &HeaderMap) -> Option<&'static str> {
    let accepted: Vec<&str> = asked
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter(|token| !token.contains("q=0") || token.contains("q=0."))
        .map(|token| token.split(';').next().unwrap_or_default().trim())
        .collect();
    ["br", "gzip"]
        .into_iter()
        .find(|name| accepted.contains(name))
}

fn answer(kept: &Kept, asked: &HeaderMap) -> Response {
    let revalidated = asked
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| tag.trim().trim_start_matches("W/") == kept.etag);
    let mut response = if revalidated {
        // The browser's copy stands, with the headers it was sent with.
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let (body, encoding) = match encoding(asked) {
            Some("br") => (kept.brotli.clone(), Some("br")),
            Some(_) => (kept.gzip.clone(), Some("gzip")),
            None => (kept.identity.clone(), None),
        };
        let mut response = Response::new(Body::from(body));
        *response.headers_mut() = kept.headers.clone();
        if let Some(encoding) = encoding {
            response
                .headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, kept.etag.clone());
    headers.insert(
        header::VARY,
        HeaderValue::from_static("accept-encoding, cookie"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(accept: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(accept).unwrap(),
        );
        headers
    }

    #[test]
    fn the_best_encoding_the_browser_takes() {
        assert_eq!(encoding(&asked("gzip, deflate, br, zstd")), Some("br"));
        assert_eq!(encoding(&asked("gzip")), Some("gzip"));
        assert_eq!(encoding(&asked("br;q=0, gzip")), Some("gzip"));
        assert_eq!(encoding(&asked("identity")), None);
        assert_eq!(encoding(&HeaderMap::new()), None);
    }

    #[test]
    fn compressed_copies_read_back_as_the_page() {
        use std::io::Read;
        let page = "<html><body>".to_owned() + &"<li>Cot</li>".repeat(500) + "</body></html>";
        let (brotli, gzip) = compress(page.as_bytes()).unwrap();
        assert!(brotli.len() < page.len() / 10 && gzip.len() < page.len() / 10);
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(&gzip[..])
            .read_to_string(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, page);
        let mut unbrotlied = String::new();
        brotli::Decompressor::new(&brotli[..], 4096)
            .read_to_string(&mut unbrotlied)
            .unwrap();
        assert_eq!(unbrotlied, page);
    }
}
