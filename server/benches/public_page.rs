//! Throughput of the public list page: `cargo bench -p server --bench public_page`, under the
//! local stack (`python3 scripts/stack.py --profile test -- cargo bench -p server --bench
//! public_page`; build with `--release` semantics, which `cargo bench` does).
//!
//! Seeds a list with 50 gifts in DynamoDB Local, then serves the whole site on ONE worker
//! thread and loads `/lists/<id>` from 32 concurrent connections for a fixed time. In the same
//! run, a bare axum handler on its own single worker answers the same bytes, as a ceiling: the
//! ratio says what rendering the page (one Query, server-side rendering, the middleware)
//! costs. Prints requests per second and latency percentiles for both. Not a test: it asserts
//! nothing about speed.

#[path = "../tests/it/common/mod.rs"]
mod common;

use common::{ms, percentile};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::response::Html;
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

/// `CONNECTIONS` clients asking for `url` in a loop: warm up, then measure.
async fn load(url: &str) -> Report {
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
                let response = client.get(&*url).send().await.expect("a response");
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
    // The site, on the stack's DynamoDB Local, with a list of 50 gifts.
    let config = common::site::config(
        "test",
        "http://localhost:3000",
        &common::site::unique_table("bench-page"),
        false,
    );
    // The rate limit still counts every view (its write is part of the page's cost), under a
    // quota that a benchmark from one address does not reach.
    let state = common::site::with_quotas(
        common::site::migrated(config).await,
        &[(app::ports::LimitedAction::PublicList, u32::MAX, 60)],
    );
    let list = list_with_gifts(state.store.as_ref(), GIFTS).await;
    let site = serve_on_one_core(server::http::router(state));
    let page_url = format!("http://{site}/lists/{}", list.id);

    // The same bytes from a handler that does nothing else.
    let bytes = reqwest::get(&page_url)
        .await
        .expect("the page")
        .text()
        .await
        .expect("its body");
    assert!(
        bytes.contains("Benchmark list"),
        "the page renders the list"
    );
    // What a phone downloads: the same page, compressed.
    let compressed = reqwest::Client::new()
        .get(&page_url)
        .header("accept-encoding", "br")
        .send()
        .await
        .expect("the page, compressed")
        .bytes()
        .await
        .expect("its body")
        .len();
    println!("page over the wire with brotli: {compressed} bytes");
    // To look at what is sent: PAGE_BENCH_DUMP=/tmp/page.html
    if let Ok(path) = std::env::var("PAGE_BENCH_DUMP") {
        std::fs::write(path, &bytes).expect("write the page");
    }
    println!("page: {} bytes of HTML, {GIFTS} gifts, {CONNECTIONS} connections, {} s measured after {} s warm-up", bytes.len(), MEASURE.as_secs(), WARM_UP.as_secs());
    let bare = serve_on_one_core(Router::new().route(
        "/",
        get(move || {
            let bytes = bytes.clone();
            async move { Html(bytes) }
        }),
    ));

    let page = load(&page_url).await;
    let ceiling = load(&format!("http://{bare}/")).await;
    print("public page (one core)", &page);
    print("bare axum, same bytes", &ceiling);
    let ratio = (page.requests as f64) / (ceiling.requests as f64).max(1.0);
    println!(
        "ratio: the page runs at {:.1}% of the bare handler's throughput",
        ratio * 100.0
    );
}
