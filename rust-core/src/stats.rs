//! The core's counters (docs/native-interface.md `counters()`, docs/schema.md `agent_stats`).
//!
//! Invariants: counters only grow (the two agent counters are absolute totals reported by Java and
//! stored as given); they are plain relaxed atomics, readable from any thread at any time;
//! `offered == accepted + dropped_queue_full` at every quiescent point.

use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters, shared by the JNI callers and the writer thread.
#[derive(Debug, Default)]
pub struct Counters {
    /// Events offered through `submit` while running.
    pub offered: AtomicU64,
    /// Events queued.
    pub accepted: AtomicU64,
    /// Events dropped because the queue was full.
    pub dropped_queue_full: AtomicU64,
    /// Records rejected as malformed (plus announced events lost when a batch was cut short).
    pub rejected: AtomicU64,
    /// Rows in completed (renamed) lineage files (every table but `agent_stats`).
    pub written: AtomicU64,
    /// Completed lineage files (every table but `agent_stats`).
    pub files: AtomicU64,
    /// Records of unknown type skipped.
    pub skipped_records: AtomicU64,
    /// Events the agent's advice handed to its encoder (absolute, from Java).
    pub agent_events_seen: AtomicU64,
    /// Events the agent dropped before the core saw them (absolute, from Java).
    pub agent_dropped: AtomicU64,
    /// Fields skipped in events that were kept: unknown ids of a known type, or ids their table does not
    /// use (a newer agent than core).
    pub skipped_fields: AtomicU64,
    /// Event rows lost to a failed write (disk full, directory removed): the file they were in was
    /// abandoned. Logged as well.
    pub dropped_write_failed: AtomicU64,
    /// Events refused because lineage reached `max_lineage_bytes` or the filesystem reached
    /// `min_free_bytes` (and nothing could be removed to make room).
    pub dropped_disk_bound: AtomicU64,
    /// Rows in closed files that retention (`retention_hours`) or `on_full = delete_oldest` removed.
    /// These rows were counted in `written` first: live rows = written − removed_rows.
    pub removed_rows: AtomicU64,
    /// Closed files removed by retention or `on_full = delete_oldest`.
    pub removed_files: AtomicU64,
    /// Rows this core wrote from journal segments that a crashed run left (also counted in `written`).
    pub recovered_rows: AtomicU64,
    /// Agent-side drop causes (absolute, from Java); `agent_dropped` is their sum.
    /// The owner thread found its buffer held by the flusher.
    pub agent_dropped_busy: AtomicU64,
    /// The core was not running (not started yet, stopped, or answered "not running").
    pub agent_dropped_not_running: AtomicU64,
    /// The submit call failed (internal error in the bridge or the core).
    pub agent_dropped_submit_error: AtomicU64,
    /// Encoding failed, or events were left in a buffer that could not be flushed at shutdown.
    pub agent_dropped_other: AtomicU64,
}

/// A copy of every counter at one moment.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CountersSnapshot {
    /// See [`Counters::offered`].
    pub offered: u64,
    /// See [`Counters::accepted`].
    pub accepted: u64,
    /// See [`Counters::dropped_queue_full`].
    pub dropped_queue_full: u64,
    /// See [`Counters::rejected`].
    pub rejected: u64,
    /// See [`Counters::written`].
    pub written: u64,
    /// See [`Counters::files`].
    pub files: u64,
    /// See [`Counters::skipped_records`].
    pub skipped_records: u64,
    /// See [`Counters::agent_events_seen`].
    pub agent_events_seen: u64,
    /// See [`Counters::agent_dropped`].
    pub agent_dropped: u64,
    /// See [`Counters::skipped_fields`].
    pub skipped_fields: u64,
    /// See [`Counters::dropped_write_failed`].
    pub dropped_write_failed: u64,
    /// See [`Counters::dropped_disk_bound`].
    pub dropped_disk_bound: u64,
    /// See [`Counters::removed_rows`].
    pub removed_rows: u64,
    /// See [`Counters::removed_files`].
    pub removed_files: u64,
    /// See [`Counters::recovered_rows`].
    pub recovered_rows: u64,
    /// See [`Counters::agent_dropped_busy`].
    pub agent_dropped_busy: u64,
    /// See [`Counters::agent_dropped_not_running`].
    pub agent_dropped_not_running: u64,
    /// See [`Counters::agent_dropped_submit_error`].
    pub agent_dropped_submit_error: u64,
    /// See [`Counters::agent_dropped_other`].
    pub agent_dropped_other: u64,
}

impl CountersSnapshot {
    /// The order of `NativeCore.counters()`: `[offered, accepted, dropped_queue_full, rejected, written,
    /// files, skipped_records, agent_events_seen, agent_dropped, skipped_fields]`.
    pub fn to_array(&self) -> [u64; 10] {
        [
            self.offered,
            self.accepted,
            self.dropped_queue_full,
            self.rejected,
            self.written,
            self.files,
            self.skipped_records,
            self.agent_events_seen,
            self.agent_dropped,
            self.skipped_fields,
        ]
    }
}

impl CountersSnapshot {
    /// The inverse of [`CountersSnapshot::to_array`] (a journaled snapshot read back); values a shorter
    /// (older) array lacks are 0, extra values of a longer (newer) one are ignored.
    pub fn from_values(values: &[u64]) -> Self {
        let mut array = [0u64; 10];
        for (slot, value) in array.iter_mut().zip(values) {
            *slot = *value;
        }
        let [
            offered,
            accepted,
            dropped_queue_full,
            rejected,
            written,
            files,
            skipped_records,
            agent_events_seen,
            agent_dropped,
            skipped_fields,
        ] = array;
        CountersSnapshot {
            offered,
            accepted,
            dropped_queue_full,
            rejected,
            written,
            files,
            skipped_records,
            agent_events_seen,
            agent_dropped,
            skipped_fields,
            ..CountersSnapshot::default()
        }
    }
}

impl Counters {
    /// Reads every counter.
    pub fn snapshot(&self) -> CountersSnapshot {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        CountersSnapshot {
            offered: get(&self.offered),
            accepted: get(&self.accepted),
            dropped_queue_full: get(&self.dropped_queue_full),
            rejected: get(&self.rejected),
            written: get(&self.written),
            files: get(&self.files),
            skipped_records: get(&self.skipped_records),
            agent_events_seen: get(&self.agent_events_seen),
            agent_dropped: get(&self.agent_dropped),
            skipped_fields: get(&self.skipped_fields),
            dropped_write_failed: get(&self.dropped_write_failed),
            dropped_disk_bound: get(&self.dropped_disk_bound),
            removed_rows: get(&self.removed_rows),
            removed_files: get(&self.removed_files),
            recovered_rows: get(&self.recovered_rows),
            agent_dropped_busy: get(&self.agent_dropped_busy),
            agent_dropped_not_running: get(&self.agent_dropped_not_running),
            agent_dropped_submit_error: get(&self.agent_dropped_submit_error),
            agent_dropped_other: get(&self.agent_dropped_other),
        }
    }

    /// Adds `amount` to `counter`.
    #[inline]
    pub fn add(counter: &AtomicU64, amount: u64) {
        if amount != 0 {
            counter.fetch_add(amount, Ordering::Relaxed);
        }
    }

    /// Stores the agent's absolute totals.
    pub fn set_agent_counters(&self, events_seen: u64, dropped: u64) {
        self.agent_events_seen.store(events_seen, Ordering::Relaxed);
        self.agent_dropped.store(dropped, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_order_matches_the_native_interface() {
        let counters = Counters::default();
        for (i, counter) in [
            &counters.offered,
            &counters.accepted,
            &counters.dropped_queue_full,
            &counters.rejected,
            &counters.written,
            &counters.files,
            &counters.skipped_records,
        ]
        .into_iter()
        .enumerate()
        {
            Counters::add(counter, i as u64 + 1);
        }
        counters.set_agent_counters(8, 9);
        Counters::add(&counters.skipped_fields, 10);
        assert_eq!(
            counters.snapshot().to_array(),
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        );
    }
}
