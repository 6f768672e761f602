//! The web function under cargo-lambda's emulator, behind the CloudFront stand-in: its cold
//! start and its warm latency for the home page and a public list of 50 gifts.
//!
//!     ./dev deploy --dry-run test        # makes target/lambda/package
//!     python3 scripts/stack.py --profile test -- cargo bench -p server --bench lambda --profile dev
//!
//! (`--profile dev`: this program only seeds the list; what is measured is the package's
//! release binary, so there is no need for a second optimised build of the server.)
//!
//! Seeds the list in the table the function uses (the test environment's), then runs
//! `scripts/lambda_edge.py --bench 200`, which prints the figures. Not a test: it asserts
//! nothing about speed.

#[path = "../tests/it/common/mod.rs"]
mod common;

use common::list_with_gifts;

const GIFTS: usize = 50;
const REQUESTS: &str = "200";

#[tokio::main]
async fn main() {
    // The function reads its settings from the environment the local stack gives it.
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut vars: std::collections::HashMap<String, String> = std::env::vars().collect();
    vars.insert("EWELISTS_CONFIG_FILE".into(), format!("{root}/Leptos.toml"));
    let config = server::config::Config::from_vars(&vars).expect("run under scripts/stack.py");
    let state = common::site::migrated(config).await;
    let list = list_with_gifts(state.store.as_ref(), GIFTS).await;
    let status = std::process::Command::new("python3")
        .arg("scripts/lambda_edge.py")
        .args(["--bench", REQUESTS])
        .env("EWELISTS_BENCH_LIST", format!("/lists/{}", list.id))
        .current_dir(root)
        .status()
        .expect("python3 runs");
    assert!(status.success(), "the emulator run failed");
}
