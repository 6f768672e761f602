//! `server export` and `server import`, run as the operator runs them (the binary as a
//! process) against DynamoDB Local: a table of more than 10,000 items comes back whole into a
//! new table, even when the import is killed halfway and finished with `--resume`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::common::site::{outbox_all, Pool};
use crate::common::{fixture, list_with_gifts, Fixture, Item};

const BIN: &str = env!("CARGO_BIN_EXE_server");
/// Synthetic items beside the real lists.
const ITEMS: usize = 10_000;

fn config_file() -> String {
    format!("{}/../Leptos.toml", env!("CARGO_MANIFEST_DIR"))
}

fn command(table: &str, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env("EWELISTS_CONFIG_FILE", config_file())
        .env("EWELISTS_TABLE", table)
        .env("RUST_LOG", "warn");
    command
}

fn run(table: &str, args: &[&str]) -> Output {
    command(table, args)
        .output()
        .expect("the server binary runs")
}

fn said(output: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ewelists-backup-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// An item with every kind of attribute value DynamoDB has.
fn synthetic(i: usize) -> Item {
    let mut nested = HashMap::new();
    nested.insert("at".to_owned(), AttributeValue::N(format!("{i}.5")));
    nested.insert(
        "tags".to_owned(),
        AttributeValue::L(vec![
            AttributeValue::S(format!("tag {i} «é»")),
            AttributeValue::Null(true),
        ]),
    );
    Item::from([
        (
            "pk".to_owned(),
            AttributeValue::S(format!("BACKUP#{}", i / 20)),
        ),
        ("sk".to_owned(), AttributeValue::S(format!("ITEM#{i:06}"))),
        ("n".to_owned(), AttributeValue::N(format!("-{i}.000000001"))),
        (
            "b".to_owned(),
            AttributeValue::B(Blob::new(vec![0, 255, (i % 256) as u8])),
        ),
        ("t".to_owned(), AttributeValue::Bool(i.is_multiple_of(2))),
        (
            "ss".to_owned(),
            AttributeValue::Ss(vec!["a\"b".into(), format!("line\n{i}")]),
        ),
        (
            "ns".to_owned(),
            AttributeValue::Ns(vec!["1".into(), format!("{}", i + 2)]),
        ),
        (
            "bs".to_owned(),
            AttributeValue::Bs(vec![Blob::new(format!("{i}").into_bytes())]),
        ),
        ("m".to_owned(), AttributeValue::M(nested)),
    ])
}

/// The table's items, sorted by key, for comparing two tables.
async fn sorted(f: &Fixture) -> Vec<Item> {
    let mut items = f.raw_scan().await;
    let key = |item: &Item| {
        let text = |name: &str| match item.get(name) {
            Some(AttributeValue::S(s)) => s.clone(),
            _ => String::new(),
        };
        (text("pk"), text("sk"))
    };
    items.sort_by_key(key);
    items
}

async fn count(f: &Fixture) -> usize {
    let out = f
        .client
        .scan()
        .table_name(&f.table)
        .select(aws_sdk_dynamodb::types::Select::Count)
        .send()
        .await
        .expect("count");
    // One page is enough to tell "some but not all" of a few MB.
    usize::try_from(out.count).unwrap_or(0)
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_comes_back_whole_from_its_export_even_when_the_import_is_killed_halfway() {
    let source = fixture("backup-from").await;
    for _ in 0..3 {
        list_with_gifts(source.store.as_ref(), 10).await;
    }
    source.raw_put((0..ITEMS).map(synthetic).collect()).await;
    let expected = sorted(&source).await;
    assert!(expected.len() > ITEMS, "{}", expected.len());
    let file = scratch("table.jsonl");
    let file_arg = file.to_str().unwrap();

    // Export, in four segments.
    let exported = run(&source.table, &["export", file_arg, "--segments", "4"]);
    assert!(exported.status.success(), "{}", said(&exported));
    let stdout = String::from_utf8_lossy(&exported.stdout);
    assert!(
        stdout.contains(&format!("exported {} items", expected.len())),
        "{}",
        said(&exported)
    );
    assert!(stdout.contains("peak memory"), "{stdout}");
    assert_eq!(lines(&file), expected.len());
    assert!(!Path::new(&format!("{file_arg}.partial")).exists());

    // An import, killed once it has written some of the items.
    let target = fixture("backup-to").await;
    let mut import = command(&target.table, &["import", file_arg])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut at_kill = 0;
    while at_kill == 0 {
        assert!(
            import.try_wait().unwrap().is_none(),
            "the import ended before it was killed"
        );
        assert!(
            Instant::now() < deadline,
            "the import wrote nothing in 60 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        at_kill = count(&target).await;
    }
    import.kill().unwrap(); // SIGKILL: no chance to tidy up
    import.wait().unwrap();
    // Batches already sent when it died still land: wait until the table stops changing.
    let mut after_kill = target.raw_scan().await.len();
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = target.raw_scan().await.len();
        if now == after_kill {
            break;
        }
        after_kill = now;
    }
    assert!(
        after_kill > 0 && after_kill < expected.len(),
        "killed halfway: {after_kill} of {}",
        expected.len()
    );

    // Without --resume, a table that holds items is refused, and nothing changes.
    let refused = run(&target.table, &["import", file_arg]);
    assert_eq!(refused.status.code(), Some(65), "{}", said(&refused));
    assert!(said(&refused).contains("--resume"), "{}", said(&refused));
    assert_eq!(target.raw_scan().await.len(), after_kill);

    // --resume finishes it, and counts the table.
    let resumed = run(&target.table, &["import", file_arg, "--resume"]);
    assert!(resumed.status.success(), "{}", said(&resumed));
    assert!(
        String::from_utf8_lossy(&resumed.stdout)
            .contains(&format!("the table holds {} items", expected.len())),
        "{}",
        said(&resumed)
    );
    assert!(
        sorted(&target).await == expected,
        "the imported table differs from the exported one"
    );

    // Idempotent: the same import again leaves the table as it was.
    let again = run(&target.table, &["import", file_arg, "--resume"]);
    assert!(again.status.success(), "{}", said(&again));
    assert!(sorted(&target).await == expected);

    source.drop_table().await;
    target.drop_table().await;
    let _ = std::fs::remove_dir_all(file.parent().unwrap());
}

#[tokio::test]
async fn a_file_with_a_bad_line_loads_nothing_and_names_the_line() {
    let target = fixture("backup-bad").await;
    let file = scratch("bad.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"Item":{"pk":{"S":"A"},"sk":{"S":"1"}}}"#,
            "\n",
            r#"{"Item":{"pk":{"S":"A"},"sk":{"S":"2"}}}"#,
            "\n",
            r#"{"Item":{"pk":{"S":"A"},"sk":{"S":"3"},"price":{"N":"twelve"}}}"#,
            "\n",
        ),
    )
    .unwrap();
    let output = run(&target.table, &["import", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(65), "{}", said(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("line 3") && stderr.contains("price"),
        "{stderr}"
    );
    assert!(target.raw_scan().await.is_empty(), "nothing is written");
    target.drop_table().await;
    let _ = std::fs::remove_dir_all(file.parent().unwrap());
}

#[tokio::test]
async fn an_export_that_cannot_be_written_fails_and_leaves_no_file() {
    let source = fixture("backup-nowhere").await;
    list_with_gifts(source.store.as_ref(), 2).await;
    let missing = scratch("x")
        .with_file_name("no-such-dir")
        .join("table.jsonl");
    let output = run(&source.table, &["export", missing.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", said(&output));
    assert!(!missing.exists());
    let usage = run(&source.table, &["export", "f", "--segments", "0"]);
    assert_eq!(usage.status.code(), Some(2), "{}", said(&usage));
    source.drop_table().await;
}

/// The value of attribute `name` of an AdminGetUser answer.
fn attribute(user: &serde_json::Value, name: &str) -> Option<String> {
    user["UserAttributes"]
        .as_array()?
        .iter()
        .find(|a| a["Name"] == name)
        .and_then(|a| a["Value"].as_str().map(str::to_owned))
}

#[tokio::test]
async fn the_pool_s_people_move_to_a_new_pool_with_their_groups_and_no_invitation() {
    let from = Pool::from_stack();
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let admin = format!("admin-{tag}@example.com");
    let unverified = format!("unverified-{tag}@example.com");
    from.add_user(&admin, "Ada Admin", "Secret-pass-1", true)
        .await;
    from.add_to_group(&admin, "admin").await;
    from.add_user(&unverified, "Uma Unverified", "Secret-pass-2", false)
        .await;
    let file = scratch("users.jsonl");
    let file_arg = file.to_str().unwrap();
    let table = format!("users-{tag}"); // not read by the users commands

    let exported = run(&table, &["users", "export", file_arg]);
    assert!(exported.status.success(), "{}", said(&exported));
    let text = std::fs::read_to_string(&file).unwrap();
    let line_of = |email: &str| -> serde_json::Value {
        let line = text
            .lines()
            .find(|l| l.contains(email))
            .unwrap_or_else(|| panic!("{email} not exported: {text}"));
        serde_json::from_str(line).unwrap()
    };
    let ada = line_of(&admin);
    assert_eq!(ada["name"], "Ada Admin");
    assert_eq!(ada["email_verified"], true);
    assert_eq!(ada["groups"], serde_json::json!(["admin"]));
    assert_eq!(line_of(&unverified)["email_verified"], false);
    assert!(!text.contains("Secret-pass"), "no password leaves the pool");

    // Into a new, empty pool.
    let to = from.create(&format!("moved-{tag}")).await;
    let import = |args: &'static [&'static str]| {
        let mut command = command(&table, args);
        command
            .arg(file_arg)
            .env("EWELISTS_COGNITO_ISSUER", to.issuer());
        command.output().unwrap()
    };
    let imported = import(&["users", "import"]);
    assert!(imported.status.success(), "{}", said(&imported));
    let people = text.lines().count();
    assert!(
        String::from_utf8_lossy(&imported.stdout).contains(&format!("{people} created")),
        "{}",
        said(&imported)
    );
    let moved = to.user(&admin).await.expect("the admin is in the new pool");
    assert_eq!(attribute(&moved, "name").as_deref(), Some("Ada Admin"));
    assert_eq!(attribute(&moved, "email_verified").as_deref(), Some("true"));
    // Confirmed with a password nobody knows: "Forgot your password?" works, and no
    // invitation (with a temporary password) was sent.
    assert_eq!(moved["UserStatus"], "CONFIRMED");
    assert_eq!(
        to.groups(moved["Username"].as_str().unwrap()).await,
        ["admin"]
    );
    let uma = to.user(&unverified).await.expect("moved");
    assert_eq!(attribute(&uma, "email_verified").as_deref(), Some("false"));
    assert!(outbox_all()
        .await
        .iter()
        .all(|mail| !mail.to.iter().any(|to| to == &admin || to == &unverified)));

    // Again: nobody is created twice.
    let again = import(&["users", "import"]);
    assert!(again.status.success(), "{}", said(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout)
            .contains(&format!("0 created, {people} already there")),
        "{}",
        said(&again)
    );
    let _ = std::fs::remove_dir_all(file.parent().unwrap());
}
