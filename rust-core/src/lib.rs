//! cdflow core: turns the agent's binary event batches into Parquet lineage files.
//!
//! Data flow: JNI callers (through the `cdflow-jni` bridge) hand batches to [`Pipeline::submit`], which
//! copies them into a bounded queue and never blocks; one writer thread (`cdflow-writer`) decodes them
//! ([`wire`]: fixed MUTATION_EVENTs, self-describing [`fields`] in TAGGED_EVENTs and extensions),
//! resolves string ids ([`strings`]), hashes partition keys ([`keyhash`]), joins the [`identity`] map and
//! appends rows to the lineage tables described as data in [`tables`] ([`table_rows`]), in Parquet files
//! that roll by time and size per (table, node, day) ([`rolling`]), plus periodic `agent_stats` rows
//! ([`stats`]).
//!
//! Invariants of the whole crate:
//! - it never depends on `jni` and never touches the JVM; the bridge is the only JNI code;
//! - nothing here panics on any input bytes; errors are values, I/O failures are logged and counted;
//! - a reader never sees a half-written `.parquet` file: files are written under a hidden
//!   `.part-….parquet.inprogress` name and renamed when complete.

pub mod access;
pub mod civil_time;
pub mod config;
pub mod consistency;
pub mod disk;
pub mod error;
pub mod fields;
pub mod file_modes;
pub mod flows;
pub mod identity;
pub mod identity_parse;
pub mod journal;
pub mod keyhash;
pub mod layout;
pub mod log;
pub mod manifest;
pub mod parquet_file;
pub mod pipeline;
pub mod rolling;
pub mod schema;
pub mod stats;
pub mod stats_rows;
pub mod strings;
pub mod table_rows;
pub mod tables;
pub mod tagged;
pub mod wire;
mod writer;
pub mod yaml;

pub use config::{ConfigError, CoreConfig};
pub use error::CoreError;
pub use pipeline::{Pipeline, SubmitOutcome};
pub use stats::{AgentDrops, Counters, CountersSnapshot, HookFamilies};
