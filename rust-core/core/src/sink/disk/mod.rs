//! Disk bounds of a lineage directory: `max_lineage_bytes` (everything cdflow keeps: Parquet, journal,
//! manifest), `min_free_bytes` (free space left on the filesystem), `retention_hours` and `on_full`.
//!
//! Invariants: every byte cdflow adds enters through the journal, so the journal thread asks
//! [`DiskBounds::admit`] before each append and a refused batch is counted (`dropped_disk_bound`);
//! the estimate between scans only over-counts (each journaled byte is charged twice: once for the
//! journal, once for the Parquet it may become), so the bound holds between scans; removal never
//! touches the journal (unconverted rows) or in-progress files, only closed `.parquet` files.

pub mod removal;
pub mod usage;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use removal::{RemovedFiles, remove_older_than, remove_oldest};
pub use usage::{free_bytes, lineage_bytes};

/// How often the directory is re-measured (between scans the usage is estimated).
pub const RESCAN_INTERVAL: Duration = Duration::from_secs(2);
/// Bytes charged per journaled byte between scans (journal + the Parquet it may become).
const CHARGE_PER_BYTE: u64 = 2;

/// What to do when a bound is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFull {
    /// Refuse new events (counted as `dropped_disk_bound`); what was recorded stays.
    DropNew,
    /// Remove the oldest closed files (counted as `removed_rows`/`removed_files`), then, if that is
    /// not enough, refuse new events.
    DeleteOldest,
}

impl OnFull {
    /// The option value.
    pub fn name(self) -> &'static str {
        match self {
            OnFull::DropNew => "drop_new",
            OnFull::DeleteOldest => "delete_oldest",
        }
    }
}

/// The limits, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes under the lineage root.
    pub max_lineage_bytes: u64,
    /// Least free bytes on its filesystem.
    pub min_free_bytes: u64,
    /// What to do when a bound is reached.
    pub on_full: OnFull,
}

/// Why a batch was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `max_lineage_bytes` reached.
    MaxLineageBytes {
        /// Estimated bytes in use.
        used: u64,
    },
    /// `min_free_bytes` reached.
    MinFreeBytes {
        /// Estimated free bytes.
        free: u64,
    },
}

/// The journal thread's view of the lineage directory's size and its filesystem's free space.
#[derive(Debug)]
pub struct DiskBounds {
    root: PathBuf,
    limits: Limits,
    used_at_scan: u64,
    free_at_scan: u64,
    charged_since_scan: u64,
    scanned_at: Option<Instant>,
}

impl DiskBounds {
    /// Bounds for `root` (measured on the first [`DiskBounds::admit`]).
    pub fn new(root: &Path, limits: Limits) -> Self {
        DiskBounds {
            root: root.to_owned(),
            limits,
            used_at_scan: 0,
            free_at_scan: u64::MAX,
            charged_since_scan: 0,
            scanned_at: None,
        }
    }

    /// The limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The lineage root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Re-measures now (after files were removed, or when the estimate is stale).
    pub fn rescan(&mut self, now: Instant) {
        self.used_at_scan = lineage_bytes(&self.root);
        self.free_at_scan = free_bytes(&self.root).unwrap_or(u64::MAX);
        self.charged_since_scan = 0;
        self.scanned_at = Some(now);
    }

    /// Estimated bytes under the root.
    pub fn used(&self) -> u64 {
        self.used_at_scan.saturating_add(self.charged_since_scan)
    }

    /// Estimated free bytes on the filesystem.
    pub fn free(&self) -> u64 {
        self.free_at_scan.saturating_sub(self.charged_since_scan)
    }

    /// Whether `bytes` more may be journaled; charges them if so.
    pub fn admit(&mut self, bytes: u64, now: Instant) -> Result<(), Refusal> {
        if self
            .scanned_at
            .is_none_or(|at| now.duration_since(at) >= RESCAN_INTERVAL)
        {
            self.rescan(now);
        }
        let charge = bytes.saturating_mul(CHARGE_PER_BYTE);
        let used = self.used().saturating_add(charge);
        if used > self.limits.max_lineage_bytes {
            return Err(Refusal::MaxLineageBytes { used: self.used() });
        }
        let free = self.free();
        if free.saturating_sub(charge) < self.limits.min_free_bytes {
            return Err(Refusal::MinFreeBytes { free });
        }
        self.charged_since_scan = self.charged_since_scan.saturating_add(charge);
        Ok(())
    }

    /// Bytes to remove so that `bytes` more fit with a margin (a twentieth of the bound, so removal
    /// runs in steps rather than per batch).
    pub fn shortfall(&self, bytes: u64) -> u64 {
        let charge = bytes.saturating_mul(CHARGE_PER_BYTE);
        let margin = self.limits.max_lineage_bytes / 20;
        let over_max = self
            .used()
            .saturating_add(charge)
            .saturating_add(margin)
            .saturating_sub(self.limits.max_lineage_bytes);
        let wanted_free = self
            .limits
            .min_free_bytes
            .saturating_add(charge)
            .saturating_add(margin);
        let under_free = wanted_free.saturating_sub(self.free());
        over_max.max(under_free)
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::MaxLineageBytes { used } => {
                write!(f, "max_lineage_bytes reached ({used} bytes in use)")
            }
            Refusal::MinFreeBytes { free } => {
                write!(f, "min_free_bytes reached ({free} bytes free)")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journaled_bytes_are_charged_twice_until_the_next_scan() {
        let scratch = tempfile::tempdir().unwrap();
        let root = scratch.path();
        std::fs::write(root.join("a.parquet"), vec![0u8; 1000]).unwrap();
        let mut bounds = DiskBounds::new(
            root,
            Limits {
                max_lineage_bytes: 2000,
                min_free_bytes: 0,
                on_full: OnFull::DropNew,
            },
        );
        let now = Instant::now();
        assert_eq!(bounds.admit(400, now), Ok(()));
        assert_eq!(bounds.used(), 1800);
        assert_eq!(
            bounds.admit(101, now),
            Err(Refusal::MaxLineageBytes { used: 1800 })
        );
        assert_eq!(bounds.admit(100, now), Ok(()));
        assert_eq!(bounds.shortfall(0), 100);
        bounds.rescan(now);
        assert_eq!(bounds.used(), 1000);
    }
}
