//! `cdflow audit` output: text for people, one JSON document for tools, JSON lines (one violation per
//! line) for a SIEM. Every 64-bit id is a JSON string ([`crate::ids`]); counts are numbers.

use std::fmt::Write;

use serde_json::{Map, Value, json};

use crate::audit::{Audit, Group, Violation, how};
use crate::evidence::Distinct;
use crate::ids::id_values;
use crate::summary::text_table;
use crate::time::format_time;

/// The `type` of every JSON line of `--format jsonl`.
pub const VIOLATION_TYPE: &str = "cdflow.audit.violation";

impl Audit {
    /// The audit as text.
    pub fn render(&self) -> String {
        let listed = self.options.listed;
        let mut out = String::new();
        let logins = if self.checked.contains(&"logins") {
            format!(" and {} logins", self.logins)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "audit of {} client requests{logins} against {} (sha256 {}): {} violation(s)",
            self.requests, self.policy, self.policy_sha256, self.violations
        );
        let _ = writeln!(out, "read {}", self.files_text());
        if self.logins_unclassified > 0 {
            let _ = writeln!(
                out,
                "{} login(s) with an outcome other than success or failure were not checked",
                self.logins_unclassified
            );
        }
        let _ = writeln!(out, "\nrules (the first that matches decides)");
        let rows = self
            .rules
            .iter()
            .map(|rule| {
                vec![
                    rule.name.clone(),
                    rule.line
                        .map_or_else(|| "-".into(), |line| line.to_string()),
                    rule.effect.to_string(),
                    rule.matched.to_string(),
                    rule.violations.to_string(),
                ]
            })
            .collect();
        out.push_str(&text_table(
            &["rule", "line", "effect", "matched", "violations"],
            rows,
        ));
        for ((rule, role, operation, table, write_path, outcome), group) in &self.groups {
            let operation = how(operation, *write_path, *outcome);
            let noun = if table.is_empty() {
                "login(s)"
            } else {
                "request(s)"
            };
            let _ = writeln!(out, "\nviolates {rule}: {} {noun}", group.count);
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
            let clients = group.clients.text(listed, String::clone);
            let _ = writeln!(out, "  who:   role {role}{identity} from {clients}");
            if group.external_identities.count() > 0 {
                let _ = writeln!(
                    out,
                    "  idp:   {}",
                    group.external_identities.text(listed, String::clone)
                );
            }
            let mut via = Vec::new();
            if group.drivers.count() > 0 {
                via.push(format!(
                    "driver {}",
                    group.drivers.text(listed, String::clone)
                ));
            }
            if group.sessions.count() > 0 {
                via.push(format!(
                    "session {}",
                    group.sessions.text(listed, String::clone)
                ));
            }
            if !via.is_empty() {
                let _ = writeln!(out, "  via:   {}", via.join("; "));
            }
            if table.is_empty() {
                let reasons = if group.reasons.count() > 0 {
                    format!(" ({})", group.reasons.text(listed, String::clone))
                } else {
                    String::new()
                };
                let _ = writeln!(out, "  what:  {operation}{reasons}");
            } else {
                let partitions = if group.partitions.count() > 0 {
                    format!(
                        ", partitions (keyed hash) {}",
                        group.partitions.text(listed, i64::to_string)
                    )
                } else {
                    String::new()
                };
                let _ = writeln!(out, "  what:  {operation} on {table}{partitions}");
            }
            let _ = writeln!(
                out,
                "  where: {} {}",
                if table.is_empty() {
                    "node"
                } else {
                    "coordinator"
                },
                group.nodes.text(listed, String::clone)
            );
            let _ = writeln!(
                out,
                "  when:  {} .. {}",
                group.first.map_or_else(|| "?".into(), format_time),
                group.last.map_or_else(|| "?".into(), format_time)
            );
        }
        if !self.examples.is_empty() {
            let _ = writeln!(out, "\nearliest {} violation(s)", self.examples.len());
            let rows = self
                .examples
                .iter()
                .map(|v| {
                    vec![
                        v.time.clone().unwrap_or_default(),
                        v.role.clone().unwrap_or_else(|| "(no role)".into()),
                        how(v.operation, v.write_path, v.outcome),
                        v.table.clone().unwrap_or_default(),
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

    /// `12 events files, 3 auth_events files`.
    fn files_text(&self) -> String {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for (table, _) in &self.files {
            match counts.iter_mut().find(|(name, _)| name == table) {
                Some((_, count)) => *count += 1,
                None => counts.push((table, 1)),
            }
        }
        if counts.is_empty() {
            return "no file".into();
        }
        counts
            .iter()
            .map(|(table, count)| format!("{count} {table} file(s)"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The audit as JSON.
    pub fn to_json(&self) -> Value {
        let listed = self.options.listed;
        let groups: Vec<Value> = self
            .groups
            .iter()
            .map(
                |((rule, role, operation, table, write_path, outcome), group)| {
                    let what = (*operation, *write_path, *outcome);
                    group_json(rule, role, what, table, group, listed)
                },
            )
            .collect();
        let files: Vec<Value> = self
            .files
            .iter()
            .map(|(table, path)| json!({"table": table, "path": path}))
            .collect();
        json!({
            "policy": self.policy,
            "policy_sha256": self.policy_sha256,
            "checked": self.checked,
            "files": files,
            "requests": self.requests,
            "logins": self.logins,
            "logins_unclassified": self.logins_unclassified,
            "violations": self.violations,
            "rules": self.rules,
            "unseen_names": self.unseen,
            "groups": groups,
            "examples": self.examples,
        })
    }

    /// One line of `--format jsonl`: the violation, its `type`, and the policy's path and SHA-256.
    pub fn jsonl_line(violation: &Violation, policy: &str, policy_sha256: &str) -> String {
        let mut object = Map::new();
        object.insert("type".into(), json!(VIOLATION_TYPE));
        if let Ok(Value::Object(fields)) = serde_json::to_value(violation) {
            object.extend(fields);
        }
        object.insert("policy".into(), json!(policy));
        object.insert("policy_sha256".into(), json!(policy_sha256));
        let mut line = Value::Object(object).to_string();
        line.push('\n');
        line
    }
}

/// `listed` values (all for 0), and the full count beside them.
fn listed_json(
    name: &str,
    distinct: &Distinct<String>,
    listed: usize,
    object: &mut Map<String, Value>,
    lower_bounds: &mut Vec<String>,
) {
    object.insert(name.into(), json!(distinct.first(listed)));
    object.insert(format!("{name}_count"), json!(distinct.count()));
    if distinct.overflowed {
        lower_bounds.push(format!("{name}_count"));
    }
}

fn group_json(
    rule: &str,
    role: &str,
    (operation, write_path, outcome): (&str, Option<&str>, Option<&str>),
    table: &str,
    group: &Group,
    listed: usize,
) -> Value {
    let mut lower_bounds = Vec::new();
    let mut who = Map::new();
    who.insert("role".into(), json!(role));
    who.insert("owner".into(), json!(group.owner));
    who.insert("team".into(), json!(group.team));
    who.insert("kind".into(), json!(group.kind));
    for (name, distinct) in [
        ("external_identities", &group.external_identities),
        ("clients", &group.clients),
        ("drivers", &group.drivers),
        ("sessions", &group.sessions),
    ] {
        listed_json(name, distinct, listed, &mut who, &mut lower_bounds);
    }
    let mut what = Map::new();
    what.insert("operation".into(), json!(operation));
    what.insert("write_path".into(), json!(write_path));
    what.insert("outcome".into(), json!(outcome));
    what.insert(
        "table".into(),
        if table.is_empty() {
            Value::Null
        } else {
            json!(table)
        },
    );
    let partitions: Vec<i64> = group
        .partitions
        .first(listed)
        .into_iter()
        .copied()
        .collect();
    what.insert("partitions".into(), json!(id_values(&partitions)));
    what.insert("partitions_count".into(), json!(group.partitions.count()));
    if group.partitions.overflowed {
        lower_bounds.push("partitions_count".into());
    }
    if group.reasons.count() > 0 {
        listed_json(
            "reasons",
            &group.reasons,
            listed,
            &mut what,
            &mut lower_bounds,
        );
    }
    let mut place = Map::new();
    listed_json("nodes", &group.nodes, listed, &mut place, &mut lower_bounds);
    json!({
        "rule": rule,
        "rule_line": group.rule_line,
        "count": group.count,
        "who": who,
        "what": what,
        "where": place,
        "when": {"first": group.first.map(format_time), "last": group.last.map(format_time)},
        "lower_bounds": lower_bounds,
    })
}
