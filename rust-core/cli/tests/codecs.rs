//! Robust reading (issue 13): lineage written by the real core (cdflow-core's `Pipeline`, synthetic
//! workload of rust-core/examples/synth) and then rewritten the way DuckDB, Spark or pyarrow would —
//! another codec, other row groups, no cdflow key-value metadata — reads to the same `summary` and
//! `antipatterns`, whatever the number of threads.

mod common;

use cdflow_testkit::synth;

use std::cell::Cell;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use arrow::record_batch::RecordBatchReader;
use cdflow_core::{CoreConfig, Pipeline, SubmitOutcome};
use common::{TempDir, parquet_files_below, text};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;

/// Events the synthetic workload submits (a few hundred operations on 6 nodes).
const EVENTS: u64 = 30_000;

/// Writes `EVENTS` events of the synthetic workload through the real core into `out`, with small row
/// groups so that files have several.
fn core_lineage(out: &Path) {
    let mut config = CoreConfig::new(out);
    config.row_group_rows = 2_000;
    let pipeline = Pipeline::start(config).expect("the core starts");
    let mut workload = synth::Workload::new(6, 20, 500, 5_000, 7);
    pipeline
        .define(&workload.strings.define_batch())
        .expect("strings defined");
    let submitted = Cell::new(0u64);
    let mut submit = |bytes: Vec<u8>, events: u32| {
        while pipeline.submit(&bytes, events) == SubmitOutcome::QueueFull {
            std::thread::sleep(Duration::from_millis(1));
        }
        submitted.set(submitted.get() + u64::from(events));
    };
    while submitted.get() < EVENTS {
        workload.next_op(&mut submit);
    }
    workload.flush(&mut submit);
    let submitted = submitted.get();
    pipeline
        .shutdown(Duration::from_secs(60))
        .expect("the core stops");
    assert_eq!(pipeline.snapshot().written, submitted);
}

/// Copies every lineage table's Parquet file of `from` into `to` (same relative paths), re-encoded with
/// `compression` in row groups of `row_group_rows`, without the original key-value metadata — as
/// `COPY … TO … (FORMAT parquet, COMPRESSION …)` of DuckDB does.
fn rewrite(from: &Path, to: &Path, compression: Compression, row_group_rows: usize) {
    for table in ["events", "flushes", "compactions", "agent_stats"] {
        for path in parquet_files_below(&from.join(table)) {
            let target = to.join(path.strip_prefix(from).unwrap());
            fs::create_dir_all(target.parent().unwrap()).unwrap();
            let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap())
                .unwrap()
                .build()
                .unwrap();
            let properties = WriterProperties::builder()
                .set_compression(compression)
                .set_max_row_group_row_count(Some(row_group_rows))
                .build();
            let mut writer = ArrowWriter::try_new(
                File::create(&target).unwrap(),
                reader.schema(),
                Some(properties),
            )
            .unwrap();
            for batch in reader {
                writer.write(&batch.unwrap()).unwrap();
            }
            writer.close().unwrap();
        }
    }
}

/// The codec of every column chunk of `path`'s first row group.
fn codecs_of(path: &Path) -> Vec<Compression> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
    let metadata = builder.metadata();
    metadata
        .row_group(0)
        .columns()
        .iter()
        .map(|column| column.compression())
        .collect()
}

fn run(args: &[&str], threads: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cdflow"))
        .args(args)
        .env("CDFLOW_THREADS", threads)
        .output()
        .expect("the cdflow binary runs")
}

/// `summary` (text and JSON) and `antipatterns` (JSON and text) of `lineage`, with `threads` threads.
fn outputs(lineage: &Path, threads: &str) -> Vec<String> {
    let lineage = lineage.display().to_string();
    [
        vec!["summary", lineage.as_str()],
        vec!["summary", lineage.as_str(), "--format", "json"],
        vec!["antipatterns", lineage.as_str(), "--format", "json"],
        vec!["antipatterns", lineage.as_str()],
        // Low thresholds: many findings, each with more roles than a tally keeps.
        vec![
            "antipatterns",
            lineage.as_str(),
            "--format",
            "json",
            "--tombstone-warn",
            "0",
            "--hot-share",
            "0.01",
            "--hot-min-requests",
            "2",
            "--consistency-min-requests",
            "1",
            "--range-scan-min",
            "1",
            "--batch-min",
            "1",
            "--batch-partitions",
            "2",
        ],
        vec!["antipatterns", lineage.as_str(), "--role", "svc_03"],
        vec!["summary", lineage.as_str(), "--role", "svc_03"],
    ]
    .iter()
    .map(|args| {
        let output = run(args, threads);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            text(&output.stderr)
        );
        assert_eq!(text(&output.stderr), "", "{args:?}");
        text(&output.stdout)
    })
    .collect()
}

#[test]
fn lineage_rewritten_with_every_codec_reads_the_same() {
    let root = TempDir::new("codecs");
    let original = root.path().join("core").join("lineage");
    core_lineage(&original);
    let expected = outputs(&original, "1");
    // The lineage is not trivial: many tables, the synthetic workload's roles and nodes.
    assert!(expected[0].contains("role:svc_03"), "{}", expected[0]);
    let summary: serde_json::Value = serde_json::from_str(&expected[1]).unwrap();
    let writes = summary["requests"]["writes"].as_u64().unwrap();
    let reads = summary["requests"]["reads"].as_u64().unwrap();
    assert!(writes > 1_000 && reads > 500, "{summary}");
    // The anti-patterns' tallies (roles past the first 8, example partitions, batch ids) are merged from
    // partial tallies of every row group: findings with more roles than a tally keeps.
    let findings: serde_json::Value = serde_json::from_str(&expected[4]).unwrap();
    let findings = findings["findings"].as_array().unwrap();
    assert!(findings.len() > 20, "{}", expected[4]);
    assert!(
        findings.iter().any(|finding| finding["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|role| role["role"] == "(other roles)")),
        "{}",
        expected[4]
    );
    assert_same(&outputs(&original, "4"), &expected, "4 threads");

    let codecs = [
        ("snappy", Compression::SNAPPY, 1_000),
        ("gzip", Compression::GZIP(GzipLevel::default()), 3_000),
        ("lz4_raw", Compression::LZ4_RAW, 777),
        ("lz4_hadoop", Compression::LZ4, 5_000),
        ("zstd", Compression::ZSTD(ZstdLevel::default()), 100_000),
        ("none", Compression::UNCOMPRESSED, 1_500),
    ];
    for (name, compression, row_group_rows) in codecs {
        let copy: PathBuf = root.path().join(name).join("lineage");
        rewrite(&original, &copy, compression, row_group_rows);
        let files = parquet_files_below(&copy.join("events"));
        assert!(!files.is_empty());
        assert!(
            codecs_of(&files[0])
                .iter()
                .all(|codec| *codec == compression),
            "{name}: {:?}",
            codecs_of(&files[0])
        );
        for threads in ["1", "3"] {
            assert_same(
                &outputs(&copy, threads),
                &expected,
                &format!("{name} with {threads} threads"),
            );
        }
    }
}

/// Each output equals its expected one; a failure names the command and the first line that differs.
fn assert_same(got: &[String], expected: &[String], what: &str) {
    assert_eq!(got.len(), expected.len());
    for (index, (got, expected)) in got.iter().zip(expected).enumerate() {
        if got != expected {
            let line = got
                .lines()
                .zip(expected.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "{what}: output {index} differs at line {line}:\n  got      {:?}\n  expected {:?}",
                got.lines().nth(line),
                expected.lines().nth(line)
            );
        }
    }
}
