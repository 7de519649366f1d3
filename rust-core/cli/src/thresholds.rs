//! The thresholds of `cdflow antipatterns`, each a command-line flag. The defaults and why they are
//! what they are: docs/cli.md.

use clap::Args;
use serde::Serialize;

/// When a pattern becomes a finding.
#[derive(Debug, Clone, Args, Serialize)]
pub struct Thresholds {
    /// hot_partition: least share of its table's client requests one partition takes.
    #[arg(long, value_name = "SHARE", default_value_t = 0.25, value_parser = parse_share)]
    pub hot_share: f64,
    /// hot_partition: least client requests to the partition.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub hot_min_requests: u64,
    /// large_partition: least bytes written to one partition (e.g. 100MiB, 512KiB, 1000000).
    #[arg(long, value_name = "SIZE", default_value = "100MiB", value_parser = parse_size)]
    pub large_partition_bytes: u64,
    /// large_partition: least rows written to one partition.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub large_partition_rows: u64,
    /// tombstone_heavy: a replica read scanning more tombstones than this (Cassandra's
    /// tombstone_warn_threshold).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub tombstone_warn: i64,
    /// tombstone_heavy: least tombstones written to a table by deletes ...
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub tombstone_min: u64,
    /// tombstone_heavy: ... when deletes are at least this share of its client writes.
    #[arg(long, value_name = "SHARE", default_value_t = 0.2, value_parser = parse_share)]
    pub delete_share: f64,
    /// multi_partition_batch: least partitions in one batch (Cassandra's
    /// unlogged_batch_across_partitions_warn_threshold).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub batch_partitions: i64,
    /// multi_partition_batch: least such batches on a table.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub batch_min: u64,
    /// consistency_all: least requests at ALL or EACH_QUORUM on a table (a hot path).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub consistency_min_requests: u64,
    /// range_scan: least range scans on a table.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub range_scan_min: u64,
    /// lwt_contention: least lightweight transactions on a table.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub lwt_min: u64,
    /// lwt_contention: least share of them needing more than one Paxos round ...
    #[arg(long, value_name = "SHARE", default_value_t = 0.1, value_parser = parse_share)]
    pub lwt_retry_share: f64,
    /// lwt_contention: ... or least share of them whose condition did not apply.
    #[arg(long, value_name = "SHARE", default_value_t = 0.5, value_parser = parse_share)]
    pub lwt_failed_share: f64,
    /// ttl_tombstone_churn: least TTL'd cells written to a table ...
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub ttl_min_cells: u64,
    /// ttl_tombstone_churn: ... when they are at least this share of its cells.
    #[arg(long, value_name = "SHARE", default_value_t = 0.5, value_parser = parse_share)]
    pub ttl_share: f64,
}

/// A share between 0 and 1.
fn parse_share(text: &str) -> Result<f64, String> {
    let share: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..=1.0).contains(&share) {
        Ok(share)
    } else {
        Err(format!("{text:?} is not a share between 0 and 1"))
    }
}

/// A size in bytes: a number with an optional unit B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB
/// (powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size like 100MiB"))?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => {
            return Err(format!(
                "{text:?} has an unknown unit (B, KB, MB, GB, KiB, MiB, GiB)"
            ));
        }
    };
    number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("{text:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_shares() {
        assert_eq!(parse_size("100MiB"), Ok(100 << 20));
        assert_eq!(parse_size("512 KiB"), Ok(512 << 10));
        assert_eq!(parse_size("2MB"), Ok(2_000_000));
        assert_eq!(parse_size("42"), Ok(42));
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("1PB").is_err());
        assert_eq!(parse_share("0.25"), Ok(0.25));
        assert!(parse_share("1.5").is_err());
    }
}
