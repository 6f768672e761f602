//! The server binary as a process: configuration errors, JSON request logs, graceful shutdown.
//!
//! Needs the local stack's variables (`./dev test`, or `scripts/stack.py --profile test`).

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_server");

fn config_file() -> String {
    format!("{}/../Leptos.toml", env!("CARGO_MANIFEST_DIR"))
}

fn free_addr() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

fn require_stack() {
    assert!(
        std::env::var_os("EWELISTS_DYNAMODB_ENDPOINT").is_some()
            && std::env::var_os("EWELISTS_COGNITO_ISSUER").is_some(),
        "run under the local stack: `./dev test`, or \
         `python3 scripts/stack.py --profile test -- cargo test -p server --test it process::`"
    );
}

/// A plain HTTP/1.1 GET over a socket, so the test needs no HTTP client.
fn get(addr: &str, path: &str, request_id: &str) -> Option<String> {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nx-request-id: {request_id}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

fn wait_until_healthy(addr: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("server exited early: {status}");
        }
        if get(addr, "/healthz", "probe").is_some_and(|r| r.starts_with("HTTP/1.1 200")) {
            return;
        }
        assert!(Instant::now() < deadline, "server did not become healthy");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn logs_requests_as_json_and_shuts_down_gracefully() {
    require_stack();
    let addr = free_addr();
    let table = format!("process-{}", uuid::Uuid::new_v4().simple());
    let mut child = Command::new(BIN)
        .env("EWELISTS_CONFIG_FILE", config_file())
        .env("EWELISTS_TABLE", &table)
        .env("EWELISTS_LOG_FORMAT", "json")
        .env("EWELISTS_AUTO_MIGRATE", "true")
        .env("LEPTOS_SITE_ADDR", &addr)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_healthy(&addr, &mut child);

    let page = get(&addr, "/reservations/secret-token", "req-42").unwrap();
    assert!(page.starts_with("HTTP/1.1 404"), "{page}");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "server did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "exit status {exit}");

    let lines: Vec<serde_json::Value> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .map(|line| {
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
        })
        .collect();
    let request = lines
        .iter()
        .find(|l| l["request_id"] == "req-42" && l["message"] == "request")
        .unwrap_or_else(|| panic!("no log line for the request in {lines:#?}"));
    assert_eq!(request["method"], "GET");
    assert_eq!(request["status"], 404);
    assert_eq!(
        request["path"], "/reservations/:token",
        "the token must not be logged"
    );
    assert!(request["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0));
    assert!(
        !lines.iter().any(|l| l.to_string().contains("secret-token")),
        "a capability token reached the logs"
    );
    assert!(
        lines.iter().any(|l| l["message"] == "stopped"),
        "{lines:#?}"
    );
}

#[test]
fn a_bad_setting_stops_the_server_and_names_its_variable() {
    let output = Command::new(BIN)
        .env("EWELISTS_CONFIG_FILE", config_file())
        .env("EWELISTS_ENV", "test")
        .env("EWELISTS_SITE_URL", "not a url")
        .env("LEPTOS_SITE_ADDR", free_addr())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(78));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("EWELISTS_SITE_URL"), "{stderr}");
}

#[test]
fn the_client_secret_is_never_printed() {
    let secret = "do-not-print-me-123";
    let output = Command::new(BIN)
        .arg("check-config")
        .env("EWELISTS_CONFIG_FILE", config_file())
        .env("EWELISTS_ENV", "test")
        .env(
            "EWELISTS_COGNITO_ISSUER",
            "https://cognito-idp.us-east-1.amazonaws.com/x",
        )
        .env("EWELISTS_COGNITO_DOMAIN", "http://localhost:4566")
        .env("EWELISTS_COGNITO_CLIENT_ID", "client")
        .env("EWELISTS_COGNITO_CLIENT_SECRET", secret)
        .env("EWELISTS_LOG_FORMAT", "json")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(all.contains("valid"), "{all}");
    assert!(!all.contains(secret));
}

/// A server process on `table` (created at start), listening on a free port, once healthy.
pub(crate) fn start_server(table: &str) -> (String, Child) {
    let addr = free_addr();
    let mut child = Command::new(BIN)
        .env("EWELISTS_CONFIG_FILE", config_file())
        .env("EWELISTS_TABLE", table)
        .env("EWELISTS_AUTO_MIGRATE", "true")
        .env("LEPTOS_SITE_ADDR", &addr)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_healthy(&addr, &mut child);
    (addr, child)
}

fn kill_hard(child: &mut Child) {
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
}

#[test]
fn two_servers_share_one_quota() {
    require_stack();
    let table = format!("quota-{}", uuid::Uuid::new_v4().simple());
    let (a, mut first) = start_server(&table);
    let (b, mut second) = start_server(&table);
    // The reservation page allows 60 a minute per address: stay inside one minute.
    let into_minute = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 60;
    if into_minute > 40 {
        std::thread::sleep(Duration::from_secs(61 - into_minute));
    }
    let mut refused = 0;
    for i in 0..80 {
        let addr = if i % 2 == 0 { &a } else { &b };
        let page = get(addr, "/reservations/no-such-token", "quota").unwrap();
        if page.starts_with("HTTP/1.1 429") {
            refused += 1;
        } else {
            assert!(page.starts_with("HTTP/1.1 404"), "{page}");
        }
    }
    kill_hard(&mut first);
    kill_hard(&mut second);
    assert_eq!(refused, 20, "one quota of 60 for both servers, not 60 each");
}
