//! Reading a `cdflow audit` policy file: YAML through `serde_yaml_ng` into serde-derived structs, then
//! into a [`Policy`]. Every value is checked while it is read, so an error carries the line and column of
//! the value at fault (docs/cli.md, "Policy format").

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use cdflow_core::error::printable;
use cdflow_core::yaml::located;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, IntoDeserializer, SeqAccess, Visitor};
use sha2::{Digest, Sha256};

use crate::policy::{Action, Checked, Effect, Hours, Policy, PolicyError, Rule};

/// The top level of a policy file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    default: Option<Effect>,
    check: Option<List<Checked>>,
    superusers: Option<List<String>>,
    rules: Vec<RuleFile>,
}

/// One rule as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    name: Name,
    effect: Effect,
    roles: Option<List<String>>,
    teams: Option<List<String>>,
    owners: Option<List<String>>,
    kinds: Option<List<IdentityKind>>,
    external_identities: Option<List<String>>,
    hosts: Option<List<String>>,
    operations: Option<List<Action>>,
    keyspaces: Option<List<String>>,
    tables: Option<List<String>>,
    hours: Option<Hours>,
    days: Option<List<Day>>,
}

/// Parses policy text (`path` only names the file in errors).
pub fn parse(path: &Path, text: &str) -> Result<Policy, PolicyError> {
    let file: PolicyFile =
        serde_yaml_ng::from_str(text).map_err(|error| yaml_error(path, text, &error))?;
    let lines = rule_lines(text, file.rules.len());
    let check = file
        .check
        .map_or_else(|| vec![Checked::Requests], |list| list.0);
    let mut rules = Vec::with_capacity(file.rules.len());
    for (rule, line) in file.rules.into_iter().zip(lines) {
        let rule = Rule {
            name: rule.name.0,
            line,
            effect: rule.effect,
            roles: rule.roles.map(|l| l.0),
            teams: rule.teams.map(|l| l.0),
            owners: rule.owners.map(|l| l.0),
            kinds: rule.kinds.map(|l| l.0.into_iter().map(|k| k.0).collect()),
            external_identities: rule.external_identities.map(|l| l.0),
            hosts: rule.hosts.map(|l| l.0),
            operations: rule.operations.map(|l| l.0),
            keyspaces: rule.keyspaces.map(|l| l.0),
            tables: rule.tables.map(|l| l.0),
            hours: rule.hours,
            days: rule.days.map(|l| l.0.into_iter().map(|d| d.0).collect()),
        };
        if let Some(unchecked) = rule.operations.iter().flatten().find(|action| {
            let subject = if action.is_login() {
                Checked::Logins
            } else {
                Checked::Requests
            };
            !check.contains(&subject)
        }) {
            return Err(PolicyError {
                path: path.to_path_buf(),
                line: line.max(1),
                column: None,
                message: printable(&format!(
                    "rule `{}` names `{}`, which the policy does not check (`check: [requests, logins]` \
                     checks both)",
                    rule.name,
                    unchecked.name()
                ))
                .into_owned(),
            });
        }
        rules.push(rule);
    }
    Ok(Policy {
        path: path.to_path_buf(),
        sha256: hex::encode(Sha256::digest(text.as_bytes())),
        default: file.default.unwrap_or(Effect::Allow),
        check,
        superusers_given: file.superusers.is_some(),
        superusers: file
            .superusers
            .map_or_else(|| vec!["cassandra".to_string()], |list| list.0),
        rules,
    })
}

/// A `serde_yaml_ng` error as file, line, column and message (the location taken out of the text).
fn yaml_error(path: &Path, text: &str, error: &serde_yaml_ng::Error) -> PolicyError {
    let (location, message) = located(error, text);
    PolicyError {
        path: path.to_path_buf(),
        line: location.map_or(0, |(line, _)| line),
        column: location.map(|(_, column)| column),
        message,
    }
}

thread_local! {
    /// (next rule index, the index whose line is wanted) while [`rule_lines`] probes.
    static PROBE: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// The line each of the `count` rules starts on. `serde_yaml_ng` keeps no positions on values, but it
/// puts the position of the value being read on an error: parsing once per rule with an error raised
/// at that rule's mapping gives its line (policies are small; a rule is never re-read otherwise).
fn rule_lines(text: &str, count: usize) -> Vec<usize> {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(default)]
        #[allow(dead_code)]
        rules: Vec<ProbeRule>,
    }
    struct ProbeRule;
    impl<'de> Deserialize<'de> for ProbeRule {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let (index, target) = PROBE.with(Cell::get);
            PROBE.with(|probe| probe.set((index + 1, target)));
            if index == target {
                deserializer.deserialize_any(Stop)
            } else {
                IgnoredAny::deserialize(deserializer).map(|_| ProbeRule)
            }
        }
    }
    struct Stop;
    impl<'de> Visitor<'de> for Stop {
        type Value = ProbeRule;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a rule")
        }
        fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<ProbeRule, A::Error> {
            Err(de::Error::custom("probe"))
        }
    }
    (0..count)
        .map(|target| {
            PROBE.with(|probe| probe.set((0, target)));
            serde_yaml_ng::from_str::<Probe>(text)
                .err()
                .and_then(|error| error.location())
                .map_or(0, |location| location.line())
        })
        .collect()
}

/// A value read from a YAML scalar by a parser of its text; the error is raised while the scalar is
/// read, so it carries the scalar's line and column.
pub trait FromText: Sized {
    /// What the value looks like, for messages.
    const EXPECTING: &'static str;
    /// Parses the text.
    fn from_text(text: &str) -> Result<Self, String>;
}

/// The [`Visitor`] of a [`FromText`] value.
pub struct TextVisitor<T>(PhantomData<T>);

impl<T> TextVisitor<T> {
    /// The visitor.
    pub const fn new() -> Self {
        TextVisitor(PhantomData)
    }
}

impl<T> Default for TextVisitor<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: FromText> Visitor<'_> for TextVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        T::from_text(text).map_err(E::custom)
    }
}

/// Implements `Deserialize` for a [`FromText`] type.
#[macro_export]
macro_rules! deserialize_from_text {
    ($type:ty) => {
        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str($crate::policy_file::TextVisitor::<$type>::new())
            }
        }
    };
}

/// A non-empty rule name.
struct Name(String);

impl FromText for Name {
    const EXPECTING: &'static str = "a non-empty name";
    fn from_text(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Err("`name` must be a non-empty text".into());
        }
        Ok(Name(text.to_string()))
    }
}
deserialize_from_text!(Name);

/// An identity-map kind, or `unmapped`.
struct IdentityKind(String);

impl FromText for IdentityKind {
    const EXPECTING: &'static str = "service, person or unmapped";
    fn from_text(text: &str) -> Result<Self, String> {
        match text {
            "service" | "person" | "unmapped" => Ok(IdentityKind(text.to_string())),
            _ => Err(format!(
                "unknown kind `{text}` (service, person or unmapped)"
            )),
        }
    }
}
deserialize_from_text!(IdentityKind);

/// A day of the week, Monday = 0.
struct Day(u32);

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl FromText for Day {
    const EXPECTING: &'static str = "a day: mon, tue, …, sun";
    fn from_text(text: &str) -> Result<Self, String> {
        DAYS.iter()
            .position(|day| day.eq_ignore_ascii_case(text))
            .map(|index| Day(index as u32))
            .ok_or_else(|| format!("unknown day `{text}` (mon, tue, …, sun)"))
    }
}
deserialize_from_text!(Day);

/// A list of values, or one value written without brackets.
struct List<T>(Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ListVisitor(PhantomData))
    }
}

struct ListVisitor<T>(PhantomData<T>);

impl<T> ListVisitor<T> {
    fn one<'de, E: de::Error>(text: &str) -> Result<List<T>, E>
    where
        T: Deserialize<'de>,
    {
        let deserializer: de::value::StrDeserializer<'_, E> = text.into_deserializer();
        T::deserialize(deserializer).map(|value| List(vec![value]))
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
    type Value = List<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list like [a, b] or one value")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<T>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(List(items))
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<List<T>, E> {
        Self::one(text)
    }
    fn visit_bool<E: de::Error>(self, value: bool) -> Result<List<T>, E> {
        Self::one(&value.to_string())
    }
    fn visit_i64<E: de::Error>(self, value: i64) -> Result<List<T>, E> {
        Self::one(&value.to_string())
    }
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<List<T>, E> {
        Self::one(&value.to_string())
    }
}
