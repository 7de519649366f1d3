//! cdflow core: turns the agent's binary event batches into Parquet lineage files.
//!
//! Data flow, one folder per stage: JNI callers (through the `cdflow-jni` bridge) hand batches to
//! [`Pipeline::submit`] ([`pipeline`]), which copies them into a bounded queue and never blocks; the
//! [`journal`] thread appends each batch to a checksummed segment (within the disk bounds); the writer thread
//! ([`sink::writer`]) [`decode`]s it (wire records, self-describing fields, string ids), [`enrich`]es it
//! (identity map, keyed partition hashes, what the row did) and appends rows to the lineage [`tables`]
//! (columns declared as data), aggregates the [`flows`] graph, and writes rolling Parquet files through the
//! [`sink`] (hidden until complete, listed in the manifest), plus periodic `agent_stats` rows ([`stats`]).
//!
//! Invariants of the whole crate:
//! - it never depends on `jni` and never touches the JVM; the bridge is the only JNI code;
//! - nothing here panics on any input bytes; errors are values, I/O failures are logged and counted;
//! - a reader never sees a half-written `.parquet` file: files are written under a hidden
//!   `.part-….parquet.inprogress` name and renamed when complete.

pub mod civil_time;
pub mod config;
pub mod decode;
pub mod enrich;
pub mod error;
pub mod flows;
pub mod journal;
pub mod log;
pub mod pipeline;
pub mod sink;
pub mod stats;
pub mod tables;
pub mod yaml;

pub use config::{ConfigError, CoreConfig};
pub use error::CoreError;
pub use pipeline::{Pipeline, SubmitOutcome};
pub use stats::{AgentDrops, Counters, CountersSnapshot, HookFamilies};
