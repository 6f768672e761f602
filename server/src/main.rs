//! `server`: runs the site; `server migrate`: provisions the table; `server check-config`;
//! `server import-catalogue <file>`: loads catalogue products from a JSON or CSV file;
//! `server sweep`: finishes list deletions that were interrupted and deletes guests' data past
//! its retention (daily in AWS); `server outbox`: how many mails
//! wait and how many were given up; `server mail-feedback <file>`: suppresses the mailboxes
//! that a file of the mail service's bounce and complaint reports names; `server export <file>
//! [--segments N]` and `server import <file> [--resume]`: the table to and from JSON Lines
//! (`server::backup`); `server users export <file>` and `server users import <file>`: the user
//! pool's people to and from JSON Lines (`server::backup::users`).
//!
//! Started by the AWS Lambda runtime, it runs as the function its handler names
//! (`server::lambda`). Settings kept in Secrets Manager are read first (`server::secrets`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use leptos::config::{get_configuration, LeptosOptions};
use server::backup::{self, BackupError};
use server::catalogue::{self, CatalogueFileError};
use server::config::Config;
use server::store::{schema, Table};
use server::{http, lambda, telemetry, AppState};

const USAGE: &str = "usage: server [serve | migrate | check-config | sweep | outbox | \
                     import-catalogue <file> | mail-feedback <file> | \
                     export <file> [--segments N] | import <file> [--resume] | \
                     users export <file> | users import <file>]";

/// sysexits' EX_DATAERR: the catalogue file has problems.
const EX_DATAERR: u8 = 65;
/// sysexits' EX_NOINPUT: the catalogue file cannot be read.
const EX_NOINPUT: u8 = 66;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map_or("serve", String::as_str);
    let file = match command {
        "serve" | "migrate" | "check-config" | "sweep" | "outbox" => None,
        "import-catalogue" | "mail-feedback" if args.len() == 2 => args.get(1).map(PathBuf::from),
        "export" | "import" if args.len() >= 2 => args.get(1).map(PathBuf::from),
        "users" if args.len() == 3 && matches!(args[1].as_str(), "export" | "import") => {
            args.get(2).map(PathBuf::from)
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let backup = match command {
        "export" | "import" => match BackupOptions::parse(command, &args[2..]) {
            Some(options) => Some(options),
            None => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        },
        _ => None,
    };
    let mut vars: HashMap<String, String> = std::env::vars().collect();
    let sdk = server::aws_sdk_config().await;
    if let Err(err) = server::secrets::overlay(&sdk, &mut vars).await {
        eprintln!("ewelists: configuration error: {err}");
        return ExitCode::from(78); // EX_CONFIG
    }
    let config = match Config::from_vars(&vars) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("ewelists: configuration error: {err}");
            return ExitCode::from(78); // EX_CONFIG
        }
    };
    drop(vars);
    telemetry::init(config.log_format);
    let lambda = match lambda::Role::from_env() {
        Some(Err(err)) => {
            tracing::error!(%err, "cannot start");
            return ExitCode::from(78);
        }
        Some(Ok(role)) if command == "serve" => Some(role),
        _ => None,
    };
    let leptos = match get_configuration(None) {
        Ok(conf) => with_fingerprints(conf.leptos_options),
        Err(err) => {
            tracing::error!(%err, "Leptos options");
            return ExitCode::from(78);
        }
    };
    let state = match AppState::connect_with(&sdk, config, leptos).await {
        Ok(state) => state,
        Err(err) => {
            tracing::error!(%err, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    let table = state.config.table.name.clone();

    match (command, file) {
        ("export" | "import", Some(file)) => {
            return backup_command(&state, &file, backup.unwrap_or_default()).await
        }
        ("users", Some(file)) => return users_command(&state, &args[1], &file).await,
        ("import-catalogue", Some(file)) => return import_catalogue(&state, &file).await,
        ("mail-feedback", Some(file)) => return mail_feedback(&state, &file).await,
        _ => {}
    }
    match command {
        "check-config" => match state.config.check_serving() {
            Ok(()) => {
                println!(
                    "configuration for {} is valid",
                    state.config.environment.as_str()
                );
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("ewelists: configuration error: {err}");
                ExitCode::from(78)
            }
        },
        "migrate" => match schema::migrate(&state.dynamodb, &table).await {
            Ok(outcome) => {
                tracing::info!(%table, ?outcome, "table provisioned");
                ExitCode::SUCCESS
            }
            Err(err) => {
                tracing::error!(%err, "migration failed");
                ExitCode::FAILURE
            }
        },
        "sweep" => match server::sweep::run(&state, time::OffsetDateTime::now_utc()).await {
            Ok(swept) => {
                println!(
                    "{} interrupted list deletion(s) finished; {} list(s) read, {} \
                         reservation(s) past their guest-data retention deleted",
                    swept.deletions_finished, swept.lists_read, swept.reservations_deleted
                );
                ExitCode::SUCCESS
            }
            Err(err) => {
                tracing::error!(%err, "sweep failed");
                ExitCode::FAILURE
            }
        },
        "outbox" => match state.courier.outbox().counts().await {
            Ok(counts) => {
                println!(
                    "{} mail(s) waiting, {} given up in the last 30 days",
                    counts.pending, counts.dead
                );
                ExitCode::SUCCESS
            }
            Err(err) => {
                tracing::error!(%err, "outbox unreadable");
                ExitCode::FAILURE
            }
        },
        _ => match lambda {
            Some(role) => run_lambda(role, state).await,
            None => serve(state).await,
        },
    }
}

/// The local table and seed where the settings ask for them (local and test), before serving.
async fn prepare(state: &AppState) -> Result<(), ()> {
    // The written pages and articles are in the binary: a bad one is a bad build.
    if let Err(err) = app::content::check() {
        tracing::error!(%err, "content");
        return Err(());
    }
    if state.config.auto_migrate {
        if let Err(err) = schema::migrate(&state.dynamodb, &state.config.table.name).await {
            tracing::error!(%err, "auto-migration failed");
            return Err(());
        }
    }
    if let Some(seed) = state.config.catalogue_seed.clone() {
        seed_catalogue(state, &seed).await?;
    }
    Ok(())
}

async fn run_lambda(role: lambda::Role, state: AppState) -> ExitCode {
    if prepare(&state).await.is_err() {
        return ExitCode::FAILURE;
    }
    match lambda::run(role, state).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(%err, "the Lambda runtime stopped");
            ExitCode::FAILURE
        }
    }
}

/// The site's files have hashed names when the build wrote their hashes beside this binary
/// (cargo-leptos `hash-files`), unless `LEPTOS_HASH_FILES` says otherwise.
fn with_fingerprints(mut options: LeptosOptions) -> LeptosOptions {
    if std::env::var_os("LEPTOS_HASH_FILES").is_none() {
        options.hash_files = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())))
            .is_some_and(|file| file.is_file());
    }
    options
}

/// `server mail-feedback <file>`: the file holds the mail service's reports (JSON: one, or an
/// array; raw, or as SNS or EventBridge deliver them).
async fn mail_feedback(state: &AppState, file: &Path) -> ExitCode {
    let report = match std::fs::read_to_string(file)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
    {
        Ok(report) => report,
        Err(err) => {
            eprintln!("ewelists: {}: {err}", file.display());
            return ExitCode::from(EX_DATAERR);
        }
    };
    let now = time::OffsetDateTime::now_utc();
    match server::mail::feedback::apply(state.courier.outbox(), &report, now).await {
        Ok(suppressed) => {
            println!("{suppressed} mailbox(es) suppressed");
            ExitCode::SUCCESS
        }
        Err(_) => ExitCode::FAILURE,
    }
}

/// `server import-catalogue <file>`: prints the report, or every problem of a bad file.
async fn import_catalogue(state: &AppState, file: &Path) -> ExitCode {
    let entries = match catalogue::read_catalogue(file) {
        Ok(entries) => entries,
        Err(err) => {
            eprintln!("ewelists: {err}");
            return match err {
                CatalogueFileError::Unreadable { .. } => ExitCode::from(EX_NOINPUT),
                _ => ExitCode::from(EX_DATAERR),
            };
        }
    };
    match catalogue::load(state.store.as_ref(), entries).await {
        Ok(report) => {
            println!("catalogue loaded from {}: {report}", file.display());
            ExitCode::SUCCESS
        }
        Err(err) => {
            tracing::error!(%err, file = %file.display(), "catalogue import failed");
            ExitCode::FAILURE
        }
    }
}

/// The options of `server export` and `server import`.
#[derive(Debug, Default, Clone, Copy)]
struct BackupOptions {
    export: bool,
    segments: Option<u32>,
    resume: bool,
}

impl BackupOptions {
    fn parse(command: &str, rest: &[String]) -> Option<Self> {
        let mut options = Self {
            export: command == "export",
            ..Self::default()
        };
        let mut rest = rest.iter();
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "--segments" if options.export => {
                    let n = rest.next()?.parse::<u32>().ok()?;
                    (1..=backup::MAX_SEGMENTS).contains(&n).then_some(())?;
                    options.segments = Some(n);
                }
                "--resume" if !options.export => options.resume = true,
                _ => return None,
            }
        }
        Some(options)
    }
}

/// The most memory this process has held (Linux' `VmHWM`), for the backup commands' reports.
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or_else(|| "unknown".to_owned(), |kb| format!("{} MiB", kb / 1024))
}

/// `server export <file>` / `server import <file>`: progress on stderr, the outcome on stdout.
async fn backup_command(state: &AppState, file: &Path, options: BackupOptions) -> ExitCode {
    let table = Table::new(state.dynamodb.clone(), state.config.table.name.clone());
    let started = std::time::Instant::now();
    let report = |done: u64| {
        let elapsed = started.elapsed();
        eprintln!("… {done} items, {:.0} items/s", backup::rate(done, elapsed));
    };
    let name = table.table_name().to_owned();
    let outcome = if options.export {
        let segments = options.segments.unwrap_or(backup::DEFAULT_SEGMENTS);
        backup::export(&table, file, segments, &report)
            .await
            .map(|done| {
                println!(
                    "exported {} items from {name} to {} in {:.1} s ({:.0} items/s, {segments} \
                 segment{}); peak memory {}",
                    done.items,
                    file.display(),
                    done.elapsed.as_secs_f64(),
                    backup::rate(done.items, done.elapsed),
                    if segments == 1 { "" } else { "s" },
                    peak_memory()
                );
                ExitCode::SUCCESS
            })
    } else {
        backup::import(&table, file, options.resume, &report)
            .await
            .map(|done| {
                println!(
                    "imported {} lines from {} into {name} in {:.1} s ({:.0} items/s); the table \
                 holds {} items; peak memory {}",
                    done.lines,
                    file.display(),
                    done.elapsed.as_secs_f64(),
                    backup::rate(done.lines, done.elapsed),
                    done.in_table,
                    peak_memory()
                );
                if done.complete() {
                    ExitCode::SUCCESS
                } else {
                    eprintln!(
                        "ewelists: the table holds {} items but the file has {} lines",
                        done.in_table, done.lines
                    );
                    ExitCode::FAILURE
                }
            })
    };
    outcome.unwrap_or_else(|err| {
        eprintln!("ewelists: {err}");
        match err {
            BackupError::BadLine { .. } => ExitCode::from(EX_DATAERR),
            BackupError::File { .. } if !options.export => ExitCode::from(EX_NOINPUT),
            BackupError::NotEmpty(_) => ExitCode::from(EX_DATAERR),
            _ => ExitCode::FAILURE,
        }
    })
}

/// `server users export <file>` / `server users import <file>`.
async fn users_command(state: &AppState, action: &str, file: &Path) -> ExitCode {
    let outcome = if action == "export" {
        backup::users::export(&state.pool, file).await.map(|count| {
            println!(
                "exported {count} people from the user pool to {}",
                file.display()
            );
        })
    } else {
        backup::users::import(&state.pool, file).await.map(|done| {
            println!(
                "imported {} into the user pool: {} created, {} already there, {} who sign in \
                 with another provider (they come back by signing in with it)",
                file.display(),
                done.created,
                done.already_there,
                done.external
            );
        })
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("ewelists: {err}");
            match err {
                BackupError::BadProfile { .. } => ExitCode::from(EX_DATAERR),
                BackupError::File { .. } if action == "import" => ExitCode::from(EX_NOINPUT),
                _ => ExitCode::FAILURE,
            }
        }
    }
}

/// Loads the seed catalogue (local and test). A relative path is read from the directory of
/// the settings file (`EWELISTS_CONFIG_FILE`, default `Leptos.toml`), wherever the server was
/// started from.
async fn seed_catalogue(state: &AppState, seed: &Path) -> Result<(), ()> {
    let path = if seed.is_absolute() {
        seed.to_owned()
    } else {
        let settings =
            std::env::var_os("EWELISTS_CONFIG_FILE").unwrap_or_else(|| "Leptos.toml".into());
        Path::new(&settings)
            .parent()
            .unwrap_or(Path::new(""))
            .join(seed)
    };
    let file = path.display().to_string();
    let entries = catalogue::read_catalogue(&path).map_err(|err| match err.problems() {
        [] => tracing::error!(%err, "catalogue seed refused"),
        problems => {
            for problem in problems {
                tracing::error!(%file, %problem, "catalogue seed refused");
            }
        }
    })?;
    let report = catalogue::load(state.store.as_ref(), entries)
        .await
        .map_err(|err| tracing::error!(%file, %err, "catalogue seed failed to load"))?;
    tracing::info!(%file, created = report.created, updated = report.updated, "catalogue seeded");
    Ok(())
}

async fn serve(state: AppState) -> ExitCode {
    if let Err(err) = state.config.check_serving() {
        tracing::error!(%err, "configuration");
        return ExitCode::FAILURE;
    }
    if prepare(&state).await.is_err() {
        return ExitCode::FAILURE;
    }
    let addr = state.leptos_options.site_addr;
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(err) => {
            tracing::error!(%addr, %err, "cannot listen");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        environment = state.config.environment.as_str(),
        site = %state.config.site_url,
        %addr,
        "listening"
    );
    // The outbox's courier, in the background until the server stops.
    let (stop_courier, courier_stopped) = tokio::sync::oneshot::channel::<()>();
    let courier = tokio::spawn(state.courier.clone().run(async {
        let _ = courier_stopped.await;
    }));
    let app = http::router(state);
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await;
    // A try in progress finishes (and is recorded) before the process exits.
    let _ = stop_courier.send(());
    let _ = courier.await;
    match served {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(err) => {
            tracing::error!(%err, "server error");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM; in-flight requests then finish before the process exits.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
