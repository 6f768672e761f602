//! Loading catalogue files into the store (DynamoDB Local), and `server import-catalogue`.
//!
//! Needs the local stack's variables (`./dev test`, or
//! `python3 scripts/stack.py --profile test -- cargo test -p server --test it catalogue::`).

use std::path::{Path, PathBuf};
use std::process::Command;

use app::ports::Store;
use domain::{normalise_product_url, HttpUrl, Price};
use server::catalogue::{self, LoadReport};

const BIN: &str = env!("CARGO_BIN_EXE_server");

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/catalogue-sample.json")
}

fn normalised(url: &str) -> String {
    normalise_product_url(&HttpUrl::parse(url).expect("a link"))
}

#[tokio::test]
async fn the_sample_loads_once_and_matches_links_by_product() {
    let f = crate::common::fixture("catalogue").await;
    let entries = catalogue::read_catalogue(&sample()).expect("the sample is valid");
    let n = entries.len();

    let first = catalogue::load(f.store.as_ref(), entries.clone())
        .await
        .unwrap();
    assert_eq!(
        first,
        LoadReport {
            created: n,
            updated: 0
        }
    );

    // The sample's Amazon link carries a slug and tracking; any other link to the ASIN finds it.
    let found = f
        .store
        .catalogue_product_by_url(&normalised(
            "http://amazon.co.uk/gp/product/b0example1?tag=someone-21&th=1",
        ))
        .await
        .unwrap()
        .expect("the Amazon product, found by its ASIN");
    assert_eq!(found.product.title.as_str(), "Sophie la girafe teether");
    assert_eq!(
        found.product.price,
        Some(Price::parse("19.99", "GBP").unwrap())
    );
    assert_eq!(found.retailer.as_ref().map(|r| r.as_str()), Some("Amazon"));
    let without_price = entries.iter().find(|e| e.product.price.is_none()).unwrap();
    let stored = f
        .store
        .catalogue_product_by_url(&without_price.normalised_url().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.product, without_price.product);

    let second = catalogue::load(f.store.as_ref(), entries).await.unwrap();
    assert_eq!(
        second,
        LoadReport {
            created: 0,
            updated: n
        }
    );
    let products: Vec<_> = f
        .raw_scan()
        .await
        .into_iter()
        .filter(|item| crate::common::text(item, "kind") == "product")
        .collect();
    assert_eq!(products.len(), n, "loading twice must not duplicate");
    let again = f
        .store
        .catalogue_product_by_url(&normalised("https://www.amazon.co.uk/dp/B0EXAMPLE1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.id, found.id, "the product keeps its id");
    f.drop_table().await;
}

fn command(table: &str) -> Command {
    let mut command = Command::new(BIN);
    command
        .env(
            "EWELISTS_CONFIG_FILE",
            format!("{}/../Leptos.toml", env!("CARGO_MANIFEST_DIR")),
        )
        .env("EWELISTS_TABLE", table);
    command
}

#[tokio::test]
async fn the_command_reports_what_it_loaded_or_every_problem() {
    crate::common::endpoint();
    let f = crate::common::fixture("catalogue-cli").await;

    let output = command(&f.table)
        .arg("import-catalogue")
        .arg(sample())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("7 created, 0 updated"), "{stdout}");

    let bad = std::env::temp_dir().join(format!("catalogue-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(&bad, "title,price,currency\n,5,GBP\nCot,5,\n").unwrap();
    let output = command(&f.table)
        .arg("import-catalogue")
        .arg(&bad)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&bad);
    assert_eq!(output.status.code(), Some(65), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 2, title: "), "{stderr}");
    assert!(stderr.contains("line 3, currency: "), "{stderr}");

    let output = command(&f.table).arg("import-catalogue").output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    f.drop_table().await;
}
