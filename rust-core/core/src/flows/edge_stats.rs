//! What one edge accumulates in one window: count, bytes and, where latency exists, an HDR histogram.
//!
//! Invariants: a histogram is only allocated at an edge's first latency value (edges without latency,
//! such as flushes and partitions, cost a few words); it starts covering 1 µs .. [`INITIAL_HIGHEST_US`]
//! and grows on demand up to [`HIGHEST_TRACKED_US`] (larger values are clamped), with
//! [`SIGNIFICANT_DIGITS`] digits and `u32` counts (counts saturate), so one histogram never exceeds
//! [`max_histogram_bytes`]; `latency_max_us` is exact (not clamped).

use hdrhistogram::Histogram;

/// Largest latency the histogram resolves (60 s); larger values count at this value.
pub const HIGHEST_TRACKED_US: u64 = 60_000_000;
/// Range of a new histogram (1 s); it grows when a larger latency arrives.
pub const INITIAL_HIGHEST_US: u64 = 1_000_000;
/// Significant decimal digits of the histogram: 16 buckets per half octave (each bucket's highest value is
/// within 1/16 = 6.25 % of any value in it; values below 32 µs are exact). One digit rather than two
/// keeps a histogram at ≤ 1.5 KiB instead of ≤ 10 KiB (docs/schema.md, `flows`).
pub const SIGNIFICANT_DIGITS: u8 = 1;

/// Latency percentiles of one edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencySummary {
    /// Events that carried a latency.
    pub count: u64,
    /// Median, µs.
    pub p50_us: u64,
    /// 99th percentile, µs.
    pub p99_us: u64,
    /// Largest, µs (exact).
    pub max_us: u64,
}

/// One edge's totals.
#[derive(Debug, Default, Clone)]
pub struct EdgeStats {
    /// Events.
    pub count: u64,
    /// Bytes moved (sum of the events' sizes).
    pub bytes: u64,
    /// Inline (not boxed): its header shares cache lines with the edge's totals.
    latency: Option<Histogram<u32>>,
    latency_max_us: u64,
}

impl EdgeStats {
    /// Adds one event of `bytes` bytes, with its latency in µs when known, all at once (the window
    /// splits this into [`EdgeStats::add_totals_of_one`] and a later [`EdgeStats::record_latency`]).
    #[cfg(test)]
    pub fn add(&mut self, bytes: u64, latency_us: Option<u64>) {
        self.add_totals_of_one(bytes, latency_us);
        if let Some(latency) = latency_us {
            self.record_latency(latency);
        }
    }

    /// Adds one event's count, bytes and maximum latency, but not its latency to the histogram: the
    /// caller records it later with [`EdgeStats::record_latency`] (see [`super::window`]'s batching).
    #[inline]
    pub fn add_totals_of_one(&mut self, bytes: u64, latency_us: Option<u64>) {
        self.count += 1;
        self.bytes = self.bytes.saturating_add(bytes);
        if let Some(latency) = latency_us {
            self.latency_max_us = self.latency_max_us.max(latency);
        }
    }

    /// Records one latency in the histogram (allocated at the first one); the maximum is not touched.
    #[inline]
    pub fn record_latency(&mut self, latency_us: u64) {
        if self.latency.is_none() {
            self.latency = new_histogram();
        }
        if let Some(histogram) = self.latency.as_mut() {
            // Within bounds after the clamp, so recording cannot fail.
            let _ = histogram.record(latency_us.min(HIGHEST_TRACKED_US));
        }
    }

    /// Sets count, bytes and maximum latency (kept apart from the histogram on the hot path: see
    /// [`super::edge_table`]).
    pub fn set_totals(&mut self, count: u64, bytes: u64, latency_max_us: u64) {
        self.count = count;
        self.bytes = bytes;
        self.latency_max_us = latency_max_us;
    }

    /// Adds another edge's totals (two ids that resolve to the same vertex name).
    pub fn merge(&mut self, other: &EdgeStats) {
        self.count += other.count;
        self.bytes = self.bytes.saturating_add(other.bytes);
        self.latency_max_us = self.latency_max_us.max(other.latency_max_us);
        match (&mut self.latency, &other.latency) {
            (Some(mine), Some(theirs)) => {
                let _ = mine.add(theirs);
            }
            (None, Some(theirs)) => self.latency = Some(theirs.clone()),
            _ => {}
        }
    }

    /// Adds another edge's count and bytes only (an edge derived from it, without latency).
    pub fn add_totals(&mut self, other: &EdgeStats) {
        self.count += other.count;
        self.bytes = self.bytes.saturating_add(other.bytes);
    }

    /// The histogram's recorded buckets as (highest value of the bucket in µs, count), ascending: what
    /// `flows` stores in `latency_bucket_us` / `latency_bucket_count`, so that windows can be merged
    /// exactly ([`EdgeStats::add_row`]). Empty without latency.
    pub fn latency_buckets(&self) -> Vec<(u64, u64)> {
        self.latency.as_ref().map_or_else(Vec::new, |histogram| {
            histogram
                .iter_recorded()
                .map(|bucket| {
                    (
                        bucket.value_iterated_to(),
                        u64::from(bucket.count_at_value()),
                    )
                })
                .collect()
        })
    }

    /// Adds one `flows` row's totals: its count and bytes, its latency histogram as buckets (from
    /// [`EdgeStats::latency_buckets`]) and its exact maximum. Merging the rows of several windows this
    /// way gives the same percentiles as one histogram of all their events.
    pub fn add_row(&mut self, count: u64, bytes: u64, max_us: Option<u64>, buckets: &[(u64, u64)]) {
        self.count += count;
        self.bytes = self.bytes.saturating_add(bytes);
        if let Some(max) = max_us {
            self.latency_max_us = self.latency_max_us.max(max);
        }
        for &(value, count) in buckets {
            if self.latency.is_none() {
                self.latency = new_histogram();
            }
            if let Some(histogram) = self.latency.as_mut() {
                // Counts are u32 and saturate, as when recording one by one.
                let count = u32::try_from(count).unwrap_or(u32::MAX);
                let _ = histogram.record_n(value.min(HIGHEST_TRACKED_US), count);
            }
        }
    }

    /// p50, p99 and max, `None` if no event carried a latency.
    pub fn latency(&self) -> Option<LatencySummary> {
        let histogram = self.latency.as_ref()?;
        if histogram.is_empty() {
            return None;
        }
        // Percentiles are bucket values (within 6.25 %), never above the exact maximum.
        let max = self.latency_max_us;
        Some(LatencySummary {
            count: histogram.len(),
            p50_us: histogram.value_at_quantile(0.5).min(max),
            p99_us: histogram.value_at_quantile(0.99).min(max),
            max_us: max,
        })
    }
}

fn new_histogram() -> Option<Histogram<u32>> {
    let mut histogram =
        Histogram::new_with_bounds(1, INITIAL_HIGHEST_US, SIGNIFICANT_DIGITS).ok()?;
    histogram.auto(true);
    Some(histogram)
}

/// Heap bytes of the counts of a histogram covering 1 µs .. `highest_us`.
pub fn histogram_bytes(highest_us: u64) -> usize {
    Histogram::<u32>::new_with_bounds(1, highest_us.max(2), SIGNIFICANT_DIGITS)
        .map_or(0, |histogram| {
            histogram.distinct_values() * std::mem::size_of::<u32>()
        })
}

/// The most heap bytes one edge's histogram can take (the documented memory bound).
pub fn max_histogram_bytes() -> usize {
    histogram_bytes(HIGHEST_TRACKED_US)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_bytes_and_percentiles() {
        let mut stats = EdgeStats::default();
        for latency in 1..=100 {
            stats.add(10, Some(latency));
        }
        stats.add(5, None);
        assert_eq!(stats.count, 101);
        assert_eq!(stats.bytes, 1005);
        let summary = stats.latency().unwrap();
        assert_eq!(summary.count, 100);
        // One significant digit: 50 is in the bucket 50..=51 (values below 32 are exact), 99 in 96..=99.
        assert_eq!(summary.p50_us, 51);
        assert_eq!(summary.p99_us, 99);
        assert_eq!(summary.max_us, 100);
    }

    #[test]
    fn no_latency_no_histogram_and_huge_values_are_clamped_but_max_is_exact() {
        let mut stats = EdgeStats::default();
        stats.add(1, None);
        assert_eq!(stats.latency(), None);
        stats.add(1, Some(u64::MAX));
        let summary = stats.latency().unwrap();
        assert_eq!(summary.max_us, u64::MAX);
        assert!(summary.p99_us >= HIGHEST_TRACKED_US / 2);
        assert!(stats.latency.as_ref().unwrap().distinct_values() * 4 <= max_histogram_bytes());
    }

    #[test]
    fn merge_adds_everything() {
        let mut a = EdgeStats::default();
        let mut b = EdgeStats::default();
        a.add(1, Some(10));
        b.add(2, Some(1000));
        b.add(2, None);
        a.merge(&b);
        assert_eq!((a.count, a.bytes), (3, 5));
        let summary = a.latency().unwrap();
        assert_eq!((summary.count, summary.max_us), (2, 1000));
        assert!(summary.p50_us <= summary.p99_us);
    }

    #[test]
    fn rows_merged_from_buckets_give_the_percentiles_of_all_their_events() {
        let latencies: Vec<u64> = (0..3000u64).map(|i| 1 + i * i % 70_000_000).collect();
        let mut all = EdgeStats::default();
        let mut windows = [
            EdgeStats::default(),
            EdgeStats::default(),
            EdgeStats::default(),
        ];
        for (index, &latency) in latencies.iter().enumerate() {
            all.add(7, Some(latency));
            windows[index % 3].add(7, Some(latency));
        }
        let mut merged = EdgeStats::default();
        for window in &windows {
            let summary = window.latency().unwrap();
            merged.add_row(
                window.count,
                window.bytes,
                Some(summary.max_us),
                &window.latency_buckets(),
            );
        }
        assert_eq!((merged.count, merged.bytes), (3000, 21_000));
        assert_eq!(merged.latency(), all.latency());
        assert_eq!(merged.latency_buckets(), all.latency_buckets());
        assert_eq!(EdgeStats::default().latency_buckets(), Vec::new());
    }

    #[test]
    fn a_histogram_is_a_few_kilobytes() {
        // The numbers docs/schema.md states.
        // 16 counters per half octave of 4 bytes: 23 halves up to 60 s, 17 up to 1 s.
        assert_eq!(max_histogram_bytes(), 1_472);
        assert_eq!(histogram_bytes(INITIAL_HIGHEST_US), 1_088);
    }
}
