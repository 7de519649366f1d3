//! Buckets of a fixed width over the last `keep` widths of event time, oldest first. An event older
//! than the oldest bucket kept is not in any window (it still counts in the totals since the start).

use std::collections::VecDeque;

use super::bucket::Bucket;

/// A ring of time buckets.
#[derive(Debug)]
pub struct Ring {
    width_us: i64,
    keep: usize,
    buckets: VecDeque<Bucket>,
}

impl Ring {
    /// Buckets of `width_us`, at most `keep` of them.
    pub fn new(width_us: i64, keep: usize) -> Self {
        Ring {
            width_us: width_us.max(1),
            keep: keep.max(1),
            buckets: VecDeque::new(),
        }
    }

    /// Width of a bucket, µs.
    pub fn width_us(&self) -> i64 {
        self.width_us
    }

    /// The bucket of event time `time_us` (created when newer than every bucket); `None` when older
    /// than the oldest kept.
    pub fn bucket(&mut self, time_us: i64) -> Option<&mut Bucket> {
        let start = time_us.div_euclid(self.width_us) * self.width_us;
        let newest = self.buckets.back().map(|bucket| bucket.start_us);
        if newest.is_none_or(|newest| start > newest) {
            self.buckets.push_back(Bucket::new(start));
            let oldest_kept = start - (self.keep as i64 - 1) * self.width_us;
            while self
                .buckets
                .front()
                .is_some_and(|bucket| bucket.start_us < oldest_kept)
            {
                self.buckets.pop_front();
            }
            return self.buckets.back_mut();
        }
        let oldest_kept = newest.unwrap_or(start) - (self.keep as i64 - 1) * self.width_us;
        if start < oldest_kept {
            return None;
        }
        match self
            .buckets
            .binary_search_by_key(&start, |bucket| bucket.start_us)
        {
            Ok(index) => self.buckets.get_mut(index),
            Err(index) => {
                self.buckets.insert(index, Bucket::new(start));
                self.buckets.get_mut(index)
            }
        }
    }

    /// The buckets that overlap the last `window_us` before `now_us` (the current, partial one
    /// included).
    pub fn window(&self, now_us: i64, window_us: i64) -> impl Iterator<Item = &Bucket> {
        let from = now_us - window_us;
        let width = self.width_us;
        self.buckets
            .iter()
            .filter(move |bucket| bucket.start_us + width > from && bucket.start_us <= now_us)
    }

    /// Buckets held.
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// Whether no bucket is held.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_aligned_kept_in_order_and_bounded() {
        let mut ring = Ring::new(1_000_000, 3);
        ring.bucket(5_500_000).unwrap().events += 1;
        ring.bucket(3_200_000).unwrap().events += 1;
        ring.bucket(4_900_000).unwrap().events += 1;
        ring.bucket(5_000_001).unwrap().events += 1;
        let starts: Vec<i64> = ring
            .window(6_000_000, 10_000_000)
            .map(|b| b.start_us)
            .collect();
        assert_eq!(starts, [3_000_000, 4_000_000, 5_000_000]);
        // too old for a ring of three
        assert!(ring.bucket(2_999_999).is_none());
        ring.bucket(7_000_000).unwrap().events += 1;
        let events: Vec<(i64, u64)> = ring
            .window(7_500_000, 10_000_000)
            .map(|b| (b.start_us, b.events))
            .collect();
        assert_eq!(events, [(5_000_000, 2), (7_000_000, 1)]);
        let last: u64 = ring.window(7_500_000, 1_000_000).map(|b| b.events).sum();
        assert_eq!(last, 1, "only the bucket of 7 s overlaps 6.5 s .. 7.5 s");
        let last_two: u64 = ring.window(7_500_000, 2_000_000).map(|b| b.events).sum();
        assert_eq!(last_two, 3, "the bucket of 5 s overlaps 5.5 s .. 7.5 s");
    }
}
