//! Evidence gathered while scanning: how many rows matched, when, by which roles, on which example
//! partitions, and the largest value seen. Bounded: a few roles and partitions per tally.
//!
//! A parallel scan builds one partial [`Tally`] per unit (a row group) with [`Tally::add`] and merges the
//! partials in unit order with [`Tally::absorb`]: the merged tally is exactly the one a sequential scan
//! would have built row by row (same counts, same roles kept, same example partitions, same order).

use std::collections::HashMap;
use std::hash::Hash;

use serde::Serialize;

use crate::rows::EventRow;
use crate::time::format_time;

/// Most roles counted per tally (the rest are summed into `other roles`).
const ROLES: usize = 8;
/// Example partitions kept per tally.
const EXAMPLES: usize = 3;
/// The role of rows without a `user_name`.
const NO_ROLE: &str = "(no role)";
/// The roles past the first [`ROLES`], summed.
const OTHER_ROLES: &str = "(other roles)";

/// Requests of one role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleCount {
    /// `user_name`, `(no role)` when NULL, `(other roles)` past the bound.
    pub role: String,
    /// Rows of that role.
    pub count: u64,
}

/// The evidence of one pattern on one table or partition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Rows that matched.
    pub count: u64,
    /// Earliest and latest `event_time` of those rows (µs).
    pub first: Option<i64>,
    /// See `first`.
    pub last: Option<i64>,
    /// The largest value recorded with [`Tally::max`].
    pub max: i64,
    roles: Vec<RoleCount>,
    partitions: Vec<i64>,
}

impl Tally {
    /// Counts `row`: its time, role and partition. Roles are not bounded here — this builds the partial
    /// tally of one unit of a scan, bounded by its rows — but by [`Tally::absorb`].
    pub fn add(&mut self, row: &EventRow<'_>) -> &mut Self {
        self.count += 1;
        if let Some(time) = row.time {
            self.widen(time, time);
        }
        let role = row.user.unwrap_or(NO_ROLE);
        match self.roles.iter_mut().find(|known| known.role == role) {
            Some(known) => known.count += 1,
            None => self.roles.push(RoleCount {
                role: role.to_string(),
                count: 1,
            }),
        }
        if let Some(hash) = row.partition_key_hash {
            self.example(hash);
        }
        self
    }

    /// Merges `part`, the partial tally of rows that follow those already counted, as if its rows had
    /// been added one by one: roles in the order `part` first saw them, each kept while fewer than
    /// [`ROLES`] are, else summed into `(other roles)` (a role's fate is decided when first seen); example
    /// partitions in `part`'s order, while fewer than [`EXAMPLES`] are kept.
    pub fn absorb(&mut self, part: &Tally) {
        self.count += part.count;
        if let (Some(first), Some(last)) = (part.first, part.last) {
            self.widen(first, last);
        }
        self.max = self.max.max(part.max);
        for role in &part.roles {
            self.count_role(&role.role, role.count);
        }
        for hash in &part.partitions {
            self.example(*hash);
        }
    }

    /// Counts `count` rows of `role` into the bounded role list.
    fn count_role(&mut self, role: &str, count: u64) {
        if let Some(known) = self.roles.iter_mut().find(|known| known.role == role) {
            known.count += count;
        } else if self.roles.len() < ROLES {
            self.roles.push(RoleCount {
                role: role.to_string(),
                count,
            });
        } else if let Some(other) = self
            .roles
            .iter_mut()
            .find(|known| known.role == OTHER_ROLES)
        {
            other.count += count;
        } else {
            self.roles.push(RoleCount {
                role: OTHER_ROLES.to_string(),
                count,
            });
        }
    }

    fn widen(&mut self, first: i64, last: i64) {
        self.first = Some(self.first.map_or(first, |known| known.min(first)));
        self.last = Some(self.last.map_or(last, |known| known.max(last)));
    }

    fn example(&mut self, hash: i64) {
        if self.partitions.len() < EXAMPLES && !self.partitions.contains(&hash) {
            self.partitions.push(hash);
        }
    }

    /// Keeps the largest `value`.
    pub fn max(&mut self, value: Option<i64>) -> &mut Self {
        if let Some(value) = value {
            self.max = self.max.max(value);
        }
        self
    }

    /// The roles, busiest first.
    pub fn roles(&self) -> Vec<RoleCount> {
        let mut roles = self.roles.clone();
        roles.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.role.cmp(&b.role)));
        roles
    }

    /// Example partitions (keyed hashes), in the order first seen.
    pub fn partitions(&self) -> &[i64] {
        &self.partitions
    }

    /// The first time, RFC 3339.
    pub fn first_text(&self) -> Option<String> {
        self.first.map(format_time)
    }

    /// The last time, RFC 3339.
    pub fn last_text(&self) -> Option<String> {
        self.last.map(format_time)
    }
}

/// Most distinct values a [`Distinct`] keeps (past it, `count` is a lower bound).
pub const DISTINCT_CAP: usize = 100_000;

/// The distinct values of one kind in a group (client hosts, nodes, partitions, …) with how often each
/// was seen: every value up to [`DISTINCT_CAP`], so lists are complete and counts exact below it.
#[derive(Debug, Clone)]
pub struct Distinct<K> {
    values: HashMap<K, u64>,
    /// Values not kept because the cap was reached.
    pub overflowed: bool,
}

impl<K> Default for Distinct<K> {
    fn default() -> Self {
        Distinct {
            values: HashMap::new(),
            overflowed: false,
        }
    }
}

impl<K: Eq + Hash + Ord + Clone> Distinct<K> {
    /// Counts one occurrence of `value` (borrowed, converted only when new).
    pub fn add<Q>(&mut self, value: &Q)
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ToOwned<Owned = K> + ?Sized,
    {
        if let Some(count) = self.values.get_mut(value) {
            *count += 1;
        } else if self.values.len() < DISTINCT_CAP {
            self.values.insert(value.to_owned(), 1);
        } else {
            self.overflowed = true;
        }
    }

    /// Distinct values seen (a lower bound when [`Distinct::overflowed`]).
    pub fn count(&self) -> usize {
        self.values.len()
    }

    /// Every value kept, most frequent first, then by value.
    pub fn sorted(&self) -> Vec<(&K, u64)> {
        let mut values: Vec<(&K, u64)> = self.values.iter().map(|(k, n)| (k, *n)).collect();
        values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        values
    }

    /// The first `limit` values (most frequent first; all for 0).
    pub fn first(&self, limit: usize) -> Vec<&K> {
        let sorted = self.sorted();
        let take = if limit == 0 { sorted.len() } else { limit };
        sorted.into_iter().take(take).map(|(k, _)| k).collect()
    }

    /// `a, b, c (+38 more)` (`?` when empty).
    pub fn text(&self, limit: usize, show: impl Fn(&K) -> String) -> String {
        if self.values.is_empty() {
            return "?".into();
        }
        let listed = self.first(limit);
        let mut text = listed
            .iter()
            .map(|value| show(value))
            .collect::<Vec<_>>()
            .join(", ");
        let more = self.count() - listed.len();
        if more > 0 || self.overflowed {
            let plus = if self.overflowed { "+" } else { "" };
            text.push_str(&format!(" (+{more}{plus} more)"));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::Kind;

    fn row(user: Option<&str>, hash: i64, time: i64) -> EventRow<'_> {
        EventRow {
            time: Some(time),
            kind: Kind::CoordinatorWrite,
            kind_name: Some("coordinator_write"),
            user,
            partition_key_hash: Some(hash),
            ..EventRow::default()
        }
    }

    #[test]
    fn distinct_values_are_complete_and_listed_busiest_first() {
        let mut hosts: Distinct<String> = Distinct::default();
        for i in 0..48 {
            hosts.add(format!("10.0.0.{i}").as_str());
        }
        hosts.add("10.0.0.7");
        assert_eq!(hosts.count(), 48);
        assert_eq!(hosts.first(2), vec!["10.0.0.7", "10.0.0.0"]);
        assert_eq!(
            hosts.text(2, |h| h.clone()),
            "10.0.0.7, 10.0.0.0 (+46 more)"
        );
        assert_eq!(hosts.first(0).len(), 48);
        assert_eq!(Distinct::<i64>::default().text(3, i64::to_string), "?");
    }

    /// The tally of `rows` merged one row at a time: what a sequential scan builds.
    fn sequential(rows: &[EventRow<'_>]) -> Tally {
        let mut tally = Tally::default();
        for row in rows {
            let mut part = Tally::default();
            part.add(row).max(row.tombstones);
            tally.absorb(&part);
        }
        tally
    }

    #[test]
    fn roles_and_partitions_are_bounded() {
        let names: Vec<String> = (0..12).map(|i| format!("r{i}")).collect();
        let mut rows: Vec<EventRow<'_>> = names
            .iter()
            .enumerate()
            .map(|(i, name)| row(Some(name), i as i64, 100 - i as i64))
            .collect();
        rows.push(row(Some("r0"), 0, 500));
        let tally = sequential(&rows);
        assert_eq!(tally.count, 13);
        assert_eq!((tally.first, tally.last), (Some(89), Some(500)));
        let roles = tally.roles();
        assert_eq!(roles.len(), 9);
        assert_eq!(
            (roles[0].role.as_str(), roles[0].count),
            ("(other roles)", 4)
        );
        assert_eq!((roles[1].role.as_str(), roles[1].count), ("r0", 2));
        assert_eq!(tally.partitions(), &[0, 1, 2]);
    }

    #[test]
    fn partial_tallies_merged_in_order_equal_the_sequential_tally() {
        // 400 rows of 14 roles (and no role), 9 partitions, in an order where roles and partitions
        // first appear late and scattered: the bounds are hit inside and across partials.
        let names: Vec<String> = (0..14).map(|i| format!("role{i}")).collect();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below
        };
        let rows: Vec<EventRow<'_>> = (0..400)
            .map(|i| {
                let role = next(15) as usize;
                EventRow {
                    tombstones: Some(next(1_000) as i64),
                    ..row(
                        names.get(role).map(String::as_str),
                        next(9) as i64 - 4,
                        1_000 + next(5_000) as i64 - i,
                    )
                }
            })
            .collect();
        let expected = sequential(&rows);
        assert_eq!(expected.count, 400);
        assert_eq!(expected.roles().len(), ROLES + 1);
        assert_eq!(expected.partitions().len(), EXAMPLES);
        for size in [1, 2, 3, 7, 50, 128, 399, 400] {
            let mut merged = Tally::default();
            for chunk in rows.chunks(size) {
                let mut part = Tally::default();
                for row in chunk {
                    part.add(row).max(row.tombstones);
                }
                merged.absorb(&part);
            }
            assert_eq!(merged, expected, "partials of {size} rows");
        }
    }
}
