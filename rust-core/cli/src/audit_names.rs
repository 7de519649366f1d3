//! The names a policy selects on (roles, teams, owners, external identities, hosts, keyspaces, tables,
//! superusers) that never appear in the events an audit checked: a typo (`alcie`) makes a deny rule that
//! never fires, so each is reported (`cdflow audit --strict`: an error).

use std::collections::HashMap;

use serde::Serialize;

use crate::policy::{Policy, Subject, table_matches};

/// A policy name that no checked event carried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnseenName {
    /// The selector: `roles`, `teams`, `owners`, `external_identities`, `hosts`, `keyspaces`, `tables`
    /// or `superusers`.
    pub selector: &'static str,
    /// The name as written.
    pub name: String,
    /// The rule naming it (`None` for `superusers`).
    pub rule: Option<String>,
    /// The line of that rule (of the file for `superusers`: `None`).
    pub line: Option<usize>,
}

/// Which policy names the checked events carried.
#[derive(Debug, Default)]
pub struct NameCheck {
    names: Vec<(UnseenName, bool)>,
    /// Selector → name → indexes into `names`.
    exact: HashMap<&'static str, HashMap<String, Vec<usize>>>,
    /// Table patterns and their index into `names`.
    tables: Vec<(String, usize)>,
    unseen: usize,
}

/// The selectors matched by exact name, with the rule's list.
type Selector = (
    &'static str,
    fn(&crate::policy::Rule) -> &Option<Vec<String>>,
);

const EXACT: [Selector; 6] = [
    ("roles", |rule| &rule.roles),
    ("teams", |rule| &rule.teams),
    ("owners", |rule| &rule.owners),
    ("external_identities", |rule| &rule.external_identities),
    ("hosts", |rule| &rule.hosts),
    ("keyspaces", |rule| &rule.keyspaces),
];

impl NameCheck {
    /// Every name `policy` selects on; `superusers` only when the policy checks logins and names them.
    pub fn new(policy: &Policy) -> NameCheck {
        let mut check = NameCheck::default();
        for rule in &policy.rules {
            for (selector, list) in EXACT {
                for name in list(rule).iter().flatten() {
                    check.add_exact(selector, name, Some(rule));
                }
            }
            for pattern in rule.tables.iter().flatten() {
                let index = check.push(UnseenName {
                    selector: "tables",
                    name: pattern.clone(),
                    rule: Some(rule.name.clone()),
                    line: Some(rule.line),
                });
                check.tables.push((pattern.clone(), index));
            }
        }
        if policy.superusers_given && policy.checks(crate::policy::Checked::Logins) {
            for name in &policy.superusers {
                check.add_exact("superusers", name, None);
            }
        }
        check
    }

    fn push(&mut self, name: UnseenName) -> usize {
        self.names.push((name, false));
        self.unseen += 1;
        self.names.len() - 1
    }

    fn add_exact(
        &mut self,
        selector: &'static str,
        name: &str,
        rule: Option<&crate::policy::Rule>,
    ) {
        let index = self.push(UnseenName {
            selector,
            name: name.to_string(),
            rule: rule.map(|rule| rule.name.clone()),
            line: rule.map(|rule| rule.line),
        });
        // `superusers` are roles.
        let key = if selector == "superusers" {
            "roles"
        } else {
            selector
        };
        self.exact
            .entry(key)
            .or_default()
            .entry(name.to_string())
            .or_default()
            .push(index);
    }

    /// Marks the names `subject` carries.
    pub fn observe(&mut self, subject: &Subject<'_>) {
        if self.unseen == 0 {
            return;
        }
        let values = [
            ("roles", subject.role),
            ("teams", subject.team),
            ("owners", subject.owner),
            ("external_identities", subject.external_identity),
            ("hosts", subject.host),
            ("keyspaces", subject.keyspace),
        ];
        for (selector, value) in values {
            let (Some(value), Some(names)) = (value, self.exact.get(selector)) else {
                continue;
            };
            if let Some(indexes) = names.get(value) {
                for &index in indexes {
                    if !self.names[index].1 {
                        self.names[index].1 = true;
                        self.unseen -= 1;
                    }
                }
            }
        }
        if subject.table.is_some() {
            for (pattern, index) in &self.tables {
                if !self.names[*index].1 && table_matches(pattern, subject.keyspace, subject.table)
                {
                    self.names[*index].1 = true;
                    self.unseen -= 1;
                }
            }
        }
    }

    /// The names never seen, in policy order.
    pub fn unseen(&self) -> Vec<UnseenName> {
        self.names
            .iter()
            .filter(|(_, seen)| !seen)
            .map(|(name, _)| name.clone())
            .collect()
    }
}

impl UnseenName {
    /// One line: where, which selector, which name.
    pub fn describe(&self, policy: &str) -> String {
        let singular = match self.selector {
            "roles" => "role",
            "teams" => "team",
            "owners" => "owner",
            "external_identities" => "external identity",
            "hosts" => "host",
            "keyspaces" => "keyspace",
            "tables" => "table",
            _ => "superuser",
        };
        match (&self.rule, self.line) {
            (Some(rule), Some(line)) => format!(
                "{policy}:{line}: rule `{rule}` names {singular} `{}`, which appears in no checked event",
                self.name
            ),
            _ => format!(
                "{policy}: `superusers` names `{}`, which appears in no checked event",
                self.name
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::policy::Action;
    use crate::rows::Operation;

    #[test]
    fn unseen_names_are_reported_in_policy_order() {
        let policy = Policy::parse(
            Path::new("p.yaml"),
            "check: [requests, logins]\nsuperusers: [root]\nrules:\n  - name: deny alice\n    effect: deny\n    roles: [alcie, bob]\n    tables: [ks.t, 'other.*']\n    hosts: [10.0.0.1]\n",
        )
        .unwrap();
        let mut check = NameCheck::new(&policy);
        check.observe(&Subject {
            time: None,
            role: Some("bob"),
            owner: None,
            team: None,
            kind: None,
            external_identity: None,
            host: Some("10.0.0.1"),
            keyspace: Some("ks"),
            table: Some("t"),
            action: Action::Request(Operation::Write),
        });
        let unseen: Vec<(&str, String)> = check
            .unseen()
            .into_iter()
            .map(|name| (name.selector, name.name))
            .collect();
        assert_eq!(
            unseen,
            vec![
                ("roles", "alcie".to_string()),
                ("tables", "other.*".to_string()),
                ("superusers", "root".to_string()),
            ]
        );
        assert_eq!(
            check.unseen()[0].describe("p.yaml"),
            "p.yaml:4: rule `deny alice` names role `alcie`, which appears in no checked event"
        );
    }
}
