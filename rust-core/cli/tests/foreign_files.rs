//! Parquet files that are not lineage, the batchlog's own rows and filters that match nothing
//! (issue 13): a warning or an error naming the file, never a `?.?` table.

mod common;

use std::fs::File;
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use common::*;
use parquet::arrow::ArrowWriter;

const N1: &str = "10.0.0.1";
const N2: &str = "10.0.0.2";

/// Two writes and a read of `ks.t`, plus a batchlog entry stored and removed on N1 (rows without a
/// keyspace or table, docs/schema.md).
fn lineage(root: &TempDir) -> String {
    let lineage = root.path().join("lineage");
    let mut events = write_flow(
        T0,
        Some("app"),
        "10.1.1.1:4000",
        N1,
        &[N1, N2],
        ("ks", "t"),
        1,
    );
    events.extend(write_flow(
        T0 + 1000,
        Some("app"),
        "10.1.1.1:4000",
        N1,
        &[N1, N2],
        ("ks", "t"),
        2,
    ));
    events.extend(read_flow(T0 + 2000, "app", N1, N2, ("ks", "t"), 1));
    for kind in ["batchlog_store", "batchlog_remove"] {
        events.push(Event {
            time: T0 + 3000,
            node: N1,
            kind,
            keyspace: "",
            table: "",
            user: Some("app"),
            coordinator: Some(N1),
            applied_locally: Some(true),
            ..Event::default()
        });
    }
    write_events(&lineage, &events);
    lineage.display().to_string()
}

/// Writes a Parquet file that is not lineage (a price list) at `path`.
fn write_unrelated(path: &std::path::Path) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("sku", DataType::Utf8, false),
        Field::new("price_cents", DataType::Int64, false),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec!["a-1", "b-2"])),
        Arc::new(Int64Array::from(vec![199, 2500])),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let mut writer = ArrowWriter::try_new(File::create(path).unwrap(), schema, None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

#[test]
fn batchlog_rows_are_no_table() {
    let root = TempDir::new("batchlog");
    let lineage = lineage(&root);
    let output = cdflow(&["summary", &lineage]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(!stdout.contains("?.?"), "{stdout}");
    assert!(
        stdout.contains(
            "batchlog  2 rows without a keyspace or table (batchlog_store, batchlog_remove), in no table below"
        ),
        "{stdout}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&cdflow(&["summary", &lineage, "--format", "json"]).stdout).unwrap();
    assert_eq!(json["batchlog_rows"], 2);
    let tables: Vec<&str> = json["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|table| table["table"].as_str().unwrap())
        .collect();
    assert_eq!(tables, ["ks.t"]);
    assert_eq!(json["tables"][0]["writes"], 2);
    assert_eq!(json["tables"][0]["reads"], 1);
    let found = cdflow(&["antipatterns", &lineage, "--format", "json"]);
    assert!(
        !text(&found.stdout).contains("?.?"),
        "{}",
        text(&found.stdout)
    );
}

#[test]
fn unrelated_parquet_in_a_lineage_directory_is_skipped_with_a_warning() {
    let root = TempDir::new("unrelated");
    let lineage = lineage(&root);
    let before = cdflow(&["summary", &lineage]);
    let stray = part_path(
        root.path().join("lineage").as_path(),
        "events",
        N1,
        "prices.parquet",
    );
    write_unrelated(&stray);
    for command in ["summary", "antipatterns", "graph"] {
        let output = cdflow(&[command, &lineage]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        assert_eq!(
            text(&output.stderr),
            format!(
                "cdflow: warning: skipped {}: not cdflow lineage: events files have the column(s) kind, keyspace_name, table_name, this one has no kind, keyspace_name, table_name\n",
                stray.canonicalize().unwrap().display()
            ),
            "{command}"
        );
    }
    assert_eq!(
        text(&cdflow(&["summary", &lineage]).stdout),
        text(&before.stdout)
    );

    // Named on its own, the same file is an error.
    let named = cdflow(&["summary", &stray.display().to_string()]);
    assert_eq!(named.status.code(), Some(2));
    assert_eq!(
        text(&named.stderr),
        format!(
            "cdflow: {}: not cdflow lineage: events files have the column(s) kind, keyspace_name, table_name, this one has no kind, keyspace_name, table_name\n",
            stray.canonicalize().unwrap().display()
        )
    );
    // Outside any table directory, a file is told by its columns.
    let loose = root.path().join("loose.parquet");
    write_unrelated(&loose);
    let output = cdflow(&["summary", &loose.display().to_string()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("loose.parquet: not cdflow lineage (it is under no events/"),
        "{}",
        text(&output.stderr)
    );

    // A directory of nothing but unrelated Parquet is an error naming a file.
    let only = root.path().join("only");
    let file = part_path(&only, "events", N1, "prices.parquet");
    write_unrelated(&file);
    let output = cdflow(&["antipatterns", &only.display().to_string()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "cdflow: no lineage under {}: none of its 1 parquet file(s) is cdflow lineage ({}: not cdflow lineage",
            only.display(),
            file.canonicalize().unwrap().display()
        )),
        "{stderr}"
    );
}

#[test]
fn a_lineage_file_named_on_its_own_is_read() {
    let root = TempDir::new("named-file");
    let lineage = lineage(&root);
    let files = parquet_files_below(&root.path().join("lineage").join("events"));
    let n1 = files
        .iter()
        .find(|path| path.display().to_string().contains(N1))
        .unwrap();
    let output = cdflow(&["summary", &n1.display().to_string(), "--format", "json"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["requests"]["writes"], 2);
    assert_eq!(json["nodes"].as_array().unwrap().len(), 1);
    // Named twice (as a file and through its directory), it is read once.
    let output = cdflow(&[
        "summary",
        &n1.display().to_string(),
        &lineage,
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["requests"]["writes"], 2);
}

#[test]
fn a_filter_matching_nothing_says_so_on_every_command() {
    let root = TempDir::new("no-match");
    let lineage = lineage(&root);
    for (command, what) in [
        ("summary", "the summary is empty"),
        ("antipatterns", "no client request to look at"),
        ("graph", "the graph is empty"),
    ] {
        let output = cdflow(&[command, &lineage, "--keyspace", "shopp"]);
        assert_eq!(output.status.code(), Some(0), "{command}");
        assert_eq!(
            text(&output.stderr),
            format!(
                "cdflow: warning: no lineage rows matched --keyspace shopp in the 2 file(s) read; {what}\n"
            ),
            "{command}"
        );
        // A filter that matches rows says nothing.
        let output = cdflow(&[command, &lineage, "--keyspace", "ks"]);
        assert_eq!(text(&output.stderr), "", "{command}");
    }
}
