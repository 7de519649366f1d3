//! The wire decoder on arbitrary bytes, against a fresh string table: never panics, every property of
//! `cdflow_fuzz::check_decoded` holds, the reusing variant decodes exactly the same (even from vectors
//! recycled from another batch), and a second pass over the same table keeps every event of the first.
#![no_main]

use cdflow_core::decode::fields::MAX_SPARE_VECTORS;
use cdflow_core::decode::strings::StringTable;
use cdflow_core::decode::wire::{DecodeScratch, decode_batch, decode_batch_reusing};
use cdflow_fuzz::check_decoded;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let strings = StringTable::new();
    let decoded = decode_batch(data, &strings);
    check_decoded(data, &decoded, &strings, true);

    // The reusing variant, from a scratch warmed by the same bytes decoded into another table.
    let mut scratch = DecodeScratch::default();
    decode_batch_reusing(data, &StringTable::new(), &mut scratch).recycle(&mut scratch);
    assert!(scratch.spare_field_vectors() <= MAX_SPARE_VECTORS);
    let other = StringTable::new();
    let reused = decode_batch_reusing(data, &other, &mut scratch);
    assert_eq!(reused, decoded);
    assert_eq!(other.len(), strings.len());

    // Again into the same table: its definitions are identical redefinitions now, so every record
    // that was kept is kept again, and ids defined later in the batch now resolve for earlier events.
    let again = decode_batch(data, &strings);
    check_decoded(data, &again, &strings, false);
    assert_eq!(again.string_defs, decoded.string_defs);
    assert_eq!(again.skipped_records, decoded.skipped_records);
    assert!(again.events.len() >= decoded.events.len());
    assert!(again.rejected_records() <= decoded.rejected_records());
    assert_eq!(strings.len(), other.len());
});
