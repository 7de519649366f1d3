//! What an edge of the flow graph carries: counts and sums of its rows, and a latency histogram
//! (HdrHistogram, 3 significant digits, values clamped to 1 µs ..= 1 h; it grows only as far as the
//! largest value seen, so memory stays small), plus the human formatting of sizes and durations.

use hdrhistogram::Histogram;

/// Smallest latency tracked, µs.
pub const LATENCY_LOW_US: u64 = 1;
/// Largest latency tracked, µs (one hour); longer values count as one hour in the quantiles.
pub const LATENCY_HIGH_US: u64 = 3_600_000_000;
/// Significant digits of the latency histograms.
const LATENCY_SIGFIG: u8 = 3;

/// A latency distribution.
#[derive(Debug, Clone)]
pub struct Latency {
    histogram: Histogram<u64>,
    max_us: u64,
}

impl Latency {
    fn new() -> Latency {
        // Starts at the smallest size for 3 significant digits and auto-resizes up to the clamp.
        let mut histogram = Histogram::new_with_bounds(LATENCY_LOW_US, 2048, LATENCY_SIGFIG)
            .expect("constant histogram bounds are valid");
        histogram.auto(true);
        Latency {
            histogram,
            max_us: 0,
        }
    }

    fn record(&mut self, micros: i64) {
        let micros = u64::try_from(micros).unwrap_or(0);
        self.max_us = self.max_us.max(micros);
        let clamped = micros.clamp(LATENCY_LOW_US, LATENCY_HIGH_US);
        // `record` grows the histogram (`saturating_record` would clamp to its current size instead).
        if self.histogram.record(clamped).is_err() {
            self.histogram.saturating_record(clamped);
        }
    }

    /// Number of latencies recorded.
    pub fn samples(&self) -> u64 {
        self.histogram.len()
    }

    /// The latency at `quantile` (0..=1), µs, never above the exact maximum.
    pub fn quantile_us(&self, quantile: f64) -> u64 {
        self.histogram
            .value_at_quantile(quantile)
            .min(self.max_us.max(LATENCY_LOW_US))
    }

    /// Median, µs.
    pub fn p50_us(&self) -> u64 {
        self.quantile_us(0.50)
    }

    /// 99th percentile, µs.
    pub fn p99_us(&self) -> u64 {
        self.quantile_us(0.99)
    }

    /// The exact largest latency recorded, µs.
    pub fn max_us(&self) -> u64 {
        self.max_us
    }
}

/// The totals of one edge. Sums are `None` until a row carries the column.
#[derive(Debug, Clone, Default)]
pub struct EdgeStats {
    /// Rows (events, flushes or compactions) aggregated into the edge.
    pub count: u64,
    /// Σ bytes.
    pub bytes: Option<u64>,
    /// Σ rows written, returned or read live.
    pub rows: Option<u64>,
    /// Σ tombstones written or scanned.
    pub tombstones: Option<u64>,
    /// Σ SSTables (flush outputs, compaction inputs or outputs).
    pub sstables: Option<u64>,
    /// Rows with an `error`.
    pub errors: u64,
    /// Latency (or compaction duration) distribution.
    pub latency: Option<Box<Latency>>,
}

impl EdgeStats {
    /// Counts one more row.
    pub fn count_one(&mut self) -> &mut Self {
        self.count += 1;
        self
    }

    /// Adds to Σ bytes.
    pub fn bytes(&mut self, value: Option<i64>) -> &mut Self {
        add(&mut self.bytes, value);
        self
    }

    /// Adds to Σ rows.
    pub fn rows(&mut self, value: Option<i64>) -> &mut Self {
        add(&mut self.rows, value);
        self
    }

    /// Adds to Σ tombstones.
    pub fn tombstones(&mut self, value: Option<i64>) -> &mut Self {
        add(&mut self.tombstones, value);
        self
    }

    /// Adds to Σ SSTables.
    pub fn sstables(&mut self, value: Option<u64>) -> &mut Self {
        add(&mut self.sstables, value.map(|value| value as i64));
        self
    }

    /// Counts an error when the row has one.
    pub fn error(&mut self, error: Option<&str>) -> &mut Self {
        if error.is_some() {
            self.errors += 1;
        }
        self
    }

    /// Records a latency when the row has one.
    pub fn latency(&mut self, micros: Option<i64>) -> &mut Self {
        if let Some(micros) = micros {
            self.latency
                .get_or_insert_with(|| Box::new(Latency::new()))
                .record(micros);
        }
        self
    }
}

/// Adds a non-negative `value` to an optional sum (negative values count as 0).
fn add(sum: &mut Option<u64>, value: Option<i64>) {
    if let Some(value) = value {
        let value = u64::try_from(value).unwrap_or(0);
        *sum = Some(sum.unwrap_or(0).saturating_add(value));
    }
}

/// `1536` → `1.5 KiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `1500` µs → `1.5 ms`.
pub fn human_micros(micros: u64) -> String {
    if micros < 1_000 {
        format!("{micros} µs")
    } else if micros < 1_000_000 {
        format!("{:.1} ms", micros as f64 / 1e3)
    } else {
        format!("{:.2} s", micros as f64 / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_quantiles_are_within_three_digits_and_capped_by_max() {
        let mut stats = EdgeStats::default();
        for micros in 1..=1000 {
            stats.latency(Some(micros));
        }
        stats.latency(Some(5_000_000_000));
        let latency = stats.latency.as_ref().unwrap();
        assert_eq!(latency.samples(), 1001);
        assert_eq!(latency.p50_us(), 501);
        assert_eq!(latency.p99_us(), 991);
        assert_eq!(latency.max_us(), 5_000_000_000);
        let top = latency.quantile_us(1.0);
        assert!(
            (LATENCY_HIGH_US..=LATENCY_HIGH_US + LATENCY_HIGH_US / 1000).contains(&top),
            "{top}"
        );
    }

    #[test]
    fn large_latencies_grow_the_histogram() {
        let mut stats = EdgeStats::default();
        stats.latency(Some(250_000)).latency(Some(100));
        let latency = stats.latency.as_ref().unwrap();
        assert_eq!(latency.p50_us(), 100);
        let p99 = latency.p99_us();
        assert!((249_750..=250_000).contains(&p99), "{p99}");
    }

    #[test]
    fn sums_start_absent_and_ignore_negatives() {
        let mut stats = EdgeStats::default();
        assert_eq!(stats.bytes, None);
        stats.bytes(Some(10)).bytes(Some(-5)).bytes(None);
        assert_eq!(stats.bytes, Some(10));
    }

    #[test]
    fn human_units() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_micros(999), "999 µs");
        assert_eq!(human_micros(1500), "1.5 ms");
        assert_eq!(human_micros(2_500_000), "2.50 s");
    }
}
