//! The journal across real process crashes: a child process (this test binary, re-run) submits events
//! and aborts (no destructor, no shutdown: what kill -9 does); a new pipeline on the same directory
//! must write every accepted event exactly once, in files marked `cdflow.recovered`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use cdflow_core::{CoreConfig, Pipeline};
use parquet::file::reader::{FileReader, SerializedFileReader};

use crate::support::{
    TempDir, files_below, parquet_files, read_event_rows, repeated_batch, valid_cases,
};

const SHUTDOWN: Duration = Duration::from_secs(30);
const CHILD_DIR: &str = "CDFLOW_IT_CRASH_DIR";
const CHILD_BATCHES: &str = "CDFLOW_IT_CRASH_BATCHES";
const COPIES: usize = 50;

fn config(root: &Path) -> CoreConfig {
    let mut config = CoreConfig::new(root.join("lineage"));
    config.roll_seconds = 3600;
    config.stats_seconds = 1;
    config.key_file = root.join("key.secret");
    config
}

fn sample() -> (Vec<u8>, u32) {
    let case = valid_cases()
        .into_iter()
        .find(|case| !case.events.is_empty())
        .expect("a vector with events");
    repeated_batch(&case, COPIES)
}

/// Not a test of its own: the crashing child. Starts a pipeline, submits batches, waits until the
/// journal holds them, and aborts the process.
#[test]
#[ignore = "run by the crash tests as a child process"]
fn crash_child() {
    let Ok(root) = std::env::var(CHILD_DIR) else {
        return;
    };
    let batches: usize = std::env::var(CHILD_BATCHES).unwrap().parse().unwrap();
    let pipeline = Pipeline::start(config(Path::new(&root))).unwrap();
    let (bytes, events) = sample();
    for _ in 0..batches {
        assert_eq!(pipeline.submit(&bytes, events).code(), 0);
    }
    // The journal thread appends within milliseconds; the journaled COUNTERS record comes every second.
    std::thread::sleep(Duration::from_millis(1500));
    std::process::abort();
}

fn crash_a_child(root: &Path, batches: usize) {
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "journal::crash_child",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_DIR, root)
        .env(CHILD_BATCHES, batches.to_string())
        .status()
        .unwrap();
    assert!(!status.success(), "the child must die by abort");
}

fn segments(root: &Path) -> Vec<PathBuf> {
    files_below(&root.join("lineage/_journal"))
        .into_iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == "cdj"))
        .collect()
}

fn recovered_flag(path: &Path) -> Option<String> {
    let reader = SerializedFileReader::new(fs::File::open(path).unwrap()).unwrap();
    reader
        .metadata()
        .file_metadata()
        .key_value_metadata()?
        .iter()
        .find(|kv| kv.key == "cdflow.recovered")
        .and_then(|kv| kv.value.clone())
}

#[test]
fn a_crash_loses_nothing_the_journal_took_and_recovery_writes_it_once() {
    let dir = TempDir::new("crash");
    let (_, events) = sample();
    crash_a_child(dir.path(), 4);
    let lineage = dir.path().join("lineage");
    assert!(
        parquet_files(&lineage.join("events")).is_empty(),
        "nothing was published before the crash"
    );
    assert_eq!(segments(dir.path()).len(), 1);

    let pipeline = Pipeline::start(config(dir.path())).unwrap();
    pipeline.shutdown(SHUTDOWN).unwrap();
    let snapshot = pipeline.snapshot();
    let rows = read_event_rows(&lineage.join("events"));
    assert_eq!(rows.len() as u64, 4 * u64::from(events));
    assert_eq!(snapshot.recovered_rows, 4 * u64::from(events));
    assert_eq!(snapshot.written, 4 * u64::from(events));
    for file in parquet_files(&lineage.join("events")) {
        assert_eq!(
            recovered_flag(&file).as_deref(),
            Some("true"),
            "{}",
            file.display()
        );
    }
    assert!(
        segments(dir.path()).is_empty(),
        "the recovered segment is deleted"
    );
    let leftovers: Vec<_> = files_below(&lineage)
        .into_iter()
        .filter(|path| path.to_string_lossy().contains(".inprogress"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // The crashed run's accounting row: its last journaled counters, written raised by the recovery.
    let stats_files = parquet_files(&lineage.join("agent_stats"));
    assert!(
        stats_files
            .iter()
            .any(|file| recovered_flag(file).is_some())
    );

    // Every published file, recovered ones included, is in its node's manifest.
    let key = cdflow_core::enrich::keyhash::read_key(&dir.path().join("key.secret")).unwrap();
    let verified = cdflow_core::sink::manifest::verify(&lineage, &key).unwrap();
    assert!(verified.passed(), "{:?}", verified.findings);

    // A second start finds nothing more to do: no row twice.
    let again = Pipeline::start(config(dir.path())).unwrap();
    again.shutdown(SHUTDOWN).unwrap();
    assert_eq!(again.snapshot().recovered_rows, 0);
    assert_eq!(read_event_rows(&lineage.join("events")).len(), rows.len());
}

#[test]
fn a_torn_tail_keeps_every_whole_batch_before_it() {
    let dir = TempDir::new("torn");
    let (bytes, events) = sample();
    crash_a_child(dir.path(), 3);
    let segment = segments(dir.path()).pop().unwrap();
    // A power loss before fsync: the last few bytes never reached the disk. The segment ends in the
    // third batch or in a COUNTERS record after it; cut into the third batch.
    let length = fs::metadata(&segment).unwrap().len();
    let content = fs::read(&segment).unwrap();
    let last_batch_end = content
        .windows(bytes.len())
        .rposition(|window| window == bytes.as_slice())
        .unwrap()
        + bytes.len();
    assert!(last_batch_end as u64 <= length);
    fs::OpenOptions::new()
        .write(true)
        .open(&segment)
        .unwrap()
        .set_len(last_batch_end as u64 - 7)
        .unwrap();

    let pipeline = Pipeline::start(config(dir.path())).unwrap();
    pipeline.shutdown(SHUTDOWN).unwrap();
    let rows = read_event_rows(&dir.path().join("lineage/events"));
    assert_eq!(rows.len() as u64, 2 * u64::from(events));
    assert!(segments(dir.path()).is_empty());
}

#[test]
fn a_live_pipelines_journal_is_never_recovered_by_another() {
    let dir = TempDir::new("live");
    let (bytes, events) = sample();
    let first = Pipeline::start(config(dir.path())).unwrap();
    assert_eq!(first.submit(&bytes, events).code(), 0);
    let deadline = Instant::now() + Duration::from_secs(5);
    while segments(dir.path()).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    // A second core on the same root (two nodes sharing a lineage directory) leaves it alone.
    let second = Pipeline::start(config(dir.path())).unwrap();
    second.shutdown(SHUTDOWN).unwrap();
    assert_eq!(second.snapshot().recovered_rows, 0);
    first.shutdown(SHUTDOWN).unwrap();
    assert_eq!(first.snapshot().written, u64::from(events));
    assert_eq!(
        read_event_rows(&dir.path().join("lineage/events")).len() as u64,
        u64::from(events)
    );
    assert!(segments(dir.path()).is_empty());
}

#[test]
fn events_beyond_max_lineage_bytes_are_counted_as_dropped_disk_bound() {
    let dir = TempDir::new("bound");
    let (bytes, events) = sample();
    let mut config = config(dir.path());
    // Room for about three batches (each journaled byte is charged twice until the next scan).
    config.max_lineage_bytes = 7 * bytes.len() as u64;
    config.min_free_bytes = Some(0);
    let pipeline = Pipeline::start(config).unwrap();
    for _ in 0..10 {
        assert_eq!(pipeline.submit(&bytes, events).code(), 0);
    }
    pipeline.shutdown(SHUTDOWN).unwrap();
    let snapshot = pipeline.snapshot();
    let rows = read_event_rows(&dir.path().join("lineage/events")).len() as u64;
    assert_eq!(snapshot.written, rows);
    assert!(snapshot.dropped_disk_bound > 0, "{snapshot:?}");
    assert!(rows > 0, "{snapshot:?}");
    assert_eq!(
        snapshot.written + snapshot.dropped_disk_bound,
        10 * u64::from(events)
    );
}

#[test]
fn delete_oldest_lists_what_it_removes_and_counts_it() {
    let dir = TempDir::new("oldest");
    let (bytes, events) = sample();
    let root = dir.path().join("lineage");
    // A first run publishes files; a second run, bounded below what they take, removes them to make room.
    let first = Pipeline::start(config(dir.path())).unwrap();
    for _ in 0..5 {
        assert_eq!(first.submit(&bytes, events).code(), 0);
    }
    first.shutdown(SHUTDOWN).unwrap();
    let before = read_event_rows(&root.join("events")).len() as u64;
    assert_eq!(before, 5 * u64::from(events));
    let used = cdflow_core::sink::disk::lineage_bytes(&root);
    let mut bounded = config(dir.path());
    bounded.max_lineage_bytes = used + 4 * bytes.len() as u64;
    bounded.min_free_bytes = Some(0);
    bounded.on_full = cdflow_core::sink::disk::OnFull::DeleteOldest;
    let second = Pipeline::start(bounded).unwrap();
    for _ in 0..5 {
        assert_eq!(second.submit(&bytes, events).code(), 0);
    }
    second.shutdown(SHUTDOWN).unwrap();
    let snapshot = second.snapshot();
    assert!(snapshot.removed_files > 0, "{snapshot:?}");
    let live = read_event_rows(&root.join("events")).len() as u64;
    assert_eq!(live, before + snapshot.written - snapshot.removed_rows);
    assert_eq!(
        snapshot.written + snapshot.dropped_disk_bound,
        5 * u64::from(events)
    );
    let key = cdflow_core::enrich::keyhash::read_key(&dir.path().join("key.secret")).unwrap();
    let verified = cdflow_core::sink::manifest::verify(&root, &key).unwrap();
    assert!(
        verified.passed(),
        "removed files are listed as removed: {:?}",
        verified.findings
    );
}
