//! `cdflow recover` on a journal a crashed run left: built with the core's own journal format, the
//! batches are the shared wire vectors (tests/vectors/wire-v1.json).

mod common;

use std::fs;
use std::path::Path;

use cdflow_core::journal::instance::JournalDir;
use cdflow_core::journal::segment::{RecordBuffer, SegmentHeader, encode_header};
use common::{TempDir, cdflow, text};

/// Batches of the wire vectors that hold events (their strings are defined inline), with their counts.
fn vector_batches() -> Vec<(Vec<u8>, u32)> {
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
fn crashed_journal(lineage: &Path, batches: &[(Vec<u8>, u32)]) {
    let options = vec![("output".to_owned(), lineage.to_string_lossy().into_owned())];
    let modes = cdflow_core::file_modes::FileModes::default();
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

#[test]
fn recover_turns_a_crashed_journal_into_recovered_parquet_once() {
    let dir = TempDir::new("recover");
    let lineage = dir.path().join("lineage");
    fs::create_dir_all(&lineage).unwrap();
    let key_file = dir.path().join("cdflow-key-hash.secret");
    fs::write(&key_file, [7u8; 16]).unwrap();
    fs::set_permissions(
        &key_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let batches = vector_batches();
    assert!(!batches.is_empty());
    crashed_journal(&lineage, &batches);

    let output = cdflow(&["recover", lineage.to_str().unwrap()]);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        text(&output.stderr)
    );
    let total: u32 = batches.iter().map(|(_, events)| events).sum();
    assert!(
        stdout.starts_with(&format!("recovered {total} rows in ")),
        "{stdout}"
    );
    assert!(
        stdout.contains("from 1 crashed run(s): 1 journal segments replayed"),
        "{stdout}"
    );
    assert!(
        !lineage.join("_journal").read_dir().unwrap().any(|_| true),
        "journal removed"
    );
    let files = common::parquet_files_below(&lineage);
    assert!(!files.is_empty());

    // Nothing left to do the second time.
    let again = cdflow(&["recover", lineage.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(0));
    assert!(text(&again.stdout).starts_with("recovered 0 rows in 0 files from 0 crashed run(s)"));
    assert_eq!(common::parquet_files_below(&lineage), files);
}

#[test]
fn recover_without_the_key_file_is_an_error_naming_it() {
    let dir = TempDir::new("recover-key");
    let lineage = dir.path().join("lineage");
    fs::create_dir_all(&lineage).unwrap();
    let output = cdflow(&["recover", lineage.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("cdflow-key-hash.secret"),
        "{}",
        text(&output.stderr)
    );
}
