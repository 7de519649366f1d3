//! A checkpoint's commit: publish every file made from a journal segment, then delete the segment, so
//! that a crash at any point leaves each row either in the journal or in a visible file — never both,
//! never neither.
//!
//! ```text
//! 1. files complete and fsynced under hidden names          (crash: they are stray, the segment replays)
//! 2. commit-<n>.json written, fsynced, renamed into place    ← the commit point
//! 3. each file renamed to its final name, directories fsynced
//! 4. the segment deleted, then the commit record             (crash in 3–4: recovery redoes 3–4)
//! ```
//!
//! Invariants: a commit record lists only complete, fsynced files; redoing a record is idempotent (a
//! file already renamed counts as published); once a record exists its segment is never replayed.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::journal::instance::sync_dir;
use crate::sink::file_modes::{self, FileModes};
use crate::sink::parquet_file::{CompletedFile, FileError, PendingFile};

/// One file of a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CommitFile {
    /// The file.
    #[serde(flatten)]
    pub file: PendingFile,
    /// True for event rows (counted in `written`), false for `flows` and `agent_stats`.
    pub counts_as_written: bool,
}

/// What a commit record holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CommitRecord {
    /// The segment whose rows the files hold (none for the last files of a shutdown).
    pub segment: Option<PathBuf>,
    /// The files to publish.
    pub files: Vec<CommitFile>,
}

/// What publishing a checkpoint did.
#[derive(Debug, Default)]
pub struct CommitOutcome {
    /// Files now visible.
    pub published: Vec<(CompletedFile, bool)>,
    /// Event rows in files that could not be published (deleted; counted as lost).
    pub lost_rows: u64,
    /// Failures, for the log.
    pub errors: Vec<String>,
}

impl CommitOutcome {
    /// Event rows now visible (files that count as written).
    pub fn written_rows(&self) -> u64 {
        self.published
            .iter()
            .filter(|(_, counted)| *counted)
            .map(|(file, _)| file.rows)
            .sum()
    }

    /// Files of event rows now visible.
    pub fn written_files(&self) -> u64 {
        self.published
            .iter()
            .filter(|(_, counted)| *counted)
            .count() as u64
    }
}

/// Commits `files` made from `segment`: writes `record_path`, publishes, deletes the segment and the
/// record. A failure to write the record leaves everything hidden and the segment in place (the files
/// are deleted; the segment replays at the next start) and is returned as an error.
pub fn commit(
    record_path: &Path,
    segment: Option<&Path>,
    files: Vec<CommitFile>,
    modes: &FileModes,
) -> Result<CommitOutcome, io::Error> {
    let record = CommitRecord {
        segment: segment.map(Path::to_owned),
        files,
    };
    if !record.files.is_empty()
        && let Err(error) = write_record(record_path, &record, modes)
    {
        for file in &record.files {
            let _ = fs::remove_file(&file.file.temp_path);
        }
        return Err(error);
    }
    Ok(apply(record_path, record))
}

/// Redoes a commit record left by a crash (steps 3–4).
pub fn redo(record_path: &Path) -> Result<CommitOutcome, io::Error> {
    let text = fs::read(record_path)?;
    let record: CommitRecord = serde_json::from_slice(&text).map_err(|error| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("commit record {}: {error}", record_path.display()),
        )
    })?;
    Ok(apply(record_path, record))
}

fn apply(record_path: &Path, record: CommitRecord) -> CommitOutcome {
    let mut outcome = CommitOutcome::default();
    let mut dirs = BTreeSet::new();
    for file in record.files {
        let counted = file.counts_as_written;
        let rows = file.file.rows;
        if let Some(dir) = file.file.final_path.parent() {
            dirs.insert(dir.to_owned());
        }
        match file.file.publish() {
            Ok(done) => outcome.published.push((done, counted)),
            Err(error) => {
                if counted {
                    outcome.lost_rows += rows;
                }
                outcome.errors.push(publish_error(&error));
            }
        }
    }
    for dir in dirs {
        if let Err(error) = sync_dir(&dir) {
            outcome
                .errors
                .push(format!("cannot fsync {}: {error}", dir.display()));
        }
    }
    if let Some(segment) = &record.segment {
        match fs::remove_file(segment) {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => outcome.errors.push(format!(
                "cannot delete journal segment {}: {error}",
                segment.display()
            )),
        }
    }
    match fs::remove_file(record_path) {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => outcome.errors.push(format!(
            "cannot delete commit record {}: {error}",
            record_path.display()
        )),
    }
    outcome
}

fn publish_error(error: &FileError) -> String {
    format!("publish failed: {error}")
}

/// Writes the record under a temporary name, fsyncs, renames it into place and fsyncs the directory.
fn write_record(record_path: &Path, record: &CommitRecord, modes: &FileModes) -> io::Result<()> {
    let bytes = serde_json::to_vec(record).map_err(io::Error::other)?;
    let temp = temp_name(record_path);
    let _ = fs::remove_file(&temp); // left by a crash while it was being written
    let mut file = file_modes::create_new_file(&temp, modes)?;
    let written = file
        .write_all(&bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| fs::rename(&temp, record_path));
    if let Err(error) = written {
        let _ = fs::remove_file(&temp);
        return Err(error);
    }
    match record_path.parent() {
        Some(dir) => sync_dir(dir),
        None => Ok(()),
    }
}

fn temp_name(record_path: &Path) -> PathBuf {
    let mut name = record_path.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(&format!("cdflow-commit-{name}-"))
            .tempdir()
            .unwrap()
    }

    fn hidden_file(dir: &Path, name: &str, rows: u64) -> CommitFile {
        let temp_path = dir.join(format!(".{name}.inprogress"));
        fs::write(&temp_path, name).unwrap();
        CommitFile {
            file: PendingFile {
                temp_path,
                final_path: dir.join(name),
                rows,
            },
            counts_as_written: true,
        }
    }

    #[test]
    fn commit_publishes_and_deletes_the_segment_and_the_record() {
        let scratch = scratch("ok");
        let dir = scratch.path();
        let segment = dir.join("segment-1.cdj");
        fs::write(&segment, "journal").unwrap();
        let files = vec![
            hidden_file(dir, "a.parquet", 3),
            hidden_file(dir, "b.parquet", 4),
        ];
        let record = dir.join("commit-1.json");
        let outcome = commit(&record, Some(&segment), files, &FileModes::default()).unwrap();
        assert_eq!((outcome.written_rows(), outcome.written_files()), (7, 2));
        assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
        assert!(dir.join("a.parquet").exists() && dir.join("b.parquet").exists());
        assert!(!segment.exists() && !record.exists());
        assert!(!dir.join(".a.parquet.inprogress").exists());
    }

    #[test]
    fn a_crash_after_the_record_is_redone_once_whatever_was_renamed_already() {
        let scratch = scratch("redo");
        let dir = scratch.path();
        let segment = dir.join("segment-2.cdj");
        fs::write(&segment, "journal").unwrap();
        let files = vec![
            hidden_file(dir, "a.parquet", 3),
            hidden_file(dir, "b.parquet", 4),
        ];
        let record_path = dir.join("commit-2.json");
        // The crash: the record is durable and one of the two renames happened.
        write_record(
            &record_path,
            &CommitRecord {
                segment: Some(segment.clone()),
                files: files.clone(),
            },
            &FileModes::default(),
        )
        .unwrap();
        files[0].file.clone().publish().unwrap();
        let outcome = redo(&record_path).unwrap();
        assert_eq!(outcome.written_rows(), 7);
        assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
        assert!(dir.join("a.parquet").exists() && dir.join("b.parquet").exists());
        assert!(!segment.exists() && !record_path.exists());
        // Redoing again finds nothing (the record is gone).
        assert!(redo(&record_path).is_err());
    }
}
