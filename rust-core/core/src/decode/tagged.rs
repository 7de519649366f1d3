//! TAGGED_EVENT (0x03) payloads: `table u8` then fields to the end of the payload
//! (docs/wire-format.md, "Tagged records and extensions").
//!
//! Invariants: a returned [`TaggedEvent`] names a known table, carries `event_time_us` (field 1), and
//! holds only fields that table accepts, each valid (see [`crate::decode::fields`]); anything else is a
//! [`WireProblem`] that rejects this record only.

use crate::decode::fields::{FieldValue, Fields, SpareFields, decode_fields_reusing, id};
use crate::decode::strings::StringsView;
use crate::decode::wire::WireProblem;
use crate::tables::LineageTable;

/// One decoded TAGGED_EVENT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaggedEvent<'a> {
    /// The table its row goes to.
    pub table: LineageTable,
    /// Field 1: microseconds since the Unix epoch, UTC.
    pub event_time_us: i64,
    /// Every accepted field (field 1 included), in wire order.
    pub fields: Fields<'a>,
}

impl<'a> TaggedEvent<'a> {
    /// The value of field `field`, if sent.
    #[inline]
    pub fn field(&self, field: u8) -> Option<FieldValue<'a>> {
        self.fields.get(field)
    }

    /// An event of no field (stands in where a value of the type is needed but never read).
    pub(crate) fn placeholder() -> Self {
        TaggedEvent {
            table: LineageTable::Flushes,
            event_time_us: 0,
            fields: Fields::default(),
        }
    }

    /// String id of the observing node (field 2), 0 when absent.
    pub fn node(&self) -> u32 {
        self.field(id::NODE)
            .and_then(FieldValue::as_string_id)
            .unwrap_or(0)
    }
}

/// Decodes a TAGGED_EVENT payload, its fields into a vector of `spare`; returns the event and the
/// number of fields skipped.
pub fn decode_tagged<'a>(
    payload: &'a [u8],
    strings: &StringsView<'_>,
    spare: &mut SpareFields,
) -> Result<(TaggedEvent<'a>, u64), WireProblem> {
    let Some((&code, rest)) = payload.split_first() else {
        return Err(WireProblem::TaggedTooShort);
    };
    let table = LineageTable::from_code(code).ok_or(WireProblem::UnknownTable { table: code })?;
    let decoded = decode_fields_reusing(rest, table.accepted_fields(), strings, spare)?;
    let event_time_us = decoded
        .fields
        .get(id::EVENT_TIME)
        .and_then(FieldValue::as_i64)
        .ok_or(WireProblem::MissingEventTime {
            table: table.name(),
        })?;
    Ok((
        TaggedEvent {
            table,
            event_time_us,
            fields: decoded.fields,
        },
        decoded.skipped,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::strings::StringTable;

    #[test]
    fn decodes_table_time_and_fields() {
        let strings = StringTable::new();
        strings.define(1, "n1").unwrap();
        let mut payload = vec![2, id::EVENT_TIME, 1];
        payload.extend_from_slice(&42i64.to_le_bytes());
        payload.extend_from_slice(&[id::NODE, 2, 1, 0, 0, 0]);
        payload.extend_from_slice(&[id::ROWS, 1, 0, 0, 0, 0, 0, 0, 0, 0]); // not a flushes column
        let (event, skipped) =
            decode_tagged(&payload, &strings.read(), &mut SpareFields::default()).unwrap();
        assert_eq!(event.table, LineageTable::Flushes);
        assert_eq!(event.event_time_us, 42);
        assert_eq!(event.node(), 1);
        assert_eq!(event.fields.len(), 2);
        assert_eq!(skipped, 1);
    }

    #[test]
    fn rejects_empty_unknown_table_and_missing_time() {
        let strings = StringTable::new();
        let view = strings.read();
        let message =
            |payload: &[u8]| match decode_tagged(payload, &view, &mut SpareFields::default()) {
                Err(problem) => problem.to_string(),
                Ok(_) => String::new(),
            };
        assert_eq!(message(&[]), "TAGGED_EVENT length 0 < 1");
        assert_eq!(message(&[9]), "TAGGED_EVENT: unknown table 9");
        assert_eq!(message(&[0]), "TAGGED_EVENT: unknown table 0");
        assert_eq!(
            message(&[5]),
            "TAGGED_EVENT for auth_events: event_time_us (field 1) is missing"
        );
    }
}
