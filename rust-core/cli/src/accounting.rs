//! The agent's accounting per node, from `agent_stats` (docs/schema.md, "Accounting"): events seen,
//! rows written, every loss cause, and whether they balance. A column an older core did not write is
//! unknown — shown as `?`, never as 0 — and the sums it enters are unknown too (with what is known as a
//! lower bound).

use std::collections::BTreeMap;
use std::fmt::Write;

use cdflow_core::stats::{
    AGENT_LOSSES, CORE_LOSSES, COUNTER_COUNT, COUNTER_FIELDS, CounterField, counter,
};
use serde_json::{Value, json};

use crate::discover::LineageFiles;
use crate::error::CliError;
use crate::rows::{AgentStatsRow, scan_agent_stats};
use crate::summary::text_table;

/// Every loss cause, the agent's then the core's.
fn causes() -> impl Iterator<Item = &'static CounterField> {
    AGENT_LOSSES.iter().chain(&CORE_LOSSES)
}

/// The short label of a loss cause: its name without the `agent_dropped_`/`dropped_` prefix, in words
/// (`agent_dropped_not_running` → `not running`).
fn cause_label(cause: &CounterField) -> String {
    let name = cause.name;
    name.strip_prefix("agent_dropped_")
        .or_else(|| name.strip_prefix("dropped_"))
        .unwrap_or(name)
        .replace('_', " ")
}

/// Counters summed over the agent instances of one node: `None` where any instance's row lacked the
/// column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentTotals {
    /// Agent instances seen (distinct `agent_start_time`).
    pub instances: u64,
    /// Every counter of [`COUNTER_FIELDS`], in that order.
    counters: [Option<u64>; COUNTER_COUNT],
}

impl Default for AgentTotals {
    fn default() -> Self {
        AgentTotals {
            instances: 0,
            counters: [Some(0); COUNTER_COUNT],
        }
    }
}

/// Whether seen events and their outcomes add up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Balance {
    /// `agent_events_seen = (written − recovered_rows) + dropped`.
    Balanced,
    /// Seen minus accounted: positive when events are unaccounted (in flight, or lost uncounted).
    Off(i128),
    /// A counter it needs is unknown.
    Unknown,
}

impl AgentTotals {
    /// Adds one instance's last row.
    fn add(&mut self, row: &AgentStatsRow<'_>) {
        self.instances += 1;
        for (total, value) in self.counters.iter_mut().zip(row.counters) {
            *total = total
                .zip(value)
                .map(|(total, value)| total.saturating_add(value));
        }
    }

    /// The value of `counter`, `None` when unknown.
    pub fn get(&self, counter: &CounterField) -> Option<u64> {
        COUNTER_FIELDS
            .iter()
            .position(|field| field.name == counter.name)
            .and_then(|index| self.counters[index])
    }

    /// Σ of every loss cause: `agent_dropped` + the core's causes; `None` when one is unknown.
    pub fn dropped(&self) -> Option<u64> {
        CORE_LOSSES
            .iter()
            .try_fold(self.get(&counter::AGENT_DROPPED)?, |sum, cause| {
                Some(sum.saturating_add(self.get(cause)?))
            })
    }

    /// Σ of the loss causes that are known (a lower bound of [`AgentTotals::dropped`]).
    pub fn dropped_known(&self) -> u64 {
        CORE_LOSSES.iter().filter_map(|cause| self.get(cause)).fold(
            self.get(&counter::AGENT_DROPPED).unwrap_or(0),
            u64::saturating_add,
        )
    }

    /// Names of the counters the accounting needs that are unknown.
    pub fn unknown(&self) -> Vec<&'static str> {
        const NEEDED: [CounterField; 4] = [
            counter::AGENT_EVENTS_SEEN,
            counter::WRITTEN,
            counter::RECOVERED_ROWS,
            counter::AGENT_DROPPED,
        ];
        NEEDED
            .iter()
            .chain(causes())
            .filter(|field| self.get(field).is_none())
            .map(|field| field.name)
            .collect()
    }

    /// Seen against written and dropped (docs/schema.md, "Accounting").
    pub fn balance(&self) -> Balance {
        let (Some(seen), Some(written), Some(recovered), Some(dropped)) = (
            self.get(&counter::AGENT_EVENTS_SEEN),
            self.get(&counter::WRITTEN),
            self.get(&counter::RECOVERED_ROWS),
            self.dropped(),
        ) else {
            return Balance::Unknown;
        };
        let off =
            i128::from(seen) - (i128::from(written) - i128::from(recovered)) - i128::from(dropped);
        if off == 0 {
            Balance::Balanced
        } else {
            Balance::Off(off)
        }
    }

    /// The totals as JSON: every counter by name (null when unknown), `dropped`, `balance`.
    pub fn to_json(&self) -> Value {
        let mut object = serde_json::Map::new();
        object.insert("instances".to_owned(), self.instances.into());
        for (field, value) in COUNTER_FIELDS.iter().zip(self.counters) {
            object.insert(field.name.to_owned(), json!(value));
        }
        object.insert("dropped".to_owned(), json!(self.dropped()));
        object.insert("dropped_known".to_owned(), self.dropped_known().into());
        let (balanced, unaccounted) = match self.balance() {
            Balance::Balanced => (json!(true), json!(0)),
            Balance::Off(off) => (json!(false), json!(off as i64)),
            Balance::Unknown => (Value::Null, Value::Null),
        };
        object.insert("balanced".to_owned(), balanced);
        object.insert("unaccounted".to_owned(), unaccounted);
        object.insert("unknown".to_owned(), json!(self.unknown()));
        Value::Object(object)
    }
}

/// The agent's counters per node: the last row of each agent instance (the counters are totals since
/// it started), summed over instances.
pub fn agent_totals(files: &LineageFiles) -> Result<BTreeMap<String, AgentTotals>, CliError> {
    // (node, agent_start_time) → ((stats_time, written), counters) of the latest row.
    type Latest = ((i64, u64), [Option<u64>; COUNTER_COUNT]);
    let mut latest: BTreeMap<(String, i64), Latest> = BTreeMap::new();
    scan_agent_stats(files, |row| {
        let Some(node) = row.node.filter(|node| *node != "unknown") else {
            return;
        };
        let key = (node.to_string(), row.agent_start_time.unwrap_or(0));
        let order = (
            row.stats_time.unwrap_or(0),
            row.get(&counter::WRITTEN).unwrap_or(0),
        );
        let entry = latest.entry(key).or_insert((order, row.counters));
        if order > entry.0 {
            *entry = (order, row.counters);
        }
    })?;
    let mut agents: BTreeMap<String, AgentTotals> = BTreeMap::new();
    for ((node, start), (_, counters)) in latest {
        agents.entry(node.clone()).or_default().add(&AgentStatsRow {
            node: Some(&node),
            stats_time: None,
            agent_start_time: Some(start),
            counters,
        });
    }
    Ok(agents)
}

/// A count, or `?` when unknown.
fn cell(value: Option<u64>) -> String {
    value.map_or_else(|| "?".to_owned(), |value| value.to_string())
}

/// The text sections: totals with the balance per node, then every loss cause per node, then what
/// `?` means when a value is unknown.
pub fn render(agents: &BTreeMap<String, AgentTotals>) -> String {
    let mut out = String::new();
    out.push_str("\nagent: every event seen is written or dropped with its cause (docs/schema.md, \"Accounting\")\n");
    out.push_str(&text_table(
        &[
            "node",
            "instances",
            "events seen",
            "written",
            "recovered",
            "removed",
            "dropped",
            "balance",
        ],
        agents
            .iter()
            .map(|(node, a)| {
                vec![
                    node.clone(),
                    a.instances.to_string(),
                    cell(a.get(&counter::AGENT_EVENTS_SEEN)),
                    cell(a.get(&counter::WRITTEN)),
                    cell(a.get(&counter::RECOVERED_ROWS)),
                    cell(a.get(&counter::REMOVED_ROWS)),
                    a.dropped()
                        .map_or_else(|| format!("≥ {}", a.dropped_known()), |d| d.to_string()),
                    match a.balance() {
                        Balance::Balanced => "balanced".to_owned(),
                        Balance::Off(off) if off > 0 => format!("off by {off} (unaccounted)"),
                        Balance::Off(off) => format!("off by {off} (counted twice)"),
                        Balance::Unknown => "unknown".to_owned(),
                    },
                ]
            })
            .collect(),
    ));
    out.push_str("\ndropped, by cause\n");
    let labels: Vec<String> = causes().map(cause_label).collect();
    let mut headers = vec!["node"];
    headers.extend(labels.iter().map(String::as_str));
    out.push_str(&text_table(
        &headers,
        agents
            .iter()
            .map(|(node, a)| {
                let mut row = vec![node.clone()];
                row.extend(causes().map(|cause| cell(a.get(cause))));
                row
            })
            .collect(),
    ));
    let unknown: Vec<&str> = {
        let mut names: Vec<&str> = agents.values().flat_map(AgentTotals::unknown).collect();
        names.sort_unstable();
        names.dedup();
        names
    };
    if !unknown.is_empty() {
        let _ = writeln!(
            out,
            "? = unknown, not 0: agent_stats written by an older core has no column {}",
            unknown.join(", ")
        );
    }
    out
}
