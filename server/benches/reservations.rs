//! Load benchmark of `reserve` against DynamoDB Local (or whatever
//! `EWELISTS_DYNAMODB_ENDPOINT` points at): `cargo bench -p server --bench reservations`.
//!
//! Seeds one list with many gifts of quantity 99, then 32 concurrent clients reserve one of a
//! random gift each (distinct guests, as real guests would spread over a list) until 3,000
//! reservations were attempted or 20 s passed. Prints reservations per second, latency
//! percentiles (overall and by phase of the run, to show whether `reserve` slows down as the
//! list fills), and how many attempts lost a race (retried) or ended in `Conflict`.
//! Not a test: it asserts nothing about speed.

#[path = "../tests/it/common/mod.rs"]
mod common;

use common::{ms, percentile};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::ports::{no_mail, Store, StoreError};
use aws_sdk_dynamodb::types::AttributeValue;
use common::{fixture, new_gift, new_list, now, request};
use domain::UserId;

const CLIENTS: usize = 32;
const OPERATIONS: usize = 3_000;
const GIFTS: usize = 60;
const TIME_LIMIT: Duration = Duration::from_secs(20);
/// The run is cut into this many phases, by operation number, for the p50 by phase.
const PHASES: usize = 5;

#[derive(Default)]
struct ClientReport {
    latencies: Vec<Duration>,
    /// (operation number, latency), to compare the start of the run with its end.
    by_operation: Vec<(usize, Duration)>,
    ok: usize,
    conflicts: usize,
    refused: usize,
}

#[tokio::main]
async fn main() {
    let f = fixture("bench-reservations").await;
    let owner = UserId::generate();
    let list = new_list(owner, "Benchmark", now());
    f.store.create_list(&list).await.expect("create list");
    let mut gifts = Vec::with_capacity(GIFTS);
    for i in 0..GIFTS {
        let gift = new_gift(
            list.id,
            99,
            Some(&format!("https://shop.example/bench/{i}")),
        );
        f.store.add_gift(&owner, &gift).await.expect("add gift");
        gifts.push(gift.id);
    }
    let gifts = Arc::new(gifts);
    println!(
        "reservations benchmark: {CLIENTS} clients, up to {OPERATIONS} reservations or {}s, \
         {GIFTS} gifts x 99, table {}",
        TIME_LIMIT.as_secs(),
        f.table
    );

    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let store = f.store.clone();
            let gifts = gifts.clone();
            let next = next.clone();
            let list_id = list.id;
            tokio::spawn(async move {
                let mut report = ClientReport::default();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= OPERATIONS || started.elapsed() > TIME_LIMIT {
                        return report;
                    }
                    let gift = gifts[rand::random_range(0..gifts.len())];
                    let guest = request(&format!("guest{n}@example.com"), 1);
                    let t = Instant::now();
                    let result = store.reserve(&list_id, &gift, guest, now(), &no_mail).await;
                    report.latencies.push(t.elapsed());
                    report.by_operation.push((n, t.elapsed()));
                    match result {
                        Ok(_) => report.ok += 1,
                        Err(StoreError::Conflict) => report.conflicts += 1,
                        Err(StoreError::Rule(_)) => report.refused += 1,
                        Err(other) => panic!("reservation failed: {other:?}"),
                    }
                }
            })
        })
        .collect();

    let mut all = ClientReport::default();
    for client in clients {
        let report = client.await.expect("client task");
        all.latencies.extend(report.latencies);
        all.by_operation.extend(report.by_operation);
        all.ok += report.ok;
        all.conflicts += report.conflicts;
        all.refused += report.refused;
    }
    let elapsed = started.elapsed();
    all.latencies.sort();
    let attempted = all.latencies.len();
    println!(
        "{attempted} attempted in {:.2}s: {} reserved, {} conflicts (gave up), {} refused by rules",
        elapsed.as_secs_f64(),
        all.ok,
        all.conflicts,
        all.refused
    );
    println!(
        "throughput {:.0} reservations/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
         {} lost races retried ({} of them transaction conflicts)",
        all.ok as f64 / elapsed.as_secs_f64(),
        ms(percentile(&all.latencies, 0.50)),
        ms(percentile(&all.latencies, 0.99)),
        ms(all.latencies.last().copied().unwrap_or_default()),
        f.store.lost_races(),
        f.store.transaction_conflicts()
    );

    // `reserve` reads the list and the gift by key, so its cost should not grow with the
    // reservations already on the list: compare the phases of the run.
    all.by_operation.sort();
    let third = all.by_operation.len() / 3;
    let p50_of = |part: &[(usize, Duration)]| {
        let mut part: Vec<Duration> = part.iter().map(|(_, d)| *d).collect();
        part.sort();
        ms(percentile(&part, 0.50))
    };
    if third > 0 {
        println!(
            "p50 over the first third {:.1} ms, over the last third {:.1} ms",
            p50_of(&all.by_operation[..third]),
            p50_of(&all.by_operation[all.by_operation.len() - third..])
        );
    }
    let phase = all.by_operation.len().div_ceil(PHASES);
    if phase > 0 {
        let phases: Vec<String> = all
            .by_operation
            .chunks(phase)
            .map(|part| {
                format!(
                    "ops {}-{}: {:.1} ms",
                    part[0].0,
                    part[part.len() - 1].0,
                    p50_of(part)
                )
            })
            .collect();
        println!("p50 by phase: {}", phases.join(", "));
    }

    // Every reservation is accounted for on its gift.
    let page = f
        .store
        .list_page(&list.id)
        .await
        .expect("list page")
        .expect("the list");
    let reserved: u32 = page.gifts.iter().map(|g| g.reserved).sum();
    println!("check: Σ gift.reserved = {reserved} (expected {})", all.ok);
    let raw = f.raw_partition(&list.id).await;
    let count = |prefix: &str| {
        raw.iter()
            .filter(
                |i| matches!(i.get("sk"), Some(AttributeValue::S(sk)) if sk.starts_with(prefix)),
            )
            .count()
    };
    println!("the list now holds {} reservation items", count("R#"));
    f.drop_table().await;
    if usize::try_from(reserved).ok() != Some(all.ok) {
        eprintln!("MISMATCH between gifts and successful reservations");
        std::process::exit(1);
    }
}
