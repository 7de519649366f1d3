//! `cdflow live`: follows the lineage as it is written — the journal segments of running cores, read
//! with the core's own parser and decoder, and the closed Parquet files for the last 15 minutes — and
//! serves a live page (`/`), JSON (`/api/…`) and Prometheus metrics (`/metrics`). Read-only; loopback
//! unless `--listen` names another address and a token is given (docs/cli.md, "cdflow live").
//!
//! - [`follow`]: tailing journals; [`history`]: closed files at start; [`observe`]: events → model;
//! - [`model`], [`ring`], [`bucket`], [`capped`], [`names`], [`latency`]: the windowed aggregates;
//! - [`graph`], [`api`], [`metrics`], [`http`], [`guard`]: what is served and to whom.

pub mod api;
pub mod bucket;
pub mod capped;
pub mod follow;
pub mod graph;
pub mod guard;
pub mod history;
pub mod http;
pub mod latency;
pub mod metrics;
pub mod model;
pub mod names;
pub mod observe;
pub mod ring;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use cdflow_core::civil_time::now_unix_micros;
use cdflow_core::config::default_key_file;
use cdflow_core::enrich::keyhash::{PartitionKeyHasher, read_key};

use crate::error::CliError;
use follow::{Follower, POLL};
use model::Model;

/// `cdflow live`.
#[derive(Debug, clap::Args)]
pub struct LiveArgs {
    /// Lineage directories (one per node, or one shared); one that does not exist yet is waited for.
    #[arg(required = true, value_name = "LINEAGE_DIR")]
    pub dirs: Vec<PathBuf>,
    /// Address and port to serve on. Anything but a loopback address needs --token or --token-file.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8089")]
    pub listen: SocketAddr,
    /// The token every request must carry (`Authorization: Bearer TOKEN` or `?token=TOKEN`); prefer
    /// --token-file (a command line is visible to other users).
    #[arg(long, value_name = "TOKEN", conflicts_with = "token_file")]
    pub token: Option<String>,
    /// A file whose first line is the token.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// The deployment's partition-key secret, to show keyed hashes of hot partitions as the Parquet
    /// files have them [default: <parent of the first LINEAGE_DIR>/cdflow-key-hash.secret; without a
    /// readable key only tokens are shown].
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
}

/// Runs `cdflow live` until killed.
pub fn run(args: &LiveArgs) -> Result<(), CliError> {
    let token = match (&args.token, &args.token_file) {
        (Some(token), _) => {
            guard::check_token(token).map_err(|why| CliError::Live(format!("--token: {why}")))?;
            Some(token.clone())
        }
        (None, Some(file)) => Some(guard::read_token_file(file).map_err(CliError::Live)?),
        (None, None) => None,
    };
    guard::check_listen(args.listen, token.as_deref()).map_err(CliError::Live)?;
    let server = tiny_http::Server::http(args.listen)
        .map_err(|error| CliError::Live(format!("cannot listen on {}: {error}", args.listen)))?;
    let started = now_unix_micros();
    let mut model = Model::new(args.dirs.clone(), started);
    let key_file = args
        .key_file
        .clone()
        .unwrap_or_else(|| default_key_file(&args.dirs[0]));
    let hasher = match read_key(&key_file) {
        Ok(key) => {
            model.status.partition_hashes = format!("keyed hashes from {}", key_file.display());
            Some(PartitionKeyHasher::new(key))
        }
        Err(error) => {
            model.status.partition_hashes = format!("tokens only: {error}");
            None
        }
    };
    let mut follower = Follower::new(args.dirs.clone(), hasher);
    // the journals first: what a checkpoint publishes after this was already in a segment
    follower.poll(&mut model);
    history::load(&args.dirs, started, &mut model);
    let model = Arc::new(Mutex::new(model));
    let following = model.clone();
    std::thread::Builder::new()
        .name("cdflow-live-follow".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(POLL);
                let mut model = match following.lock() {
                    Ok(model) => model,
                    Err(poisoned) => poisoned.into_inner(),
                };
                follower.poll(&mut model);
            }
        })
        .map_err(|error| CliError::Live(format!("cannot start the follower thread: {error}")))?;
    let address = server
        .server_addr()
        .to_ip()
        .map_or_else(|| args.listen.to_string(), |address| address.to_string());
    eprintln!(
        "cdflow live: http://{address}/ following {} lineage director{}",
        args.dirs.len(),
        if args.dirs.len() == 1 { "y" } else { "ies" }
    );
    let registry = metrics::registry(model.clone());
    http::serve(
        server,
        http::Site {
            model,
            registry,
            token,
        },
    );
    Ok(())
}

#[cfg(test)]
mod tests;
