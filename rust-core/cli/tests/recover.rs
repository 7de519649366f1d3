//! `cdflow recover` on a journal a crashed run left: built with the core's own journal format, the
//! batches are the shared wire vectors (tests/vectors/wire-v1.json).

mod common;

use std::fs;

use common::core_lineage::{crashed_journal, vector_batches, write_key_file};
use common::{TempDir, cdflow, text};

#[test]
fn recover_turns_a_crashed_journal_into_recovered_parquet_once() {
    let dir = TempDir::new("recover");
    let lineage = dir.path().join("lineage");
    fs::create_dir_all(&lineage).unwrap();
    write_key_file(dir.path());
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
