//! `cdflow audit` policies: who may read, write or delete what, and when (docs/cli.md). A policy is a
//! YAML file (the subset of [`crate::yaml`]) with a `default` effect and ordered `rules`; the first
//! rule that matches a request decides, else the default.

use std::path::{Path, PathBuf};

use cdflow_core::error::printable;

use crate::rows::{EventRow, Operation};
use crate::yaml::{self, Node};

/// What a rule (or the default) does with the requests it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The request is allowed.
    Allow,
    /// The request is a violation.
    Deny,
}

/// A time-of-day window, minutes since midnight UTC, `start..end` (wrapping past midnight when
/// `start > end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    start: u32,
    end: u32,
}

impl Hours {
    fn contains(&self, minute: u32) -> bool {
        if self.start <= self.end {
            (self.start..self.end).contains(&minute)
        } else {
            minute >= self.start || minute < self.end
        }
    }
}

/// One rule. A selector that is `None` matches every request; a list matches when any item does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The rule's name, shown with its violations.
    pub name: String,
    /// Line of the rule in the policy file.
    pub line: usize,
    /// Allow or deny.
    pub effect: Effect,
    /// `user_name`s.
    pub roles: Option<Vec<String>>,
    /// Identity-map teams.
    pub teams: Option<Vec<String>>,
    /// Identity-map owners.
    pub owners: Option<Vec<String>>,
    /// Identity-map kinds: `service`, `person`, or `unmapped` (a role missing from the map).
    pub kinds: Option<Vec<String>>,
    /// Operations.
    pub operations: Option<Vec<Operation>>,
    /// Keyspaces.
    pub keyspaces: Option<Vec<String>>,
    /// Tables: `keyspace.table`, `table` (any keyspace) or `keyspace.*`.
    pub tables: Option<Vec<String>>,
    /// Time of day (UTC).
    pub hours: Option<Hours>,
    /// Days of the week (UTC), Monday = 0.
    pub days: Option<Vec<u32>>,
}

/// A policy: rules in order, then the default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The file it was read from.
    pub path: PathBuf,
    /// What requests no rule matches get.
    pub default: Effect,
    /// The rules, first match wins.
    pub rules: Vec<Rule>,
}

/// A policy that cannot be used: the file, the line (0 when the file could not be read) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// The policy file.
    pub path: PathBuf,
    /// Line, 1-based; 0 for the whole file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
        }
    }
}

impl std::error::Error for PolicyError {}

const RULE_KEYS: [&str; 11] = [
    "name",
    "effect",
    "roles",
    "teams",
    "owners",
    "kinds",
    "operations",
    "keyspaces",
    "tables",
    "hours",
    "days",
];
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Policy {
    /// Reads and checks the policy file.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|error| PolicyError {
            path: path.to_path_buf(),
            line: 0,
            message: format!("cannot read the policy: {error}"),
        })?;
        Policy::parse(path, &text)
    }

    /// Parses policy text (`path` only names the file in errors).
    pub fn parse(path: &Path, text: &str) -> Result<Policy, PolicyError> {
        // Messages quote rule names and values: escaped, they stay one printable line.
        let fail = |line: usize, message: String| PolicyError {
            path: path.to_path_buf(),
            line,
            message: printable(&message).into_owned(),
        };
        let document = yaml::parse(text).map_err(|error| fail(error.line, error.message))?;
        let Node::Map(entries, _) = document else {
            return Err(fail(1, "the policy must be a mapping".into()));
        };
        let mut default = None;
        let mut rules = None;
        for (key, node) in &entries {
            match key.as_str() {
                "default" => default = Some(effect(node).map_err(|m| fail(node.line(), m))?),
                "rules" => {
                    let Node::List(items, _) = node else {
                        return Err(fail(node.line(), "`rules` must be a list of rules".into()));
                    };
                    let mut parsed = Vec::new();
                    for item in items {
                        parsed.push(rule(item).map_err(|(line, m)| fail(line, m))?);
                    }
                    rules = Some(parsed);
                }
                other => {
                    return Err(fail(
                        node.line(),
                        format!("unknown key `{other}` (expected `default` or `rules`)"),
                    ));
                }
            }
        }
        let rules = rules.ok_or_else(|| fail(1, "the policy has no `rules`".into()))?;
        Ok(Policy {
            path: path.to_path_buf(),
            default: default.unwrap_or(Effect::Allow),
            rules,
        })
    }

    /// The rule deciding `row` (a client request doing `operation`), `None` for the default.
    pub fn decide(&self, row: &EventRow<'_>, operation: Operation) -> (Effect, Option<&Rule>) {
        match self.rules.iter().find(|rule| rule.matches(row, operation)) {
            Some(rule) => (rule.effect, Some(rule)),
            None => (self.default, None),
        }
    }
}

impl Rule {
    /// Whether every selector of the rule matches the request.
    pub fn matches(&self, row: &EventRow<'_>, operation: Operation) -> bool {
        let any = |list: &Option<Vec<String>>, value: Option<&str>| {
            list.as_ref()
                .is_none_or(|list| value.is_some_and(|value| list.iter().any(|item| item == value)))
        };
        let kind = match (row.identity_kind, row.user) {
            (Some(kind), _) => Some(kind),
            (None, Some(_)) => Some("unmapped"),
            (None, None) => None,
        };
        any(&self.roles, row.user)
            && any(&self.teams, row.team)
            && any(&self.owners, row.owner)
            && any(&self.kinds, kind)
            && self
                .operations
                .as_ref()
                .is_none_or(|operations| operations.contains(&operation))
            && any(&self.keyspaces, row.keyspace)
            && self.tables.as_ref().is_none_or(|tables| {
                tables
                    .iter()
                    .any(|pattern| table_matches(pattern, row.keyspace, row.table))
            })
            && self.time_matches(row.time)
    }

    fn time_matches(&self, time: Option<i64>) -> bool {
        if self.hours.is_none() && self.days.is_none() {
            return true;
        }
        let Some(time) = time else {
            return false;
        };
        let seconds = time.div_euclid(1_000_000);
        let days = seconds.div_euclid(86_400);
        let minute = (seconds.rem_euclid(86_400) / 60) as u32;
        // 1970-01-01 was a Thursday (Monday = 0).
        let weekday = (days + 3).rem_euclid(7) as u32;
        self.hours.is_none_or(|hours| hours.contains(minute))
            && self
                .days
                .as_ref()
                .is_none_or(|days| days.contains(&weekday))
    }
}

/// `keyspace.table`, `keyspace.*` or `table`.
fn table_matches(pattern: &str, keyspace: Option<&str>, table: Option<&str>) -> bool {
    match pattern.split_once('.') {
        Some((want_keyspace, "*")) => keyspace == Some(want_keyspace),
        Some((want_keyspace, want_table)) => {
            keyspace == Some(want_keyspace) && table == Some(want_table)
        }
        None => table == Some(pattern),
    }
}

fn effect(node: &Node) -> Result<Effect, String> {
    match node {
        Node::Scalar(text, _) if text == "allow" => Ok(Effect::Allow),
        Node::Scalar(text, _) if text == "deny" => Ok(Effect::Deny),
        _ => Err("expected `allow` or `deny`".into()),
    }
}

fn rule(node: &Node) -> Result<Rule, (usize, String)> {
    let Node::Map(entries, line) = node else {
        return Err((node.line(), "a rule must be a mapping (`- name: …`)".into()));
    };
    let mut rule = Rule {
        name: String::new(),
        line: *line,
        effect: Effect::Deny,
        roles: None,
        teams: None,
        owners: None,
        kinds: None,
        operations: None,
        keyspaces: None,
        tables: None,
        hours: None,
        days: None,
    };
    let mut has_effect = false;
    for (key, value) in entries {
        let at = value.line();
        let list = || strings(value).map_err(|m| (at, format!("`{key}`: {m}")));
        match key.as_str() {
            "name" => match value {
                Node::Scalar(text, _) if !text.is_empty() => rule.name = text.clone(),
                _ => return Err((at, "`name` must be a non-empty text".into())),
            },
            "effect" => {
                rule.effect = effect(value).map_err(|m| (at, format!("`effect`: {m}")))?;
                has_effect = true;
            }
            "roles" => rule.roles = Some(list()?),
            "teams" => rule.teams = Some(list()?),
            "owners" => rule.owners = Some(list()?),
            "kinds" => {
                let kinds = list()?;
                if let Some(bad) = kinds
                    .iter()
                    .find(|k| !["service", "person", "unmapped"].contains(&k.as_str()))
                {
                    return Err((
                        at,
                        format!("unknown kind `{bad}` (service, person or unmapped)"),
                    ));
                }
                rule.kinds = Some(kinds);
            }
            "operations" => {
                let mut operations = Vec::new();
                for name in list()? {
                    operations.push(Operation::parse(&name).ok_or_else(|| {
                        (
                            at,
                            format!("unknown operation `{name}` (read, write or delete)"),
                        )
                    })?);
                }
                rule.operations = Some(operations);
            }
            "keyspaces" => rule.keyspaces = Some(list()?),
            "tables" => rule.tables = Some(list()?),
            "hours" => match value {
                Node::Scalar(text, _) => {
                    rule.hours = Some(hours(text).map_err(|m| (at, format!("`hours`: {m}")))?)
                }
                _ => return Err((at, "`hours` must be a text like \"08:00-18:00\"".into())),
            },
            "days" => {
                let mut days = Vec::new();
                for day in list()? {
                    let index = DAYS
                        .iter()
                        .position(|known| known.eq_ignore_ascii_case(&day))
                        .ok_or_else(|| (at, format!("unknown day `{day}` (mon, tue, …, sun)")))?;
                    days.push(index as u32);
                }
                rule.days = Some(days);
            }
            other => {
                return Err((
                    at,
                    format!(
                        "unknown rule key `{other}` (expected one of {})",
                        RULE_KEYS.join(", ")
                    ),
                ));
            }
        }
    }
    if rule.name.is_empty() {
        return Err((*line, "a rule needs a `name`".into()));
    }
    if !has_effect {
        return Err((
            *line,
            format!("rule `{}` needs an `effect` (allow or deny)", rule.name),
        ));
    }
    Ok(rule)
}

/// A list of texts, or one text as a list of one.
fn strings(node: &Node) -> Result<Vec<String>, String> {
    match node {
        Node::Scalar(text, _) => Ok(vec![text.clone()]),
        Node::List(items, _) => items
            .iter()
            .map(|item| match item {
                Node::Scalar(text, _) => Ok(text.clone()),
                _ => Err("items must be texts".to_string()),
            })
            .collect(),
        Node::Map(..) => Err("expected a list like [a, b]".into()),
    }
}

/// `HH:MM-HH:MM`.
fn hours(text: &str) -> Result<Hours, String> {
    let minute = |part: &str| -> Result<u32, String> {
        let (h, m) = part
            .trim()
            .split_once(':')
            .ok_or_else(|| format!("{part:?} is not HH:MM"))?;
        let h: u32 = h.parse().map_err(|_| format!("{part:?} is not HH:MM"))?;
        let m: u32 = m.parse().map_err(|_| format!("{part:?} is not HH:MM"))?;
        if h > 24 || m > 59 || (h == 24 && m > 0) {
            return Err(format!("{part:?} is not a time of day"));
        }
        Ok(h * 60 + m)
    };
    let (start, end) = text
        .split_once('-')
        .ok_or_else(|| format!("{text:?} is not HH:MM-HH:MM"))?;
    let hours = Hours {
        start: minute(start)?,
        end: minute(end)?,
    };
    if hours.start == hours.end {
        return Err(format!("{text:?} is an empty window"));
    }
    Ok(hours)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Policy, PolicyError> {
        Policy::parse(Path::new("p.yaml"), text)
    }

    #[test]
    fn rules_parse_with_lines() {
        let policy = parse(
            "default: deny\nrules:\n  - name: svc writes\n    effect: allow\n    roles: [svc]\n    operations: [write, delete]\n    tables: [ks.t, 'ks.*']\n  - name: nights\n    effect: deny\n    hours: \"22:00-06:00\"\n    days: [sat, sun]\n",
        )
        .unwrap();
        assert_eq!(policy.default, Effect::Deny);
        assert_eq!(policy.rules.len(), 2);
        assert_eq!(policy.rules[0].line, 3);
        assert_eq!(
            policy.rules[0].operations,
            Some(vec![Operation::Write, Operation::Delete])
        );
        assert_eq!(policy.rules[1].days, Some(vec![5, 6]));
        let night = policy.rules[1].hours.unwrap();
        assert!(night.contains(23 * 60) && night.contains(60) && !night.contains(12 * 60));
    }

    #[test]
    fn errors_name_file_and_line() {
        let cases = [
            (
                "rules:\n  - name: a\n    effect: maybe\n",
                "p.yaml:3: `effect`",
            ),
            (
                "rules:\n  - name: a\n    effect: deny\n    rolez: [x]\n",
                "p.yaml:4: unknown rule key `rolez`",
            ),
            (
                "rules:\n  - effect: deny\n",
                "p.yaml:2: a rule needs a `name`",
            ),
            (
                "rules:\n  - name: a\n    effect: deny\n    operations: [drop]\n",
                "p.yaml:4: unknown operation `drop`",
            ),
            (
                "rules:\n  - name: a\n    effect: deny\n    hours: 25:00-26:00\n",
                "p.yaml:4: `hours`",
            ),
            ("default: allow\n", "p.yaml:1: the policy has no `rules`"),
            ("other: 1\nrules: []\n", "p.yaml:1: unknown key `other`"),
            ("rules:\n\t- name: a\n", "p.yaml:2: tabs"),
        ];
        for (text, needle) in cases {
            let error = parse(text).unwrap_err().to_string();
            assert!(error.starts_with(needle), "{text:?}: {error}");
        }
    }

    #[test]
    fn messages_quoting_the_input_stay_one_printable_line() {
        // Found by the audit_policy fuzz target (inputs in rust-core/fuzz/regressions/audit_policy/): a
        // carriage return or NUL of a rule name or value went into the message raw.
        assert_eq!(
            parse("rules:\n- name: t\r\0").unwrap_err().to_string(),
            "p.yaml:2: rule `t\\r\\u{0}` needs an `effect` (allow or deny)"
        );
        assert_eq!(
            parse("rules:\n  - name: a\n    effect: deny\n    days: [mon\u{1b}[2J]\n")
                .unwrap_err()
                .to_string(),
            "p.yaml:4: unknown day `mon\\u{1b}[2J` (mon, tue, …, sun)"
        );
        assert_eq!(
            parse("a: \"x\\\u{7}\"\n").unwrap_err().to_string(),
            "p.yaml:1: unsupported escape \\\\u{7}"
        );
    }

    #[test]
    fn tables_and_weekdays() {
        assert!(table_matches("ks.t", Some("ks"), Some("t")));
        assert!(table_matches("ks.*", Some("ks"), Some("u")));
        assert!(table_matches("t", Some("other"), Some("t")));
        assert!(!table_matches("ks.t", Some("ks"), Some("u")));
        let rule = parse(
            "rules:\n  - name: a\n    effect: deny\n    days: [wed]\n    hours: 14:00-15:00\n",
        )
        .unwrap()
        .rules
        .remove(0);
        // 2026-11-25 is a Wednesday.
        let at = |text: &str| Some(crate::time::parse_time(text).unwrap());
        assert!(rule.time_matches(at("2026-11-25T14:30:00Z")));
        assert!(!rule.time_matches(at("2026-11-25T15:00:00Z")));
        assert!(!rule.time_matches(at("2026-11-26T14:30:00Z")));
    }
}
