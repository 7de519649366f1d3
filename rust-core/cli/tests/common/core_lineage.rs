//! Lineage written by the core's own writer: the shared wire vectors (tests/vectors/wire-v1.json) in a
//! journal a crashed run left, turned into Parquet by `cdflow recover`.

use std::fs;
use std::path::Path;

use cdflow_core::journal::instance::JournalDir;
use cdflow_core::journal::segment::{RecordBuffer, SegmentHeader, encode_header};

use super::{cdflow, text};

/// Batches of the wire vectors that hold events (their strings are defined inline), with their counts.
pub fn vector_batches() -> Vec<(Vec<u8>, u32)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/wire-v1.json");
    let cases: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    cases
        .as_array()
        .unwrap()
        .iter()
        .filter(|case| {
            case["events"]
                .as_array()
                .is_some_and(|events| !events.is_empty())
        })
        .filter(|case| {
            case["name"]
                .as_str()
                .is_some_and(|name| !name.contains("reject"))
        })
        .map(|case| {
            let hex = case["hex"].as_str().unwrap();
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            (bytes, case["events"].as_array().unwrap().len() as u32)
        })
        .collect()
}

/// A journal directory as a run that died leaves it: a segment, no commit, the lock released.
pub fn crashed_journal(lineage: &Path, batches: &[(Vec<u8>, u32)]) {
    let options = vec![("output".to_owned(), lineage.to_string_lossy().into_owned())];
    let modes = cdflow_core::sink::file_modes::FileModes::default();
    let journal = JournalDir::create(lineage, &options, 1, &modes).unwrap();
    let mut bytes = encode_header(SegmentHeader {
        number: 1,
        created_us: 1,
    })
    .to_vec();
    let mut record = RecordBuffer::default();
    for (batch, events) in batches {
        bytes.extend_from_slice(record.batch(*events, batch));
    }
    fs::write(journal.segment_path(1), bytes).unwrap();
    drop(journal); // the process "dies": the lock is released
}

/// The key file `cdflow recover` looks for next to the lineage directory (0600).
pub fn write_key_file(dir: &Path) {
    let key_file = dir.join("cdflow-key-hash.secret");
    fs::write(&key_file, [7u8; 16]).unwrap();
    fs::set_permissions(
        &key_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
}

/// `<dir>/lineage` holding every event of the valid wire vectors, written by the core (`cdflow recover`).
pub fn vector_lineage(dir: &Path) -> std::path::PathBuf {
    let lineage = dir.join("lineage");
    fs::create_dir_all(&lineage).unwrap();
    write_key_file(dir);
    crashed_journal(&lineage, &vector_batches());
    let output = cdflow(&["recover", lineage.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    lineage
}
