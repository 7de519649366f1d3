//! A wire-format batch under construction (docs/wire-format.md): `CDF1`, record count, records.

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
            bytes: Vec::with_capacity(limit.min(1 << 20)),
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
        let length = (self.bytes.len() - self.record_start - 3) as u16;
        self.bytes[self.record_start + 1..self.record_start + 3]
            .copy_from_slice(&length.to_le_bytes());
        if self.bytes[self.record_start] != 1 {
            self.events += 1;
        }
        self.records += 1;
    }

    pub fn string_def(&mut self, id: u32, text: &str) {
        let payload = self.begin_record(1);
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
