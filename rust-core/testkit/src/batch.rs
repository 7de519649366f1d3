//! Wire-format batches (docs/wire-format.md): `CDF1`, record count, records — the one test-side batch
//! builder. One-shot: [`record`], [`string_def`], [`tagged_event`], [`mutation_event`] make records
//! and [`batch`] puts them together. Streaming: [`BatchBuilder`] fills a batch up to a byte limit (the
//! agent's buffer size) and hands it over when full.

use crate::mutation_event::{MUTATION_EVENT, MutationFixed};

/// Record type of a STRING_DEF.
pub const STRING_DEF: u8 = 0x01;
/// Record type of a TAGGED_EVENT.
pub const TAGGED_EVENT: u8 = 0x03;
/// Bytes of a record header: type u8, payload length u16.
pub const RECORD_HEADER_BYTES: usize = 3;

/// Appends a record: its header, then `payload`.
pub fn append_record(out: &mut Vec<u8>, record_type: u8, payload: &[u8]) {
    let length = u16::try_from(payload.len()).expect("a payload of at most 65,535 bytes");
    out.push(record_type);
    out.extend_from_slice(&length.to_le_bytes());
    out.extend_from_slice(payload);
}

/// A record: its header, then `payload`.
pub fn record(record_type: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(RECORD_HEADER_BYTES + payload.len());
    append_record(&mut out, record_type, payload);
    out
}

/// A STRING_DEF record (`text` need not be UTF-8, to test the decoder's refusal).
pub fn string_def(id: u32, text: impl AsRef<[u8]>) -> Vec<u8> {
    let mut payload = id.to_le_bytes().to_vec();
    payload.extend_from_slice(text.as_ref());
    record(STRING_DEF, &payload)
}

/// A TAGGED_EVENT record of `table` (1 `events` … 5 `auth_events`) carrying `fields`
/// ([`crate::fields`]).
pub fn tagged_event(table: u8, fields: &[u8]) -> Vec<u8> {
    let mut payload = Vec::with_capacity(1 + fields.len());
    payload.push(table);
    payload.extend_from_slice(fields);
    record(TAGGED_EVENT, &payload)
}

/// A MUTATION_EVENT record: the fixed part, `key`, then the `extension` fields.
pub fn mutation_event(fixed: &MutationFixed, key: &[u8], extension: &[u8]) -> Vec<u8> {
    let mut payload = Vec::new();
    fixed.encode_into(key, &mut payload);
    payload.extend_from_slice(extension);
    record(MUTATION_EVENT, &payload)
}

/// A batch of `records` (each with its header), in order.
pub fn batch(records: &[Vec<u8>]) -> Vec<u8> {
    let mut builder = BatchBuilder::new(usize::MAX);
    for record in records {
        builder.push_record(record);
    }
    builder.take().0
}

/// A batch under construction, up to a byte limit.
pub struct BatchBuilder {
    bytes: Vec<u8>,
    records: u32,
    events: u32,
    limit: usize,
    record_start: usize,
}

impl BatchBuilder {
    /// A batch that holds at most `limit` bytes (see [`BatchBuilder::fits`]).
    pub fn new(limit: usize) -> BatchBuilder {
        let mut builder = BatchBuilder {
            bytes: Vec::with_capacity(limit.min(1 << 16)),
            records: 0,
            events: 0,
            limit,
            record_start: 0,
        };
        builder.reset();
        builder
    }

    fn reset(&mut self) {
        self.bytes.clear();
        self.bytes.extend_from_slice(b"CDF1\0\0\0\0");
        self.records = 0;
        self.events = 0;
    }

    /// True if a record of `record_bytes` (header included) still fits.
    pub fn fits(&self, record_bytes: usize) -> bool {
        self.bytes.len() + record_bytes <= self.limit
    }

    /// Events (records other than STRING_DEF) in the batch so far.
    pub fn events(&self) -> u32 {
        self.events
    }

    /// Starts a record of `record_type`; the caller appends the payload to the returned buffer and then
    /// calls [`BatchBuilder::end_record`].
    pub fn begin_record(&mut self, record_type: u8) -> &mut Vec<u8> {
        self.record_start = self.bytes.len();
        self.bytes.extend_from_slice(&[record_type, 0, 0]);
        &mut self.bytes
    }

    /// Writes the payload length of the record begun last and counts it (as an event unless it is a
    /// STRING_DEF).
    pub fn end_record(&mut self) {
        let length = u16::try_from(self.bytes.len() - self.record_start - RECORD_HEADER_BYTES)
            .expect("a payload of at most 65,535 bytes");
        self.bytes[self.record_start + 1..self.record_start + RECORD_HEADER_BYTES]
            .copy_from_slice(&length.to_le_bytes());
        if self.bytes[self.record_start] != STRING_DEF {
            self.events += 1;
        }
        self.records += 1;
    }

    /// Appends a whole record (header included, as [`record`] makes it) and counts it.
    pub fn push_record(&mut self, record: &[u8]) {
        self.bytes.extend_from_slice(record);
        if record[0] != STRING_DEF {
            self.events += 1;
        }
        self.records += 1;
    }

    /// Appends a STRING_DEF record.
    pub fn string_def(&mut self, id: u32, text: &str) {
        let payload = self.begin_record(STRING_DEF);
        payload.extend_from_slice(&id.to_le_bytes());
        payload.extend_from_slice(text.as_bytes());
        self.end_record();
    }

    /// The finished batch and its event count; the builder starts a new one.
    pub fn take(&mut self) -> (Vec<u8>, u32) {
        self.bytes[4..8].copy_from_slice(&self.records.to_le_bytes());
        let out = (self.bytes.clone(), self.events);
        self.reset();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_shot_and_streaming_batches_are_the_same_bytes() {
        let records = [
            string_def(1, "n"),
            tagged_event(4, &[1, 1, 7, 0, 0, 0, 0, 0, 0, 0]),
        ];
        let mut builder = BatchBuilder::new(usize::MAX);
        builder.string_def(1, "n");
        let payload = builder.begin_record(TAGGED_EVENT);
        payload.extend_from_slice(&[4, 1, 1, 7, 0, 0, 0, 0, 0, 0, 0]);
        builder.end_record();
        assert_eq!(builder.events(), 1);
        let (streamed, events) = builder.take();
        assert_eq!(events, 1);
        assert_eq!(streamed, batch(&records));
        assert_eq!(&streamed[..8], b"CDF1\x02\0\0\0");
        assert_eq!(&streamed[8..16], &[1, 5, 0, 1, 0, 0, 0, b'n']);
        assert_eq!(&streamed[16..20], &[3, 11, 0, 4]);
    }
}
