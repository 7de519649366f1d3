//! The journal reader on arbitrary bytes (what recovery reads after a crash, a power loss or tampering):
//! never panics; every record it returns re-encodes to exactly the bytes it was read from, so nothing is
//! invented or altered; a torn or corrupt tail is reported at an offset inside the segment and nothing after
//! it is returned; and the records replay (strings defined, batches decoded) without a panic.
#![no_main]

use cdflow_core::journal::segment::{
    Record, RecordBuffer, SEGMENT_HEADER_BYTES, SegmentBytes, TailError, encode_header,
};
use cdflow_core::decode::strings::StringTable;
use cdflow_core::decode::wire::decode_batch;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let segment = SegmentBytes::from_bytes("fuzz.cdj", data.to_vec());
    let Ok(read) = segment.records() else {
        return; // not a segment: named as such, nothing replayed
    };
    // Whole records re-encode to the exact bytes they came from, in order, up to the tail.
    let mut rebuilt = encode_header(read.header).to_vec();
    let mut buffer = RecordBuffer::default();
    for record in &read.records {
        let bytes = match record {
            Record::Strings(definitions) => buffer.strings(definitions.iter().copied()),
            Record::Batch { event_count, bytes } => buffer.batch(*event_count, bytes),
            Record::Counters(counters) => buffer.counters(counters),
        };
        rebuilt.extend_from_slice(bytes);
    }
    assert_eq!(&data[..rebuilt.len()], rebuilt.as_slice());
    match &read.tail {
        None => assert_eq!(rebuilt.len(), data.len()),
        Some(
            TailError::Truncated { offset, .. }
            | TailError::Checksum { offset, .. }
            | TailError::Malformed { offset, .. },
        ) => {
            assert_eq!(*offset, rebuilt.len());
            assert!(*offset >= SEGMENT_HEADER_BYTES && *offset < data.len());
        }
    }
    // Replay as recovery does.
    let strings = StringTable::new();
    for record in &read.records {
        match record {
            Record::Strings(definitions) => {
                for (id, text) in definitions {
                    let _ = strings.define(*id, text);
                }
            }
            Record::Batch { bytes, .. } => {
                let _ = decode_batch(bytes, &strings);
            }
            Record::Counters(_) => {}
        }
    }
});
