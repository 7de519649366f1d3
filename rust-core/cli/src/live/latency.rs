//! Latency buckets shared by the page (edge colour, percentiles) and `/metrics` (histograms per edge):
//! fixed upper bounds in µs, so a bucket of one second and the cumulative histogram add the same way.

/// Upper bounds (µs) of the finite buckets; one more bucket counts everything above the last.
pub const BOUNDS_US: [u64; 16] = [
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
    1_000_000, 2_500_000, 5_000_000, 10_000_000,
];
/// Buckets, the overflow (+Inf) one included.
pub const BUCKETS: usize = BOUNDS_US.len() + 1;

/// Latencies of one edge: per-bucket counts (not cumulative), their sum and count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LatencyHistogram {
    /// Events per bucket (bucket `i` holds latencies ≤ `BOUNDS_US[i]` and above the bound before).
    pub counts: [u64; BUCKETS],
    /// Sum of the latencies, µs.
    pub sum_us: u64,
    /// Events with a latency.
    pub count: u64,
    /// Largest latency, µs.
    pub max_us: u64,
}

impl LatencyHistogram {
    /// Records one latency.
    pub fn record(&mut self, latency_us: u64) {
        let bucket = BOUNDS_US.partition_point(|&bound| bound < latency_us);
        self.counts[bucket] += 1;
        self.sum_us = self.sum_us.saturating_add(latency_us);
        self.count += 1;
        self.max_us = self.max_us.max(latency_us);
    }

    /// Adds another histogram.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        for (count, more) in self.counts.iter_mut().zip(other.counts) {
            *count += more;
        }
        self.sum_us = self.sum_us.saturating_add(other.sum_us);
        self.count += other.count;
        self.max_us = self.max_us.max(other.max_us);
    }

    /// The upper bound of the bucket holding quantile `q` (0..=1), µs; the maximum for the last
    /// bucket; `None` without latencies.
    pub fn quantile_us(&self, q: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((self.count as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0u64;
        for (index, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Some(
                    BOUNDS_US
                        .get(index)
                        .map_or(self.max_us, |&bound| bound.min(self.max_us)),
                );
            }
        }
        Some(self.max_us)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_land_in_the_bucket_of_their_upper_bound() {
        let mut histogram = LatencyHistogram::default();
        for latency in [1, 100, 101, 2_000, 20_000_000] {
            histogram.record(latency);
        }
        assert_eq!(histogram.counts[0], 2);
        assert_eq!(histogram.counts[1], 1);
        assert_eq!(histogram.counts[4], 1);
        assert_eq!(histogram.counts[BUCKETS - 1], 1);
        assert_eq!(histogram.count, 5);
        assert_eq!(histogram.sum_us, 20_002_202);
        assert_eq!(histogram.max_us, 20_000_000);
    }

    #[test]
    fn quantiles_are_bucket_bounds_capped_by_the_maximum() {
        let mut histogram = LatencyHistogram::default();
        assert_eq!(histogram.quantile_us(0.5), None);
        for _ in 0..99 {
            histogram.record(300);
        }
        histogram.record(40_000);
        assert_eq!(histogram.quantile_us(0.5), Some(500));
        assert_eq!(histogram.quantile_us(0.99), Some(500));
        assert_eq!(histogram.quantile_us(1.0), Some(40_000));
        let mut merged = LatencyHistogram::default();
        merged.merge(&histogram);
        merged.merge(&histogram);
        assert_eq!(merged.count, 200);
        assert_eq!(merged.counts[2], 198);
    }
}
