//! The hottest partitions of one table in one window, in bounded memory (the Space-Saving algorithm):
//! `capacity` counters; a partition without a counter takes over the smallest one.
//!
//! Invariants: memory never exceeds `capacity` counters whatever the number of partitions; totals
//! (`count`, `bytes`) are exact; a partition's count is exact while the table saw at most `capacity`
//! distinct partitions in the window, and otherwise an upper bound that overestimates by at most the
//! smallest counter (so the true top partitions are kept).

use std::collections::HashMap;

use super::key::IdKeyBuild;

/// One partition's counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionCount {
    /// Murmur3 token of the partition key.
    pub token: i64,
    /// Events (an upper bound once counters were taken over).
    pub count: u64,
    /// Bytes of those events (same caveat).
    pub bytes: u64,
}

/// The top partitions of one table.
#[derive(Debug, Clone)]
pub struct TopPartitions {
    counters: Vec<PartitionCount>,
    slots: HashMap<i64, u32, IdKeyBuild>,
    capacity: usize,
    total_count: u64,
    total_bytes: u64,
    /// No counter is below this (a lower bound of the smallest count).
    floor: u64,
    /// Where the next search for a smallest counter starts.
    cursor: usize,
}

impl TopPartitions {
    /// An empty summary of at most `capacity` (≥ 1) counters.
    pub fn new(capacity: usize) -> Self {
        TopPartitions {
            counters: Vec::new(),
            slots: HashMap::default(),
            capacity: capacity.max(1),
            total_count: 0,
            total_bytes: 0,
            floor: 0,
            cursor: 0,
        }
    }

    /// Counts one event of `bytes` bytes on partition `token`.
    #[inline]
    pub fn add(&mut self, token: i64, bytes: u64) {
        self.total_count += 1;
        self.total_bytes = self.total_bytes.saturating_add(bytes);
        if let Some(&slot) = self.slots.get(&token) {
            let counter = &mut self.counters[slot as usize];
            counter.count += 1;
            counter.bytes = counter.bytes.saturating_add(bytes);
            return;
        }
        if self.counters.len() < self.capacity {
            if self.counters.len() == self.counters.capacity() {
                // Doubling, but never past `capacity` (a Vec would round 80 counters up to 128).
                let len = self.counters.len();
                self.counters
                    .reserve_exact((len * 2).clamp(4, self.capacity) - len);
            }
            self.slots.insert(token, self.counters.len() as u32);
            self.counters.push(PartitionCount {
                token,
                count: 1,
                bytes,
            });
            return;
        }
        self.take_over_smallest(token, bytes);
    }

    /// Gives a smallest counter to `token`. Counters at `floor` are smallest; the search goes round from
    /// `cursor`, and only when none is left at the floor is the floor raised to the true minimum (so a
    /// take-over costs a few steps on average, not a scan of every counter).
    fn take_over_smallest(&mut self, token: i64, bytes: u64) {
        let len = self.counters.len();
        if len == 0 {
            return;
        }
        let slot = loop {
            // From the cursor to the end, then from the start (no division per step).
            let floor = self.floor;
            let cursor = self.cursor.min(len);
            let found = (cursor..len)
                .chain(0..cursor)
                .find(|&slot| self.counters[slot].count <= floor);
            match found {
                Some(slot) => break slot,
                None => {
                    self.floor = self.counters.iter().map(|c| c.count).min().unwrap_or(0);
                }
            }
        };
        self.cursor = (slot + 1) % len;
        let counter = &mut self.counters[slot];
        self.slots.remove(&counter.token);
        counter.token = token;
        counter.count += 1;
        counter.bytes = counter.bytes.saturating_add(bytes);
        self.slots.insert(token, slot as u32);
    }

    /// The `k` largest counters, largest first (ties by token), and what the others add up to
    /// (count, bytes).
    pub fn top(&self, k: usize) -> (Vec<PartitionCount>, u64, u64) {
        let mut sorted = self.counters.clone();
        sorted.sort_unstable_by(|a, b| b.count.cmp(&a.count).then(a.token.cmp(&b.token)));
        sorted.truncate(k);
        let top_count: u64 = sorted.iter().map(|c| c.count).sum();
        let top_bytes: u64 = sorted.iter().map(|c| c.bytes).sum();
        (
            sorted,
            self.total_count.saturating_sub(top_count),
            self.total_bytes.saturating_sub(top_bytes),
        )
    }

    /// Events counted.
    pub fn total_count(&self) -> u64 {
        self.total_count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_while_partitions_fit() {
        let mut top = TopPartitions::new(8);
        for (token, times) in [(5, 3), (7, 10), (-1, 1), (9, 4)] {
            for _ in 0..times {
                top.add(token, 2);
            }
        }
        let (largest, other_count, other_bytes) = top.top(2);
        assert_eq!(
            largest,
            vec![
                PartitionCount {
                    token: 7,
                    count: 10,
                    bytes: 20
                },
                PartitionCount {
                    token: 9,
                    count: 4,
                    bytes: 8
                },
            ]
        );
        assert_eq!((other_count, other_bytes), (4, 8));
        assert_eq!(top.total_count(), 18);
    }

    #[test]
    fn a_million_partitions_stay_in_capacity_and_the_hot_one_wins() {
        let mut top = TopPartitions::new(16);
        for token in 0..1_000_000i64 {
            top.add(token, 1);
            if token % 10 == 0 {
                top.add(-42, 1);
            }
        }
        assert!(top.counters.len() <= 16 && top.slots.len() <= 16);
        assert_eq!(
            top.counters.capacity(),
            16,
            "never more counters than the capacity"
        );
        let (largest, other, _) = top.top(1);
        assert_eq!(largest[0].token, -42);
        assert!(largest[0].count >= 100_000);
        assert_eq!(largest[0].count + other, 1_100_000);
    }
}
