//! Evidence gathered while scanning: how many rows matched, when, by which roles, on which example
//! partitions, and the largest value seen. Bounded: a few roles and partitions per tally.
//!
//! A parallel scan builds one partial [`Tally`] per unit (a row group) with [`Tally::add`] and merges the
//! partials in unit order with [`Tally::absorb`]: the merged tally is exactly the one a sequential scan
//! would have built row by row (same counts, same roles kept, same example partitions, same order).
//! Nothing is allocated per tally: roles are ids into the [`Roles`] of whoever owns the tally (a partial,
//! or the merged result; [`Roles::translation`] maps one to the other), up to two inline, and the example
//! partitions are a fixed array. Role names are only looked up when a tally is reported.

use std::collections::HashMap;
use std::hash::Hash;

use foldhash::fast::FixedState;
use indexmap::IndexSet;
use serde::Serialize;
use smallvec::SmallVec;

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

/// The index of a role name in a [`Roles`] table.
pub type RoleId = usize;

/// The role names a set of tallies refers to, each once, numbered in the order first seen.
#[derive(Debug, Clone, Default)]
pub struct Roles {
    names: IndexSet<String, FixedState>,
}

impl Roles {
    /// The id of `role`, added if new.
    pub fn id(&mut self, role: &str) -> RoleId {
        match self.names.get_index_of(role) {
            Some(index) => index,
            None => self.names.insert_full(role.to_string()).0,
        }
    }

    /// The id of the role of a row with this `user_name` (`(no role)` when NULL).
    pub fn of_user(&mut self, user: Option<&str>) -> RoleId {
        self.id(user.unwrap_or(NO_ROLE))
    }

    /// The name of `id`.
    pub fn name(&self, id: RoleId) -> &str {
        &self.names[id]
    }

    /// How the ids of `part` map to ids of `self` (the names of `part` added to `self` if new), to
    /// [`Tally::absorb`] tallies of `part` into tallies of `self`.
    pub fn translation(&mut self, part: &Roles) -> Translation {
        Translation {
            ids: part.names.iter().map(|name| self.id(name)).collect(),
            other: self.id(OTHER_ROLES),
        }
    }
}

/// Role ids of one [`Roles`] table as ids of another ([`Roles::translation`]).
#[derive(Debug, Clone)]
pub struct Translation {
    ids: Vec<RoleId>,
    other: RoleId,
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
    /// Rows per role, in the order first seen.
    roles: SmallVec<[(RoleId, u64); 2]>,
    /// Example partitions, in the order first seen: the first `examples` of `partitions`.
    partitions: [i64; EXAMPLES],
    examples: u8,
}

impl Tally {
    /// Counts `row` of the role `role`: its time, role and partition. Roles are not bounded here — this
    /// builds the partial tally of one unit of a scan, bounded by its rows — but by [`Tally::absorb`].
    pub fn add(&mut self, row: &EventRow<'_>, role: RoleId) -> &mut Self {
        self.count += 1;
        if let Some(time) = row.time {
            self.widen(time, time);
        }
        match self.roles.iter_mut().find(|known| known.0 == role) {
            Some(known) => known.1 += 1,
            None => self.roles.push((role, 1)),
        }
        if let Some(hash) = row.partition_key_hash {
            self.example(hash);
        }
        self
    }

    /// Merges `part`, the partial tally of rows that follow those already counted (its roles mapped by
    /// `roles`), as if its rows had been added one by one: roles in the order `part` first saw them,
    /// each kept while fewer than [`ROLES`] are, else summed into `(other roles)` (a role's fate is
    /// decided when first seen); example partitions in `part`'s order, while fewer than [`EXAMPLES`]
    /// are kept.
    pub fn absorb(&mut self, part: &Tally, roles: &Translation) {
        self.count += part.count;
        if let (Some(first), Some(last)) = (part.first, part.last) {
            self.widen(first, last);
        }
        self.max = self.max.max(part.max);
        for (role, count) in &part.roles {
            self.count_role(roles.ids[*role], *count, roles.other);
        }
        for hash in part.partitions() {
            self.example(*hash);
        }
    }

    /// Counts `count` rows of `role` into the bounded role list (`other`: the id of `(other roles)`).
    fn count_role(&mut self, role: RoleId, count: u64, other: RoleId) {
        if let Some(known) = self.roles.iter_mut().find(|known| known.0 == role) {
            known.1 += count;
        } else if self.roles.len() < ROLES {
            self.roles.push((role, count));
        } else if let Some(known) = self.roles.iter_mut().find(|known| known.0 == other) {
            known.1 += count;
        } else {
            self.roles.push((other, count));
        }
    }

    fn widen(&mut self, first: i64, last: i64) {
        self.first = Some(self.first.map_or(first, |known| known.min(first)));
        self.last = Some(self.last.map_or(last, |known| known.max(last)));
    }

    fn example(&mut self, hash: i64) {
        let kept = usize::from(self.examples);
        if kept < EXAMPLES && !self.partitions[..kept].contains(&hash) {
            self.partitions[kept] = hash;
            self.examples += 1;
        }
    }

    /// Keeps the largest `value`.
    pub fn max(&mut self, value: Option<i64>) -> &mut Self {
        if let Some(value) = value {
            self.max = self.max.max(value);
        }
        self
    }

    /// The roles (named by `names`, the table of this tally's ids), busiest first.
    pub fn roles(&self, names: &Roles) -> Vec<RoleCount> {
        let mut roles: Vec<RoleCount> = self
            .roles
            .iter()
            .map(|(role, count)| RoleCount {
                role: names.name(*role).to_string(),
                count: *count,
            })
            .collect();
        roles.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.role.cmp(&b.role)));
        roles
    }

    /// Example partitions (keyed hashes), in the order first seen.
    pub fn partitions(&self) -> &[i64] {
        &self.partitions[..usize::from(self.examples)]
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

    /// The tally of `rows` merged one row at a time, each row a partial with its own role table: what a
    /// sequential scan builds. With the role table of the result.
    fn sequential(rows: &[EventRow<'_>]) -> (Tally, Roles) {
        merged(rows, 1)
    }

    /// The tally of `rows` built as partials of `size` rows (each with its own role table) merged in
    /// order, with the role table of the result.
    fn merged(rows: &[EventRow<'_>], size: usize) -> (Tally, Roles) {
        let mut tally = Tally::default();
        let mut names = Roles::default();
        for chunk in rows.chunks(size) {
            let mut part = Tally::default();
            let mut part_names = Roles::default();
            for row in chunk {
                let role = part_names.of_user(row.user);
                part.add(row, role).max(row.tombstones);
            }
            tally.absorb(&part, &names.translation(&part_names));
        }
        (tally, names)
    }

    /// What a tally reports: everything but the role ids, roles by name.
    fn report(
        tally: &Tally,
        names: &Roles,
    ) -> (u64, Option<i64>, Option<i64>, i64, Vec<RoleCount>, Vec<i64>) {
        (
            tally.count,
            tally.first,
            tally.last,
            tally.max,
            tally.roles(names),
            tally.partitions().to_vec(),
        )
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
        let (tally, names) = sequential(&rows);
        assert_eq!(tally.count, 13);
        assert_eq!((tally.first, tally.last), (Some(89), Some(500)));
        let roles = tally.roles(&names);
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
        let (expected, expected_names) = sequential(&rows);
        let expected = report(&expected, &expected_names);
        assert_eq!(expected.0, 400);
        assert_eq!(expected.4.len(), ROLES + 1);
        assert_eq!(expected.5.len(), EXAMPLES);
        for size in [1, 2, 3, 7, 50, 128, 399, 400] {
            let (tally, names) = merged(&rows, size);
            assert_eq!(report(&tally, &names), expected, "partials of {size} rows");
        }
    }

    #[test]
    fn a_role_named_like_the_bucket_of_other_roles_is_counted_as_before() {
        // Role names are compared as names, whatever table numbers them: a user literally called
        // "(other roles)" or "(no role)" lands where the string-keyed tallies put it.
        let names: Vec<String> = (0..9).map(|i| format!("r{i}")).collect();
        let mut rows: Vec<EventRow<'_>> = names.iter().map(|name| row(Some(name), 1, 10)).collect();
        rows.push(row(Some("(other roles)"), 1, 10));
        rows.push(row(None, 1, 10));
        rows.push(row(Some("(no role)"), 1, 10));
        let (tally, names) = merged(&rows, 4);
        let roles = tally.roles(&names);
        assert_eq!(
            roles
                .iter()
                .map(|r| (r.role.as_str(), r.count))
                .collect::<Vec<_>>(),
            vec![
                ("(other roles)", 4),
                ("r0", 1),
                ("r1", 1),
                ("r2", 1),
                ("r3", 1),
                ("r4", 1),
                ("r5", 1),
                ("r6", 1),
                ("r7", 1),
            ]
        );
    }
}
