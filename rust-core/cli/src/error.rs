//! The errors `cdflow` reports: each displays as one line naming the path or value at fault, and
//! every one of them makes the process exit with [`EXIT_ERROR`].

use std::path::PathBuf;

/// Exit code of every error (the same as a command-line usage error).
pub const EXIT_ERROR: i32 = 2;
/// Exit code of `cdflow audit` when the policy is violated, and of `cdflow verify` when a file or a
/// manifest chain does not verify (or nothing was verified).
pub const EXIT_VIOLATIONS: i32 = 1;

/// An error that stops a command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A lineage directory given on the command line does not exist.
    #[error("no such lineage directory: {}", .0.display())]
    NoSuchDir(PathBuf),
    /// A lineage path given on the command line is not a directory.
    #[error("not a directory: {}", .0.display())]
    NotADir(PathBuf),
    /// A lineage directory holds no Parquet file of the tables cdflow reads.
    #[error(
        "no lineage parquet files (events/, flushes/, compactions/, agent_stats/) under {}",
        .0.display()
    )]
    NoParquet(PathBuf),
    /// A directory holds Parquet files in lineage table directories, but none of them is lineage.
    #[error(
        "no lineage under {}: none of its {skipped} parquet file(s) is cdflow lineage ({first})",
        dir.display()
    )]
    NoLineage {
        /// The directory given.
        dir: PathBuf,
        /// Files skipped under it.
        skipped: usize,
        /// Why the first of them is not lineage.
        first: String,
    },
    /// A file named on the command line is not lineage.
    #[error("{0}")]
    NotLineage(String),
    /// `cdflow live` cannot start (listen address, token, lineage directory).
    #[error("live: {0}")]
    Live(String),
    /// A directory could not be listed or a file could not be read or decoded.
    #[error("cannot read {}: {message}", path.display())]
    Unreadable {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A `--since` / `--until` value that is not a time.
    #[error(
        "invalid {option} {value:?}: {message} (expected RFC 3339 like 2026-11-25T14:00:00Z, or a date like 2026-11-25)"
    )]
    BadTime {
        /// `--since` or `--until`.
        option: &'static str,
        /// The value given.
        value: String,
        /// What is wrong with it.
        message: String,
    },
    /// `--since` is not before `--until`.
    #[error("--since {since} is not before --until {until}")]
    EmptyTimeRange {
        /// The `--since` value.
        since: String,
        /// The `--until` value.
        until: String,
    },
    /// `--format svg` without Graphviz installed.
    #[error(
        "`--format svg` needs Graphviz's `dot` on PATH: install graphviz (e.g. `apt-get install graphviz`) or use `--format dot`"
    )]
    NoGraphviz,
    /// `cdflow graph --source flows` where only `events` can answer (why).
    #[error("--source flows: the flows table cannot answer this: {0}; use --source auto or events")]
    FlowsCannotAnswer(String),
    /// Graphviz ran but failed.
    #[error("`dot -Tsvg` failed: {0}")]
    Graphviz(String),
    /// The audit policy cannot be read or is invalid (file, line, what).
    #[error("invalid policy {0}")]
    Policy(#[from] crate::policy::PolicyError),
    /// `cdflow audit` checked nothing (without `--allow-empty`).
    #[error(
        "audit checked 0 client requests{logins} in {files} file(s): nothing was audited (check the lineage directories and the filters --since/--until/--keyspace/--table/--role), or pass --allow-empty"
    )]
    EmptyAudit {
        /// ` and 0 logins` when logins are checked.
        logins: &'static str,
        /// Files read.
        files: usize,
    },
    /// `cdflow audit --strict` and the policy names something no checked event carried.
    #[error(
        "{count} name(s) of the policy appear in no checked event (--strict; each is named above)"
    )]
    UnseenNames {
        /// How many.
        count: usize,
    },
    /// The key file of `cdflow verify` cannot be used.
    #[error("{0}")]
    Key(#[from] cdflow_core::enrich::keyhash::KeyFileError),
    /// `cdflow verify` could not read what it checks.
    #[error("{0}")]
    Manifest(#[from] cdflow_core::sink::manifest::ManifestError),
    /// The output could not be written.
    #[error("cannot write {}: {message}", path.display())]
    Write {
        /// The output file (`-` for standard output).
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}
