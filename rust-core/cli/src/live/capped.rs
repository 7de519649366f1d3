//! A map that stops growing: once it holds `cap` keys, values of new keys go to one `other` entry.
//! What was capped is counted, so the page and /api can say so ("cardinality capped").

use std::collections::HashMap;
use std::hash::Hash;

/// A bounded map with an overflow entry.
#[derive(Debug, Clone)]
pub struct CappedMap<K, V> {
    entries: HashMap<K, V>,
    other: V,
    cap: usize,
    /// Updates that went to `other` because the map was full.
    pub capped_updates: u64,
}

impl<K: Hash + Eq, V: Default> CappedMap<K, V> {
    /// An empty map of at most `cap` keys.
    pub fn new(cap: usize) -> Self {
        CappedMap {
            entries: HashMap::new(),
            other: V::default(),
            cap,
            capped_updates: 0,
        }
    }

    /// The value of `key`, or the `other` value when the map is full and `key` is new.
    pub fn entry(&mut self, key: K) -> &mut V {
        if self.entries.len() >= self.cap && !self.entries.contains_key(&key) {
            self.capped_updates += 1;
            return &mut self.other;
        }
        self.entries.entry(key).or_default()
    }

    /// Every kept entry.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter()
    }

    /// The overflow entry (default when nothing was capped).
    pub fn other(&self) -> Option<&V> {
        (self.capped_updates > 0).then_some(&self.other)
    }

    /// Keys kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_keys_beyond_the_cap_go_to_other() {
        let mut map: CappedMap<u32, u64> = CappedMap::new(2);
        *map.entry(1) += 1;
        *map.entry(2) += 1;
        *map.entry(3) += 5;
        *map.entry(1) += 1;
        *map.entry(4) += 1;
        assert_eq!(map.len(), 2);
        assert_eq!(map.iter().map(|(_, v)| *v).sum::<u64>(), 3);
        assert_eq!(map.other(), Some(&6));
        assert_eq!(map.capped_updates, 2);
    }
}
