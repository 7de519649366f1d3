//! Reading the identity map file: YAML through `serde_yaml_ng` into serde-derived structs (docs/schema.md,
//! "Identity map").
//!
//! ```yaml
//! roles:                                # the only top-level key (`roles: {}` or `roles:` for none)
//!   svc_orders: {owner: orders-service, team: commerce, kind: service, external_identity: "arn:…"}
//!   alice:
//!     owner: Alice Example
//!     kind: person
//! ```
//!
//! Keys of a role: `owner`, `team`, `kind` (`service` or `person`), `external_identity`; each optional,
//! each at most once; a null value (`null`, `~`, nothing) means absent. Values are read as text (`123`,
//! `true` are the text `123`, `true`).
//!
//! Invariants: never panics; another top-level key, an unknown key, a duplicate role or key, an empty
//! role name or value, a role without entries, a value that is not text or a bad `kind` is a
//! [`ParseError`] naming the 1-based line and column, its message one printable line (control
//! characters of the input escaped).

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};

use crate::enrich::identity::{Identity, IdentityKind};
use crate::yaml::located;

/// What is wrong, and where (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line} column {column}: {message}")]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column number.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// The keys a role may have, in the order messages list them.
const KEYS: [&str; 4] = ["owner", "team", "kind", "external_identity"];

/// Parses the whole file into role → identity.
pub fn parse_roles(text: &str) -> Result<HashMap<String, Identity>, ParseError> {
    match serde_yaml_ng::from_str::<MapFile>(text) {
        Ok(file) => Ok(file.roles.0.into_iter().collect()),
        Err(error) => {
            let (location, message) = located(&error, text);
            // An error about the whole file (several documents) is on its first line.
            let (line, column) = location.unwrap_or((1, 1));
            Err(ParseError {
                line,
                column,
                message,
            })
        }
    }
}

/// The top level of the file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapFile {
    roles: Roles,
}

/// The roles in file order. Not a map type: a map would keep the last of two entries of one role.
struct Roles(Vec<(String, Identity)>);

impl<'de> Deserialize<'de> for Roles {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `roles:` with nothing after it is an empty mapping to serde_yaml_ng.
        deserializer.deserialize_map(RolesVisitor)
    }
}

struct RolesVisitor;

impl<'de> Visitor<'de> for RolesVisitor {
    type Value = Roles;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping of role names to their entries")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Roles, A::Error> {
        let mut seen = HashSet::new();
        let mut roles = Vec::new();
        while let Some(name) = map.next_key_seed(RoleName { seen: &mut seen })? {
            let role: RoleFile = map.next_value()?;
            roles.push((name, role.0));
        }
        Ok(Roles(roles))
    }
}

/// A role name: non-empty text, not seen before. Checked while the key is read, so the error points
/// at the key.
struct RoleName<'s> {
    seen: &'s mut HashSet<String>,
}

impl<'de> DeserializeSeed<'de> for RoleName<'_> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for RoleName<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a role name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<String, E> {
        if name.is_empty() {
            return Err(E::custom("empty role name"));
        }
        if !self.seen.insert(name.to_owned()) {
            return Err(E::custom(format!("role `{name}` is defined twice")));
        }
        Ok(name.to_owned())
    }
}

/// One role as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleEntries {
    #[serde(default)]
    owner: Entry<Text>,
    #[serde(default)]
    team: Entry<Text>,
    #[serde(default)]
    kind: Entry<Kind>,
    #[serde(default)]
    external_identity: Entry<Text>,
}

/// One role, with at least one entry. The check runs while the role's mapping is read, so the error
/// points at the role.
struct RoleFile(Identity);

impl<'de> Deserialize<'de> for RoleFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RoleVisitor)
    }
}

struct RoleVisitor;

impl<'de> Visitor<'de> for RoleVisitor {
    type Value = RoleFile;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a mapping with some of {}", KEYS.join(", "))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RoleFile, A::Error> {
        let entries = RoleEntries::deserialize(de::value::MapAccessDeserializer::new(map))?;
        let RoleEntries {
            owner,
            team,
            kind,
            external_identity,
        } = entries;
        if [
            owner.given(),
            team.given(),
            kind.given(),
            external_identity.given(),
        ]
        .iter()
        .all(|given| !given)
        {
            return Err(de::Error::custom(format!(
                "role has no entries (give {})",
                KEYS.join(", ")
            )));
        }
        Ok(RoleFile(Identity {
            owner: owner.value().map(|text| text.0),
            team: team.value().map(|text| text.0),
            kind: kind.value().map(|kind| kind.0),
            external_identity: external_identity.value().map(|text| text.0),
        }))
    }
}

/// A key of a role: absent, given as null, or given a value.
#[derive(Default)]
enum Entry<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<T> Entry<T> {
    fn given(&self) -> bool {
        !matches!(self, Entry::Absent)
    }

    fn value(self) -> Option<T> {
        match self {
            Entry::Value(value) => Some(value),
            Entry::Absent | Entry::Null => None,
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Entry<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Entry::Value(value),
            None => Entry::Null,
        })
    }
}

/// Non-empty text; any scalar is read as its text.
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl Visitor<'_> for TextVisitor {
    type Value = Text;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a text")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Text, E> {
        if text.is_empty() {
            return Err(E::custom("empty value (leave the key out, or write `~`)"));
        }
        Ok(Text(text.to_owned()))
    }
}

/// `service` or `person`.
struct Kind(IdentityKind);

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KindVisitor)
    }
}

struct KindVisitor;

impl Visitor<'_> for KindVisitor {
    type Value = Kind;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("`service` or `person`")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Kind, E> {
        IdentityKind::parse(text)
            .map(Kind)
            .ok_or_else(|| E::custom(format!("must be `service` or `person`, got {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"roles:
  svc_orders: {owner: orders-service, team: commerce, kind: service, external_identity: "arn:aws:iam::123456789012:role/orders"}
  alice:
    owner: Alice Example
    team: commerce
    kind: person
    external_identity: okta|00u1abcd
"#;

    fn error(text: &str) -> (usize, String) {
        let error = parse_roles(text).unwrap_err();
        (error.line, error.message)
    }

    #[test]
    fn parses_the_documented_example() {
        let roles = parse_roles(EXAMPLE).unwrap();
        assert_eq!(roles.len(), 2);
        assert_eq!(
            roles["svc_orders"],
            Identity {
                owner: Some("orders-service".into()),
                team: Some("commerce".into()),
                kind: Some(IdentityKind::Service),
                external_identity: Some("arn:aws:iam::123456789012:role/orders".into()),
            }
        );
        assert_eq!(
            roles["alice"],
            Identity {
                owner: Some("Alice Example".into()),
                team: Some("commerce".into()),
                kind: Some(IdentityKind::Person),
                external_identity: Some("okta|00u1abcd".into()),
            }
        );
    }

    #[test]
    fn comments_quotes_nulls_and_markers() {
        let text = "\u{feff}# who is who\r\n---\nroles:   # all of them\n\n  \"svc:x\": {owner: 'O''Brien', kind: ~,}\n  bob:\n      owner: Dan O'Brien # a comment\n      team: \"a#b \\\"c\\\" \\u00e9\"\n      external_identity: null\n  carol: {team: x#y, owner: \"null\"}\n";
        let roles = parse_roles(text).unwrap();
        assert_eq!(roles["svc:x"].owner.as_deref(), Some("O'Brien"));
        assert_eq!(roles["svc:x"].kind, None);
        assert_eq!(roles["bob"].owner.as_deref(), Some("Dan O'Brien"));
        assert_eq!(roles["bob"].team.as_deref(), Some("a#b \"c\" é"));
        assert_eq!(roles["bob"].external_identity, None);
        assert_eq!(roles["carol"].team.as_deref(), Some("x#y"));
        assert_eq!(roles["carol"].owner.as_deref(), Some("null"));
        assert!(parse_roles("roles: {}\n").unwrap().is_empty());
        assert!(parse_roles("roles:\n# none yet\n").unwrap().is_empty());
    }

    fn identity(
        owner: Option<&str>,
        team: Option<&str>,
        kind: Option<IdentityKind>,
        external_identity: Option<&str>,
    ) -> Identity {
        Identity {
            owner: owner.map(str::to_owned),
            team: team.map(str::to_owned),
            kind,
            external_identity: external_identity.map(str::to_owned),
        }
    }

    /// Every document the hand-written parser accepted (its unit tests, the integration tests, the e2e
    /// tests, the demo, and the corners of its syntax) parses to exactly these roles.
    #[test]
    fn documents_accepted_by_the_first_parser_keep_their_meaning() {
        use IdentityKind::{Person, Service};
        let arn = "arn:aws:iam::123456789012:role/orders";
        let example = vec![
            (
                "alice",
                identity(
                    Some("Alice Example"),
                    Some("commerce"),
                    Some(Person),
                    Some("okta|00u1abcd"),
                ),
            ),
            (
                "svc_orders",
                identity(
                    Some("orders-service"),
                    Some("commerce"),
                    Some(Service),
                    Some(arn),
                ),
            ),
        ];
        let cases: Vec<(String, Vec<(&str, Identity)>)> = vec![
            (EXAMPLE.to_owned(), example.clone()),
            (format!("# who is behind each role\n{EXAMPLE}"), example),
            (
                "roles:\n  svc_app: {owner: app-service, team: commerce, kind: service}\n  bob: {owner: Bob Example, team: analytics, kind: person}\n".to_owned(),
                vec![
                    ("bob", identity(Some("Bob Example"), Some("analytics"), Some(Person), None)),
                    ("svc_app", identity(Some("app-service"), Some("commerce"), Some(Service), None)),
                ],
            ),
            (
                "roles:\n  alice: {team: t1, kind: person}\n".to_owned(),
                vec![("alice", identity(None, Some("t1"), Some(Person), None))],
            ),
            (
                "roles:\n  alice:\n    owner: Alice\n".to_owned(),
                vec![("alice", identity(Some("Alice"), None, None, None))],
            ),
            ("roles: {}\n".to_owned(), vec![]),
            ("roles:\n# none yet\n".to_owned(), vec![]),
            ("roles:".to_owned(), vec![]),
            (
                "\u{feff}# who is who\r\n---\nroles:   # all of them\n\n  \"svc:x\": {owner: 'O''Brien', kind: ~,}\n  bob:\n      owner: Dan O'Brien # a comment\n      team: \"a#b \\\"c\\\" \\u00e9\"\n      external_identity: null\n  carol: {team: x#y, owner: \"null\"}\n".to_owned(),
                vec![
                    ("bob", identity(Some("Dan O'Brien"), Some("a#b \"c\" é"), None, None)),
                    ("carol", identity(Some("null"), Some("x#y"), None, None)),
                    ("svc:x", identity(Some("O'Brien"), None, None, None)),
                ],
            ),
            (
                // Plain scalars are text, whatever they look like; only `null` and `~` are absent.
                "roles:\n    123: {owner: 123, team: true, external_identity: 1e3}\n    'x y':\n        kind: service\n        team: '~'\n        owner: a:b\n    z: {kind: ~}\n    \"t\\tab\": {owner: \"\\/\\0\"}\n".to_owned(),
                vec![
                    ("123", identity(Some("123"), Some("true"), None, Some("1e3"))),
                    ("t\tab", identity(Some("/\0"), None, None, None)),
                    ("x y", identity(Some("a:b"), Some("~"), Some(Service), None)),
                    ("z", identity(None, None, None, None)),
                ],
            ),
        ];
        for (text, expected) in cases {
            let roles = parse_roles(&text).unwrap_or_else(|error| panic!("{text:?}: {error}"));
            let mut roles: Vec<(String, Identity)> = roles.into_iter().collect();
            roles.sort_by(|a, b| a.0.cmp(&b.0));
            let expected: Vec<(String, Identity)> = expected
                .into_iter()
                .map(|(name, identity)| (name.to_owned(), identity))
                .collect();
            assert_eq!(roles, expected, "{text:?}");
        }
    }

    #[test]
    fn messages_quoting_the_input_stay_one_printable_line() {
        // Found by the identity_map fuzz target (inputs in rust-core/fuzz/regressions/identity_map/): a
        // carriage return, NUL or escaped line break of the input went into the message raw.
        assert_eq!(
            error("roles:\n  a: {\"c\\rd\\u0000\": x}\n"),
            (
                2,
                "roles.a: unknown field `c\\rd\\u{0}`, expected one of `owner`, `team`, `kind`, `external_identity`".to_owned()
            )
        );
        assert_eq!(
            error("roles:\n  \"a\\nb\\u001b[2J\": {}\n"),
            (
                2,
                "roles.a\\nb\\u{1b}[2J: role has no entries (give owner, team, kind, external_identity)"
                    .to_owned()
            )
        );
        assert_eq!(
            error("\r\0:"),
            (
                1,
                "control characters are not allowed at position 1".to_owned()
            )
        );
    }

    #[test]
    fn errors_name_the_line_and_column() {
        let cases: [(&str, usize, usize, &str); 22] = [
            ("", 1, 1, "missing field `roles`"),
            ("users:\n", 1, 1, "unknown field `users`, expected `roles`"),
            ("roles:\nroles:\n", 1, 1, "duplicate field `roles`"),
            (
                "roles:\n  a: {kind: robot}\n",
                2,
                13,
                "roles.a.kind: must be `service` or `person`, got \"robot\"",
            ),
            (
                "roles:\n  a:\n    kind: robot\n",
                3,
                11,
                "roles.a.kind: must be `service` or `person`",
            ),
            (
                "roles:\n  a: {owner: x, colour: blue}\n",
                2,
                17,
                "roles.a: unknown field `colour`, expected one of `owner`, `team`, `kind`, `external_identity`",
            ),
            (
                "roles:\n  a: {owner: x}\n  b: {owner: y}\n  a: {team: z}\n",
                4,
                3,
                "roles: role `a` is defined twice",
            ),
            (
                "roles:\n  a:\n    owner: x\n    owner: y\n",
                3,
                5,
                "roles.a: duplicate field `owner`",
            ),
            (
                "roles:\n  a:\n    owner: x\n  b:\n\n",
                4,
                5,
                "roles.b: role has no entries (give owner, team, kind, external_identity)",
            ),
            ("roles:\n  a: {}\n", 2, 6, "roles.a: role has no entries"),
            ("roles:\n\ta: {owner: x}\n", 2, 1, "cannot start any token"),
            (
                "roles:\n  a: {owner: x\n",
                3,
                1,
                "did not find expected ',' or '}', while parsing a flow mapping at line 2 column 6",
            ),
            (
                "roles:\n  a:\n    owner: \"x\n",
                4,
                1,
                "while scanning a quoted scalar at line 3 column 12",
            ),
            (
                "roles:\n  - a\n",
                2,
                3,
                "roles: invalid type: sequence, expected a mapping of role names",
            ),
            (
                "roles:\n  a: x\n",
                2,
                6,
                "roles.a: invalid type: string \"x\", expected a mapping with some of owner",
            ),
            (
                "roles:\n  a: {owner: [x]}\n",
                2,
                14,
                "roles.a.owner: invalid type: sequence, expected a text",
            ),
            (
                "roles:\n  a:\n    owner: x\n   team: y\n",
                4,
                4,
                "did not find expected key",
            ),
            (
                "roles:\n  a: {owner: \"\"}\n",
                2,
                14,
                "roles.a.owner: empty value",
            ),
            (
                "roles:\n  \"\": {owner: x}\n",
                2,
                3,
                "roles: empty role name",
            ),
            (
                "roles: ~\n",
                1,
                8,
                "roles: invalid type: unit value, expected a mapping",
            ),
            (
                "roles:\n  a: {owner: x}\n---\nroles: {}\n",
                1,
                1,
                "more than one document",
            ),
            ("roles:\n  a: {team: *x}\n", 2, 13, "unknown anchor"),
        ];
        for (text, line, column, message) in cases {
            let error = parse_roles(text).unwrap_err();
            assert!(
                error.line == line && error.column == column && error.message.contains(message),
                "{text:?}: {error}"
            );
        }
    }

    #[test]
    fn yaml_nulls_and_aliases_are_yaml() {
        // What YAML gives that the first parser rejected or read as text (docs/schema.md, "Identity map").
        let roles = parse_roles(
            "roles:\n  a: &entries {owner: NULL, team: Null}\n  b: *entries\n  c:\n    owner:\n    kind: person\n",
        )
        .unwrap();
        assert_eq!(roles["a"], identity(None, None, None, None));
        assert_eq!(roles["b"], identity(None, None, None, None));
        assert_eq!(
            roles["c"],
            identity(None, None, Some(IdentityKind::Person), None)
        );
    }
}
