//! The flow graph, aggregated on the writer thread: every decoded event adds to the edges of its time
//! window (client → coordinator → replica → memtable → SSTables → compaction, partitions, hints); closed
//! windows become rows of the `flows` table (docs/schema.md).
//!
//! Invariants:
//! - windows are aligned to `flow_window_s` of event time; at most [`OPEN_WINDOWS`] are open: an event
//!   of a newer window opens it and closes the oldest beyond that; an event older than every open window
//!   is counted in the oldest open one (late events are never lost, only attributed late);
//! - a window also closes once the wall clock is [`CLOSE_GRACE_US`] past its end (batches reach the
//!   core up to `flush_millis` late), and every window closes at shutdown;
//! - memory is bounded: each window holds at most `flow_max_edges` edges plus partition summaries
//!   (see [`window`]), each summary at most `flow_top_partitions` × [`PARTITION_SLOTS_PER_TOP`]
//!   counters; nothing grows with the number of events, tables or partitions;
//! - the hot path ([`FlowAggregator::observe`]) only handles string ids: names are resolved when a
//!   window is turned into rows.

pub mod classify;
pub mod edge_stats;
pub mod edge_table;
pub mod key;
pub mod partitions;
pub mod rows;
pub mod window;

use std::collections::HashMap;

use crate::decode::strings::StringsView;
use crate::decode::wire::Event;
use crate::tables::LineageTable;

use classify::{EdgeSink, EventClass, mutation_edges, tagged_edges, tagged_kind_id};
use key::{EdgeKey, EdgeKind, IdKeyBuild, Scope};
use window::Window;

/// Windows open at once (the current one and the one before, for events that arrive late).
pub const OPEN_WINDOWS: usize = 2;
/// A window closes this long (µs) after its end by the wall clock.
pub const CLOSE_GRACE_US: i64 = 5_000_000;
/// Counters per table summary for each partition reported (more slots, better top-K accuracy).
pub const PARTITION_SLOTS_PER_TOP: usize = 8;

/// The flow options (docs/native-interface.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowLimits {
    /// Window length in µs (> 0).
    pub window_us: i64,
    /// Most edges plus partition summaries per window (> 0).
    pub max_edges: usize,
    /// Partitions reported per table and window (the rest are summed as `other`).
    pub top_partitions: usize,
}

/// The aggregator: open windows, and closed ones waiting to be written.
#[derive(Debug)]
pub struct FlowAggregator {
    limits: FlowLimits,
    open: Vec<Window>,
    closed: Vec<Window>,
    kinds: HashMap<u32, Option<EventClass>, IdKeyBuild>,
}

impl FlowAggregator {
    /// An aggregator with no window open.
    pub fn new(limits: FlowLimits) -> Self {
        FlowAggregator {
            limits: FlowLimits {
                window_us: limits.window_us.max(1),
                max_edges: limits.max_edges.max(1),
                top_partitions: limits.top_partitions,
            },
            open: Vec::with_capacity(OPEN_WINDOWS + 1),
            closed: Vec::new(),
            kinds: HashMap::default(),
        }
    }

    /// The options.
    pub fn limits(&self) -> FlowLimits {
        self.limits
    }

    /// Adds one event to its window (`strings` resolves the kinds of tagged events).
    #[inline]
    pub fn observe(&mut self, event: &Event<'_>, strings: &StringsView<'_>) {
        match event {
            Event::Mutation(mutation) => {
                let window = self.window_for(mutation.event_time_us);
                mutation_edges(mutation, &mut WindowSink(window));
            }
            Event::Tagged(tagged) => {
                let class = match tagged.table {
                    LineageTable::Events => match self.class_of(tagged_kind_id(tagged), strings) {
                        Some(class) => Some(class),
                        None => return,
                    },
                    LineageTable::Flushes | LineageTable::Compactions => None,
                    LineageTable::Sstables | LineageTable::AuthEvents => return,
                };
                let window = self.window_for(tagged.event_time_us);
                tagged_edges(tagged, class, &mut WindowSink(window));
            }
        }
    }

    /// The class of an `events` kind id (cached; `None` when the kind is absent).
    fn class_of(&mut self, kind: Option<u32>, strings: &StringsView<'_>) -> Option<EventClass> {
        let kind = kind.filter(|&kind| kind != 0)?;
        *self.kinds.entry(kind).or_insert_with(|| {
            strings
                .get(kind)
                .map(|name| EventClass::of_name(name, kind))
        })
    }

    /// The open window an event at `time_us` goes to (opening it, and closing the oldest, if newer).
    #[inline]
    fn window_for(&mut self, time_us: i64) -> &mut Window {
        let window_us = self.limits.window_us;
        let open = self.open.len();
        // Almost every event falls in the newest window: no division.
        if open > 0 {
            let offset = time_us.checked_sub(self.open[open - 1].start_us);
            if offset.is_some_and(|offset| (0..window_us).contains(&offset)) {
                return &mut self.open[open - 1];
            }
        }
        let start = time_us.div_euclid(window_us).saturating_mul(window_us);
        let newest = self.open.last().map(|window| window.start_us);
        if newest.is_none_or(|newest| start > newest) {
            self.open.push(Window::new(
                start,
                self.limits.max_edges,
                self.partition_capacity(),
            ));
            while self.open.len() > OPEN_WINDOWS {
                let oldest = self.open.remove(0);
                self.push_closed(oldest);
            }
        }
        let index = self
            .open
            .iter()
            .rposition(|window| window.start_us <= start)
            .unwrap_or(0);
        &mut self.open[index]
    }

    fn partition_capacity(&self) -> usize {
        self.limits.top_partitions.max(1) * PARTITION_SLOTS_PER_TOP
    }

    /// Closes the windows that ended at least [`CLOSE_GRACE_US`] before `now_us` (wall clock).
    pub fn close_ended(&mut self, now_us: i64) {
        let window_us = self.limits.window_us;
        while self.open.first().is_some_and(|window| {
            window
                .start_us
                .saturating_add(window_us)
                .saturating_add(CLOSE_GRACE_US)
                <= now_us
        }) {
            let window = self.open.remove(0);
            self.push_closed(window);
        }
    }

    /// Closes every open window (shutdown).
    pub fn close_all(&mut self) {
        for window in std::mem::take(&mut self.open) {
            self.push_closed(window);
        }
    }

    /// A window closes settled: every latency is in its histograms before anybody reads it.
    fn push_closed(&mut self, mut window: Window) {
        window.settle();
        self.closed.push(window);
    }

    /// The closed windows, oldest first (the aggregator forgets them).
    pub fn take_closed(&mut self) -> Vec<Window> {
        std::mem::take(&mut self.closed)
    }

    /// Open windows, settled.
    pub fn open_windows(&mut self) -> &[Window] {
        for window in &mut self.open {
            window.settle();
        }
        &self.open
    }
}

/// Feeds one window.
struct WindowSink<'w>(&'w mut Window);

impl EdgeSink for WindowSink<'_> {
    #[inline]
    fn edge(&mut self, key: &EdgeKey, bytes: u64, latency_us: Option<u64>) {
        self.0.add(key, bytes, latency_us);
    }

    #[inline]
    fn partition(&mut self, kind: EdgeKind, scope: Scope, token: i64, bytes: u64) {
        self.0.add_partition(kind, scope, token, bytes);
    }
}
