//! The journal in front of Parquet: every accepted batch is appended to a segment before it is decoded;
//! Parquet files are published from segments at checkpoints; after a crash, segments become Parquet
//! before anything new is written (docs/journal.md).
//!
//! - [`segment`]: the file format (checksummed records, torn tails detected);
//! - [`instance`]: a run's journal directory, locked for the life of the process;
//! - [`appender`]: the `cdflow-journal` thread (append, disk bounds, rotation, fsync, retention);
//! - [`commit`]: a checkpoint's publish protocol;
//! - [`recovery`]: replaying what crashed runs left, at start and offline (`cdflow recover`).

pub(crate) mod appender;
pub mod commit;
pub mod instance;
pub mod recovery;
pub mod segment;

pub use recovery::{RecoveryReport, recover_offline};
