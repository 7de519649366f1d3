//! What the fuzz targets share: how an input is cut into what the core receives, and the properties a
//! decoded batch must have whatever the bytes (module doc of `cdflow_core::decode::wire`).
//!
//! A failed `assert!` is a finding: libFuzzer stops, saves the input under `fuzz/artifacts/<target>/`.

use cdflow_core::error::is_unprintable;
use cdflow_core::decode::fields::{FieldValue, Fields, registered_type};
use cdflow_core::decode::strings::{StringTable, StringsView};
use cdflow_core::tables::MUTATION_EXTENSION_FIELDS;
use cdflow_core::decode::wire::{
    BATCH_HEADER_LEN, DecodedBatch, Event, KNOWN_FLAGS, Location, MAGIC, RECORD_HEADER_LEN,
    RejectionScope, WireProblem,
};

/// Splits a `wire_rows` input into the batch the agent passes to `define` and the batch it passes to
/// `submit`: the second batch starts at the first `CDF1` after byte 0 (the seeds are two real batches
/// back to back, see seed.py); without one, nothing is defined first.
pub fn split_define_events(data: &[u8]) -> (&[u8], &[u8]) {
    let second = data
        .get(1..)
        .and_then(|rest| rest.windows(MAGIC.len()).position(|window| window == MAGIC))
        .map(|at| at + 1);
    match second {
        Some(at) => data.split_at(at),
        None => (&[], data),
    }
}

/// The `(key, value)` pairs of a `core_options` input: NUL-separated strings, alternately key and value
/// (the `String[] options` the agent passes to `start`); a last key without value gets "".
pub fn option_pairs(data: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(data);
    let mut items = text.split('\0').map(str::to_owned);
    let mut pairs = Vec::new();
    while let Some(key) = items.next() {
        pairs.push((key, items.next().unwrap_or_default()));
    }
    pairs
}

/// Lines of a text as YAML counts them: the core's one definition, which error locations are clamped to.
pub use cdflow_core::yaml::line_count;

/// Asserts every property of `decoded`, the result of decoding `batch` into `strings`. `fresh`: the table
/// was empty before this batch.
pub fn check_decoded(batch: &[u8], decoded: &DecodedBatch<'_>, strings: &StringTable, fresh: bool) {
    let framed = check_errors(batch, decoded);
    // Every framed record ends in exactly one outcome.
    let outcomes = decoded.events.len() as u64
        + decoded.rejected_records() as u64
        + decoded.string_defs
        + decoded.skipped_records;
    assert_eq!(outcomes, framed, "records framed vs outcomes: {decoded:?}");
    let room = batch.len().saturating_sub(BATCH_HEADER_LEN) as u64;
    assert!(
        framed * RECORD_HEADER_LEN as u64 <= room,
        "{framed} records in {room} bytes"
    );
    // A skipped field takes at least its id and type bytes.
    assert!(decoded.skipped_fields * 2 <= room);
    if fresh {
        assert!(strings.len() as u64 <= decoded.string_defs);
    }
    let view = strings.read();
    for event in &decoded.events {
        check_event(batch, event, &view);
    }
}

/// Checks locations, order and scopes of the errors; returns how many records were framed.
fn check_errors(batch: &[u8], decoded: &DecodedBatch<'_>) -> u64 {
    let record_count = batch
        .get(4..8)
        .map(|count| u32::from_le_bytes([count[0], count[1], count[2], count[3]]));
    let mut framed = record_count.map_or(0, u64::from);
    let mut previous: Option<(u32, usize)> = None;
    for (position, error) in decoded.errors.iter().enumerate() {
        let message = error.to_string();
        assert!(
            !message.contains(is_unprintable),
            "unprintable error: {message:?}"
        );
        let last = position + 1 == decoded.errors.len();
        match (error.location, error.scope()) {
            (Location::Batch, RejectionScope::WholeBatch) => {
                assert!(decoded.errors.len() == 1 && decoded.events.is_empty());
                framed = 0;
            }
            (Location::Record { index, offset }, scope) => {
                assert!(
                    message.starts_with(&format!("record {index} at byte {offset}: ")),
                    "{message}"
                );
                assert!(u64::from(index) < record_count.map_or(0, u64::from));
                assert!(
                    offset >= BATCH_HEADER_LEN && offset <= batch.len(),
                    "{message}"
                );
                if let Some((before, before_offset)) = previous {
                    assert!(index > before && offset > before_offset, "{message}");
                }
                previous = Some((index, offset));
                match scope {
                    RejectionScope::Record => {
                        assert!(offset + RECORD_HEADER_LEN <= batch.len(), "{message}")
                    }
                    RejectionScope::RestOfBatch => {
                        assert!(last, "errors after a framing error: {message}");
                        framed = u64::from(index);
                        check_framing(batch.len() - offset, &error.problem, &message);
                    }
                    RejectionScope::WholeBatch => {
                        panic!("whole-batch problem in a record: {message}")
                    }
                }
            }
            (Location::AfterRecords { offset }, RejectionScope::RestOfBatch) => {
                assert!(last, "{message}");
                assert!(
                    message.starts_with(&format!("at byte {offset}: ")),
                    "{message}"
                );
                let WireProblem::TrailingBytes { count } = error.problem else {
                    panic!("{message}");
                };
                assert!(count > 0 && offset + count == batch.len(), "{message}");
            }
            (location, scope) => panic!("{scope:?} problem at {location:?}: {message}"),
        }
    }
    framed
}

/// A framing problem at a record header with `left` bytes from the header on.
fn check_framing(left: usize, problem: &WireProblem, message: &str) {
    match *problem {
        WireProblem::TruncatedHeader { available } => {
            assert!(
                available == left && available < RECORD_HEADER_LEN,
                "{message}"
            )
        }
        WireProblem::PayloadPastEnd { length, available } => {
            assert!(
                available + RECORD_HEADER_LEN == left && available < length,
                "{message}"
            )
        }
        _ => panic!("not a framing problem: {message}"),
    }
}

/// A decoded event is fully valid and borrows from `batch`.
fn check_event(batch: &[u8], event: &Event<'_>, strings: &StringsView<'_>) {
    match event {
        Event::Mutation(mutation) => {
            assert_eq!(mutation.flags & !KNOWN_FLAGS, 0);
            for (field, id) in mutation.string_ids() {
                assert!(id == 0 || strings.contains(id), "{field} {id}");
            }
            assert!(borrows_from(batch, mutation.key));
            check_fields(batch, &mutation.extension, strings, |field| {
                MUTATION_EXTENSION_FIELDS.contains(field)
            });
        }
        Event::Tagged(tagged) => {
            assert_eq!(
                tagged.fields.get(1).and_then(FieldValue::as_i64),
                Some(tagged.event_time_us)
            );
            let accepted = tagged.table.accepted_fields();
            check_fields(batch, &tagged.fields, strings, |field| {
                accepted.contains(field)
            });
        }
    }
}

fn check_fields(
    batch: &[u8],
    fields: &Fields<'_>,
    strings: &StringsView<'_>,
    accepted: impl Fn(u8) -> bool,
) {
    for (field, value) in fields.iter() {
        assert!(accepted(field), "field {field} kept but not accepted");
        assert_eq!(
            registered_type(field),
            Some(value.field_type()),
            "field {field}"
        );
        match value {
            FieldValue::Str(id) => assert!(id == 0 || strings.contains(id), "field {field}"),
            FieldValue::Bytes(bytes) => assert!(borrows_from(batch, bytes)),
            FieldValue::Text(text) => assert!(borrows_from(batch, text.as_bytes())),
            FieldValue::TextList(list) => {
                let items: Vec<&str> = list.iter().collect();
                assert_eq!(items.len(), list.len(), "field {field}");
                assert!(
                    items
                        .iter()
                        .all(|item| borrows_from(batch, item.as_bytes()))
                );
            }
            FieldValue::I64(_) | FieldValue::Bool(_) => {}
        }
    }
}

/// True if `part` lies inside `batch` (an empty slice may point anywhere).
fn borrows_from(batch: &[u8], part: &[u8]) -> bool {
    let range = batch.as_ptr_range();
    part.is_empty() || (range.start <= part.as_ptr() && part.as_ptr_range().end <= range.end)
}
