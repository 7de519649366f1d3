//! What an `events` row did to the data, declared once (docs/schema.md, "What a row did"): the CLI
//! (`audit`, `summary`, `antipatterns`, `graph`), the core's flow graph and `sql/views.sql` (its
//! `cdflow_*` macros) all classify rows with these rules. `tests/vectors/access.json` holds cases that
//! this module and the SQL macros must both answer exactly (a Rust test and a DuckDB test read it), so a
//! copy that drifts fails a test.
//!
//! - A **client request** is the row its coordinator wrote for it, one per request and table:
//!   `coordinator_write` (plain statements, counter updates, logged/unlogged/counter batches), `cas`
//!   (lightweight transactions: `INSERT … IF NOT EXISTS`, `UPDATE … IF`, `DELETE … IF`, conditional
//!   batches; Paxos v1 and v2) and the `coordinator_read` of a SELECT.
//! - A `coordinator_read` without `rows_returned`, without `error` and not a range scan was not made by a
//!   SELECT but by a modification statement (the Paxos v1 condition read of an LWT, a list
//!   read-before-write): it is **internal**, never a client read.
//! - An **apply** is a write reaching a replica's data: `replica_write`, `paxos_commit` (an LWT's commit)
//!   and `hint_replay` (a hint delivered; one that ended with an `error`, such as `HintExpired`, was
//!   dropped and is internal).
//! - Everything else (`counter_forward`, `counter_leader_apply`, `batchlog_store`, `batchlog_remove`,
//!   `hint_write`, the internal reads) is **internal**; `replica_read` is a replica's read.

/// What a client request did to the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// A read (the `coordinator_read` of a SELECT).
    Read,
    /// A write that is not a delete.
    Write,
    /// A `DELETE`, or a write of tombstones only.
    Delete,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 3] = [Operation::Read, Operation::Write, Operation::Delete];

    /// `read`, `write` or `delete`.
    pub const fn name(self) -> &'static str {
        match self {
            Operation::Read => "read",
            Operation::Write => "write",
            Operation::Delete => "delete",
        }
    }

    /// The operation named `name`.
    pub fn parse(name: &str) -> Option<Operation> {
        Operation::ALL
            .into_iter()
            .find(|operation| operation.name() == name)
    }
}

/// How a client write reached Cassandra (from `kind`, `statement_type` and `counter_write`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WritePath {
    /// A single `INSERT`, `UPDATE` or `DELETE` (or a write of unknown statement type).
    Statement,
    /// A counter update (`counter_write`).
    Counter,
    /// A logged batch (`BATCH_LOGGED`).
    LoggedBatch,
    /// An unlogged batch (`BATCH_UNLOGGED`).
    UnloggedBatch,
    /// A counter batch (`BATCH_COUNTER`).
    CounterBatch,
    /// A lightweight transaction (`cas`): `INSERT … IF NOT EXISTS`, `UPDATE … IF`, `DELETE … IF`.
    Lwt,
    /// A conditional batch (`cas` with a `BATCH_*` statement type).
    LwtBatch,
}

impl WritePath {
    /// Every write path.
    pub const ALL: [WritePath; 7] = [
        WritePath::Statement,
        WritePath::Counter,
        WritePath::LoggedBatch,
        WritePath::UnloggedBatch,
        WritePath::CounterBatch,
        WritePath::Lwt,
        WritePath::LwtBatch,
    ];

    /// The name in reports and in SQL (`write_path`).
    pub const fn name(self) -> &'static str {
        match self {
            WritePath::Statement => "statement",
            WritePath::Counter => "counter",
            WritePath::LoggedBatch => "logged_batch",
            WritePath::UnloggedBatch => "unlogged_batch",
            WritePath::CounterBatch => "counter_batch",
            WritePath::Lwt => "lwt",
            WritePath::LwtBatch => "lwt_batch",
        }
    }
}

/// How a write reached a replica's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ApplyPath {
    /// `replica_write`: a mutation applied (locally or from a remote coordinator, counters included).
    ReplicaWrite,
    /// `paxos_commit`: a committed LWT written by a replica.
    PaxosCommit,
    /// `hint_replay`: a hint delivered to this replica.
    HintReplay,
}

impl ApplyPath {
    /// The name in reports and in SQL (the `kind` of the row).
    pub const fn name(self) -> &'static str {
        match self {
            ApplyPath::ReplicaWrite => "replica_write",
            ApplyPath::PaxosCommit => "paxos_commit",
            ApplyPath::HintReplay => "hint_replay",
        }
    }
}

/// How a client request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Done: the write was applied (an LWT whose condition held), the read answered.
    Ok,
    /// An attempted write: an LWT whose condition did not hold (`cas_applied = false`), nothing written.
    NotApplied,
    /// Ended with an `error` (a timeout may still have applied it on some replicas).
    Failed,
}

impl Outcome {
    /// The name in reports and in SQL (`outcome`).
    pub const fn name(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::NotApplied => "not_applied",
            Outcome::Failed => "failed",
        }
    }
}

/// A client request: what it did, how, and how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Request {
    /// Read, write or delete.
    pub operation: Operation,
    /// The write path; `None` for reads.
    pub path: Option<WritePath>,
    /// How it ended.
    pub outcome: Outcome,
}

/// What one `events` row stands for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Access {
    /// A client request, seen by its coordinator.
    Request(Request),
    /// A write applied to a replica's data (`Write` or `Delete`).
    Apply(Operation, ApplyPath),
    /// A read a replica executed (`replica_read`).
    ReplicaRead,
    /// A step inside a request or of Cassandra itself (condition reads, counter forwarding, batchlog,
    /// stored hints): neither a request nor an apply.
    Internal,
    /// A kind this version does not know, or NULL.
    #[default]
    Unknown,
}

impl Access {
    /// `request`, `apply`, `replica_read`, `internal` or `unknown` (SQL: `cdflow_role`).
    pub const fn role_name(&self) -> &'static str {
        match self {
            Access::Request(_) => "request",
            Access::Apply(..) => "apply",
            Access::ReplicaRead => "replica_read",
            Access::Internal => "internal",
            Access::Unknown => "unknown",
        }
    }

    /// The operation of a request or an apply.
    pub const fn operation(&self) -> Option<Operation> {
        match self {
            Access::Request(request) => Some(request.operation),
            Access::Apply(operation, _) => Some(*operation),
            _ => None,
        }
    }

    /// The client request, if the row is one.
    pub const fn request(&self) -> Option<Request> {
        match self {
            Access::Request(request) => Some(*request),
            _ => None,
        }
    }

    /// The name of the row's path: the write path of a write request, the apply path of an apply.
    pub const fn path_name(&self) -> Option<&'static str> {
        match self {
            Access::Request(Request {
                path: Some(path), ..
            }) => Some(path.name()),
            Access::Apply(_, path) => Some(path.name()),
            _ => None,
        }
    }
}

/// The columns of an `events` row the classification reads (absent or NULL: `None`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowFacts<'a> {
    /// `kind`.
    pub kind: Option<&'a str>,
    /// `statement_type`.
    pub statement_type: Option<&'a str>,
    /// `counter_write`.
    pub counter_write: Option<bool>,
    /// `cas_applied`.
    pub cas_applied: Option<bool>,
    /// Whether `error` is set.
    pub error: bool,
    /// Whether `rows_returned` is set.
    pub rows_returned: bool,
    /// `range_scan`.
    pub range_scan: Option<bool>,
    /// `tombstones`.
    pub tombstones: Option<i64>,
    /// `cells`.
    pub cells: Option<i64>,
    /// `cell_tombstones`.
    pub cell_tombstones: Option<i64>,
}

impl RowFacts<'_> {
    /// What the row stands for.
    pub fn classify(&self) -> Access {
        let Some(kind) = self.kind else {
            return Access::Unknown;
        };
        let failed = if self.error {
            Outcome::Failed
        } else {
            Outcome::Ok
        };
        match kind {
            "coordinator_write" => Access::Request(Request {
                operation: self.write_operation(),
                path: Some(self.statement_path()),
                outcome: failed,
            }),
            "cas" => Access::Request(Request {
                operation: if self.statement_type == Some("DELETE") {
                    Operation::Delete
                } else {
                    Operation::Write
                },
                path: Some(if self.is_batch() {
                    WritePath::LwtBatch
                } else {
                    WritePath::Lwt
                }),
                outcome: match self.cas_applied {
                    _ if self.error => Outcome::Failed,
                    Some(false) => Outcome::NotApplied,
                    Some(true) => Outcome::Ok,
                    None => Outcome::Failed,
                },
            }),
            "coordinator_read" if self.is_select() => Access::Request(Request {
                operation: Operation::Read,
                path: None,
                outcome: failed,
            }),
            "replica_write" => Access::Apply(self.write_operation(), ApplyPath::ReplicaWrite),
            "paxos_commit" => Access::Apply(self.write_operation(), ApplyPath::PaxosCommit),
            "hint_replay" if !self.error => {
                Access::Apply(self.write_operation(), ApplyPath::HintReplay)
            }
            "replica_read" => Access::ReplicaRead,
            "coordinator_read"
            | "hint_replay"
            | "counter_forward"
            | "counter_leader_apply"
            | "batchlog_store"
            | "batchlog_remove"
            | "hint_write" => Access::Internal,
            _ => Access::Unknown,
        }
    }

    /// A read a SELECT made: it returned rows, failed, or scanned a range. A single-partition read with
    /// neither was made by a modification statement (an LWT's condition, a list read-before-write).
    fn is_select(&self) -> bool {
        read_is_select(self.rows_returned, self.error, self.range_scan)
    }

    fn is_batch(&self) -> bool {
        self.statement_type
            .is_some_and(|statement| statement.starts_with("BATCH_"))
    }

    /// The write path of a `coordinator_write`.
    fn statement_path(&self) -> WritePath {
        match self.statement_type {
            Some("BATCH_LOGGED") => WritePath::LoggedBatch,
            Some("BATCH_UNLOGGED") => WritePath::UnloggedBatch,
            Some("BATCH_COUNTER") => WritePath::CounterBatch,
            _ if self.counter_write == Some(true) => WritePath::Counter,
            _ => WritePath::Statement,
        }
    }

    /// A delete when the statement is a `DELETE` or every cell written is a tombstone, else a write.
    fn write_operation(&self) -> Operation {
        let tombstones = self.tombstones.unwrap_or(0);
        let only_tombstones =
            tombstones > 0 && self.cells.unwrap_or(0) <= self.cell_tombstones.unwrap_or(0);
        if self.statement_type == Some("DELETE") || only_tombstones {
            Operation::Delete
        } else {
            Operation::Write
        }
    }
}

/// Whether a `coordinator_read` was made by a SELECT: it returned rows (`rows_returned` set), failed
/// (`error` set) or scanned a range. A single-partition read with neither was made by a modification
/// statement (an LWT's condition, a list read-before-write): internal, not a client read. The one rule,
/// used by [`RowFacts::classify`] and the flow graph (`crate::flows`).
pub fn read_is_select(rows_returned: bool, error: bool, range_scan: Option<bool>) -> bool {
    rows_returned || error || range_scan == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// One case of `tests/vectors/access.json`.
    #[derive(Deserialize)]
    struct Case {
        row: VectorRow,
        role: String,
        operation: Option<String>,
        path: Option<String>,
        outcome: Option<String>,
    }

    #[derive(Deserialize)]
    struct VectorRow {
        kind: Option<String>,
        statement_type: Option<String>,
        counter_write: Option<bool>,
        cas_applied: Option<bool>,
        error: Option<String>,
        rows_returned: Option<i64>,
        range_scan: Option<bool>,
        tombstones: Option<i64>,
        cells: Option<i64>,
        cell_tombstones: Option<i64>,
    }

    const VECTORS: &str = include_str!("../../../../tests/vectors/access.json");

    #[test]
    fn every_vector_is_classified_as_the_sql_macros_classify_it() {
        let cases: Vec<Case> = serde_json::from_str(VECTORS).expect("tests/vectors/access.json");
        assert!(cases.len() >= 20);
        for (index, case) in cases.iter().enumerate() {
            let row = &case.row;
            let access = RowFacts {
                kind: row.kind.as_deref(),
                statement_type: row.statement_type.as_deref(),
                counter_write: row.counter_write,
                cas_applied: row.cas_applied,
                error: row.error.is_some(),
                rows_returned: row.rows_returned.is_some(),
                range_scan: row.range_scan,
                tombstones: row.tombstones,
                cells: row.cells,
                cell_tombstones: row.cell_tombstones,
            }
            .classify();
            let got = (
                access.role_name(),
                access.operation().map(Operation::name),
                access.path_name(),
                access.request().map(|request| request.outcome.name()),
            );
            let want = (
                case.role.as_str(),
                case.operation.as_deref(),
                case.path.as_deref(),
                case.outcome.as_deref(),
            );
            assert_eq!(got, want, "case {index}");
        }
    }

    #[test]
    fn names_parse_back() {
        for operation in Operation::ALL {
            assert_eq!(Operation::parse(operation.name()), Some(operation));
        }
        assert_eq!(Operation::parse("select"), None);
        let names: std::collections::BTreeSet<_> =
            WritePath::ALL.iter().map(|path| path.name()).collect();
        assert_eq!(names.len(), WritePath::ALL.len());
    }
}
