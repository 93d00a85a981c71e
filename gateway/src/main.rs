//! Command-line entry point of the local Livepeer-compatible AI gateway.
//!
//! Parses the flags, binds a loopback socket, prints the one startup line that scripts
//! read the port from, and serves until Ctrl-C or SIGTERM. It never listens on an
//! address other than a loopback one.
//!
//! Dependencies, and why each is here:
//! - `tokio`: the async runtime, the TCP listener, the timers behind delay faults and
//!   the Ctrl-C / SIGTERM signals.
//! - `axum`: routing, extractors and the hyper-based HTTP/1.1 server.
//! - `http-body`: a response body that fails at once, which makes hyper close the
//!   connection without sending a response (the `drop` fault).
//! - `serde`, `serde_json`: the JSON bodies of the pipelines and the control API.
//! - `png`: decodes uploaded pictures and encodes the generated ones.
//! - `clap`: the command-line flags.
//! - axum's `multipart` feature: the multipart form bodies of the upload pipelines.
//! - `base64`: the `data:` URLs that a scope can ask for instead of http URLs.
//! - `futures-util`: reading request bodies chunk by chunk, and the llm's event stream.
//!
//! image-to-video runs the `ffmpeg` program (VP8 in WebM); without it on the `PATH` that
//! pipeline answers 500 and says so.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod app;
mod auth;
mod completion;
mod concurrency;
mod control;
mod digest;
mod dispatch;
mod faults;
mod form;
mod http_error;
mod jobs;
mod live;
mod media;
mod media_log;
mod pipelines;
mod pyrepr;
mod random;
mod raster;
mod request_log;
mod scopes;
mod text;
mod validate;
mod video;
mod wav;

use std::fmt;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use clap::Parser;
use tokio::net::TcpListener;

/// A local stand-in for the Livepeer AI gateway, with scripted faults for tests.
#[derive(Debug, Parser)]
#[command(name = "livepeer-local-gateway", version)]
struct Flags {
    /// TCP port to listen on; 0 picks a free port.
    #[arg(long, default_value_t = 8935)]
    port: u16,

    /// Loopback address to listen on (127.0.0.1, ::1 or localhost); others are refused.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,

    /// Bearer token that pipeline requests must carry, unless their scope sets its own.
    #[arg(long, value_name = "SECRET")]
    api_key: Option<String>,

    /// Print one line per pipeline request to stderr (never the key or the body).
    #[arg(long)]
    debug: bool,
}

/// Why the gateway could not start.
#[derive(Debug)]
enum StartError {
    /// The host flag is not a loopback address.
    NotLoopback(String),
    /// The address could not be bound, for example because the port is taken.
    Bind(SocketAddr, io::Error),
    /// The startup line could not be written to stdout.
    Announce(io::Error),
    /// The server stopped with an I/O error.
    Serve(io::Error),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotLoopback(host) => {
                write!(f, "--host {host:?} is not a loopback address; use 127.0.0.1 or ::1")
            }
            Self::Bind(addr, err) => write!(f, "cannot listen on {addr}: {err}"),
            Self::Announce(err) => write!(f, "cannot write the startup line: {err}"),
            Self::Serve(err) => write!(f, "server stopped: {err}"),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let flags = Flags::parse();
    match run(flags).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("livepeer-local-gateway: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(flags: Flags) -> Result<(), StartError> {
    let ip = loopback_ip(&flags.host)?;
    let wanted = SocketAddr::new(ip, flags.port);
    let listener = TcpListener::bind(wanted).await.map_err(|err| StartError::Bind(wanted, err))?;
    let local = listener.local_addr().map_err(|err| StartError::Bind(wanted, err))?;

    let state = app::Shared::new(app::Settings {
        api_key: flags.api_key,
        debug: flags.debug,
        local_addr: local,
    });
    announce(local).map_err(StartError::Announce)?;

    tokio::select! {
        served = app::serve(listener, state) => served.map_err(StartError::Serve),
        () = shutdown_signal() => Ok(()),
    }
}

/// Parses the host flag and accepts it only if it names a loopback address.
fn loopback_ip(host: &str) -> Result<IpAddr, StartError> {
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    let trimmed = host.trim_start_matches('[').trim_end_matches(']');
    match trimmed.parse::<IpAddr>() {
        Ok(ip) if ip.is_loopback() => Ok(ip),
        _ => Err(StartError::NotLoopback(host.to_owned())),
    }
}

/// Prints `listening on http://<addr>` and flushes it, so a script can read the port.
fn announce(local: SocketAddr) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "listening on http://{local}")?;
    stdout.flush()
}

/// Resolves on Ctrl-C or, on Unix, on SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };

    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_accepted() {
        for host in ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LOCALHOST"] {
            assert!(loopback_ip(host).is_ok(), "{host}");
        }
    }

    #[test]
    fn other_hosts_are_refused() {
        for host in ["0.0.0.0", "::", "192.168.1.2", "10.0.0.1", "example.com", ""] {
            assert!(loopback_ip(host).is_err(), "{host}");
        }
    }
}
