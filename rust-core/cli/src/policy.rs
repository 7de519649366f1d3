//! `cdflow audit` policies: who may read, write or delete what, who may log in, and when (docs/cli.md). A
//! policy is a YAML file ([`crate::policy_file`]) with a `default` effect and ordered `rules`; the first
//! rule that matches a checked event (a client request, or a login when the policy checks logins)
//! decides, else the default.

use std::path::{Path, PathBuf};

use crate::census::client_host;
use crate::deserialize_from_text;
use crate::policy_file::FromText;
use crate::rows::{EventRow, Operation};

/// What a rule (or the default) does with the events it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The event is allowed.
    Allow,
    /// The event is a violation.
    Deny,
}

impl FromText for Effect {
    const EXPECTING: &'static str = "allow or deny";
    fn from_text(text: &str) -> Result<Self, String> {
        match text {
            "allow" => Ok(Effect::Allow),
            "deny" => Ok(Effect::Deny),
            _ => Err(format!("expected `allow` or `deny`, not `{text}`")),
        }
    }
}
deserialize_from_text!(Effect);

/// What the policy checks: client requests (`events`), logins (`auth_events`), or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// Client requests: `read`, `write`, `delete`.
    Requests,
    /// Logins: `login`, `failed_login`, `superuser_login`.
    Logins,
}

impl FromText for Checked {
    const EXPECTING: &'static str = "requests or logins";
    fn from_text(text: &str) -> Result<Self, String> {
        match text {
            "requests" => Ok(Checked::Requests),
            "logins" => Ok(Checked::Logins),
            _ => Err(format!(
                "unknown `check` value `{text}` (requests or logins)"
            )),
        }
    }
}
deserialize_from_text!(Checked);

/// What a checked event did: a client request's operation, or a login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// A client request (`read`, `write`, `delete`).
    Request(Operation),
    /// A successful login of a role that is not in `superusers`.
    Login,
    /// A failed login (`auth_events.outcome = 'failure'`).
    FailedLogin,
    /// A successful login of a role in `superusers`.
    SuperuserLogin,
}

impl Action {
    /// The login actions.
    pub const LOGINS: [Action; 3] = [Action::Login, Action::FailedLogin, Action::SuperuserLogin];

    /// The name used in policies and reports.
    pub const fn name(self) -> &'static str {
        match self {
            Action::Request(operation) => operation.name(),
            Action::Login => "login",
            Action::FailedLogin => "failed_login",
            Action::SuperuserLogin => "superuser_login",
        }
    }

    /// Whether the action is a login.
    pub const fn is_login(self) -> bool {
        !matches!(self, Action::Request(_))
    }

    /// The action named `name`.
    pub fn parse(name: &str) -> Option<Action> {
        Operation::parse(name).map(Action::Request).or_else(|| {
            Action::LOGINS
                .into_iter()
                .find(|action| action.name() == name)
        })
    }
}

impl FromText for Action {
    const EXPECTING: &'static str = "an operation";
    fn from_text(text: &str) -> Result<Self, String> {
        Action::parse(text).ok_or_else(|| {
            format!(
                "unknown operation `{text}` (read, write, delete, login, failed_login or superuser_login)"
            )
        })
    }
}
deserialize_from_text!(Action);

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

impl FromText for Hours {
    const EXPECTING: &'static str = "a time-of-day window like \"08:00-18:00\"";
    fn from_text(text: &str) -> Result<Self, String> {
        hours(text).map_err(|message| format!("`hours`: {message}"))
    }
}
deserialize_from_text!(Hours);

/// One rule. A selector that is `None` matches every event; a list matches when any item does.
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
    /// Identity-map external identities (IdP subjects).
    pub external_identities: Option<Vec<String>>,
    /// Client hosts (`client_address` without the port).
    pub hosts: Option<Vec<String>>,
    /// Operations and logins.
    pub operations: Option<Vec<Action>>,
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
    /// SHA-256 of the file's bytes, lowercase hex (the evidence names the exact policy applied).
    pub sha256: String,
    /// What events no rule matches get.
    pub default: Effect,
    /// What is checked (`check`; client requests when absent).
    pub check: Vec<Checked>,
    /// Roles whose successful logins are `superuser_login` (`superusers`; `[cassandra]` when absent).
    pub superusers: Vec<String>,
    /// Whether the file names `superusers` (else the default applies).
    pub superusers_given: bool,
    /// The rules, first match wins.
    pub rules: Vec<Rule>,
}

/// A policy that cannot be used: the file, the line and column (0 and `None` when the error is about
/// the whole file) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// The policy file.
    pub path: PathBuf,
    /// Line, 1-based; 0 for the whole file.
    pub line: usize,
    /// Column, 1-based, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}: {}", self.path.display(), self.message),
            (line, None) => write!(f, "{}:{line}: {}", self.path.display(), self.message),
            (line, Some(column)) => write!(
                f,
                "{}:{line}:{column}: {}",
                self.path.display(),
                self.message
            ),
        }
    }
}

impl std::error::Error for PolicyError {}

/// What a rule looks at in a checked event: a client request or a login.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// `event_time`, µs since the epoch.
    pub time: Option<i64>,
    /// `user_name`.
    pub role: Option<&'a str>,
    /// Identity map: `owner`.
    pub owner: Option<&'a str>,
    /// Identity map: `team`.
    pub team: Option<&'a str>,
    /// Identity map: `identity_kind`.
    pub kind: Option<&'a str>,
    /// Identity map: `external_identity`.
    pub external_identity: Option<&'a str>,
    /// Client host (`client_address` without the port).
    pub host: Option<&'a str>,
    /// `keyspace_name` (`None` for logins).
    pub keyspace: Option<&'a str>,
    /// `table_name` (`None` for logins).
    pub table: Option<&'a str>,
    /// What it did.
    pub action: Action,
}

impl<'a> Subject<'a> {
    /// A client request doing `operation`.
    pub fn of_request(row: &EventRow<'a>, operation: Operation) -> Subject<'a> {
        Subject {
            time: row.time,
            role: row.user,
            owner: row.owner,
            team: row.team,
            kind: row.identity_kind,
            external_identity: row.external_identity,
            host: row.client.map(client_host),
            keyspace: row.keyspace,
            table: row.table,
            action: Action::Request(operation),
        }
    }
}

impl Policy {
    /// Reads and checks the policy file.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|error| PolicyError {
            path: path.to_path_buf(),
            line: 0,
            column: None,
            message: format!("cannot read the policy: {error}"),
        })?;
        Policy::parse(path, &text)
    }

    /// Parses policy text (`path` only names the file in errors).
    pub fn parse(path: &Path, text: &str) -> Result<Policy, PolicyError> {
        crate::policy_file::parse(path, text)
    }

    /// Whether the policy checks `what`.
    pub fn checks(&self, what: Checked) -> bool {
        self.check.contains(&what)
    }

    /// The rule deciding `row` (a client request doing `operation`), `None` for the default.
    pub fn decide(&self, row: &EventRow<'_>, operation: Operation) -> (Effect, Option<&Rule>) {
        let index = self.decide_subject(&Subject::of_request(row, operation));
        match index {
            Some(index) => (self.rules[index].effect, Some(&self.rules[index])),
            None => (self.default, None),
        }
    }

    /// The index of the rule deciding `subject`, `None` for the default.
    pub fn decide_subject(&self, subject: &Subject<'_>) -> Option<usize> {
        self.rules
            .iter()
            .position(|rule| rule.matches_subject(subject))
    }

    /// The effect of the rule at `index`, or of the default for `None`.
    pub fn effect(&self, index: Option<usize>) -> Effect {
        index.map_or(self.default, |index| self.rules[index].effect)
    }
}

impl Rule {
    /// Whether every selector of the rule matches the request.
    pub fn matches(&self, row: &EventRow<'_>, operation: Operation) -> bool {
        self.matches_subject(&Subject::of_request(row, operation))
    }

    /// Whether every selector of the rule matches the event.
    pub fn matches_subject(&self, subject: &Subject<'_>) -> bool {
        let any = |list: &Option<Vec<String>>, value: Option<&str>| {
            list.as_ref()
                .is_none_or(|list| value.is_some_and(|value| list.iter().any(|item| item == value)))
        };
        let kind = match (subject.kind, subject.role) {
            (Some(kind), _) => Some(kind),
            (None, Some(_)) => Some("unmapped"),
            (None, None) => None,
        };
        any(&self.roles, subject.role)
            && any(&self.teams, subject.team)
            && any(&self.owners, subject.owner)
            && any(&self.kinds, kind)
            && any(&self.external_identities, subject.external_identity)
            && any(&self.hosts, subject.host)
            && self
                .operations
                .as_ref()
                .is_none_or(|operations| operations.contains(&subject.action))
            && any(&self.keyspaces, subject.keyspace)
            && self.tables.as_ref().is_none_or(|tables| {
                tables
                    .iter()
                    .any(|pattern| table_matches(pattern, subject.keyspace, subject.table))
            })
            && self.time_matches(subject.time)
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
pub fn table_matches(pattern: &str, keyspace: Option<&str>, table: Option<&str>) -> bool {
    match pattern.split_once('.') {
        Some((want_keyspace, "*")) => keyspace == Some(want_keyspace),
        Some((want_keyspace, want_table)) => {
            keyspace == Some(want_keyspace) && table == Some(want_table)
        }
        None => table == Some(pattern),
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
            Some(vec![
                Action::Request(Operation::Write),
                Action::Request(Operation::Delete)
            ])
        );
        assert_eq!(policy.rules[1].days, Some(vec![5, 6]));
        let night = policy.rules[1].hours.unwrap();
        assert!(night.contains(23 * 60) && night.contains(60) && !night.contains(12 * 60));
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let cases = [
            (
                "rules:\n  - name: a\n    effect: maybe\n",
                "p.yaml:3:13: rules[0].effect: expected `allow` or `deny`, not `maybe`",
            ),
            (
                "rules:\n  - name: a\n    effect: deny\n    rolez: [x]\n",
                "p.yaml:4:5: rules[0]: unknown field `rolez`, expected one of `name`, `effect`",
            ),
            (
                "rules:\n  - effect: deny\n",
                "p.yaml:2:5: rules[0]: missing field `name`",
            ),
            (
                "rules:\n  - name: a\n    effect: deny\n    operations: [drop]\n",
                "p.yaml:4:18: rules[0].operations[0]: unknown operation `drop`",
            ),
            (
                "rules:\n  - name: a\n    effect: deny\n    hours: 25:00-26:00\n",
                "p.yaml:4:12: rules[0].hours: `hours`: \"25:00\" is not a time of day",
            ),
            (
                "rules:\n  - name: a\n    effect: deny\n    days: fri-day\n",
                "p.yaml:4:11: rules[0].days: unknown day `fri-day`",
            ),
            ("default: allow\n", "p.yaml:1:1: missing field `rules`"),
            ("other: 1\nrules: []\n", "p.yaml:1:1: unknown field `other`"),
            (
                "rules:\n\t- name: a\n",
                "p.yaml:2:1: found character that cannot start",
            ),
            (
                "rules:\n  - name: a\n    effect: deny\n    roles: [x]\n    roles: [y]\n",
                "p.yaml:2:5: rules[0]: duplicate field `roles`",
            ),
            (
                "rules:\n  - name: a\n    effect: deny\n    operations: [failed_login]\n",
                "p.yaml:2: rule `a` names `failed_login`, which the policy does not check",
            ),
            ("", "p.yaml:1:1: missing field `rules`"),
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
        let error = parse("rules:\n- name: t\r\0").unwrap_err().to_string();
        assert!(
            !error.contains(cdflow_core::error::is_unprintable),
            "{error:?}"
        );
        assert_eq!(
            error,
            "p.yaml:1:1: control characters are not allowed at position 17"
        );
        assert_eq!(
            parse("rules:\n  - name: a\n    effect: deny\n    days: [mon\u{1b}[2J]\n")
                .unwrap_err()
                .to_string(),
            // libyaml refuses control characters before any value is read.
            "p.yaml:1:1: control characters are not allowed at position 50"
        );
    }

    #[test]
    fn accepted_syntax_of_earlier_releases_still_parses() {
        // Every form docs/cli.md showed for the hand-written subset: block and flow lists, one value
        // without brackets, plain, single- and double-quoted scalars, comments, `- key:` items.
        let policy = parse(
            "# comment\ndefault: deny   # trailing\nrules:\n- name: \"quoted # not a comment\"\n  effect: allow\n  roles: svc\n  tables:\n    - ks.t\n    - 'ks.*'\n  days: [Mon, 'fri']\n",
        )
        .unwrap();
        let rule = &policy.rules[0];
        assert_eq!(rule.name, "quoted # not a comment");
        assert_eq!(rule.line, 4);
        assert_eq!(rule.roles, Some(vec!["svc".to_string()]));
        assert_eq!(
            rule.tables,
            Some(vec!["ks.t".to_string(), "ks.*".to_string()])
        );
        assert_eq!(rule.days, Some(vec![0, 4]));
        assert_eq!(policy.check, vec![Checked::Requests]);
        assert_eq!(policy.superusers, vec!["cassandra".to_string()]);
    }

    #[test]
    fn login_rules_need_logins_checked() {
        let policy = parse(
            "check: [requests, logins]\nsuperusers: [admin]\nrules:\n  - name: no failed logins\n    effect: deny\n    operations: [failed_login, superuser_login]\n    hosts: 10.0.0.9\n    external_identities: [okta|1]\n",
        )
        .unwrap();
        assert!(policy.checks(Checked::Logins) && policy.checks(Checked::Requests));
        assert_eq!(policy.superusers, vec!["admin".to_string()]);
        assert_eq!(
            policy.rules[0].operations,
            Some(vec![Action::FailedLogin, Action::SuperuserLogin])
        );
        assert_eq!(policy.rules[0].hosts, Some(vec!["10.0.0.9".to_string()]));
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
