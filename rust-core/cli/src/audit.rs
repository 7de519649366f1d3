//! `cdflow audit`: every client request of the lineage checked against a [`Policy`]; each denied
//! request is a violation, reported with who (role, owner, team, kind, client host), what
//! (operation on keyspace.table, partition), where (coordinator node) and when. Violations are grouped
//! by rule, role, operation and table; the first `examples` are also listed one by one.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde::Serialize;
use serde_json::{Value, json};

use crate::census::{client_host, table_label};
use crate::discover::LineageFiles;
use crate::error::CliError;
use crate::evidence::Tally;
use crate::filter::Filters;
use crate::policy::{Effect, Policy};
use crate::rows::{EventRow, WritePath, scan_events};
use crate::summary::text_table;
use crate::time::format_time;
use cdflow_core::access::Request;

/// Most distinct nodes and client hosts listed per group.
const LISTED: usize = 10;

/// One denied request.
#[derive(Debug, Clone, Serialize)]
pub struct Violation {
    /// When (RFC 3339).
    pub time: Option<String>,
    /// `user_name`.
    pub role: Option<String>,
    /// Identity map owner, team and kind.
    pub owner: Option<String>,
    /// See `owner`.
    pub team: Option<String>,
    /// See `owner`.
    pub kind: Option<String>,
    /// Client host.
    pub client: Option<String>,
    /// `read`, `write` or `delete`.
    pub operation: &'static str,
    /// How a write came (`statement`, `counter`, `logged_batch`, `unlogged_batch`, `counter_batch`,
    /// `lwt`, `lwt_batch`); `None` for reads.
    pub write_path: Option<&'static str>,
    /// `ok`, `not_applied` (an attempted LWT write whose condition did not hold) or `failed`.
    pub outcome: &'static str,
    /// `<keyspace>.<table>`.
    pub table: String,
    /// Keyed partition hash.
    pub partition: Option<i64>,
    /// Coordinator node.
    pub node: Option<String>,
    /// The deciding rule (`default` when none matched).
    pub rule: String,
}

/// Violations sharing rule, role, operation and table.
#[derive(Debug, Default)]
struct Group {
    tally: Tally,
    owner: Option<String>,
    team: Option<String>,
    kind: Option<String>,
    nodes: BTreeSet<String>,
    clients: BTreeSet<String>,
}

/// Rule, role, operation, table, write path and outcome of a group of violations.
type GroupKey = (
    String,
    String,
    &'static str,
    String,
    Option<&'static str>,
    &'static str,
);

/// The outcome of an audit.
#[derive(Debug)]
pub struct Audit {
    /// Client requests checked.
    pub requests: u64,
    /// Denied requests.
    pub violations: u64,
    groups: BTreeMap<GroupKey, Group>,
    examples: Vec<Violation>,
    policy: String,
}

impl Audit {
    /// Checks every client request that passes the filters; keeps the first `examples` violations.
    pub fn run(
        files: &LineageFiles,
        filters: &Filters,
        policy: &Policy,
        examples: usize,
    ) -> Result<Audit, CliError> {
        let mut audit = Audit {
            requests: 0,
            violations: 0,
            groups: BTreeMap::new(),
            examples: Vec::new(),
            policy: policy.path.display().to_string(),
        };
        let mut table = String::new();
        scan_events(files, filters, |row| {
            // Every client request, every write path (cdflow_core::access): an LWT whose condition did
            // not hold is an attempted write and is checked like a write.
            let Some(request) = row.access.request() else {
                return;
            };
            let operation = request.operation;
            let write_path = request.path.map(WritePath::name);
            let outcome = request.outcome.name();
            if filters
                .role
                .as_deref()
                .is_some_and(|role| row.user != Some(role))
            {
                return;
            }
            audit.requests += 1;
            let (effect, rule) = policy.decide(row, operation);
            if effect == Effect::Allow {
                return;
            }
            audit.violations += 1;
            let rule = match rule {
                Some(rule) => format!("{} (line {})", rule.name, rule.line),
                None => "default: deny".to_string(),
            };
            table_label(row.keyspace, row.table, &mut table);
            if audit.examples.len() < examples {
                audit.examples.push(violation(row, request, &table, &rule));
            }
            let key = (
                rule,
                row.user.unwrap_or("(no role)").to_string(),
                operation.name(),
                table.clone(),
                write_path,
                outcome,
            );
            let group = audit.groups.entry(key).or_default();
            group.tally.add(row);
            group.owner = group.owner.take().or(row.owner.map(str::to_string));
            group.team = group.team.take().or(row.team.map(str::to_string));
            group.kind = group.kind.take().or(row.identity_kind.map(str::to_string));
            if let Some(node) = row.node
                && group.nodes.len() < LISTED
            {
                group.nodes.insert(node.to_string());
            }
            if let Some(client) = row.client
                && group.clients.len() < LISTED
            {
                group.clients.insert(client_host(client).to_string());
            }
        })?;
        Ok(audit)
    }

    /// The audit as text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "audit of {} client requests against {}: {} violation(s)",
            self.requests, self.policy, self.violations
        );
        for ((rule, role, operation, table, write_path, outcome), group) in &self.groups {
            let tally = &group.tally;
            let _ = writeln!(out, "\nviolates {rule}: {} request(s)", tally.count);
            let identity: Vec<String> = [
                group.owner.as_ref().map(|o| format!("owner {o}")),
                group.team.as_ref().map(|t| format!("team {t}")),
                group.kind.clone(),
            ]
            .into_iter()
            .flatten()
            .collect();
            let identity = if identity.is_empty() {
                String::new()
            } else {
                format!(" ({})", identity.join(", "))
            };
            let clients = join(&group.clients);
            let _ = writeln!(out, "  who:   role {role}{identity} from {clients}");
            let partitions: Vec<String> = tally.partitions().iter().map(i64::to_string).collect();
            let _ = writeln!(
                out,
                "  what:  {} on {table}{}",
                how(operation, *write_path, outcome),
                if partitions.is_empty() {
                    String::new()
                } else {
                    format!(", partitions (keyed hash) {}", partitions.join(", "))
                }
            );
            let _ = writeln!(out, "  where: coordinator {}", join(&group.nodes));
            let _ = writeln!(
                out,
                "  when:  {} .. {}",
                tally.first_text().unwrap_or_else(|| "?".into()),
                tally.last_text().unwrap_or_else(|| "?".into())
            );
        }
        if !self.examples.is_empty() {
            let _ = writeln!(out, "\nfirst {} violation(s)", self.examples.len());
            let rows = self
                .examples
                .iter()
                .map(|v| {
                    vec![
                        v.time.clone().unwrap_or_default(),
                        v.role.clone().unwrap_or_else(|| "(no role)".into()),
                        how(v.operation, v.write_path, v.outcome),
                        v.table.clone(),
                        v.partition.map(|p| p.to_string()).unwrap_or_default(),
                        v.node.clone().unwrap_or_default(),
                        v.client.clone().unwrap_or_default(),
                        v.rule.clone(),
                    ]
                })
                .collect();
            out.push_str(&text_table(
                &[
                    "time",
                    "role",
                    "operation",
                    "table",
                    "partition",
                    "node",
                    "client",
                    "rule",
                ],
                rows,
            ));
        }
        out
    }

    /// The audit as JSON.
    pub fn to_json(&self) -> Value {
        let groups: Vec<Value> = self
            .groups
            .iter()
            .map(|((rule, role, operation, table, write_path, outcome), group)| {
                json!({
                    "rule": rule,
                    "who": {"role": role, "owner": group.owner, "team": group.team, "kind": group.kind,
                            "clients": group.clients},
                    "what": {"operation": operation, "write_path": write_path, "outcome": outcome,
                             "table": table, "partitions": group.tally.partitions()},
                    "where": {"nodes": group.nodes},
                    "when": {"first": group.tally.first_text(), "last": group.tally.last_text()},
                    "count": group.tally.count,
                })
            })
            .collect();
        json!({
            "policy": self.policy,
            "requests": self.requests,
            "violations": self.violations,
            "groups": groups,
            "examples": self.examples,
        })
    }
}

/// `delete`, `write via lwt`, `write via lwt, attempted (not applied)`, `write via counter, failed`.
fn how(operation: &str, write_path: Option<&str>, outcome: &str) -> String {
    let mut how = operation.to_string();
    if let Some(path) = write_path {
        let _ = write!(how, " via {path}");
    }
    match outcome {
        "not_applied" => how.push_str(", attempted (not applied)"),
        "failed" => how.push_str(", failed"),
        _ => {}
    }
    how
}

fn violation(row: &EventRow<'_>, request: Request, table: &str, rule: &str) -> Violation {
    Violation {
        time: row.time.map(format_time),
        role: row.user.map(str::to_string),
        owner: row.owner.map(str::to_string),
        team: row.team.map(str::to_string),
        kind: row.identity_kind.map(str::to_string),
        client: row.client.map(|client| client_host(client).to_string()),
        operation: request.operation.name(),
        write_path: request.path.map(WritePath::name),
        outcome: request.outcome.name(),
        table: table.to_string(),
        partition: row.partition_key_hash,
        node: row.node.map(str::to_string),
        rule: rule.to_string(),
    }
}

fn join(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        "?".into()
    } else {
        set.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}
