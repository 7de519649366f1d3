//! The decoder against every case of tests/vectors/wire-v1.json: valid cases decode to exactly their
//! events (every field, string ids resolved to the case's texts; extension and tagged fields exactly as
//! listed, minus the ids that are skipped and counted), invalid ones to the documented error.

use cdflow_core::decode::fields::{FieldSet, FieldValue, Fields, registered_type};
use cdflow_core::decode::strings::StringTable;
use cdflow_core::decode::wire::{Event, MutationEvent, TaggedEvent, decode_batch};
use cdflow_core::tables::MUTATION_EXTENSION_FIELDS;

use crate::support::{Case, VectorEvent, VectorField, VectorRecord, load_cases, to_hex};

#[test]
fn the_vectors_cover_valid_and_invalid_batches() {
    let cases = load_cases();
    assert!(cases.iter().filter(|case| case.error.is_none()).count() >= 9);
    assert!(cases.iter().filter(|case| case.error.is_some()).count() >= 14);
    let tagged: Vec<&str> = cases
        .iter()
        .flat_map(|case| &case.events)
        .filter_map(|event| match event {
            VectorRecord::Tagged(tagged) => Some(tagged.tagged.as_str()),
            VectorRecord::Mutation(_) => None,
        })
        .collect();
    for table in [
        "events",
        "flushes",
        "compactions",
        "sstables",
        "auth_events",
    ] {
        assert!(tagged.contains(&table), "no tagged {table} vector");
    }
}

#[test]
fn every_valid_case_decodes_to_its_events() {
    for case in load_cases().iter().filter(|case| case.error.is_none()) {
        let strings = StringTable::new();
        let bytes = case.bytes();
        let decoded = decode_batch(&bytes, &strings);
        assert_eq!(decoded.errors, vec![], "{}", case.name);
        assert_eq!(decoded.skipped_records, 0, "{}", case.name);
        let mut skipped_fields = 0;
        assert_eq!(
            decoded.string_defs,
            case.strings.len() as u64,
            "{}",
            case.name
        );
        assert_eq!(decoded.events.len(), case.events.len(), "{}", case.name);
        for (id, text) in &case.strings {
            assert_eq!(
                strings.get(*id).as_deref(),
                Some(text.as_str()),
                "{}: id {id}",
                case.name
            );
        }
        for (index, (actual, expected)) in decoded.events.iter().zip(&case.events).enumerate() {
            let label = format!("{} event {index}", case.name);
            skipped_fields += match (actual, expected) {
                (Event::Mutation(actual), VectorRecord::Mutation(expected)) => {
                    assert_event(case, &label, actual, expected, &strings);
                    assert_fields(
                        case,
                        &label,
                        &actual.extension,
                        &expected.extension,
                        &MUTATION_EXTENSION_FIELDS,
                        &strings,
                    )
                }
                (Event::Tagged(actual), VectorRecord::Tagged(expected)) => {
                    assert_tagged(case, &label, actual, expected, &strings)
                }
                _ => panic!("{label}: decoded {actual:?}, expected {expected:?}"),
            };
        }
        assert_eq!(
            decoded.skipped_fields, skipped_fields,
            "{}: skipped_fields",
            case.name
        );
        if case.name.contains("unknown field id is skipped") {
            assert_eq!(decoded.skipped_fields, 1, "{}", case.name);
        }
    }
}

fn assert_tagged(
    case: &Case,
    label: &str,
    actual: &TaggedEvent<'_>,
    expected: &crate::support::VectorTagged,
    strings: &StringTable,
) -> u64 {
    assert_eq!(actual.table.name(), expected.tagged, "{label}: table");
    let time = expected
        .fields
        .iter()
        .find(|field| field.0 == 1)
        .and_then(|field| field.2.as_i64());
    assert_eq!(Some(actual.event_time_us), time, "{label}: event_time_us");
    assert_fields(
        case,
        label,
        &actual.fields,
        &expected.fields,
        actual.table.accepted_fields(),
        strings,
    )
}

/// Asserts that `actual` holds exactly the listed fields that are registered and accepted, in order,
/// each with the listed type and value; returns how many listed fields must have been skipped.
fn assert_fields(
    case: &Case,
    label: &str,
    actual: &Fields<'_>,
    listed: &[VectorField],
    accepted: &FieldSet,
    strings: &StringTable,
) -> u64 {
    let (kept, skipped): (Vec<&VectorField>, Vec<&VectorField>) = listed
        .iter()
        .partition(|field| registered_type(field.0).is_some() && accepted.contains(field.0));
    let actual: Vec<(u8, FieldValue<'_>)> = actual.iter().collect();
    assert_eq!(
        actual.len(),
        kept.len(),
        "{label}: fields {actual:?} vs listed {kept:?}"
    );
    for ((id, value), expected) in actual.iter().zip(kept) {
        let VectorField(expected_id, expected_type, expected_value) = expected;
        let what = format!("{label}: field {id}");
        assert_eq!(id, expected_id, "{what}");
        assert_eq!(value.field_type().code(), *expected_type, "{what}: type");
        match *value {
            FieldValue::I64(number) => assert_eq!(expected_value.as_i64(), Some(number), "{what}"),
            FieldValue::Str(string) => {
                assert_eq!(expected_value.as_u64(), Some(u64::from(string)), "{what}");
                let resolved = strings.read().get(string).map(str::to_owned);
                assert_eq!(resolved.as_deref(), case.text(string), "{what}: text");
            }
            FieldValue::Bool(flag) => assert_eq!(expected_value.as_bool(), Some(flag), "{what}"),
            FieldValue::Bytes(bytes) => {
                assert_eq!(
                    expected_value.as_str(),
                    Some(to_hex(bytes).as_str()),
                    "{what}"
                )
            }
            FieldValue::Text(text) => assert_eq!(expected_value.as_str(), Some(text), "{what}"),
            FieldValue::TextList(items) => {
                let expected: Vec<&str> = expected_value
                    .as_array()
                    .map(|items| items.iter().filter_map(|item| item.as_str()).collect())
                    .unwrap_or_default();
                assert_eq!(items.iter().collect::<Vec<_>>(), expected, "{what}");
            }
        }
    }
    skipped.len() as u64
}

fn assert_event(
    case: &Case,
    label: &str,
    actual: &MutationEvent<'_>,
    expected: &VectorEvent,
    strings: &StringTable,
) {
    assert_eq!(
        actual.event_time_us, expected.event_time_us,
        "{label}: event_time_us"
    );
    assert_eq!(actual.kind.name(), expected.kind, "{label}: kind");
    assert_eq!(
        actual.consistency, expected.consistency_code,
        "{label}: consistency"
    );
    assert_eq!(actual.flags, expected.flags, "{label}: flags");
    assert_eq!(actual.token, expected.token, "{label}: token");
    assert_eq!(
        actual.message_id, expected.message_id,
        "{label}: message_id"
    );
    assert_eq!(
        actual.latency_us, expected.latency_us,
        "{label}: latency_us"
    );
    assert_eq!(actual.bytes, expected.bytes, "{label}: bytes");
    assert_eq!(actual.rows, expected.rows, "{label}: rows");
    assert_eq!(actual.cells, expected.cells, "{label}: cells");
    assert_eq!(
        actual.tombstones, expected.tombstones,
        "{label}: tombstones"
    );
    assert_eq!(actual.ttl_cells, expected.ttl_cells, "{label}: ttl_cells");
    assert_eq!(actual.replicas, expected.replicas, "{label}: replicas");
    assert_eq!(to_hex(actual.key), expected.key_hex, "{label}: key");
    let expected_ids = [
        ("node", expected.node),
        ("keyspace", expected.keyspace),
        ("table", expected.table),
        ("user", expected.user),
        ("client_address", expected.client_address),
        ("driver_name", expected.driver_name),
        ("driver_version", expected.driver_version),
        ("statement_type", expected.statement_type),
        ("coordinator", expected.coordinator),
        ("error", expected.error),
    ];
    for ((field, actual_id), (expected_field, expected_id)) in
        actual.string_ids().into_iter().zip(expected_ids)
    {
        assert_eq!(field, expected_field);
        assert_eq!(actual_id, expected_id, "{label}: {field} id");
        let resolved = strings.read().get(actual_id).map(str::to_owned);
        assert_eq!(
            resolved.as_deref(),
            case.text(expected_id),
            "{label}: {field} text"
        );
    }
}

#[test]
fn every_invalid_case_is_rejected_with_its_message() {
    for case in load_cases().iter().filter(|case| case.error.is_some()) {
        let expected = case.error.as_deref().unwrap_or_default();
        let strings = StringTable::new();
        let bytes = case.bytes();
        let decoded = decode_batch(&bytes, &strings);
        let messages: Vec<String> = decoded.errors.iter().map(ToString::to_string).collect();
        assert!(
            messages.iter().any(|message| message.contains(expected)),
            "{}: expected an error containing {expected:?}, got {messages:?}",
            case.name
        );
        assert!(
            decoded.events.is_empty(),
            "{}: no event may survive",
            case.name
        );
    }
}

#[test]
fn record_errors_name_the_record_and_its_offset() {
    let case = load_cases()
        .into_iter()
        .find(|case| case.name == "event length does not match its key length");
    let case = case.expect("vector present");
    let bytes = case.bytes();
    let decoded = decode_batch(&bytes, &StringTable::new());
    assert_eq!(
        decoded
            .errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec!["record 1 at byte 16: MUTATION_EVENT length 104 != 100 + key_length 12".to_owned()]
    );
}

/// Quick decode throughput figure (printed with `--nocapture`; asserts nothing about speed).
#[test]
fn decode_throughput() {
    let case = load_cases()
        .into_iter()
        .find(|case| case.name == "coordinator, local and remote replica writes");
    let case = case.expect("vector present");
    let (bytes, events) = crate::support::repeated_batch(&case, 100);
    let strings = StringTable::new();
    let rounds = 2_000;
    let started = std::time::Instant::now();
    let mut decoded_events = 0;
    for _ in 0..rounds {
        decoded_events += decode_batch(&bytes, &strings).events.len();
    }
    let elapsed = started.elapsed();
    assert_eq!(decoded_events, events as usize * rounds);
    println!(
        "decode: {decoded_events} events in {elapsed:?} = {:.1} ns/event",
        elapsed.as_nanos() as f64 / decoded_events as f64
    );
}
