//! The identity map (`identity_map=<path to YAML>`): who is behind each Cassandra role, joined into
//! `events` and `auth_events` rows when they are written (docs/schema.md, "Identity map").
//!
//! Invariants: the file is read once, at `start`; any problem (unreadable, not YAML, unknown key, bad
//! `kind`, duplicate role or key) fails `start` with a message naming the file, the line and the column; role names match `user_name` exactly (case-sensitive); a key that is absent (or
//! `null` / `~`) gives NULL, never an empty string.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use crate::enrich::identity_parse::{ParseError, parse_roles};
use crate::tables::IdentityPart;

/// What a role is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityKind {
    /// A service account.
    Service,
    /// A human.
    Person,
}

impl IdentityKind {
    /// `service` or `person` → kind.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "service" => Some(IdentityKind::Service),
            "person" => Some(IdentityKind::Person),
            _ => None,
        }
    }

    /// The `identity_kind` column value.
    pub fn name(self) -> &'static str {
        match self {
            IdentityKind::Service => "service",
            IdentityKind::Person => "person",
        }
    }
}

/// One role's entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// `owner`.
    pub owner: Option<String>,
    /// `team`.
    pub team: Option<String>,
    /// `kind`.
    pub kind: Option<IdentityKind>,
    /// `external_identity`: the IdP subject (Okta user, AWS IAM ARN, …).
    pub external_identity: Option<String>,
}

impl Identity {
    /// The value of one identity column.
    pub fn part(&self, part: IdentityPart) -> Option<&str> {
        match part {
            IdentityPart::Owner => self.owner.as_deref(),
            IdentityPart::Team => self.team.as_deref(),
            IdentityPart::Kind => self.kind.map(IdentityKind::name),
            IdentityPart::ExternalIdentity => self.external_identity.as_deref(),
        }
    }
}

/// The identity map file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum IdentityMapError {
    /// Reading the file failed (missing, unreadable, not UTF-8).
    #[error("cannot read identity map {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The content is not a valid identity map.
    #[error("identity map {path} line {line} column {column}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// 1-based column number.
        column: usize,
        /// What is wrong.
        message: String,
    },
}

/// Role name → identity. Empty when no `identity_map` is configured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityMap {
    roles: HashMap<String, Identity>,
}

impl IdentityMap {
    /// Reads and parses the file at `path`.
    pub fn load(path: &Path) -> Result<Self, IdentityMapError> {
        let text = std::fs::read_to_string(path).map_err(|source| IdentityMapError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|error| IdentityMapError::Invalid {
            path: path.to_owned(),
            line: error.line,
            column: error.column,
            message: error.message,
        })
    }

    /// Parses the text of an identity map file.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        Ok(IdentityMap {
            roles: parse_roles(text)?,
        })
    }

    /// The identity of role `user_name`.
    #[inline]
    pub fn get(&self, user_name: &str) -> Option<&Identity> {
        if self.roles.is_empty() {
            return None;
        }
        self.roles.get(user_name)
    }

    /// Number of roles.
    pub fn len(&self) -> usize {
        self.roles.len()
    }

    /// True when no role is mapped.
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_names_the_file_the_line_and_the_column() {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path();
        let path = dir.join("map.yaml");
        std::fs::write(&path, "roles:\n  a: {kind: robot}\n").unwrap();
        let error = IdentityMap::load(&path).unwrap_err().to_string();
        assert!(
            error.starts_with(&format!(
                "identity map {} line 2 column 13: ",
                path.display()
            )),
            "{error}"
        );
        assert!(error.contains("robot"), "{error}");
        std::fs::write(&path, "roles:\n  a: {kind: person, team: t}\n").unwrap();
        let map = IdentityMap::load(&path).unwrap();
        let identity = map.get("a").unwrap();
        assert_eq!(identity.part(IdentityPart::Kind), Some("person"));
        assert_eq!(identity.part(IdentityPart::Team), Some("t"));
        assert_eq!(identity.part(IdentityPart::Owner), None);
        assert_eq!(map.get("A"), None);
        let missing = IdentityMap::load(&dir.join("absent.yaml"))
            .unwrap_err()
            .to_string();
        assert!(
            missing.starts_with("cannot read identity map ") && missing.contains("absent.yaml"),
            "{missing}"
        );
    }
}
