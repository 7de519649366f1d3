//! The string table: id → text, filled by STRING_DEF records (docs/wire-format.md).
//!
//! Shared between the JNI threads (synchronous `define`) and the writer thread (inline definitions and
//! lookups), behind a `parking_lot::RwLock`.
//!
//! Invariants: id 0 is never stored (it means "absent"); once an id is defined its text never changes
//! (redefining with the same text is a no-op, with another text an error), so anything resolved once
//! stays valid; entries are never removed.
//!
//! Layout: the agent assigns ids densely from 1, so ids below [`DENSE_IDS`] live in a vector indexed by
//! id (a lookup is one bounds check; the writer does ~20 per event); larger ids go to a hash map, so a
//! stray huge id cannot make the vector huge.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use parking_lot::{RwLock, RwLockReadGuard};

/// Longest excerpt of a string quoted in an error message.
const QUOTE_LIMIT: usize = 60;

/// Ids below this are stored in the dense vector (at most 1 MiB of slots).
pub const DENSE_IDS: u32 = 1 << 16;

/// A rejected definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StringError {
    /// Id 0 is reserved for "absent".
    #[error("string id 0 is reserved")]
    ReservedId,
    /// The id already has a different text.
    #[error("string id {id} redefined: was {existing:?}, now {new:?}")]
    Conflict {
        /// The id.
        id: u32,
        /// Its text so far (shortened).
        existing: String,
        /// The rejected text (shortened).
        new: String,
    },
}

/// Thread-safe id → text map. Cheap to share behind an `Arc`.
#[derive(Debug, Default)]
pub struct StringTable {
    entries: RwLock<Entries>,
}

/// The id → text storage (see the module doc for the layout).
#[derive(Debug, Default)]
struct Entries {
    dense: Vec<Option<Arc<str>>>,
    sparse: HashMap<u32, Arc<str>, BuildHasherDefault<IdHasher>>,
    count: usize,
    /// Ids in the order they were defined (the journal copies definitions in this order).
    order: Vec<u32>,
}

impl Entries {
    #[inline]
    fn get(&self, id: u32) -> Option<&Arc<str>> {
        if id < DENSE_IDS {
            self.dense.get(id as usize).and_then(Option::as_ref)
        } else {
            self.sparse.get(&id)
        }
    }

    /// Stores a new id (the caller checked that it is absent and not 0).
    fn insert(&mut self, id: u32, text: Arc<str>) {
        if id < DENSE_IDS {
            let slot = id as usize;
            if self.dense.len() <= slot {
                self.dense.resize(slot + 1, None);
            }
            self.dense[slot] = Some(text);
        } else {
            self.sparse.insert(id, text);
        }
        self.count += 1;
        self.order.push(id);
    }
}

impl StringTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Defines `id` as `text`. Returns `Ok(true)` if the id is new, `Ok(false)` if it already had this text.
    pub fn define(&self, id: u32, text: &str) -> Result<bool, StringError> {
        if id == 0 {
            return Err(StringError::ReservedId);
        }
        if let Some(existing) = self.entries.read().get(id) {
            return same_text(id, existing, text).map(|()| false);
        }
        let mut entries = self.entries.write();
        if let Some(existing) = entries.get(id) {
            return same_text(id, existing, text).map(|()| false);
        }
        entries.insert(id, Arc::from(text));
        Ok(true)
    }

    /// The text of `id`, if defined.
    pub fn get(&self, id: u32) -> Option<Arc<str>> {
        self.entries.read().get(id).cloned()
    }

    /// Number of defined ids.
    pub fn len(&self) -> usize {
        self.entries.read().count
    }

    /// True when no id is defined.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Definitions number `from..` in definition order, as `(id, text)` (the journal appends them before
    /// the batches that may use them). Returns how many definitions exist in all.
    pub fn definitions_from(&self, from: usize, out: &mut Vec<(u32, Arc<str>)>) -> usize {
        let entries = self.entries.read();
        for &id in entries.order.iter().skip(from) {
            if let Some(text) = entries.get(id) {
                out.push((id, Arc::clone(text)));
            }
        }
        entries.order.len()
    }

    /// A read view for many lookups under one lock acquisition. Do not call [`StringTable::define`]
    /// on the same thread while holding it (that would deadlock).
    pub fn read(&self) -> StringsView<'_> {
        StringsView {
            entries: self.entries.read(),
        }
    }
}

/// Many lookups under one read lock (see [`StringTable::read`]).
pub struct StringsView<'a> {
    entries: RwLockReadGuard<'a, Entries>,
}

impl StringsView<'_> {
    /// The text of `id`; `None` for 0 and for undefined ids.
    #[inline]
    pub fn get(&self, id: u32) -> Option<&str> {
        self.entries.get(id).map(|text| &**text)
    }

    /// True if `id` is defined (0 never is).
    #[inline]
    pub fn contains(&self, id: u32) -> bool {
        self.entries.get(id).is_some()
    }
}

fn same_text(id: u32, existing: &str, new: &str) -> Result<(), StringError> {
    if existing == new {
        Ok(())
    } else {
        Err(StringError::Conflict {
            id,
            existing: shorten(existing),
            new: shorten(new),
        })
    }
}

/// At most [`QUOTE_LIMIT`] characters of `text`, with "…" when cut.
pub(crate) fn shorten(text: &str) -> String {
    match text.char_indices().nth(QUOTE_LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Hasher for `u32` ids assigned by the agent: one multiplication (Fibonacci hashing) instead of SipHash.
/// Ids are not attacker-controlled keys of an exposed service, so HashDoS resistance is not needed.
#[derive(Debug, Default, Clone, Copy)]
pub struct IdHasher {
    hash: u64,
}

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.hash
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.hash =
                (self.hash.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, id: u32) {
        self.hash = u64::from(id).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_come_back_in_definition_order_from_any_point() {
        let table = StringTable::new();
        table.define(70_000, "sparse").unwrap();
        table.define(2, "b").unwrap();
        table.define(1, "a").unwrap();
        table.define(2, "b").unwrap(); // a repeat is not a new definition
        let mut all = Vec::new();
        assert_eq!(table.definitions_from(0, &mut all), 3);
        let all: Vec<(u32, String)> = all.into_iter().map(|(id, t)| (id, t.to_string())).collect();
        assert_eq!(
            all,
            [(70_000, "sparse".into()), (2, "b".into()), (1, "a".into())]
        );
        let mut tail = Vec::new();
        assert_eq!(table.definitions_from(2, &mut tail), 3);
        assert_eq!(tail.len(), 1);
        assert_eq!(tail[0].0, 1);
    }

    #[test]
    fn define_and_resolve() {
        let table = StringTable::new();
        assert_eq!(table.define(1, "shop"), Ok(true));
        assert_eq!(table.define(1, "shop"), Ok(false));
        assert_eq!(table.get(1).as_deref(), Some("shop"));
        assert_eq!(table.get(2), None);
        let view = table.read();
        assert_eq!(view.get(1), Some("shop"));
        assert_eq!(view.get(0), None);
        assert!(view.contains(1) && !view.contains(0) && !view.contains(7));
    }

    #[test]
    fn zero_and_conflicts_are_rejected() {
        let table = StringTable::new();
        assert_eq!(table.define(0, "x"), Err(StringError::ReservedId));
        table.define(5, "a").unwrap();
        let err = table.define(5, "b").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"string id 5 redefined: was "a", now "b""#
        );
        assert_eq!(table.get(5).as_deref(), Some("a"));
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn long_texts_are_shortened_in_messages() {
        let long = "é".repeat(200);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), QUOTE_LIMIT + 1);
        assert!(short.ends_with('…'));
    }

    #[test]
    fn dense_and_sparse_ids_behave_alike() {
        let table = StringTable::new();
        for id in [1, 2, DENSE_IDS - 1, DENSE_IDS, u32::MAX] {
            assert_eq!(table.define(id, &id.to_string()), Ok(true));
            assert_eq!(table.define(id, &id.to_string()), Ok(false));
            assert!(table.define(id, "other").is_err());
            assert_eq!(table.get(id).as_deref(), Some(id.to_string().as_str()));
        }
        assert_eq!(table.len(), 5);
        let view = table.read();
        assert!(!view.contains(3) && !view.contains(DENSE_IDS + 1) && !view.contains(0));
        assert_eq!(view.get(u32::MAX), Some("4294967295"));
    }

    #[test]
    fn concurrent_defines_agree() {
        let table = Arc::new(StringTable::new());
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let table = Arc::clone(&table);
                std::thread::spawn(move || {
                    for id in 1..=1000u32 {
                        table.define(id, &id.to_string()).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(table.len(), 1000);
        assert_eq!(table.get(777).as_deref(), Some("777"));
    }
}
