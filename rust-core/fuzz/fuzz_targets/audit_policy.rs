//! The `cdflow audit` policy parser (rust-core/cli/src/policy_file.rs over serde_yaml_ng) on arbitrary text:
//! never panics; an error names the file and a line of the input (or none, for the whole file), on one
//! printable line; a parsed policy's rules have a name and a line of the input, and deciding requests built
//! from its own selectors never panics.
#![no_main]

use std::path::Path;

use cdflow_cli::policy::{Policy, Rule};
use cdflow_cli::rows::{EventRow, Kind, Operation};
use cdflow_core::error::is_unprintable;
use cdflow_fuzz::line_count;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return; // `Policy::load` rejects it as unreadable before parsing
    };
    let lines = line_count(text);
    match Policy::parse(Path::new("policy.yaml"), text) {
        Err(error) => {
            // Line 0: about the whole file (an empty document, say); a line past the end: at its end.
            assert!(error.line <= lines + 1, "{error:?}");
            let shown = error.to_string();
            let at = match (error.line, error.column) {
                (0, _) => "policy.yaml: ".to_string(),
                (line, None) => format!("policy.yaml:{line}: "),
                (line, Some(column)) => format!("policy.yaml:{line}:{column}: "),
            };
            assert!(shown.starts_with(&at), "{shown}");
            assert!(!shown.contains(is_unprintable), "{shown:?}");
        }
        Ok(policy) => {
            for rule in &policy.rules {
                assert!(!rule.name.is_empty());
                assert!(rule.line >= 1 && rule.line <= lines, "{rule:?}");
                decide_requests_like(&policy, rule);
            }
        }
    }
});

/// Decides requests made of the first value of each selector of `rule`, at a few times of day.
fn decide_requests_like(policy: &Policy, rule: &Rule) {
    let first = |list: &Option<Vec<String>>| list.as_ref().and_then(|items| items.first()).cloned();
    let table = first(&rule.tables);
    let (keyspace, table) = match table.as_deref().and_then(|t| t.split_once('.')) {
        Some((keyspace, table)) => (Some(keyspace.to_owned()), Some(table.to_owned())),
        None => (first(&rule.keyspaces), table),
    };
    let (user, team, owner, kind) = (
        first(&rule.roles),
        first(&rule.teams),
        first(&rule.owners),
        first(&rule.kinds),
    );
    for time in [
        None,
        Some(0),
        Some(-1),
        Some(i64::MIN),
        Some(i64::MAX),
        Some(1_764_081_000_000_000),
    ] {
        let row = EventRow {
            time,
            node: Some("127.0.0.1"),
            kind: Kind::CoordinatorWrite,
            kind_name: Some("coordinator_write"),
            keyspace: keyspace.as_deref(),
            table: table.as_deref(),
            user: user.as_deref(),
            owner: owner.as_deref(),
            team: team.as_deref(),
            identity_kind: kind.as_deref().filter(|kind| *kind != "unmapped"),
            ..EventRow::default()
        };
        for operation in [Operation::Read, Operation::Write, Operation::Delete] {
            let (_, decided_by) = policy.decide(&row, operation);
            if let Some(decided_by) = decided_by {
                assert!(decided_by.matches(&row, operation));
            }
        }
    }
}
