//! The journal's segment file format: an append-only sequence of checksummed records
//! (docs/journal.md).
//!
//! ```text
//! header  : b"CDFJRNL1" | u64 segment number | i64 created (µs since the epoch)        24 bytes
//! record  : u32 payload length | u32 CRC-32 of (type, payload) | u8 type | payload
//! STRINGS : repeated (u32 id, u32 byte length, UTF-8 text)
//! BATCH   : u32 events announced | the wire-format batch as submitted
//! COUNTERS: i64 agent start (µs) | i64 taken at (µs) | u32 n | n × u64 (the order of `counters()`)
//! ```
//! Integers are little-endian.
//!
//! Invariants: a record is written with one `write` call, so a process kill leaves whole records (the
//! kernel has them) and only a power loss can leave a torn tail; the reader stops at the first record
//! whose length or checksum is wrong and reports it as the tail, never as data; nothing here panics on
//! any bytes.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// First 8 bytes of every segment.
pub const SEGMENT_MAGIC: &[u8; 8] = b"CDFJRNL1";
/// Bytes of the segment header.
pub const SEGMENT_HEADER_BYTES: usize = 24;
/// Bytes before a record's payload.
pub const RECORD_HEADER_BYTES: usize = 9;
/// Largest payload a reader accepts (a submitted batch is at most 16 MiB).
pub const MAX_PAYLOAD_BYTES: usize = 64 << 20;

/// Record types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum RecordType {
    /// String definitions the following batches may use.
    Strings = 1,
    /// One submitted batch.
    Batch = 2,
    /// The core's counters at one moment.
    Counters = 3,
}

impl RecordType {
    fn from_byte(byte: u8) -> Option<RecordType> {
        match byte {
            1 => Some(RecordType::Strings),
            2 => Some(RecordType::Batch),
            3 => Some(RecordType::Counters),
            _ => None,
        }
    }
}

/// One decoded record, borrowing the segment's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record<'a> {
    /// `(id, text)` definitions.
    Strings(Vec<(u32, &'a str)>),
    /// A batch and the events it announced.
    Batch {
        /// Events announced by the submitter.
        event_count: u32,
        /// The wire-format batch.
        bytes: &'a [u8],
    },
    /// A counters snapshot.
    Counters(CountersRecord),
}

/// The counters journaled by a running core (for the `agent_stats` row written after a crash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountersRecord {
    /// When the core that wrote the segment started.
    pub agent_start_time_us: i64,
    /// When the snapshot was taken.
    pub taken_at_us: i64,
    /// Counters in the order of `counters()` (a newer core may have more).
    pub values: Vec<u64>,
}

/// The segment header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentHeader {
    /// Segment number, increasing within a journal.
    pub number: u64,
    /// When the segment was created, µs since the epoch.
    pub created_us: i64,
}

/// Why reading stopped before the end of the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TailError {
    /// Fewer bytes than a record header or its payload.
    #[error("torn record at byte {offset}: {available} bytes left, {needed} needed")]
    Truncated {
        /// Offset of the record.
        offset: usize,
        /// Bytes left in the file.
        available: usize,
        /// Bytes the record needs.
        needed: usize,
    },
    /// The checksum does not match.
    #[error("record at byte {offset}: checksum {found:#010x} != {expected:#010x}")]
    Checksum {
        /// Offset of the record.
        offset: usize,
        /// Stored checksum.
        found: u32,
        /// Checksum of the bytes.
        expected: u32,
    },
    /// Length out of range or payload not of its type's shape.
    #[error("record at byte {offset}: {what}")]
    Malformed {
        /// Offset of the record.
        offset: usize,
        /// What is wrong.
        what: String,
    },
}

/// A segment that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum SegmentError {
    /// Reading the file failed.
    #[error("cannot read journal segment {path}: {source}")]
    Io {
        /// The segment.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The header is missing or not a journal segment's.
    #[error("{path} is not a cdflow journal segment: {what}")]
    BadHeader {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
}

/// Encodes a segment header.
pub fn encode_header(header: SegmentHeader) -> [u8; SEGMENT_HEADER_BYTES] {
    let mut bytes = [0u8; SEGMENT_HEADER_BYTES];
    bytes[..8].copy_from_slice(SEGMENT_MAGIC);
    bytes[8..16].copy_from_slice(&header.number.to_le_bytes());
    bytes[16..24].copy_from_slice(&header.created_us.to_le_bytes());
    bytes
}

/// Parses a segment header.
pub fn decode_header(bytes: &[u8]) -> Result<SegmentHeader, String> {
    if bytes.len() < SEGMENT_HEADER_BYTES {
        return Err(format!(
            "{} bytes, a header has {SEGMENT_HEADER_BYTES}",
            bytes.len()
        ));
    }
    if &bytes[..8] != SEGMENT_MAGIC {
        return Err(format!("magic {:?}", String::from_utf8_lossy(&bytes[..8])));
    }
    Ok(SegmentHeader {
        number: u64::from_le_bytes(bytes[8..16].try_into().unwrap_or_default()),
        created_us: i64::from_le_bytes(bytes[16..24].try_into().unwrap_or_default()),
    })
}

/// Builds records into one reusable buffer, so each is written with a single `write`.
#[derive(Debug, Default)]
pub struct RecordBuffer {
    bytes: Vec<u8>,
}

impl RecordBuffer {
    /// Starts a record of `kind`; the payload is appended with the `push_*` methods.
    fn begin(&mut self, kind: RecordType) {
        self.bytes.clear();
        self.bytes.extend_from_slice(&[0u8; 8]);
        self.bytes.push(kind as u8);
    }

    /// Fills in length and checksum; returns the record's bytes.
    fn finish(&mut self) -> &[u8] {
        let payload = (self.bytes.len() - RECORD_HEADER_BYTES) as u32;
        let crc = crc32fast::hash(&self.bytes[8..]);
        self.bytes[..4].copy_from_slice(&payload.to_le_bytes());
        self.bytes[4..8].copy_from_slice(&crc.to_le_bytes());
        &self.bytes
    }

    /// A STRINGS record.
    pub fn strings<'t>(&mut self, definitions: impl IntoIterator<Item = (u32, &'t str)>) -> &[u8] {
        self.begin(RecordType::Strings);
        for (id, text) in definitions {
            self.bytes.extend_from_slice(&id.to_le_bytes());
            self.bytes
                .extend_from_slice(&(text.len() as u32).to_le_bytes());
            self.bytes.extend_from_slice(text.as_bytes());
        }
        self.finish()
    }

    /// A BATCH record.
    pub fn batch(&mut self, event_count: u32, batch: &[u8]) -> &[u8] {
        self.begin(RecordType::Batch);
        self.bytes.extend_from_slice(&event_count.to_le_bytes());
        self.bytes.extend_from_slice(batch);
        self.finish()
    }

    /// A COUNTERS record.
    pub fn counters(&mut self, record: &CountersRecord) -> &[u8] {
        self.begin(RecordType::Counters);
        self.bytes
            .extend_from_slice(&record.agent_start_time_us.to_le_bytes());
        self.bytes
            .extend_from_slice(&record.taken_at_us.to_le_bytes());
        self.bytes
            .extend_from_slice(&(record.values.len() as u32).to_le_bytes());
        for value in &record.values {
            self.bytes.extend_from_slice(&value.to_le_bytes());
        }
        self.finish()
    }
}

/// Writes `bytes` with one call (a record is never split between calls).
pub fn append(file: &mut File, bytes: &[u8]) -> io::Result<()> {
    file.write_all(bytes)
}

/// A whole segment read into memory.
pub struct SegmentBytes {
    /// The file.
    pub path: PathBuf,
    bytes: Vec<u8>,
}

impl SegmentBytes {
    /// Reads `path`.
    pub fn read(path: &Path) -> Result<SegmentBytes, SegmentError> {
        let bytes = std::fs::read(path).map_err(|source| SegmentError::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(SegmentBytes {
            path: path.to_owned(),
            bytes,
        })
    }

    /// Wraps bytes already in memory (tests, fuzzing).
    pub fn from_bytes(path: impl Into<PathBuf>, bytes: Vec<u8>) -> SegmentBytes {
        SegmentBytes {
            path: path.into(),
            bytes,
        }
    }

    /// The header and every whole record, plus why reading stopped early (a torn or corrupt tail).
    pub fn records(&self) -> Result<SegmentRecords<'_>, SegmentError> {
        let header = decode_header(&self.bytes).map_err(|what| SegmentError::BadHeader {
            path: self.path.clone(),
            what,
        })?;
        let (records, tail) =
            parse_records(&self.bytes[SEGMENT_HEADER_BYTES..], SEGMENT_HEADER_BYTES);
        Ok(SegmentRecords {
            header,
            records,
            tail,
        })
    }
}

/// What [`SegmentBytes::records`] found.
#[derive(Debug)]
pub struct SegmentRecords<'a> {
    /// The header.
    pub header: SegmentHeader,
    /// Whole records, in order.
    pub records: Vec<Record<'a>>,
    /// Set when the segment ends in a torn or corrupt record (everything from there is ignored).
    pub tail: Option<TailError>,
}

/// Parses records from `bytes` (which start at file offset `base`), stopping at the first bad one.
pub fn parse_records(bytes: &[u8], base: usize) -> (Vec<Record<'_>>, Option<TailError>) {
    let mut records = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        match parse_record(&bytes[at..], base + at) {
            Ok((record, size)) => {
                records.push(record);
                at += size;
            }
            Err(tail) => return (records, Some(tail)),
        }
    }
    (records, None)
}

fn parse_record(bytes: &[u8], offset: usize) -> Result<(Record<'_>, usize), TailError> {
    if bytes.len() < RECORD_HEADER_BYTES {
        return Err(TailError::Truncated {
            offset,
            available: bytes.len(),
            needed: RECORD_HEADER_BYTES,
        });
    }
    let length = u32_at(bytes, 0) as usize;
    if length > MAX_PAYLOAD_BYTES {
        return Err(TailError::Malformed {
            offset,
            what: format!("payload length {length} exceeds {MAX_PAYLOAD_BYTES}"),
        });
    }
    let size = RECORD_HEADER_BYTES + length;
    if bytes.len() < size {
        return Err(TailError::Truncated {
            offset,
            available: bytes.len(),
            needed: size,
        });
    }
    let found = u32_at(bytes, 4);
    let expected = crc32fast::hash(&bytes[8..size]);
    if found != expected {
        return Err(TailError::Checksum {
            offset,
            found,
            expected,
        });
    }
    let payload = &bytes[RECORD_HEADER_BYTES..size];
    let malformed = |what: String| TailError::Malformed { offset, what };
    let record = match RecordType::from_byte(bytes[8]) {
        Some(RecordType::Strings) => Record::Strings(parse_strings(payload).map_err(malformed)?),
        Some(RecordType::Batch) => {
            if payload.len() < 4 {
                return Err(malformed(format!(
                    "BATCH payload of {} bytes",
                    payload.len()
                )));
            }
            Record::Batch {
                event_count: u32_at(payload, 0),
                bytes: &payload[4..],
            }
        }
        Some(RecordType::Counters) => Record::Counters(parse_counters(payload).map_err(malformed)?),
        None => return Err(malformed(format!("unknown record type {}", bytes[8]))),
    };
    Ok((record, size))
}

fn parse_strings(mut payload: &[u8]) -> Result<Vec<(u32, &str)>, String> {
    let mut definitions = Vec::new();
    while !payload.is_empty() {
        if payload.len() < 8 {
            return Err(format!("STRINGS entry cut after {} bytes", payload.len()));
        }
        let id = u32_at(payload, 0);
        let length = u32_at(payload, 4) as usize;
        let text = payload
            .get(8..8 + length)
            .ok_or_else(|| format!("STRINGS entry {id}: {length} bytes announced"))?;
        let text = std::str::from_utf8(text)
            .map_err(|error| format!("STRINGS entry {id}: not UTF-8 ({error})"))?;
        definitions.push((id, text));
        payload = &payload[8 + length..];
    }
    Ok(definitions)
}

fn parse_counters(payload: &[u8]) -> Result<CountersRecord, String> {
    if payload.len() < 20 {
        return Err(format!("COUNTERS payload of {} bytes", payload.len()));
    }
    let count = u32_at(payload, 16) as usize;
    let values = &payload[20..];
    if values.len() != count.saturating_mul(8) {
        return Err(format!(
            "COUNTERS announces {count} values in {} bytes",
            values.len()
        ));
    }
    Ok(CountersRecord {
        agent_start_time_us: i64::from_le_bytes(payload[0..8].try_into().unwrap_or_default()),
        taken_at_us: i64::from_le_bytes(payload[8..16].try_into().unwrap_or_default()),
        values: values
            .chunks_exact(8)
            .map(|chunk| u64::from_le_bytes(chunk.try_into().unwrap_or_default()))
            .collect(),
    })
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(records: &[Vec<u8>]) -> Vec<u8> {
        let mut bytes = encode_header(SegmentHeader {
            number: 7,
            created_us: 1_700_000_000_000_000,
        })
        .to_vec();
        for record in records {
            bytes.extend_from_slice(record);
        }
        bytes
    }

    fn sample_records() -> Vec<Vec<u8>> {
        let mut buffer = RecordBuffer::default();
        vec![
            buffer.strings([(1, "shop"), (2, "orders")]).to_vec(),
            buffer.batch(3, b"\x01\x02\x03").to_vec(),
            buffer
                .counters(&CountersRecord {
                    agent_start_time_us: 5,
                    taken_at_us: 6,
                    values: vec![1, 2, 3],
                })
                .to_vec(),
        ]
    }

    #[test]
    fn records_round_trip() {
        let bytes = SegmentBytes::from_bytes("s", segment(&sample_records()));
        let read = bytes.records().unwrap();
        assert_eq!(read.header.number, 7);
        assert_eq!(read.tail, None);
        assert_eq!(
            read.records,
            vec![
                Record::Strings(vec![(1, "shop"), (2, "orders")]),
                Record::Batch {
                    event_count: 3,
                    bytes: b"\x01\x02\x03"
                },
                Record::Counters(CountersRecord {
                    agent_start_time_us: 5,
                    taken_at_us: 6,
                    values: vec![1, 2, 3]
                }),
            ]
        );
    }

    #[test]
    fn every_cut_of_the_last_record_is_a_torn_tail_and_keeps_the_whole_ones() {
        let records = sample_records();
        let whole = segment(&records);
        let last_start = whole.len() - records[2].len();
        for cut in last_start..whole.len() {
            let bytes = SegmentBytes::from_bytes("s", whole[..cut].to_vec());
            let read = bytes.records().unwrap();
            assert_eq!(read.records.len(), 2, "cut at {cut}");
            match read.tail {
                None => assert_eq!(cut, last_start),
                Some(TailError::Truncated { offset, .. }) => assert_eq!(offset, last_start),
                Some(other) => panic!("cut at {cut}: {other}"),
            }
        }
    }

    #[test]
    fn a_flipped_byte_stops_reading_at_that_record() {
        let records = sample_records();
        let mut bytes = segment(&records);
        let second = SEGMENT_HEADER_BYTES + records[0].len();
        bytes[second + RECORD_HEADER_BYTES + 1] ^= 0x40;
        let segment = SegmentBytes::from_bytes("s", bytes);
        let read = segment.records().unwrap();
        assert_eq!(read.records.len(), 1);
        assert!(
            matches!(read.tail, Some(TailError::Checksum { offset, .. }) if offset == second),
            "{:?}",
            read.tail
        );
    }

    #[test]
    fn a_file_that_is_not_a_segment_is_named() {
        let error = SegmentBytes::from_bytes("/x/seg", b"PAR1....".to_vec())
            .records()
            .unwrap_err();
        assert!(error.to_string().contains("/x/seg"), "{error}");
    }
}
