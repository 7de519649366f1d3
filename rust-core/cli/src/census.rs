//! The first pass over the lineage: how often each client/role and each table occurs (to keep the
//! most frequent ones as vertices and merge the rest), and, with `--role`, which requests the role
//! made (to attribute replica rows, which carry no `user_name`, to it).
//!
//! Memory is bounded: at most [`TRACKED_KEYS`] distinct clients and tables are counted (later new
//! ones go straight to "other") and at most [`ROLE_KEYS`] request keys are kept for attribution.
//!
//! Role attribution: a `replica_write` row whose `user_name` is NULL belongs to the role when a
//! `coordinator_write` of the role on its `coordinator` has the same keyspace, table,
//! `partition_key_hash` and `write_timestamp`; a `replica_read` when a `coordinator_read` of the
//! role on its coordinator has the same keyspace, table and `partition_key_hash` (approximate: two
//! roles reading the same partition through the same coordinator are not told apart). Replica rows
//! whose coordinator's lineage was not given cannot be attributed and are left out.

use std::collections::HashSet;
use std::collections::hash_map::DefaultHasher;

use foldhash::fast::FixedState;
use indexmap::IndexMap;
use std::hash::{Hash, Hasher};

use crate::discover::LineageFiles;
use crate::error::CliError;
use crate::filter::Filters;
use crate::rows::{EventRow, Kind, scan_compactions, scan_events, scan_flushes};

/// Most distinct clients (and, separately, tables) counted.
pub const TRACKED_KEYS: usize = 100_000;
/// Most request keys kept to attribute replica rows to the `--role`.
pub const ROLE_KEYS: usize = 4_000_000;

/// A string-keyed map holding at most `limit` keys; the values of keys beyond go to one overflow value.
/// Keys keep the order they were first seen in, so that partial maps of a parallel scan merge
/// ([`BoundedMap::absorb`]) into exactly the map a sequential scan builds.
#[derive(Debug, Clone)]
pub struct BoundedMap<V> {
    map: IndexMap<String, V, FixedState>,
    limit: usize,
    overflow: V,
    overflowed: bool,
}

impl<V: Default> BoundedMap<V> {
    /// An empty map of at most `limit` keys.
    pub fn new(limit: usize) -> Self {
        BoundedMap {
            map: IndexMap::with_hasher(FixedState::default()),
            limit,
            overflow: V::default(),
            overflowed: false,
        }
    }

    /// An empty map without a limit: the partial map of one unit of a parallel scan, bounded by the
    /// rows of that unit.
    pub fn unbounded() -> Self {
        Self::new(usize::MAX)
    }

    /// Merges `part` — the partial map of the rows that follow those already in `self` — key by key in
    /// the order `part` first saw them: the result is the map the rows of both would have built one by
    /// one (a key's fate, tracked or overflow, is decided when it is first seen). `part` must be
    /// [`BoundedMap::unbounded`]. A new key's value is merged into a default value, never taken as is:
    /// `merge` may bound what a partial value holds unbounded (`evidence::Tally` keeps 8 roles).
    pub fn absorb(&mut self, part: BoundedMap<V>, merge: impl Fn(&mut V, &V)) {
        debug_assert!(!part.overflowed, "a partial map is unbounded");
        for (key, value) in part.map {
            self.absorb_one(key, &value, &merge);
        }
    }

    /// Merges the partial value of one key (see [`BoundedMap::absorb`]).
    pub fn absorb_one(&mut self, key: String, value: &V, merge: impl Fn(&mut V, &V)) {
        if let Some(known) = self.map.get_mut(&key) {
            merge(known, value);
        } else if self.map.len() < self.limit {
            let mut fresh = V::default();
            merge(&mut fresh, value);
            self.map.insert(key, fresh);
        } else {
            self.overflowed = true;
            merge(&mut self.overflow, value);
        }
    }

    /// The value of `key`, created if there is room, else the overflow value.
    pub fn entry(&mut self, key: &str) -> &mut V {
        if let Some(index) = self.map.get_index_of(key) {
            return &mut self.map[index];
        }
        if self.map.len() >= self.limit {
            self.overflowed = true;
            return &mut self.overflow;
        }
        let (index, _) = self.map.insert_full(key.to_string(), V::default());
        &mut self.map[index]
    }

    /// The value of a tracked key.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.map.get(key)
    }

    /// The tracked keys and values.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &V)> {
        self.map.iter()
    }

    /// The value of the keys that did not fit, if any did not.
    pub fn overflow(&self) -> Option<&V> {
        self.overflowed.then_some(&self.overflow)
    }

    /// The `cap` keys to show on their own (the heaviest by `weight`, ties by name) — all of them when
    /// there are at most `cap` keys in all, else `cap - 1`, the rest being merged into one "other".
    pub fn top_keys(&self, cap: usize, weight: impl Fn(&V) -> u64) -> Vec<String> {
        let mut keys: Vec<(u64, &String)> = self
            .map
            .iter()
            .map(|(key, value)| (weight(value), key))
            .collect();
        keys.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        let keep = if keys.len() <= cap && !self.overflowed {
            keys.len()
        } else {
            cap.saturating_sub(1)
        };
        keys.into_iter()
            .take(keep)
            .map(|(_, key)| key.clone())
            .collect()
    }
}

/// Writes the vertex label of the client of a coordinator row into `out`: `role:<user_name>`,
/// else `client:<host>` (the port is dropped: each connection has its own), else `internal`.
pub fn client_label(user: Option<&str>, client: Option<&str>, out: &mut String) {
    out.clear();
    if let Some(user) = user {
        out.push_str("role:");
        out.push_str(user);
    } else if let Some(client) = client {
        out.push_str("client:");
        out.push_str(client_host(client));
    } else {
        out.push_str("internal");
    }
}

/// The host of a client address (the core's, which names the `client` vertices of `flows`).
pub use cdflow_core::flows::rows::client_host;

/// Writes the vertex label of a table into `out`: `<keyspace>.<table>` (`?` for a NULL part).
pub fn table_label(keyspace: Option<&str>, table: Option<&str>, out: &mut String) {
    out.clear();
    out.push_str(keyspace.unwrap_or("?"));
    out.push('.');
    out.push_str(table.unwrap_or("?"));
}

/// What the first pass learned.
#[derive(Debug)]
pub struct Census {
    /// Coordinator rows per client label.
    pub clients: BoundedMap<u64>,
    /// Rows (events, flushes, compactions) per table label.
    pub tables: BoundedMap<u64>,
    role: Option<RoleRequests>,
}

/// The requests of the `--role`.
#[derive(Debug)]
struct RoleRequests {
    role: String,
    keys: HashSet<u64>,
    tables: HashSet<String>,
}

impl Census {
    /// Reads the lineage once to count clients and tables, and collect the role's requests.
    pub fn take(files: &LineageFiles, filters: &Filters) -> Result<Census, CliError> {
        let mut census = Census {
            clients: BoundedMap::new(TRACKED_KEYS),
            tables: BoundedMap::new(TRACKED_KEYS),
            role: filters.role.as_ref().map(|role| RoleRequests {
                role: role.clone(),
                keys: HashSet::new(),
                tables: HashSet::new(),
            }),
        };
        let mut label = String::new();
        scan_events(files, filters, |row| {
            if let Some(role) = &mut census.role {
                if row.user != Some(role.role.as_str()) {
                    return;
                }
                if let Some(key) = request_key(row, row.coordinator_or_self())
                    && role.keys.len() < ROLE_KEYS
                {
                    role.keys.insert(key);
                }
                table_label(row.keyspace, row.table, &mut label);
                if role.tables.len() < TRACKED_KEYS && !role.tables.contains(&label) {
                    role.tables.insert(label.clone());
                }
            }
            if row.is_request() {
                client_label(row.user, row.client, &mut label);
                *census.clients.entry(&label) += 1;
            }
            table_label(row.keyspace, row.table, &mut label);
            *census.tables.entry(&label) += 1;
        })?;
        if census.role.is_none() {
            scan_flushes(files, filters, |row| {
                table_label(row.keyspace, row.table, &mut label);
                *census.tables.entry(&label) += 1;
            })?;
            scan_compactions(files, filters, |row| {
                table_label(row.keyspace, row.table, &mut label);
                *census.tables.entry(&label) += 1;
            })?;
        }
        Ok(census)
    }

    /// Whether an `events` row belongs to the `--role` (always, without one).
    pub fn event_matches_role(&self, row: &EventRow<'_>) -> bool {
        let Some(role) = &self.role else {
            return true;
        };
        match row.user {
            Some(user) => user == role.role,
            None => match row.kind {
                Kind::ReplicaWrite | Kind::ReplicaRead => {
                    request_key(row, row.coordinator).is_some_and(|key| role.keys.contains(&key))
                }
                _ => false,
            },
        }
    }

    /// Whether a table's flushes and compactions belong in the graph: always without `--role`, else
    /// when the role's requests reached the table.
    pub fn table_matches_role(&self, table_label: &str) -> bool {
        self.role
            .as_ref()
            .is_none_or(|role| role.tables.contains(table_label))
    }
}

/// The key that ties a replica row to its coordinator row (see the module documentation).
fn request_key(row: &EventRow<'_>, coordinator: Option<&str>) -> Option<u64> {
    let coordinator = coordinator?;
    let partition = row.partition_key_hash?;
    let mut hasher = DefaultHasher::new();
    match row.kind {
        Kind::CoordinatorWrite | Kind::ReplicaWrite => {
            ('w', row.write_timestamp?).hash(&mut hasher);
        }
        Kind::CoordinatorRead | Kind::ReplicaRead => 'r'.hash(&mut hasher),
        Kind::Other => return None,
    }
    (coordinator, row.keyspace, row.table, partition).hash(&mut hasher);
    Some(hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_hosts_drop_the_port() {
        assert_eq!(client_host("/10.0.0.1:5555"), "10.0.0.1");
        assert_eq!(client_host("10.0.0.1"), "10.0.0.1");
        assert_eq!(client_host("[::1]:5555"), "::1");
        assert_eq!(client_host("fe80::1"), "fe80::1");
    }

    #[test]
    fn bounded_map_overflows_and_keeps_the_heaviest() {
        let mut map: BoundedMap<u64> = BoundedMap::new(3);
        for (key, n) in [("a", 5), ("b", 1), ("c", 9), ("d", 7)] {
            *map.entry(key) += n;
        }
        assert_eq!(map.overflow(), Some(&7));
        assert_eq!(map.top_keys(10, |n| *n), vec!["c", "a", "b"]);
        assert_eq!(map.top_keys(3, |n| *n), vec!["c", "a"]);
        let mut small: BoundedMap<u64> = BoundedMap::new(10);
        for (key, n) in [("a", 5), ("b", 1), ("c", 5)] {
            *small.entry(key) += n;
        }
        assert_eq!(small.top_keys(3, |n| *n), vec!["a", "c", "b"]);
        assert_eq!(small.top_keys(2, |n| *n), vec!["a"]);
    }

    #[test]
    fn a_new_key_is_merged_into_a_default_value_not_taken_as_is() {
        // A merge that bounds its value (at most 2 items), like evidence::Tally's roles.
        let bounded = |into: &mut Vec<u32>, from: &Vec<u32>| {
            for item in from {
                if into.len() < 2 {
                    into.push(*item);
                }
            }
        };
        let mut map: BoundedMap<Vec<u32>> = BoundedMap::new(10);
        let mut part: BoundedMap<Vec<u32>> = BoundedMap::unbounded();
        part.entry("a").extend([1, 2, 3]);
        map.absorb(part, bounded);
        assert_eq!(map.get("a"), Some(&vec![1, 2]));
    }

    #[test]
    fn absorbing_partial_maps_in_order_equals_one_sequential_map() {
        let rows = ["a", "b", "a", "c", "d", "b", "e", "a", "f", "c", "g", "d"];
        for limit in 1..8 {
            let mut sequential: BoundedMap<u64> = BoundedMap::new(limit);
            for key in rows {
                *sequential.entry(key) += 1;
            }
            for split in [1, 2, 3, 5] {
                let mut merged: BoundedMap<u64> = BoundedMap::new(limit);
                for chunk in rows.chunks(split) {
                    let mut part = BoundedMap::unbounded();
                    for key in chunk {
                        *part.entry(key) += 1;
                    }
                    merged.absorb(part, |into, from| *into += from);
                }
                let pairs = |map: &BoundedMap<u64>| {
                    let mut pairs: Vec<(String, u64)> =
                        map.iter().map(|(key, n)| (key.clone(), *n)).collect();
                    pairs.sort();
                    pairs
                };
                assert_eq!(
                    pairs(&merged),
                    pairs(&sequential),
                    "limit {limit}, split {split}"
                );
                assert_eq!(merged.overflow(), sequential.overflow(), "limit {limit}");
            }
        }
    }
}
