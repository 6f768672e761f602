//! `server`: runs the site; `server migrate`: provisions the table; `server check-config`.

use std::process::ExitCode;

use leptos::config::get_configuration;
use server::config::Config;
use server::store::schema;
use server::{http, telemetry, AppState};

const USAGE: &str = "usage: server [serve | migrate | check-config]";

#[tokio::main]
async fn main() -> ExitCode {
    let command = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "serve".to_owned());
    if !matches!(command.as_str(), "serve" | "migrate" | "check-config") {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("ewelists: configuration error: {err}");
            return ExitCode::from(78); // EX_CONFIG
        }
    };
    telemetry::init(config.log_format);
    let leptos = match get_configuration(None) {
        Ok(conf) => conf.leptos_options,
        Err(err) => {
            tracing::error!(%err, "Leptos options");
            return ExitCode::from(78);
        }
    };
    let state = match AppState::connect(config, leptos).await {
        Ok(state) => state,
        Err(err) => {
            tracing::error!(%err, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    let table = state.config.table.name.clone();

    match command.as_str() {
        "check-config" => {
            println!(
                "configuration for {} is valid",
                state.config.environment.as_str()
            );
            ExitCode::SUCCESS
        }
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
        _ => serve(state).await,
    }
}

async fn serve(state: AppState) -> ExitCode {
    if state.config.auto_migrate {
        if let Err(err) = schema::migrate(&state.dynamodb, &state.config.table.name).await {
            tracing::error!(%err, "auto-migration failed");
            return ExitCode::FAILURE;
        }
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
    let app = http::router(state);
    match axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
    {
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
