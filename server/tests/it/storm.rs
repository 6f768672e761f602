//! `kill -9` of the server during a storm of reservations with their mails in flight, then a
//! restart: every acknowledged reservation is there, nothing is over-reserved, every committed
//! reservation's mail is delivered, and any duplicate is one the docs allow (a mail sent by
//! the killed process but not yet recorded). Prints the counts.

use std::collections::HashMap;
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::guest::ReserveAnswer;
use domain::{ReservationToken, UserId};
use leptos::server_fn::ServerFn;
use time::OffsetDateTime;

use crate::common::{new_gift, new_list, site};
use crate::process::start_server;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_loses_no_acknowledged_reservation_and_no_mail() {
    let site_url = site::stack_var("EWELISTS_SITE_URL");
    let table = site::unique_table("storm");
    let state = site::migrated(site::config("test", &site_url, &table, true)).await;
    let owner = UserId::generate();
    let list = new_list(owner, "Storm", OffsetDateTime::now_utc());
    state.store.create_list(&list).await.unwrap();
    // Room for every reservation of the storm (a gift is wanted at most 99 times).
    let mut gifts = Vec::new();
    for _ in 0..6 {
        let gift = new_gift(list.id, 99, None);
        state.store.add_gift(&owner, &gift).await.unwrap();
        gifts.push(gift.id.to_string());
    }

    let (addr, mut server) = start_server(&table);
    let origin = url::Url::parse(&site_url)
        .unwrap()
        .origin()
        .ascii_serialization();
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicU32::new(0));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let mut workers = Vec::new();
    for _ in 0..6 {
        let (http, addr, origin) = (http.clone(), addr.clone(), origin.clone());
        let (acked, stop, next) = (acked.clone(), stop.clone(), next.clone());
        let (list, gifts, tag) = (list.id.to_string(), gifts.clone(), tag.to_owned());
        workers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let email = format!("storm-{tag}-{n}@example.com");
                let gift = &gifts[n as usize % gifts.len()];
                let sent = http
                    .post(format!("http://{addr}{}", app::guest::Reserve::PATH))
                    .header("origin", &origin)
                    .header(
                        "x-forwarded-for",
                        format!("10.9.{}.{}", n / 250, n % 250 + 1),
                    )
                    .form(&[
                        ("list_id", list.as_str()),
                        ("gift_id", gift.as_str()),
                        ("name", "Stormy"),
                        ("email", email.as_str()),
                        ("quantity", "1"),
                    ])
                    .send()
                    .await;
                let Ok(response) = sent else { break };
                if response.status().is_success() {
                    if let Ok(ReserveAnswer { manage_path }) = response.json().await {
                        acked.lock().unwrap().push(manage_path);
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill().unwrap(); // SIGKILL, mid-storm
    let _ = server.wait();
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 10,
        "the storm was too small: {}",
        acked.len()
    );

    // Restarted: its courier delivers what is due; the mails the killed one had taken are due
    // when their lease ends (the test's courier looks past it).
    let (_, mut restarted) = start_server(&table);
    let later = OffsetDateTime::now_utc() + domain::delivery::LEASE * 2;
    let outbox = state.courier.outbox();
    let deadline = Instant::now() + Duration::from_secs(60);
    while outbox.counts().await.unwrap().pending > 0 {
        state.courier.deliver_all_due(later).await.unwrap();
        assert!(Instant::now() < deadline, "mail still waiting");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    kill_quietly(&mut restarted);

    // Every acknowledged reservation is there; nothing is over-reserved.
    let data = state.store.owner_list(&owner, &list.id).await.unwrap();
    for path in &acked {
        let token = ReservationToken::parse(path.trim_start_matches("/reservations/")).unwrap();
        assert!(state.store.reservation(&token).await.unwrap().is_some());
    }
    for stored in &data.gifts {
        let held: u32 = data
            .reservations
            .iter()
            .filter(|r| r.gift_id == stored.id)
            .map(|r| r.quantity.get())
            .sum();
        assert_eq!(stored.reserved + stored.bought, held);
        assert!(held <= stored.wanted.get());
    }

    // One mail per committed reservation, all delivered; duplicates counted.
    let mails = outbox.all().await.unwrap();
    assert_eq!(mails.len(), data.reservations.len(), "one mail each");
    assert!(mails
        .iter()
        .all(|m| m.state == server::store::outbox::MailState::Sent));
    let mut received: HashMap<String, usize> = HashMap::new();
    for message in site::outbox_all().await {
        for to in message.to {
            *received.entry(to).or_default() += 1;
        }
    }
    let mut duplicates = 0;
    for r in &data.reservations {
        let n = received.get(r.email.as_str()).copied().unwrap_or(0);
        assert!(n >= 1, "no mail reached {}", r.email.as_str());
        duplicates += n - 1;
    }
    println!(
        "storm: {} acknowledged, {} committed, {} mails delivered, {duplicates} duplicate(s)",
        acked.len(),
        data.reservations.len(),
        mails.len()
    );
    // Only mails in flight at the kill can go twice: at most the courier's concurrent sends.
    assert!(duplicates <= 8, "{duplicates} duplicates");
}

fn kill_quietly(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}
