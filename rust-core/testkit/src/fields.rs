//! Self-describing fields (docs/wire-format.md, "Tagged records and extensions"): `id u8 | type u8 |
//! value`, appended to a payload, and [`id`], the registered ids (generated from
//! tests/vectors/fields.json, the core's registry).

/// The registered field ids (tests/vectors/fields.json).
pub mod id {
    include!(concat!(env!("OUT_DIR"), "/id.rs"));
}

/// Appends an I64 field (type 1).
pub fn i64_field(out: &mut Vec<u8>, id: u8, value: i64) {
    out.extend_from_slice(&[id, 1]);
    out.extend_from_slice(&value.to_le_bytes());
}

/// Appends a STR field (type 2): a string id, 0 = NULL.
pub fn str_field(out: &mut Vec<u8>, id: u8, string: u32) {
    out.extend_from_slice(&[id, 2]);
    out.extend_from_slice(&string.to_le_bytes());
}

/// Appends a BOOL field (type 3).
pub fn bool_field(out: &mut Vec<u8>, id: u8, value: bool) {
    out.extend_from_slice(&[id, 3, u8::from(value)]);
}

/// Appends a BYTES field (type 4).
pub fn bytes_field(out: &mut Vec<u8>, id: u8, bytes: &[u8]) {
    out.extend_from_slice(&[id, 4]);
    sized(out, bytes);
}

/// Appends a TEXT field (type 5).
pub fn text_field(out: &mut Vec<u8>, id: u8, text: &str) {
    out.extend_from_slice(&[id, 5]);
    sized(out, text.as_bytes());
}

/// Appends a TEXT_LIST field (type 6).
pub fn text_list_field(out: &mut Vec<u8>, id: u8, items: &[&str]) {
    out.extend_from_slice(&[id, 6]);
    let count = u16::try_from(items.len()).expect("at most 65,535 items");
    out.extend_from_slice(&count.to_le_bytes());
    for item in items {
        sized(out, item.as_bytes());
    }
}

/// A u16 length, then the bytes.
fn sized(out: &mut Vec<u8>, bytes: &[u8]) {
    let length = u16::try_from(bytes.len()).expect("a value of at most 65,535 bytes");
    out.extend_from_slice(&length.to_le_bytes());
    out.extend_from_slice(bytes);
}

/// Fields under construction, for tests that list them:
/// `FieldBytes::new().i64(id::EVENT_TIME, 5).str(id::NODE, 1).into_bytes()`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldBytes(Vec<u8>);

impl FieldBytes {
    /// No field.
    pub fn new() -> FieldBytes {
        FieldBytes::default()
    }

    /// Plus an I64 field.
    pub fn i64(mut self, id: u8, value: i64) -> FieldBytes {
        i64_field(&mut self.0, id, value);
        self
    }

    /// Plus a STR field.
    pub fn str(mut self, id: u8, string: u32) -> FieldBytes {
        str_field(&mut self.0, id, string);
        self
    }

    /// Plus a BOOL field.
    pub fn bool(mut self, id: u8, value: bool) -> FieldBytes {
        bool_field(&mut self.0, id, value);
        self
    }

    /// Plus a BYTES field.
    pub fn bytes(mut self, id: u8, bytes: &[u8]) -> FieldBytes {
        bytes_field(&mut self.0, id, bytes);
        self
    }

    /// Plus a TEXT field.
    pub fn text(mut self, id: u8, text: &str) -> FieldBytes {
        text_field(&mut self.0, id, text);
        self
    }

    /// Plus a TEXT_LIST field.
    pub fn text_list(mut self, id: u8, items: &[&str]) -> FieldBytes {
        text_list_field(&mut self.0, id, items);
        self
    }

    /// Plus raw bytes (a malformed or unknown field, on purpose).
    pub fn raw(mut self, bytes: &[u8]) -> FieldBytes {
        self.0.extend_from_slice(bytes);
        self
    }

    /// The encoded fields.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The encoded fields.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}
