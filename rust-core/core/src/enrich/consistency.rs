//! Cassandra consistency-level codes (native protocol) → the names written to the `consistency` column.
//!
//! Invariants: 255 ("unknown", sent on replicas) maps to `None` (NULL); codes 0..=11 map to Cassandra's
//! names; any other code (a newer Cassandra, or an I64 field outside 0..=255) is kept visible as
//! `CODE_<n>` rather than lost.

use std::borrow::Cow;

/// The wire value meaning "unknown consistency".
pub const UNKNOWN: u8 = 255;

const NAMES: [&str; 12] = [
    "ANY",
    "ONE",
    "TWO",
    "THREE",
    "QUORUM",
    "ALL",
    "LOCAL_QUORUM",
    "EACH_QUORUM",
    "SERIAL",
    "LOCAL_SERIAL",
    "LOCAL_ONE",
    "NODE_LOCAL",
];

/// The column value for a consistency code (`None` = NULL).
pub fn consistency_name(code: u8) -> Option<Cow<'static, str>> {
    if code == UNKNOWN {
        return None;
    }
    Some(match NAMES.get(usize::from(code)) {
        Some(name) => Cow::Borrowed(*name),
        None => Cow::Owned(format!("CODE_{code}")),
    })
}

/// The column value for a consistency code sent as an I64 field (field 11), mapped like the fixed
/// event's byte.
pub fn consistency_name_of(code: i64) -> Option<Cow<'static, str>> {
    match u8::try_from(code) {
        Ok(byte) => consistency_name(byte),
        Err(_) => Some(Cow::Owned(format!("CODE_{code}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(consistency_name(0).as_deref(), Some("ANY"));
        assert_eq!(consistency_name(4).as_deref(), Some("QUORUM"));
        assert_eq!(consistency_name(6).as_deref(), Some("LOCAL_QUORUM"));
        assert_eq!(consistency_name(11).as_deref(), Some("NODE_LOCAL"));
        assert_eq!(consistency_name(12).as_deref(), Some("CODE_12"));
        assert_eq!(consistency_name(255), None);
        assert_eq!(consistency_name_of(10).as_deref(), Some("LOCAL_ONE"));
        assert_eq!(consistency_name_of(255), None);
        assert_eq!(consistency_name_of(-1).as_deref(), Some("CODE_-1"));
        assert_eq!(consistency_name_of(300).as_deref(), Some("CODE_300"));
    }
}
