//! `cdflow audit`: every client request of the lineage (and every login, when the policy checks logins)
//! checked against a [`Policy`]; each denied event is a violation, reported with who (role, owner, team,
//! kind, external identity, client hosts, drivers, sessions), what (operation on keyspace.table,
//! partitions), where (coordinator nodes) and when. Violations are grouped by rule, role, operation and
//! table; the earliest `examples` are also listed one by one, in time order. Each rule's count of events
//! it decided, and the policy names no checked event carried, are part of the outcome
//! (docs/cli.md, "cdflow audit"). Rendering: [`crate::audit_render`].

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};

use serde::Serialize;

use crate::audit_names::{NameCheck, UnseenName};
use crate::census::{client_host, table_label};
use crate::discover::{LineageFiles, Table};
use crate::error::CliError;
use crate::evidence::Distinct;
use crate::filter::Filters;
use crate::ids::opt_id;
use crate::policy::{Action, Checked, Effect, Policy, Subject};
use crate::rows::{AuthRow, EventRow, WritePath, scan_auth_events, scan_events};
use crate::time::format_time;
use cdflow_core::enrich::access::Request;

/// One denied request or login: a line of `--format jsonl`, an example of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Violation {
    /// When (RFC 3339).
    pub time: Option<String>,
    /// `user_name`.
    pub role: Option<String>,
    /// Identity map owner.
    pub owner: Option<String>,
    /// Identity map team.
    pub team: Option<String>,
    /// Identity map kind.
    pub kind: Option<String>,
    /// Identity map external identity (the IdP subject).
    pub external_identity: Option<String>,
    /// Client host (`client_address` without the port).
    pub client: Option<String>,
    /// `client_address` as recorded (with the port).
    pub client_address: Option<String>,
    /// `driver_name driver_version`.
    pub driver: Option<String>,
    /// `session_id`: the client connection.
    pub session_id: Option<String>,
    /// `read`, `write`, `delete`, `login`, `failed_login` or `superuser_login`.
    pub operation: &'static str,
    /// How a write came (`statement`, `counter`, `logged_batch`, `unlogged_batch`, `counter_batch`,
    /// `lwt`, `lwt_batch`; `cdflow_core::enrich::access`); `None` for reads and logins.
    pub write_path: Option<&'static str>,
    /// Requests: `ok`, `not_applied` (an attempted LWT write whose condition did not hold) or `failed`.
    pub outcome: Option<&'static str>,
    /// `<keyspace>.<table>` (`None` for logins).
    pub table: Option<String>,
    /// Keyed partition hash (a string in JSON).
    #[serde(serialize_with = "opt_id")]
    pub partition: Option<i64>,
    /// Murmur3 token (a string in JSON).
    #[serde(serialize_with = "opt_id")]
    pub token: Option<i64>,
    /// The node that recorded it (the coordinator of a request).
    pub node: Option<String>,
    /// Why a login failed.
    pub reason: Option<String>,
    /// The deciding rule (`default: deny` when none matched).
    pub rule: String,
    /// The line of that rule in the policy (`None` for the default).
    pub rule_line: Option<usize>,
    #[serde(skip)]
    time_us: Option<i64>,
}

/// Violations sharing rule, role, operation and table.
#[derive(Debug, Default)]
pub struct Group {
    /// Violations in the group.
    pub count: u64,
    /// Earliest and latest time (µs).
    pub first: Option<i64>,
    /// See `first`.
    pub last: Option<i64>,
    /// The deciding rule's line (`None` for the default).
    pub rule_line: Option<usize>,
    /// Identity map owner, team and kind (the first seen).
    pub owner: Option<String>,
    /// See `owner`.
    pub team: Option<String>,
    /// See `owner`.
    pub kind: Option<String>,
    /// External identities.
    pub external_identities: Distinct<String>,
    /// Client hosts.
    pub clients: Distinct<String>,
    /// Drivers (`name version`).
    pub drivers: Distinct<String>,
    /// Sessions.
    pub sessions: Distinct<String>,
    /// Coordinator nodes (the node that recorded a login).
    pub nodes: Distinct<String>,
    /// Keyed partition hashes.
    pub partitions: Distinct<i64>,
    /// Reasons of failed logins.
    pub reasons: Distinct<String>,
}

/// Group key: rule label, role, operation, table (`""` for logins), write path and outcome (requests).
pub type GroupKey = (
    String,
    String,
    &'static str,
    String,
    Option<&'static str>,
    Option<&'static str>,
);

/// How many events one rule (or the default) decided.
#[derive(Debug, Clone, Serialize)]
pub struct RuleCount {
    /// The rule's name (`default` for the default).
    pub name: String,
    /// Its line (`None` for the default).
    pub line: Option<usize>,
    /// `allow` or `deny`.
    pub effect: &'static str,
    /// Events it decided (the first rule that matches decides).
    pub matched: u64,
    /// Of those, violations (all of them for a deny rule, none for an allow rule).
    pub violations: u64,
}

/// How an audit reads and reports.
#[derive(Debug, Clone, Copy)]
pub struct AuditOptions {
    /// Violations listed one by one (the earliest).
    pub examples: usize,
    /// Values listed per host, node, identity, … list (0: all).
    pub listed: usize,
}

/// The outcome of an audit.
#[derive(Debug)]
pub struct Audit {
    /// Client requests checked.
    pub requests: u64,
    /// Logins checked (when the policy checks logins).
    pub logins: u64,
    /// Logins left out because their `outcome` is neither `success` nor `failure`.
    pub logins_unclassified: u64,
    /// Denied events.
    pub violations: u64,
    /// Groups of violations.
    pub groups: BTreeMap<GroupKey, Group>,
    /// The earliest violations, in time order.
    pub examples: Vec<Violation>,
    /// Per rule, then the default.
    pub rules: Vec<RuleCount>,
    /// Policy names no checked event carried.
    pub unseen: Vec<UnseenName>,
    /// The policy file.
    pub policy: String,
    /// Its SHA-256.
    pub policy_sha256: String,
    /// What it checks.
    pub checked: Vec<&'static str>,
    /// Every file read, by table.
    pub files: Vec<(&'static str, String)>,
    /// The options used.
    pub options: AuditOptions,
}

/// An example waiting in the heap of the earliest: ordered by time (no time last), then arrival.
struct Example {
    key: (i64, u64),
    violation: Violation,
}

impl PartialEq for Example {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Example {}
impl PartialOrd for Example {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Example {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

/// What one checked event brings besides its [`Subject`].
struct Extra<'a> {
    client_address: Option<&'a str>,
    driver_name: Option<&'a str>,
    driver_version: Option<&'a str>,
    session_id: Option<&'a str>,
    node: Option<&'a str>,
    partition: Option<i64>,
    token: Option<i64>,
    reason: Option<&'a str>,
    write_path: Option<&'static str>,
    outcome: Option<&'static str>,
}

/// The state of a running audit.
struct Run<'p, 's> {
    audit: Audit,
    policy: &'p Policy,
    names: NameCheck,
    heap: BinaryHeap<Example>,
    arrivals: u64,
    sink: Option<&'s mut dyn FnMut(&Violation)>,
    table: String,
}

impl Audit {
    /// Checks every client request (and login, when the policy checks logins) that passes the filters.
    /// `sink` gets every violation as it is found (`--format jsonl`).
    pub fn run(
        files: &LineageFiles,
        filters: &Filters,
        policy: &Policy,
        options: AuditOptions,
        sink: Option<&mut dyn FnMut(&Violation)>,
    ) -> Result<Audit, CliError> {
        let mut checked = Vec::new();
        let mut read = Vec::new();
        for (what, table, name) in [
            (Checked::Requests, Table::Events, "requests"),
            (Checked::Logins, Table::AuthEvents, "logins"),
        ] {
            if policy.checks(what) {
                checked.push(name);
                for file in files.of(table) {
                    if !filters.skips_file(file) {
                        read.push((table.dir_name(), file.path.display().to_string()));
                    }
                }
            }
        }
        let mut rules: Vec<RuleCount> = policy
            .rules
            .iter()
            .map(|rule| RuleCount {
                name: rule.name.clone(),
                line: Some(rule.line),
                effect: effect_name(rule.effect),
                matched: 0,
                violations: 0,
            })
            .collect();
        rules.push(RuleCount {
            name: "default".into(),
            line: None,
            effect: effect_name(policy.default),
            matched: 0,
            violations: 0,
        });
        let mut run = Run {
            audit: Audit {
                requests: 0,
                logins: 0,
                logins_unclassified: 0,
                violations: 0,
                groups: BTreeMap::new(),
                examples: Vec::new(),
                rules,
                unseen: Vec::new(),
                policy: policy.path.display().to_string(),
                policy_sha256: policy.sha256.clone(),
                checked,
                files: read,
                options,
            },
            policy,
            names: NameCheck::new(policy),
            heap: BinaryHeap::new(),
            arrivals: 0,
            sink,
            table: String::new(),
        };
        let wanted = |user: Option<&str>| filters.role.as_deref().is_none_or(|r| user == Some(r));
        if policy.checks(Checked::Requests) {
            scan_events(files, filters, |row| {
                // Every client request, every write path (cdflow_core::enrich::access): an LWT whose
                // condition did not hold is an attempted write and is checked like a write.
                if let Some(request) = row.access.request()
                    && wanted(row.user)
                {
                    run.audit.requests += 1;
                    run.check(
                        &Subject::of_request(row, request.operation),
                        &request_extra(row, request),
                    );
                }
            })?;
        }
        if policy.checks(Checked::Logins) {
            scan_auth_events(files, filters, |row| {
                if !wanted(row.user) {
                    return;
                }
                let Some(action) = login_action(row, policy) else {
                    run.audit.logins_unclassified += 1;
                    return;
                };
                run.audit.logins += 1;
                run.check(&login_subject(row, action), &login_extra(row));
            })?;
        }
        let mut examples: Vec<Example> = run.heap.into_vec();
        examples.sort();
        run.audit.examples = examples.into_iter().map(|e| e.violation).collect();
        run.audit.unseen = run.names.unseen();
        Ok(run.audit)
    }

    /// Events checked: requests and logins.
    pub fn checked_events(&self) -> u64 {
        self.requests + self.logins
    }
}

impl Run<'_, '_> {
    fn check(&mut self, subject: &Subject<'_>, extra: &Extra<'_>) {
        self.names.observe(subject);
        let decided = self.policy.decide_subject(subject);
        let slot = decided.unwrap_or(self.policy.rules.len());
        self.audit.rules[slot].matched += 1;
        if self.policy.effect(decided) == Effect::Allow {
            return;
        }
        self.audit.rules[slot].violations += 1;
        self.audit.violations += 1;
        let (rule, rule_line) = match decided {
            Some(index) => {
                let rule = &self.policy.rules[index];
                (
                    format!("{} (line {})", rule.name, rule.line),
                    Some(rule.line),
                )
            }
            None => ("default: deny".to_string(), None),
        };
        if subject.action.is_login() {
            self.table.clear();
        } else {
            table_label(subject.keyspace, subject.table, &mut self.table);
        }
        let wants_example = self.audit.options.examples > 0
            && (self.heap.len() < self.audit.options.examples
                || self
                    .heap
                    .peek()
                    .is_some_and(|top| time_key(subject.time) < top.key.0));
        if wants_example || self.sink.is_some() {
            let violation = violation(subject, extra, &self.table, &rule, rule_line);
            if let Some(sink) = self.sink.as_mut() {
                sink(&violation);
            }
            if wants_example {
                self.arrivals += 1;
                self.heap.push(Example {
                    key: (time_key(subject.time), self.arrivals),
                    violation,
                });
                if self.heap.len() > self.audit.options.examples {
                    self.heap.pop();
                }
            }
        }
        let key = (
            rule,
            subject.role.unwrap_or("(no role)").to_string(),
            subject.action.name(),
            self.table.clone(),
            extra.write_path,
            extra.outcome,
        );
        let group = self.audit.groups.entry(key).or_default();
        group.count += 1;
        group.rule_line = rule_line;
        if let Some(time) = subject.time {
            group.first = Some(group.first.map_or(time, |first| first.min(time)));
            group.last = Some(group.last.map_or(time, |last| last.max(time)));
        }
        group.owner = group.owner.take().or(subject.owner.map(str::to_string));
        group.team = group.team.take().or(subject.team.map(str::to_string));
        group.kind = group.kind.take().or(subject.kind.map(str::to_string));
        if let Some(identity) = subject.external_identity {
            group.external_identities.add(identity);
        }
        if let Some(host) = subject.host {
            group.clients.add(host);
        }
        if let Some(driver) = driver_text(extra) {
            group.drivers.add(driver.as_str());
        }
        if let Some(session) = extra.session_id {
            group.sessions.add(session);
        }
        if let Some(node) = extra.node {
            group.nodes.add(node);
        }
        if let Some(partition) = extra.partition {
            group.partitions.add(&partition);
        }
        if let Some(reason) = extra.reason {
            group.reasons.add(reason);
        }
    }
}

/// Rows without a time sort after every timed row.
fn time_key(time: Option<i64>) -> i64 {
    time.unwrap_or(i64::MAX)
}

fn effect_name(effect: Effect) -> &'static str {
    match effect {
        Effect::Allow => "allow",
        Effect::Deny => "deny",
    }
}

fn request_extra<'a>(row: &EventRow<'a>, request: Request) -> Extra<'a> {
    Extra {
        client_address: row.client,
        driver_name: row.driver_name,
        driver_version: row.driver_version,
        session_id: row.session_id,
        node: row.node,
        partition: row.partition_key_hash,
        token: row.token,
        reason: None,
        write_path: request.path.map(WritePath::name),
        outcome: Some(request.outcome.name()),
    }
}

/// `login`, `superuser_login` or `failed_login`; `None` for an unknown outcome.
fn login_action(row: &AuthRow<'_>, policy: &Policy) -> Option<Action> {
    match row.outcome {
        Some("failure") => Some(Action::FailedLogin),
        Some("success") => Some(
            if row
                .user
                .is_some_and(|user| policy.superusers.iter().any(|s| s == user))
            {
                Action::SuperuserLogin
            } else {
                Action::Login
            },
        ),
        _ => None,
    }
}

fn login_subject<'a>(row: &AuthRow<'a>, action: Action) -> Subject<'a> {
    Subject {
        time: row.time,
        role: row.user,
        owner: row.owner,
        team: row.team,
        kind: row.identity_kind,
        external_identity: row.external_identity,
        host: row.client.map(client_host),
        keyspace: None,
        table: None,
        action,
    }
}

fn login_extra<'a>(row: &AuthRow<'a>) -> Extra<'a> {
    Extra {
        client_address: row.client,
        driver_name: None,
        driver_version: None,
        session_id: row.session_id,
        node: row.node,
        partition: None,
        token: None,
        reason: row.reason,
        write_path: None,
        outcome: None,
    }
}

fn driver_text(extra: &Extra<'_>) -> Option<String> {
    match (extra.driver_name, extra.driver_version) {
        (Some(name), Some(version)) => Some(format!("{name} {version}")),
        (Some(name), None) => Some(name.to_string()),
        (None, Some(version)) => Some(format!("(unnamed driver) {version}")),
        (None, None) => None,
    }
}

fn violation(
    subject: &Subject<'_>,
    extra: &Extra<'_>,
    table: &str,
    rule: &str,
    rule_line: Option<usize>,
) -> Violation {
    let owned = |value: Option<&str>| value.map(str::to_string);
    Violation {
        time: subject.time.map(format_time),
        role: owned(subject.role),
        owner: owned(subject.owner),
        team: owned(subject.team),
        kind: owned(subject.kind),
        external_identity: owned(subject.external_identity),
        client: owned(subject.host),
        client_address: owned(extra.client_address),
        driver: driver_text(extra),
        session_id: owned(extra.session_id),
        operation: subject.action.name(),
        write_path: extra.write_path,
        outcome: extra.outcome,
        table: (!subject.action.is_login()).then(|| table.to_string()),
        partition: extra.partition,
        token: extra.token,
        node: owned(extra.node),
        reason: owned(extra.reason),
        rule: rule.to_string(),
        rule_line,
        time_us: subject.time,
    }
}

impl Violation {
    /// The time in µs (for ordering).
    pub fn time_us(&self) -> Option<i64> {
        self.time_us
    }
}

/// `delete`, `write via lwt`, `write via lwt, attempted (not applied)`, `write via counter, failed`.
pub fn how(operation: &str, write_path: Option<&str>, outcome: Option<&str>) -> String {
    let mut how = operation.to_string();
    if let Some(path) = write_path {
        how.push_str(" via ");
        how.push_str(path);
    }
    match outcome {
        Some("not_applied") => how.push_str(", attempted (not applied)"),
        Some("failed") => how.push_str(", failed"),
        _ => {}
    }
    how
}
