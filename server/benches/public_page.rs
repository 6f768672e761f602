//! Throughput of the public list page: `cargo bench -p server --bench public_page`, under the
//! local stack (`python3 scripts/stack.py --profile test -- cargo bench -p server --bench
//! public_page`; build with `--release` semantics, which `cargo bench` does).
//!
//! Seeds a list with 50 gifts in DynamoDB Local, then serves the whole site on ONE worker
//! thread and loads `/lists/<id>` from 32 concurrent connections for a fixed time, twice: as a
//! stranger's browser gets it from the page cache (a hit), and with the cache off (a miss: the
//! rate limit's write, one Query, rendering, the middleware). In the same run, a bare axum
//! handler on its own single worker answers the same bytes, as a ceiling; the ratios say what
//! each costs. Everything again with `Accept-Encoding: br`, as a browser asks (the ceiling then
//! serves the same brotli bytes). Prints requests per second and latency percentiles. Not a
//! test: it asserts nothing about speed.

#[path = "../tests/it/common/mod.rs"]
mod common;

use common::{ms, percentile};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::routing::get;
use axum::Router;
use common::list_with_gifts;

const CONNECTIONS: usize = 32;
const GIFTS: usize = 50;
const WARM_UP: Duration = Duration::from_secs(2);
const MEASURE: Duration = Duration::from_secs(10);

struct Report {
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

/// Serves `router` on a runtime of its own with one worker thread; returns its address.
fn serve_on_one_core(router: Router) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(listener.local_addr().expect("address"))
                .expect("send");
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .expect("serve");
        });
    });
    rx.recv().expect("the server starts")
}

/// `CONNECTIONS` clients asking for `url` in a loop (with `Accept-Encoding: encoding`, if any):
/// warm up, then measure.
async fn load(url: &str, encoding: Option<&'static str>) -> Report {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .expect("a client");
    let url: Arc<str> = url.into();
    let deadline_warm = Instant::now() + WARM_UP;
    let start = deadline_warm;
    let end = start + MEASURE;
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (client, url) = (client.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let mut request = client.get(&*url);
                if let Some(encoding) = encoding {
                    request = request.header("accept-encoding", encoding);
                }
                let response = request.send().await.expect("a response");
                assert!(response.status().is_success(), "{}", response.status());
                response.bytes().await.expect("a body");
                if sent >= start {
                    latencies.push(sent.elapsed());
                }
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("a client task"));
    }
    latencies.sort();
    Report {
        requests: latencies.len(),
        elapsed: MEASURE,
        latencies,
    }
}

fn print(name: &str, report: &Report) {
    let rps = report.requests as f64 / report.elapsed.as_secs_f64();
    println!(
        "{name:<28} {rps:>9.0} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   ({} requests)",
        ms(percentile(&report.latencies, 0.50)),
        ms(percentile(&report.latencies, 0.99)),
        report.requests
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    use app::ports::LimitedAction;
    use server::http::page_cache::PageCache;
    use server::limits::{Quota, Quotas};

    // The site, on the stack's DynamoDB Local, with a list of 50 gifts.
    let config = common::site::config(
        "test",
        "http://localhost:3000",
        &common::site::unique_table("bench-page"),
        false,
    );
    // The rate limit still counts every view (its write is part of a rendered page's cost),
    // under a quota that a benchmark from one address does not reach.
    let state = common::site::with_quotas(
        common::site::migrated(config).await,
        &[(LimitedAction::PublicList, u32::MAX, 60)],
    );
    let list = list_with_gifts(state.store.as_ref(), GIFTS).await;
    let kept = serve_on_one_core(server::http::router(state.clone()));
    let mut uncached = state.clone();
    let quotas = Quotas::standard().with(
        LimitedAction::PublicList,
        Quota {
            limit: u32::MAX,
            window_seconds: 60,
        },
    );
    uncached.page_cache = Arc::new(PageCache::disabled(&quotas, state.remembered.clone()));
    let rendered = serve_on_one_core(server::http::router(uncached));
    let path = format!("/lists/{}", list.id);

    // The same bytes from a handler that does nothing else.
    let fetch = |site: SocketAddr, encoding: &'static str| {
        let url = format!("http://{site}{path}");
        async move {
            reqwest::Client::new()
                .get(url)
                .header("accept-encoding", encoding)
                .send()
                .await
                .expect("the page")
                .bytes()
                .await
                .expect("its body")
        }
    };
    let plain = fetch(kept, "identity").await;
    let brotli = fetch(kept, "br").await;
    assert!(
        String::from_utf8_lossy(&plain).contains("Benchmark list"),
        "the page renders the list"
    );
    // To look at what is sent: PAGE_BENCH_DUMP=/tmp/page.html
    if let Ok(file) = std::env::var("PAGE_BENCH_DUMP") {
        std::fs::write(file, &plain).expect("write the page");
    }
    println!(
        "page: {} bytes of HTML, {} with brotli; {GIFTS} gifts, {CONNECTIONS} connections, {} s measured after {} s warm-up",
        plain.len(),
        brotli.len(),
        MEASURE.as_secs(),
        WARM_UP.as_secs()
    );
    let bare = serve_on_one_core(Router::new().route(
        "/",
        get(move |headers: axum::http::HeaderMap| {
            let (plain, brotli) = (plain.clone(), brotli.clone());
            async move {
                let wants_brotli = headers
                    .get("accept-encoding")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.contains("br"));
                if wants_brotli {
                    (
                        [
                            ("content-type", "text/html; charset=utf-8"),
                            ("content-encoding", "br"),
                        ],
                        brotli,
                    )
                } else {
                    (
                        [
                            ("content-type", "text/html; charset=utf-8"),
                            ("x-plain", "1"),
                        ],
                        plain,
                    )
                }
            }
        }),
    ));

    for encoding in [None, Some("br")] {
        let said = encoding.map_or("no compression", |_| "Accept-Encoding: br");
        println!("\n{said}");
        let ceiling = load(&format!("http://{bare}/"), encoding).await;
        let hit = load(&format!("http://{kept}{path}"), encoding).await;
        let miss = load(&format!("http://{rendered}{path}"), encoding).await;
        print("bare axum, same bytes", &ceiling);
        print("public page, kept (hit)", &hit);
        print("public page, rendered (miss)", &miss);
        let ratio =
            |report: &Report| 100.0 * report.requests as f64 / (ceiling.requests as f64).max(1.0);
        println!(
            "ratios to bare axum: hit {:.1}%, miss {:.1}%",
            ratio(&hit),
            ratio(&miss)
        );
    }
}
