//! One Parquet file being written: hidden `.….inprogress` name while open, atomically renamed to its
//! final `.parquet` name once complete.
//!
//! Invariants: the final name never exists before the rename (names are taken with `create_new` and
//! skipped if the final name is already there, so an earlier file is never overwritten); the file is
//! fsynced before the rename, so a renamed file is complete even after a crash; a file that fails or is
//! abandoned is deleted, so no `.inprogress` file outlives its writer (except after a process crash);
//! the file and the directories made for it get their configured modes as they are created
//! ([`crate::sink::file_modes`]), never after the first byte is written.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use crate::sink::file_modes::{self, FileModes};
use crate::sink::layout::in_progress_name;

/// How many names [`InProgressFile::create`] tries before giving up.
const NAME_ATTEMPTS: usize = 100;

/// A failure of one file (the file is then deleted and its rows are lost).
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Creating the directory or the file failed.
    #[error("cannot create {path}: {source}")]
    Create {
        /// Directory or file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// Encoding or writing Parquet failed (disk full, …).
    #[error("cannot write {path}: {source}")]
    Write {
        /// The in-progress file.
        path: PathBuf,
        /// The Parquet error (wrapping the I/O error, if any).
        source: ParquetError,
    },
    /// fsync or rename failed.
    #[error("cannot complete {path}: {source}")]
    Complete {
        /// The final path.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}

/// A completed (renamed) file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedFile {
    /// Final path.
    pub path: PathBuf,
    /// Rows in the file.
    pub rows: u64,
}

/// A complete, fsynced file still under its hidden name, waiting for its checkpoint to rename it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingFile {
    /// The hidden name it was written under.
    pub temp_path: PathBuf,
    /// The name it gets.
    pub final_path: PathBuf,
    /// Rows in the file.
    pub rows: u64,
}

impl PendingFile {
    /// Renames the file to its final name. Idempotent: a file already renamed (a redo after a crash)
    /// succeeds. On error the hidden file is deleted.
    pub fn publish(self) -> Result<CompletedFile, FileError> {
        match fs::rename(&self.temp_path, &self.final_path) {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound && self.final_path.exists() => {}
            Err(source) => {
                let _ = fs::remove_file(&self.temp_path);
                return Err(FileError::Complete {
                    path: self.final_path,
                    source,
                });
            }
        }
        Ok(CompletedFile {
            path: self.final_path,
            rows: self.rows,
        })
    }
}

/// A Parquet file under its hidden in-progress name.
pub struct InProgressFile {
    writer: ArrowWriter<File>,
    temp_path: PathBuf,
    final_path: PathBuf,
    rows: u64,
}

impl InProgressFile {
    /// Creates `dir` if needed and a new file in it, named by `next_name` (called again while the name
    /// is taken), both with `modes`.
    pub fn create(
        dir: &Path,
        schema: SchemaRef,
        properties: WriterProperties,
        modes: &FileModes,
        mut next_name: impl FnMut() -> String,
    ) -> Result<Self, FileError> {
        file_modes::create_dir_all(dir, modes).map_err(|source| FileError::Create {
            path: dir.to_owned(),
            source,
        })?;
        let mut last_error = io::Error::from(io::ErrorKind::AlreadyExists);
        for _ in 0..NAME_ATTEMPTS {
            let final_name = next_name();
            let final_path = dir.join(&final_name);
            if final_path.exists() {
                continue;
            }
            let temp_path = dir.join(in_progress_name(&final_name));
            let file = match file_modes::create_new_file(&temp_path, modes) {
                Ok(file) => file,
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                    last_error = error;
                    continue;
                }
                Err(source) => {
                    return Err(FileError::Create {
                        path: temp_path,
                        source,
                    });
                }
            };
            return match ArrowWriter::try_new(file, schema, Some(properties)) {
                Ok(writer) => Ok(InProgressFile {
                    writer,
                    temp_path,
                    final_path,
                    rows: 0,
                }),
                Err(source) => {
                    let _ = fs::remove_file(&temp_path);
                    Err(FileError::Write {
                        path: temp_path,
                        source,
                    })
                }
            };
        }
        Err(FileError::Create {
            path: dir.to_owned(),
            source: last_error,
        })
    }

    /// Encodes `batch` into the file (a row group is flushed whenever the writer's limit is reached).
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), FileError> {
        self.writer
            .write(batch)
            .map_err(|source| FileError::Write {
                path: self.temp_path.clone(),
                source,
            })?;
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// Estimated size: bytes already written plus the encoded row group in memory.
    pub fn estimated_size(&self) -> u64 {
        (self.writer.bytes_written() + self.writer.in_progress_size()) as u64
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The hidden path the file is written under.
    pub fn temp_path(&self) -> &Path {
        &self.temp_path
    }

    /// Writes the footer, fsyncs and renames to the final name. On error the file is deleted.
    pub fn finish(self) -> Result<CompletedFile, FileError> {
        self.complete()?.publish()
    }

    /// Appends a key-value pair to the footer metadata (e.g. `cdflow.recovered`).
    pub fn append_metadata(&mut self, key: &str, value: &str) {
        self.writer
            .append_key_value_metadata(KeyValue::new(key.to_owned(), value.to_owned()));
    }

    /// Writes the footer and fsyncs, keeping the hidden name: the file is complete but not yet
    /// visible; [`PendingFile::publish`] renames it. On error the file is deleted.
    pub fn complete(self) -> Result<PendingFile, FileError> {
        let InProgressFile {
            writer,
            temp_path,
            final_path,
            rows,
        } = self;
        let completed = writer
            .into_inner()
            .map_err(|source| FileError::Write {
                path: temp_path.clone(),
                source,
            })
            .and_then(|file| {
                file.sync_all().map_err(|source| FileError::Complete {
                    path: temp_path.clone(),
                    source,
                })
            });
        match completed {
            Ok(()) => Ok(PendingFile {
                temp_path,
                final_path,
                rows,
            }),
            Err(error) => {
                let _ = fs::remove_file(&temp_path);
                Err(error)
            }
        }
    }

    /// Gives up on the file: closes and deletes it.
    pub fn abandon(self) {
        let temp_path = self.temp_path.clone();
        drop(self);
        let _ = fs::remove_file(temp_path);
    }
}
