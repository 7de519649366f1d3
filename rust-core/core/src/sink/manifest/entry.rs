//! One manifest entry and its line: the JSON members, the MAC and the key it is made with
//! (docs/schema.md, "Manifest and `cdflow verify`").
//!
//! A line is `J` with its closing `}` replaced by `,"mac":"<64 hex>"}`, where `J` is the entry without
//! `mac` as compact JSON, and `mac` = HMAC-SHA256(manifest key, `J`). So the MAC covers the exact bytes
//! of the line (minus its own member): checking it needs no JSON canonicalization, only cutting the
//! fixed-length tail off.

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::enrich::keyhash::KEY_LEN;

type HmacSha256 = Hmac<Sha256>;

/// Message of the key derivation: manifest key = HMAC-SHA256(deployment secret, this).
pub const KEY_DERIVATION_LABEL: &[u8] = b"cdflow manifest v1";
/// `prev_mac` of the first entry of a manifest.
pub const FIRST_PREV_MAC: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Length of a MAC and of a SHA-256 in hex.
pub const HEX_LEN: usize = 64;
/// What follows `J` minus its `}` on every line: `,"mac":"` + 64 hex + `"}`.
const MAC_MEMBER_PREFIX: &str = ",\"mac\":\"";
const MAC_MEMBER_LEN: usize = MAC_MEMBER_PREFIX.len() + HEX_LEN + 2;

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A lineage file was renamed into place.
    Added,
    /// A lineage file was (about to be) deleted.
    Removed,
    /// A writer found an incomplete last line (torn write) and cut it off before appending.
    Repaired,
}

/// Why a file was removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemovalReason {
    /// Older than `retention_hours`.
    Retention,
    /// Deleted to make room (`on_full = delete_oldest`).
    DeleteOldest,
}

impl RemovalReason {
    /// The name written in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            RemovalReason::Retention => "retention",
            RemovalReason::DeleteOldest => "delete_oldest",
        }
    }
}

/// One manifest entry. Members are written in this order; absent values are `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Format version ([`FORMAT_VERSION`]).
    pub v: u64,
    /// 1, 2, 3, … without gaps within one manifest.
    pub seq: u64,
    /// The node (as in the manifest's file name).
    pub node: String,
    /// What the entry records.
    pub kind: EntryKind,
    /// `added`, `removed`: the file, relative to the lineage root, `/`-separated.
    pub path: Option<String>,
    /// `removed`: why.
    pub reason: Option<RemovalReason>,
    /// `added`: SHA-256 of the file (lowercase hex); `repaired`: of the bytes cut off.
    pub sha256: Option<String>,
    /// `added`: size of the file in bytes; `repaired`: bytes cut off.
    pub size: Option<u64>,
    /// `added`: rows in the file.
    pub rows: Option<u64>,
    /// `added`: smallest event time in the file (µs since the epoch, UTC), when known.
    pub min_event_time_us: Option<i64>,
    /// `added`: largest event time in the file, when known.
    pub max_event_time_us: Option<i64>,
    /// When the entry was appended (µs since the epoch, UTC).
    pub recorded_at_us: i64,
    /// MAC of the entry before (64 zeros for the first).
    pub prev_mac: String,
    /// HMAC-SHA256 of the line without this member (lowercase hex).
    #[serde(skip)]
    pub mac: String,
}

/// The key that MACs manifest lines, derived from the 16-byte deployment secret.
#[derive(Clone)]
pub struct ManifestKey([u8; 32]);

impl std::fmt::Debug for ManifestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ManifestKey(<secret>)")
    }
}

impl ManifestKey {
    /// HMAC-SHA256(secret, [`KEY_DERIVATION_LABEL`]): a key of its own, so a manifest MAC reveals
    /// nothing about the partition-key hash and the other way round.
    pub fn derive(secret: &[u8; KEY_LEN]) -> Self {
        ManifestKey(hmac_sha256(secret, KEY_DERIVATION_LABEL))
    }

    /// HMAC-SHA256 of `message` under this key, lowercase hex.
    pub fn mac_hex(&self, message: &[u8]) -> String {
        hex::encode(hmac_sha256(&self.0, message))
    }

    /// Whether `mac_hex` is the MAC of `message` (compared in constant time).
    fn verifies(&self, message: &[u8], mac_hex: &str) -> bool {
        let Ok(expected) = hex::decode(mac_hex) else {
            return false;
        };
        new_hmac(&self.0)
            .chain_update(message)
            .verify_slice(&expected)
            .is_ok()
    }
}

/// HMAC-SHA256 with a key of at most 64 bytes (the block size).
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    new_hmac(key)
        .chain_update(message)
        .finalize()
        .into_bytes()
        .into()
}

/// HMAC zero-pads keys shorter than its 64-byte block (RFC 2104), so padding here is the same
/// function and leaves no error path; keys here are 16 or 32 bytes.
fn new_hmac(key: &[u8]) -> HmacSha256 {
    let mut block = [0u8; 64];
    let len = key.len().min(block.len());
    block[..len].copy_from_slice(&key[..len]);
    HmacSha256::new(&block.into())
}

impl Entry {
    /// The manifest line of this entry (with the newline), MACed with `key`; sets `self.mac`.
    pub(crate) fn seal(&mut self, key: &ManifestKey) -> String {
        // Serializing a struct of strings and numbers cannot fail.
        let body = serde_json::to_string(&*self).unwrap_or_default();
        self.mac = key.mac_hex(body.as_bytes());
        let open = &body[..body.len().saturating_sub(1)];
        format!("{open}{MAC_MEMBER_PREFIX}{}\"}}\n", self.mac)
    }
}

/// A line that could be split into body and MAC.
pub(crate) struct OpenedLine {
    /// The entry (its `mac` set from the line), or why the body is not one.
    pub entry: Result<Entry, String>,
    /// Whether the MAC matches the body under the key.
    pub mac_ok: bool,
}

/// Splits a line (without its newline) into the entry and checks its MAC; `Err` when the line does
/// not even end in a MAC member.
pub(crate) fn open_line(key: &ManifestKey, line: &[u8]) -> Result<OpenedLine, String> {
    if line.len() < MAC_MEMBER_LEN + 1 || !line.starts_with(b"{") || !line.ends_with(b"\"}") {
        return Err(format!(
            "{} bytes that do not end in a \"mac\" member",
            line.len()
        ));
    }
    let split = line.len() - MAC_MEMBER_LEN;
    let (open, tail) = line.split_at(split);
    let Some(mac) = tail
        .strip_prefix(MAC_MEMBER_PREFIX.as_bytes())
        .and_then(|rest| rest.strip_suffix(b"\"}"))
        .and_then(|hex| std::str::from_utf8(hex).ok())
        .filter(|hex| {
            hex.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
    else {
        return Err("the line does not end in a \"mac\" member of 64 lowercase hex digits".into());
    };
    let mut body = Vec::with_capacity(open.len() + 1);
    body.extend_from_slice(open);
    body.push(b'}');
    let mac_ok = key.verifies(&body, mac);
    let entry = serde_json::from_slice::<Entry>(&body)
        .map_err(|error| error.to_string())
        .map(|mut entry| {
            entry.mac = mac.to_owned();
            entry
        });
    Ok(OpenedLine { entry, mac_ok })
}

impl Entry {
    /// Whether the members a kind needs are there and the others absent (`None` when so).
    pub(crate) fn shape_error(&self) -> Option<String> {
        let hex64 = |value: &Option<String>| {
            value.as_deref().is_some_and(|hex| {
                hex.len() == HEX_LEN
                    && hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            })
        };
        let bad = |what: &str| Some(format!("a {} entry {what}", kind_name(self.kind)));
        if !hex64(&Some(self.prev_mac.clone())) {
            return Some("prev_mac is not 64 lowercase hex digits".into());
        }
        match self.kind {
            EntryKind::Added => {
                if self.path.is_none() || self.reason.is_some() {
                    return bad("needs a path and no reason");
                }
                if !hex64(&self.sha256) || self.size.is_none() || self.rows.is_none() {
                    return bad("needs sha256 (64 hex digits), size and rows");
                }
            }
            EntryKind::Removed => {
                if self.path.is_none() || self.reason.is_none() {
                    return bad("needs a path and a reason");
                }
            }
            EntryKind::Repaired => {
                if self.path.is_some() || !hex64(&self.sha256) || self.size.is_none() {
                    return bad("needs sha256 and size of the bytes cut off, and no path");
                }
            }
        }
        if let Some(path) = &self.path
            && let Err(why) = super::files::check_relative(path)
        {
            return Some(format!("path {path:?}: {why}"));
        }
        None
    }
}

fn kind_name(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Added => "added",
        EntryKind::Removed => "removed",
        EntryKind::Repaired => "repaired",
    }
}

/// The `v` member of a line that ends in a MAC member, if it has one.
pub(crate) fn version_of(line: &[u8]) -> Option<u64> {
    #[derive(Deserialize)]
    struct Version {
        v: u64,
    }
    let end = line.len().checked_sub(MAC_MEMBER_LEN)?;
    let mut body = line[..end].to_vec();
    body.push(b'}');
    serde_json::from_slice::<Version>(&body)
        .ok()
        .map(|version| version.v)
}

#[cfg(test)]
mod tests {
    use super::super::FORMAT_VERSION;
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_test_case_1_and_2() {
        assert_eq!(
            hex::encode(hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    fn entry() -> Entry {
        Entry {
            v: FORMAT_VERSION,
            seq: 1,
            node: "10.0.0.1".into(),
            kind: EntryKind::Added,
            path: Some("events/node=10.0.0.1/date=2026-11-25/part-1.parquet".into()),
            reason: None,
            sha256: Some("ab".repeat(32)),
            size: Some(1234),
            rows: Some(10),
            min_event_time_us: Some(5),
            max_event_time_us: None,
            recorded_at_us: 7,
            prev_mac: FIRST_PREV_MAC.into(),
            mac: String::new(),
        }
    }

    #[test]
    fn a_line_is_the_json_without_mac_plus_the_mac_member() {
        let key = ManifestKey::derive(&[7; KEY_LEN]);
        let mut sealed = entry();
        let line = sealed.seal(&key);
        let body = concat!(
            r#"{"v":1,"seq":1,"node":"10.0.0.1","kind":"added","#,
            r#""path":"events/node=10.0.0.1/date=2026-11-25/part-1.parquet","reason":null,"#,
            r#""sha256":"abababababababababababababababababababababababababababababababab","#,
            r#""size":1234,"rows":10,"min_event_time_us":5,"max_event_time_us":null,"#,
            r#""recorded_at_us":7,"#,
            r#""prev_mac":"0000000000000000000000000000000000000000000000000000000000000000"}"#
        );
        assert_eq!(sealed.mac, key.mac_hex(body.as_bytes()));
        assert_eq!(
            line,
            format!("{},\"mac\":\"{}\"}}\n", &body[..body.len() - 1], sealed.mac)
        );
        let opened = open_line(&key, line.trim_end().as_bytes()).unwrap();
        assert!(opened.mac_ok);
        assert_eq!(opened.entry.unwrap(), sealed);
        assert_eq!(sealed.shape_error(), None);

        let other = ManifestKey::derive(&[8; KEY_LEN]);
        assert!(
            !open_line(&other, line.trim_end().as_bytes())
                .unwrap()
                .mac_ok
        );
        let altered = line.replace("\"rows\":10", "\"rows\":11");
        assert!(
            !open_line(&key, altered.trim_end().as_bytes())
                .unwrap()
                .mac_ok
        );
    }

    /// docs/schema.md lists every member of a line, in the order written, and the derivation label.
    #[test]
    fn the_schema_doc_lists_the_members_in_order() {
        let doc =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/schema.md"))
                .unwrap();
        let section = doc.split("## Manifest and `cdflow verify`").nth(1).unwrap();
        let documented: Vec<&str> = section
            .lines()
            .skip_while(|line| !line.starts_with("| member |"))
            .skip(2)
            .take_while(|line| line.starts_with("| `"))
            .flat_map(|line| {
                let cell = line.split(" | ").next().unwrap();
                cell.split('`').skip(1).step_by(2).collect::<Vec<_>>()
            })
            .collect();
        let line = entry().seal(&ManifestKey::derive(&[1; KEY_LEN]));
        let written: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&line).unwrap();
        assert_eq!(documented.len(), written.len(), "{documented:?}");
        let positions: Vec<usize> = documented
            .iter()
            .map(|member| line.find(&format!("\"{member}\":")).unwrap())
            .collect();
        assert!(positions.is_sorted(), "{documented:?} vs {line}");
        let prose = section.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(prose.contains(&format!(
            "message = `{}`",
            std::str::from_utf8(KEY_DERIVATION_LABEL).unwrap()
        )));
        assert!(prose.contains(&format!("its last {MAC_MEMBER_LEN} bytes are")));
    }

    #[test]
    fn the_manifest_key_is_derived_not_the_secret() {
        let secret = [3u8; KEY_LEN];
        let key = ManifestKey::derive(&secret);
        assert_eq!(key.0, hmac_sha256(&secret, b"cdflow manifest v1"));
        assert_ne!(&key.0[..KEY_LEN], &secret[..]);
    }
}
