//! The core's counters (docs/native-interface.md `counters()`, docs/schema.md `agent_stats`).
//!
//! Invariants: counters only grow (the agent's counters — events seen and its drops per cause — are
//! absolute totals reported by Java and stored as given; `agent_dropped` is the sum of the causes); they
//! are plain relaxed atomics, readable from any thread at any time; `offered == accepted +
//! dropped_queue_full` at every quiescent point; once the agent stopped, every event it saw is in
//! exactly one of `written − recovered_rows` or the loss counters ([`CountersSnapshot::unaccounted`] is
//! 0, docs/schema.md "Accounting"); [`COUNTER_FIELDS`] is the one list of names and values.

use std::sync::atomic::{AtomicU64, Ordering};

/// What the agent told about itself that is not a counter (`agent_stats` text columns): the hook
/// families it installed and those it skipped, with why. `None` until the agent reports.
#[derive(Debug, Default)]
pub struct AgentFacts {
    hooks: parking_lot::RwLock<Option<HookFamilies>>,
}

/// The hook families an agent installed and skipped (`agent_stats.hook_families`,
/// `agent_stats.skipped_hook_families`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookFamilies {
    /// Installed families, `+`-separated (`writes+reads+…`; `none` when none).
    pub installed: String,
    /// Skipped families with the reference each missed (`family: reason; …`); empty when none.
    pub skipped: String,
}

impl AgentFacts {
    /// Records the agent's hook families (the last report wins).
    pub fn set_hook_families(&self, families: HookFamilies) {
        *self.hooks.write() = Some(families);
    }

    /// The hook families reported, if any.
    pub fn hook_families(&self) -> Option<HookFamilies> {
        self.hooks.read().clone()
    }
}
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

/// The agent's drops before the core saw the events, per cause (absolute totals reported by Java).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct AgentDrops {
    /// See [`Counters::agent_dropped_busy`].
    pub busy: u64,
    /// See [`Counters::agent_dropped_not_running`].
    pub not_running: u64,
    /// See [`Counters::agent_dropped_submit_error`].
    pub submit_error: u64,
    /// See [`Counters::agent_dropped_other`].
    pub other: u64,
}

impl AgentDrops {
    /// Every cause together: what `agent_dropped` reports.
    pub fn total(&self) -> u64 {
        self.busy
            .saturating_add(self.not_running)
            .saturating_add(self.submit_error)
            .saturating_add(self.other)
    }
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

/// One counter: its name (in `counters()` logs, `agent_stats` and the docs) and how to read it.
#[derive(Debug, Clone, Copy)]
pub struct CounterField {
    /// The name, as in docs/native-interface.md and the `agent_stats` column.
    pub name: &'static str,
    /// Its value in a snapshot.
    pub get: fn(&CountersSnapshot) -> u64,
    /// Sets its value in a snapshot.
    pub set: fn(&mut CountersSnapshot, u64),
}

/// Every counter as a [`CounterField`], one constant each.
pub mod counter {
    use super::CounterField;

    macro_rules! counters {
        ($($constant:ident $name:ident),* $(,)?) => {
            $(
                #[doc = concat!("`", stringify!($name), "`.")]
                pub const $constant: CounterField = CounterField {
                    name: stringify!($name),
                    get: |snapshot| snapshot.$name,
                    set: |snapshot, value| snapshot.$name = value,
                };
            )*
        };
    }

    counters!(
        OFFERED offered,
        ACCEPTED accepted,
        DROPPED_QUEUE_FULL dropped_queue_full,
        REJECTED rejected,
        WRITTEN written,
        FILES files,
        SKIPPED_RECORDS skipped_records,
        AGENT_EVENTS_SEEN agent_events_seen,
        AGENT_DROPPED agent_dropped,
        SKIPPED_FIELDS skipped_fields,
        DROPPED_WRITE_FAILED dropped_write_failed,
        DROPPED_DISK_BOUND dropped_disk_bound,
        REMOVED_ROWS removed_rows,
        REMOVED_FILES removed_files,
        RECOVERED_ROWS recovered_rows,
        AGENT_DROPPED_BUSY agent_dropped_busy,
        AGENT_DROPPED_NOT_RUNNING agent_dropped_not_running,
        AGENT_DROPPED_SUBMIT_ERROR agent_dropped_submit_error,
        AGENT_DROPPED_OTHER agent_dropped_other,
    );
}

/// Number of counters.
pub const COUNTER_COUNT: usize = 19;

/// Every counter, in the order of `NativeCore.counters()` (docs/native-interface.md): the one list the
/// native interface takes its order from (`agent_stats` lists the same constants in its column order,
/// [`crate::tables::schema`]). New counters are appended, never inserted.
pub const COUNTER_FIELDS: [CounterField; COUNTER_COUNT] = [
    counter::OFFERED,
    counter::ACCEPTED,
    counter::DROPPED_QUEUE_FULL,
    counter::REJECTED,
    counter::WRITTEN,
    counter::FILES,
    counter::SKIPPED_RECORDS,
    counter::AGENT_EVENTS_SEEN,
    counter::AGENT_DROPPED,
    counter::SKIPPED_FIELDS,
    counter::DROPPED_WRITE_FAILED,
    counter::DROPPED_DISK_BOUND,
    counter::REMOVED_ROWS,
    counter::REMOVED_FILES,
    counter::RECOVERED_ROWS,
    counter::AGENT_DROPPED_BUSY,
    counter::AGENT_DROPPED_NOT_RUNNING,
    counter::AGENT_DROPPED_SUBMIT_ERROR,
    counter::AGENT_DROPPED_OTHER,
];

/// The agent's loss causes: their sum is `agent_dropped`.
pub const AGENT_LOSSES: [CounterField; 4] = [
    counter::AGENT_DROPPED_BUSY,
    counter::AGENT_DROPPED_NOT_RUNNING,
    counter::AGENT_DROPPED_SUBMIT_ERROR,
    counter::AGENT_DROPPED_OTHER,
];

/// The core's loss causes: with `agent_dropped`, every way an event seen is lost (docs/schema.md,
/// "Accounting").
pub const CORE_LOSSES: [CounterField; 5] = [
    counter::DROPPED_QUEUE_FULL,
    counter::REJECTED,
    counter::SKIPPED_RECORDS,
    counter::DROPPED_WRITE_FAILED,
    counter::DROPPED_DISK_BOUND,
];

/// The counter called `name`, if any.
pub fn counter_field(name: &str) -> Option<&'static CounterField> {
    COUNTER_FIELDS.iter().find(|field| field.name == name)
}

impl CountersSnapshot {
    /// The values in the order of `NativeCore.counters()` ([`COUNTER_FIELDS`]).
    pub fn to_array(&self) -> [u64; COUNTER_COUNT] {
        COUNTER_FIELDS.map(|field| (field.get)(self))
    }

    /// The agent's drops per cause.
    pub fn agent_drops(&self) -> AgentDrops {
        AgentDrops {
            busy: self.agent_dropped_busy,
            not_running: self.agent_dropped_not_running,
            submit_error: self.agent_dropped_submit_error,
            other: self.agent_dropped_other,
        }
    }

    /// Every event lost, whatever the cause (docs/schema.md, "Accounting"): `agent_dropped +
    /// dropped_queue_full + rejected + skipped_records + dropped_write_failed + dropped_disk_bound`.
    pub fn lost(&self) -> u64 {
        CORE_LOSSES
            .iter()
            .map(|cause| (cause.get)(self))
            .fold(self.agent_dropped, u64::saturating_add)
    }

    /// `agent_events_seen − (written − recovered_rows) − lost()`: 0 once the agent stopped and every
    /// event ended in exactly one counter (docs/schema.md, "Accounting"); positive while events are
    /// still on their way (in buffers, the queue or open files).
    pub fn unaccounted(&self) -> i128 {
        i128::from(self.agent_events_seen)
            - (i128::from(self.written) - i128::from(self.recovered_rows))
            - i128::from(self.lost())
    }
}

impl CountersSnapshot {
    /// The inverse of [`CountersSnapshot::to_array`] (a journaled snapshot read back); values a shorter
    /// (older) array lacks are 0, extra values of a longer (newer) one are ignored.
    pub fn from_values(values: &[u64]) -> Self {
        let mut snapshot = CountersSnapshot::default();
        for (field, value) in COUNTER_FIELDS.iter().zip(values) {
            (field.set)(&mut snapshot, *value);
        }
        snapshot
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

    /// Stores the agent's absolute totals: events seen, drops per cause, and `agent_dropped` as their
    /// sum.
    pub fn set_agent_counters(&self, events_seen: u64, drops: AgentDrops) {
        self.agent_events_seen.store(events_seen, Ordering::Relaxed);
        self.agent_dropped_busy.store(drops.busy, Ordering::Relaxed);
        self.agent_dropped_not_running
            .store(drops.not_running, Ordering::Relaxed);
        self.agent_dropped_submit_error
            .store(drops.submit_error, Ordering::Relaxed);
        self.agent_dropped_other
            .store(drops.other, Ordering::Relaxed);
        self.agent_dropped.store(drops.total(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every live counter with its name, so that each can be set to a distinct value.
    fn named(counters: &Counters) -> Vec<(&'static str, &AtomicU64)> {
        vec![
            ("offered", &counters.offered),
            ("accepted", &counters.accepted),
            ("dropped_queue_full", &counters.dropped_queue_full),
            ("rejected", &counters.rejected),
            ("written", &counters.written),
            ("files", &counters.files),
            ("skipped_records", &counters.skipped_records),
            ("agent_events_seen", &counters.agent_events_seen),
            ("agent_dropped", &counters.agent_dropped),
            ("skipped_fields", &counters.skipped_fields),
            ("dropped_write_failed", &counters.dropped_write_failed),
            ("dropped_disk_bound", &counters.dropped_disk_bound),
            ("removed_rows", &counters.removed_rows),
            ("removed_files", &counters.removed_files),
            ("recovered_rows", &counters.recovered_rows),
            ("agent_dropped_busy", &counters.agent_dropped_busy),
            (
                "agent_dropped_not_running",
                &counters.agent_dropped_not_running,
            ),
            (
                "agent_dropped_submit_error",
                &counters.agent_dropped_submit_error,
            ),
            ("agent_dropped_other", &counters.agent_dropped_other),
        ]
    }

    #[test]
    fn every_counter_is_read_by_its_own_name() {
        let counters = Counters::default();
        let named = named(&counters);
        assert_eq!(named.len(), COUNTER_COUNT);
        for (i, (_, counter)) in named.iter().enumerate() {
            Counters::add(counter, i as u64 + 1);
        }
        let snapshot = counters.snapshot();
        for (i, (name, _)) in named.iter().enumerate() {
            let field = counter_field(name).unwrap_or_else(|| panic!("no counter {name}"));
            assert_eq!((field.get)(&snapshot), i as u64 + 1, "{name}");
        }
    }

    #[test]
    fn from_values_reads_back_to_array() {
        let values: Vec<u64> = (1..=COUNTER_COUNT as u64).collect();
        let snapshot = CountersSnapshot::from_values(&values);
        assert_eq!(snapshot.to_array().to_vec(), values);
        let older = CountersSnapshot::from_values(&values[..10]);
        assert_eq!(older.to_array()[..10], values[..10]);
        assert_eq!(older.dropped_write_failed, 0);
    }

    #[test]
    fn snapshot_order_matches_the_native_interface() {
        let counters = Counters::default();
        for (i, (_, counter)) in named(&counters).iter().enumerate() {
            Counters::add(counter, i as u64 + 1);
        }
        let expected: Vec<u64> = (1..=COUNTER_COUNT as u64).collect();
        assert_eq!(counters.snapshot().to_array().to_vec(), expected);
        // The names the docs give for `counters()`, in order.
        let names: Vec<&str> = COUNTER_FIELDS.iter().map(|field| field.name).collect();
        assert_eq!(names, documented_counters());
    }

    /// The names of the `counters()` row of docs/native-interface.md.
    fn documented_counters() -> Vec<&'static str> {
        let doc = include_str!("../../../docs/native-interface.md");
        let row = doc
            .lines()
            .find(|line| line.starts_with("| `static native long[] counters()`"))
            .expect("counters() row in docs/native-interface.md");
        let list = row
            .split("`[")
            .nth(1)
            .and_then(|rest| rest.split("]`").next())
            .expect("a `[...]` list in the counters() row");
        list.split(',').map(str::trim).collect()
    }

    #[test]
    fn agent_dropped_is_the_sum_of_its_causes() {
        let counters = Counters::default();
        let drops = AgentDrops {
            busy: 1,
            not_running: 20,
            submit_error: 300,
            other: 4000,
        };
        counters.set_agent_counters(5000, drops);
        let snapshot = counters.snapshot();
        assert_eq!(snapshot.agent_events_seen, 5000);
        assert_eq!(snapshot.agent_dropped, 4321);
        assert_eq!(snapshot.agent_drops(), drops);
        assert_eq!(
            (
                snapshot.agent_dropped_busy,
                snapshot.agent_dropped_not_running,
                snapshot.agent_dropped_submit_error,
                snapshot.agent_dropped_other
            ),
            (1, 20, 300, 4000)
        );
        // Absolute totals: a later report replaces the earlier one.
        counters.set_agent_counters(6000, AgentDrops::default());
        assert_eq!(counters.snapshot().agent_dropped, 0);
        let saturated = AgentDrops {
            busy: u64::MAX,
            other: 1,
            ..AgentDrops::default()
        };
        assert_eq!(saturated.total(), u64::MAX);
    }

    #[test]
    fn the_loss_causes_are_every_counter_of_a_loss() {
        let names = |fields: &[CounterField]| fields.iter().map(|f| f.name).collect::<Vec<_>>();
        assert_eq!(
            names(&AGENT_LOSSES),
            [
                "agent_dropped_busy",
                "agent_dropped_not_running",
                "agent_dropped_submit_error",
                "agent_dropped_other"
            ]
        );
        assert_eq!(
            names(&CORE_LOSSES),
            [
                "dropped_queue_full",
                "rejected",
                "skipped_records",
                "dropped_write_failed",
                "dropped_disk_bound"
            ]
        );
    }

    #[test]
    fn the_invariant_balances_when_every_event_has_one_counter() {
        let snapshot = CountersSnapshot {
            agent_events_seen: 100,
            written: 60 + 7,
            recovered_rows: 7,
            agent_dropped: 10,
            dropped_queue_full: 9,
            rejected: 8,
            skipped_records: 6,
            dropped_write_failed: 4,
            dropped_disk_bound: 3,
            removed_rows: 50,
            ..CountersSnapshot::default()
        };
        assert_eq!(snapshot.lost(), 40);
        assert_eq!(snapshot.unaccounted(), 0);
        let missing_one = CountersSnapshot {
            dropped_disk_bound: 2,
            ..snapshot
        };
        assert_eq!(missing_one.unaccounted(), 1);
    }
}
