//! Evidence gathered while scanning: how many rows matched, when, by which roles, on which example
//! partitions, and the largest value seen. Bounded: a few roles and partitions per tally.

use std::collections::HashMap;
use std::hash::Hash;

use serde::Serialize;

use crate::rows::EventRow;
use crate::time::format_time;

/// Most roles counted per tally (the rest are summed into `other roles`).
const ROLES: usize = 8;
/// Example partitions kept per tally.
const EXAMPLES: usize = 3;

/// Requests of one role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleCount {
    /// `user_name`, `(no role)` when NULL, `(other roles)` past the bound.
    pub role: String,
    /// Rows of that role.
    pub count: u64,
}

/// The evidence of one pattern on one table or partition.
#[derive(Debug, Clone, Default)]
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
    /// Counts `row`: its time, role and partition.
    pub fn add(&mut self, row: &EventRow<'_>) -> &mut Self {
        self.count += 1;
        if let Some(time) = row.time {
            self.first = Some(self.first.map_or(time, |first| first.min(time)));
            self.last = Some(self.last.map_or(time, |last| last.max(time)));
        }
        let role = row.user.unwrap_or("(no role)");
        if let Some(known) = self.roles.iter_mut().find(|known| known.role == role) {
            known.count += 1;
        } else if self.roles.len() < ROLES {
            self.roles.push(RoleCount {
                role: role.to_string(),
                count: 1,
            });
        } else if let Some(other) = self
            .roles
            .iter_mut()
            .find(|known| known.role == "(other roles)")
        {
            other.count += 1;
        } else {
            self.roles.push(RoleCount {
                role: "(other roles)".to_string(),
                count: 1,
            });
        }
        if let Some(hash) = row.partition_key_hash
            && self.partitions.len() < EXAMPLES
            && !self.partitions.contains(&hash)
        {
            self.partitions.push(hash);
        }
        self
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

    #[test]
    fn roles_and_partitions_are_bounded() {
        let names: Vec<String> = (0..12).map(|i| format!("r{i}")).collect();
        let mut tally = Tally::default();
        for (i, name) in names.iter().enumerate() {
            tally.add(&row(Some(name), i as i64, 100 - i as i64));
        }
        tally.add(&row(Some("r0"), 0, 500));
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
}
