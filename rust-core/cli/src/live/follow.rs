//! Following the journals of live runs: `<lineage>/_journal/<pid>-<start>/segment-<n>.cdj`, read with
//! the core's own segment parser ([`parse_records`]) and wire decoder ([`decode_batch`]) from the
//! offset reached so far, every [`POLL`].
//!
//! Invariants:
//! - a journal's segments are read in number order; a segment is left only once a newer one exists
//!   (the core closes a segment before it opens the next) and every whole record of it was read;
//! - the current segment stays open, so a segment deleted by a checkpoint is still read to its end;
//! - a record is consumed only when whole and its checksum matches: a record still being written (a
//!   short or mismatching tail) is read again at the next poll; a bad tail that stays bad once a newer
//!   segment exists, or for [`BAD_TAIL_GRACE`], is skipped and reported (never guessed at), as is a file
//!   that is not a segment;
//! - a lineage directory that does not exist yet is waited for.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cdflow_core::decode::strings::StringTable;
use cdflow_core::decode::wire::{DecodeScratch, decode_batch_reusing};
use cdflow_core::enrich::keyhash::PartitionKeyHasher;
use cdflow_core::journal::instance::JOURNAL_DIR;
use cdflow_core::journal::segment::{
    Record, SEGMENT_HEADER_BYTES, TailError, decode_header, parse_records,
};
use cdflow_core::stats::CountersSnapshot;

use super::model::{JournalStatus, Model};
use super::observe::{IdMap, observe_event};

/// How often the journals are polled.
pub const POLL: Duration = Duration::from_millis(100);
/// How long a bad record at the end of the newest segment may stay bad before it is skipped.
pub const BAD_TAIL_GRACE: Duration = Duration::from_secs(5);

/// The segment number of a file name `segment-<n>.cdj`.
fn segment_number(path: &Path) -> Option<u64> {
    path.file_name()?
        .to_str()?
        .strip_prefix("segment-")?
        .strip_suffix(".cdj")?
        .parse()
        .ok()
}

/// The segments of a journal directory, by number.
fn segments(dir: &Path) -> Vec<(u64, PathBuf)> {
    let mut found: Vec<(u64, PathBuf)> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let path = entry.path();
            segment_number(&path).map(|number| (number, path))
        })
        .collect();
    found.sort();
    found
}

/// The segment being read.
struct OpenSegment {
    number: u64,
    path: PathBuf,
    file: File,
    offset: u64,
    bad_since: Option<Instant>,
}

/// One followed journal directory.
struct Journal {
    dir: PathBuf,
    strings: StringTable,
    ids: IdMap,
    node: u32,
    open: Option<OpenSegment>,
    /// Segments up to this number are done.
    done_through: Option<u64>,
    status: JournalStatus,
}

/// Every journal under the lineage directories.
pub struct Follower {
    dirs: Vec<PathBuf>,
    journals: BTreeMap<PathBuf, Journal>,
    hasher: Option<PartitionKeyHasher>,
    scratch: DecodeScratch,
    buffer: Vec<u8>,
}

impl Follower {
    /// A follower of `dirs`; `hasher` hashes partition keys as the core did (None: tokens only).
    pub fn new(dirs: Vec<PathBuf>, hasher: Option<PartitionKeyHasher>) -> Self {
        Follower {
            dirs,
            journals: BTreeMap::new(),
            hasher,
            scratch: DecodeScratch::default(),
            buffer: Vec::new(),
        }
    }

    /// One round: finds new journals and reads what every journal gained since the last round.
    pub fn poll(&mut self, model: &mut Model) {
        let mut waiting = Vec::new();
        for dir in &self.dirs {
            if !dir.is_dir() {
                waiting.push(dir.clone());
                continue;
            }
            let root = dir.join(JOURNAL_DIR);
            for entry in fs::read_dir(&root).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() && !self.journals.contains_key(&path) {
                    self.journals.insert(
                        path.clone(),
                        Journal {
                            dir: path,
                            strings: StringTable::new(),
                            ids: IdMap::default(),
                            node: 0,
                            open: None,
                            done_through: None,
                            status: JournalStatus::default(),
                        },
                    );
                }
            }
        }
        model.status.waiting_for = waiting;
        let mut gone = Vec::new();
        for (path, journal) in &mut self.journals {
            let alive = journal.read(
                model,
                self.hasher.as_ref(),
                &mut self.scratch,
                &mut self.buffer,
            );
            model
                .status
                .journals
                .insert(path.clone(), journal.status.clone());
            if !alive {
                gone.push(path.clone());
            }
        }
        for path in gone {
            self.journals.remove(&path);
            model.status.journals.remove(&path);
        }
    }
}

impl Journal {
    /// Reads what the journal gained; false once its directory is gone and everything was read.
    fn read(
        &mut self,
        model: &mut Model,
        hasher: Option<&PartitionKeyHasher>,
        scratch: &mut DecodeScratch,
        buffer: &mut Vec<u8>,
    ) -> bool {
        loop {
            let listed = segments(&self.dir);
            if self.open.is_none() {
                let next = listed
                    .iter()
                    .find(|(number, _)| self.done_through.is_none_or(|done| *number > done));
                let Some((number, path)) = next else {
                    return self.dir.is_dir();
                };
                match File::open(path) {
                    Ok(file) => {
                        self.open = Some(OpenSegment {
                            number: *number,
                            path: path.clone(),
                            file,
                            offset: 0,
                            bad_since: None,
                        })
                    }
                    Err(_) => {
                        // deleted between listing and opening: its rows are in published files
                        self.done_through = Some(*number);
                        continue;
                    }
                }
            }
            let Some(open) = self.open.as_mut() else {
                return true;
            };
            let newer_exists = listed.iter().any(|(number, _)| *number > open.number);
            let finished = read_segment(
                open,
                newer_exists,
                &mut self.strings,
                &mut self.ids,
                &mut self.node,
                &mut self.status,
                model,
                hasher,
                scratch,
                buffer,
            );
            self.status.segment = open.path.clone();
            self.status.offset = open.offset;
            if finished {
                self.done_through = Some(open.number);
                self.open = None;
                continue;
            }
            return true;
        }
    }
}

/// Reads the new records of `open`; true when the segment is done (a newer one exists and this one
/// was read to its end, or the rest of it was skipped).
#[allow(clippy::too_many_arguments)]
fn read_segment(
    open: &mut OpenSegment,
    newer_exists: bool,
    strings: &mut StringTable,
    ids: &mut IdMap,
    node: &mut u32,
    status: &mut JournalStatus,
    model: &mut Model,
    hasher: Option<&PartitionKeyHasher>,
    scratch: &mut DecodeScratch,
    buffer: &mut Vec<u8>,
) -> bool {
    buffer.clear();
    let read = open
        .file
        .seek(SeekFrom::Start(open.offset))
        .and_then(|_| open.file.read_to_end(buffer));
    if let Err(error) = read {
        model.skip(open.path.clone(), format!("cannot read: {error}"));
        return true;
    }
    let mut base = open.offset as usize;
    let mut bytes: &[u8] = buffer;
    if open.offset == 0 {
        if bytes.len() < SEGMENT_HEADER_BYTES {
            if newer_exists {
                model.skip(
                    open.path.clone(),
                    format!(
                        "not a cdflow journal segment: {} bytes, no header",
                        bytes.len()
                    ),
                );
                return true;
            }
            return false;
        }
        if let Err(what) = decode_header(bytes) {
            model.skip(
                open.path.clone(),
                format!("not a cdflow journal segment: {what}"),
            );
            return true;
        }
        base = SEGMENT_HEADER_BYTES;
        bytes = &bytes[SEGMENT_HEADER_BYTES..];
        open.offset = SEGMENT_HEADER_BYTES as u64;
    }
    let (records, tail) = parse_records(bytes, base);
    for record in records {
        match record {
            Record::Strings(definitions) => {
                for (id, text) in definitions {
                    if let Err(error) = strings.define(id, text) {
                        model.skip(open.path.clone(), format!("string definition: {error}"));
                    }
                }
            }
            Record::Batch { bytes, .. } => {
                let decoded = decode_batch_reusing(bytes, strings, scratch);
                let view = strings.read();
                for event in &decoded.events {
                    let event_node = observe_event(event, &view, ids, hasher, model);
                    if event_node != 0 {
                        *node = event_node;
                    }
                }
                status.batches += 1;
                status.events += decoded.events.len() as u64;
                drop(view);
                decoded.recycle(scratch);
                model.status.last_read_us = cdflow_core::civil_time::now_unix_micros();
            }
            Record::Counters(counters) => model.agent_counters(
                counters.agent_start_time_us,
                *node,
                counters.taken_at_us,
                CountersSnapshot::from_values(&counters.values),
            ),
        }
    }
    let consumed_to = match &tail {
        None => base + bytes.len(),
        Some(
            TailError::Truncated { offset, .. }
            | TailError::Checksum { offset, .. }
            | TailError::Malformed { offset, .. },
        ) => *offset,
    };
    open.offset = consumed_to as u64;
    let Some(tail) = tail else {
        open.bad_since = None;
        return newer_exists;
    };
    let since = *open.bad_since.get_or_insert_with(Instant::now);
    if newer_exists || since.elapsed() >= BAD_TAIL_GRACE {
        model.skip(
            open.path.clone(),
            format!("{tail}; the rest of this segment is skipped"),
        );
        return true;
    }
    false
}
