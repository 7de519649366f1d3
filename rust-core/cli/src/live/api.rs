//! The `/api/…` JSON documents (docs/cli.md, "cdflow live"). Every list is capped (top K, then one
//! `other` row summing the rest); 64-bit ids (tokens, partition-key hashes) are strings; times are µs
//! since the epoch.

use std::collections::{BTreeMap, HashMap};

use cdflow_core::stats::{AGENT_LOSSES, CORE_LOSSES, CounterField};
use serde_json::{Map, Value, json};

use super::bucket::{Bucket, EdgeTotals, Hints, Lwt, PartitionCount, PartitionKey, Traffic};
use super::graph::{OTHER, build};
use super::latency::LatencyHistogram;
use super::model::{Model, WINDOWS_S};

/// Rows per list.
pub const TOP_ROWS: usize = 10;

/// The documents, by path below `/api/`.
pub const ENDPOINTS: [&str; 10] = [
    "all",
    "status",
    "graph",
    "traffic",
    "partitions",
    "tombstones",
    "lwt",
    "hints",
    "drops",
    "skipped",
];

/// The document at `/api/<name>` for a window of `window_s` seconds ending at `now_us`; `None` for an
/// unknown name.
pub fn document(model: &Model, name: &str, now_us: i64, window_s: i64) -> Option<Value> {
    let value = part(model, name, now_us, window_s)?;
    Some(json!({
        "now_us": now_us,
        "window_s": window_s,
        "windows_s": WINDOWS_S,
        name: value,
    }))
}

fn part(model: &Model, name: &str, now_us: i64, window_s: i64) -> Option<Value> {
    let window = || model.window(now_us, window_s);
    let value = match name {
        "status" => status(model, now_us),
        "graph" => graph(model, window(), window_s),
        "traffic" => traffic(model, window(), window_s),
        "partitions" => partitions(model, window()),
        "tombstones" => tombstones(model, window()),
        "lwt" => lwt(model, window()),
        "hints" => hints(model, window()),
        "drops" => drops(model),
        "skipped" => skipped(model),
        "all" => {
            let mut all = Map::new();
            for part in ENDPOINTS.iter().filter(|part| **part != "all") {
                if let Some(value) = self::part(model, part, now_us, window_s) {
                    all.insert((*part).to_owned(), value);
                }
            }
            Value::Object(all)
        }
        _ => return None,
    };
    Some(value)
}

fn latency(histogram: &LatencyHistogram) -> Value {
    if histogram.count == 0 {
        return Value::Null;
    }
    json!({
        "count": histogram.count,
        "p50_us": histogram.quantile_us(0.5),
        "p99_us": histogram.quantile_us(0.99),
        "max_us": histogram.max_us,
        "mean_us": histogram.sum_us / histogram.count,
    })
}

fn rate(count: u64, window_s: i64) -> f64 {
    count as f64 / window_s.max(1) as f64
}

fn status(model: &Model, now_us: i64) -> Value {
    let status = &model.status;
    let journals: Vec<Value> = status
        .journals
        .iter()
        .map(|(dir, journal)| {
            json!({
                "dir": dir,
                "segment": journal.segment,
                "offset": journal.offset,
                "batches": journal.batches,
                "events": journal.events,
            })
        })
        .collect();
    json!({
        "dirs": status.dirs,
        "waiting_for": status.waiting_for,
        "journals": journals,
        "files_read": status.files_read,
        "history_rows": status.history_rows,
        "skipped_files": status.skipped.len(),
        "started_us": status.started_us,
        "last_event_us": status.last_event_us,
        "last_read_us": status.last_read_us,
        "lag_ms": if status.last_event_us > 0 { Some((now_us - status.last_event_us) / 1000) } else { None },
        "events": model.totals.events,
        "names": model.names.len(),
        "capped_updates": model.totals.capped_updates(),
        "partition_hashes": status.partition_hashes,
    })
}

fn graph<'b>(model: &Model, buckets: impl Iterator<Item = &'b Bucket>, window_s: i64) -> Value {
    let graph = build(buckets, &model.names);
    let vertices: Vec<Value> = graph
        .vertices
        .iter()
        .zip(&graph.vertex_counts)
        .enumerate()
        .map(|(index, (vertex, count))| {
            json!({
                "id": index,
                "kind": vertex.kind.name(),
                "name": vertex.name,
                "count": count,
                "collapsed": vertex.name == OTHER,
            })
        })
        .collect();
    let edges: Vec<Value> = graph
        .edges
        .iter()
        .map(|edge| edge_json(&edge.kind, edge.source, edge.target, &edge.totals, window_s))
        .collect();
    let (clients, nodes, tables) = graph.distinct;
    json!({
        "vertices": vertices,
        "edges": edges,
        "distinct": {"clients": clients, "nodes": nodes, "tables": tables},
    })
}

fn edge_json(
    kind: &str,
    source: usize,
    target: usize,
    totals: &EdgeTotals,
    window_s: i64,
) -> Value {
    json!({
        "kind": kind,
        "source": source,
        "target": target,
        "count": totals.count,
        "bytes": totals.bytes,
        "rate": rate(totals.count, window_s),
        "byte_rate": rate(totals.bytes, window_s),
        "latency": latency(&totals.latency),
    })
}

/// Sorted rows, the first `keep` and the rest summed into one `other` row.
/// Rows kept, and how many were summed into the `other` row with its sum.
type Capped<K, V> = (Vec<(K, V)>, Option<(usize, V)>);

fn capped_rows<K: Clone, V: Default + Clone>(
    rows: HashMap<K, V>,
    weight: impl Fn(&V) -> u64,
    merge: impl Fn(&mut V, &V),
    keep: usize,
    order: impl Fn(&K, &K) -> std::cmp::Ordering,
) -> Capped<K, V> {
    let mut sorted: Vec<(K, V)> = rows.into_iter().collect();
    sorted.sort_by(|a, b| weight(&b.1).cmp(&weight(&a.1)).then(order(&a.0, &b.0)));
    if sorted.len() <= keep {
        return (sorted, None);
    }
    let rest = sorted.split_off(keep);
    let mut other = V::default();
    for (_, value) in &rest {
        merge(&mut other, value);
    }
    (sorted, Some((rest.len(), other)))
}

fn traffic_json(traffic: &Traffic, window_s: i64) -> Value {
    json!({
        "writes": traffic.writes,
        "reads": traffic.reads,
        "write_bytes": traffic.write_bytes,
        "read_bytes": traffic.read_bytes,
        "tombstones": traffic.tombstones,
        "replica_writes": traffic.replica_writes,
        "write_rate": rate(traffic.writes, window_s),
        "read_rate": rate(traffic.reads, window_s),
    })
}

fn traffic<'b>(model: &Model, buckets: impl Iterator<Item = &'b Bucket>, window_s: i64) -> Value {
    let names = &model.names;
    let mut by_role: HashMap<String, Traffic> = HashMap::new();
    let mut by_table: HashMap<String, Traffic> = HashMap::new();
    let mut by_node: HashMap<String, Traffic> = HashMap::new();
    let mut total = Traffic::default();
    for bucket in buckets {
        for (&(node, keyspace, table, role), traffic) in bucket.traffic.iter() {
            by_role
                .entry(names.get(role).to_owned())
                .or_default()
                .merge(traffic);
            by_table
                .entry(format!("{}.{}", names.get(keyspace), names.get(table)))
                .or_default()
                .merge(traffic);
            by_node
                .entry(names.get(node).to_owned())
                .or_default()
                .merge(traffic);
            total.merge(traffic);
        }
        if let Some(other) = bucket.traffic.other() {
            by_role.entry(OTHER.to_owned()).or_default().merge(other);
            by_table.entry(OTHER.to_owned()).or_default().merge(other);
            by_node.entry(OTHER.to_owned()).or_default().merge(other);
            total.merge(other);
        }
    }
    // replica rows carry no role, nor do requests without login: both are the role ""
    let section = |rows: HashMap<String, Traffic>, label: &str| -> Value {
        let (kept, other) = capped_rows(
            rows,
            |t| t.writes + t.reads + t.replica_writes,
            Traffic::merge,
            TOP_ROWS * 2,
            |a, b| a.cmp(b),
        );
        let mut list: Vec<Value> = kept
            .iter()
            .map(|(name, t)| {
                let mut row = traffic_json(t, window_s);
                row[label] = json!(name);
                row
            })
            .collect();
        if let Some((count, t)) = other {
            let mut row = traffic_json(&t, window_s);
            row[label] = json!(OTHER);
            row["collapsed"] = json!(count);
            list.push(row);
        }
        Value::Array(list)
    };
    json!({
        "total": traffic_json(&total, window_s),
        "by_role": section(by_role, "role"),
        "by_table": section(by_table, "table"),
        "by_node": section(by_node, "node"),
    })
}

fn partitions<'b>(model: &Model, buckets: impl Iterator<Item = &'b Bucket>) -> Value {
    let names = &model.names;
    let mut merged: HashMap<PartitionKey, PartitionCount> = HashMap::new();
    let mut total = 0u64;
    let mut capped = 0u64;
    for bucket in buckets {
        for (key, partition) in bucket.partitions.iter() {
            let entry = merged.entry(*key).or_default();
            entry.count += partition.count;
            entry.bytes += partition.bytes;
            entry.key_hash = entry.key_hash.or(partition.key_hash);
            total += partition.count;
        }
        if let Some(other) = bucket.partitions.other() {
            capped += other.count;
            total += other.count;
        }
    }
    let mut sorted: Vec<_> = merged.into_iter().collect();
    sorted.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(&b.0)));
    let rows: Vec<Value> = sorted
        .iter()
        .take(TOP_ROWS)
        .map(|((keyspace, table, token), partition)| {
            let (count, bytes, hash) = (&partition.count, &partition.bytes, &partition.key_hash);
            json!({
                "table": format!("{}.{}", names.get(*keyspace), names.get(*table)),
                "token": token.to_string(),
                "partition_key_hash": hash.map(|hash| hash.to_string()),
                "count": count,
                "bytes": bytes,
                "share": if total > 0 { *count as f64 / total as f64 } else { 0.0 },
            })
        })
        .collect();
    json!({
        "top": rows,
        "requests": total,
        "partitions_seen": sorted.len(),
        "uncounted_beyond_cap": capped,
    })
}

fn tombstones<'b>(model: &Model, buckets: impl Iterator<Item = &'b Bucket>) -> Value {
    let names = &model.names;
    let mut by_role: HashMap<String, (u64, u64)> = HashMap::new();
    let mut by_role_table: HashMap<(String, String), u64> = HashMap::new();
    for bucket in buckets {
        for (&(_, keyspace, table, role), traffic) in bucket.traffic.iter() {
            if traffic.writes == 0 {
                continue;
            }
            let role = names.get(role).to_owned();
            let entry = by_role.entry(role.clone()).or_default();
            entry.0 += traffic.tombstones;
            entry.1 += traffic.writes;
            if traffic.tombstones > 0 {
                *by_role_table
                    .entry((
                        role,
                        format!("{}.{}", names.get(keyspace), names.get(table)),
                    ))
                    .or_default() += traffic.tombstones;
            }
        }
    }
    let mut roles: Vec<_> = by_role.into_iter().filter(|(_, (t, _))| *t > 0).collect();
    roles.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    let mut tables: Vec<_> = by_role_table.into_iter().collect();
    tables.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    json!({
        "by_role": roles.iter().take(TOP_ROWS).map(|(role, (tombstones, writes))| json!({
            "role": role, "tombstones": tombstones, "writes": writes,
            "per_write": *tombstones as f64 / (*writes).max(1) as f64,
        })).collect::<Vec<_>>(),
        "by_role_table": tables.iter().take(TOP_ROWS).map(|((role, table), tombstones)| json!({
            "role": role, "table": table, "tombstones": tombstones,
        })).collect::<Vec<_>>(),
    })
}

fn lwt<'b>(model: &Model, buckets: impl Iterator<Item = &'b Bucket>) -> Value {
    let names = &model.names;
    let mut merged: HashMap<(String, String), Lwt> = HashMap::new();
    for bucket in buckets {
        for (&(keyspace, table, role), lwt) in bucket.lwt.iter() {
            merged
                .entry((
                    format!("{}.{}", names.get(keyspace), names.get(table)),
                    names.get(role).to_owned(),
                ))
                .or_default()
                .merge(lwt);
        }
    }
    let (kept, other) = capped_rows(
        merged,
        |lwt| lwt.contended * 1_000_000 + lwt.requests,
        Lwt::merge,
        TOP_ROWS,
        |a, b| a.cmp(b),
    );
    let row = |table: &str, role: &str, lwt: &Lwt| {
        json!({
            "table": table, "role": role,
            "requests": lwt.requests, "not_applied": lwt.not_applied,
            "attempts": lwt.attempts, "contended": lwt.contended,
            "contention": lwt.contended as f64 / lwt.requests.max(1) as f64,
        })
    };
    let mut rows: Vec<Value> = kept
        .iter()
        .map(|((table, role), lwt)| row(table, role, lwt))
        .collect();
    if let Some((_, lwt)) = other {
        rows.push(row(OTHER, OTHER, &lwt));
    }
    Value::Array(rows)
}

fn hints<'b>(model: &Model, buckets: impl Iterator<Item = &'b Bucket>) -> Value {
    let names = &model.names;
    let mut window: BTreeMap<String, Hints> = BTreeMap::new();
    for bucket in buckets {
        for (target, hints) in bucket.hints.iter() {
            let entry = window.entry(names.get(*target).to_owned()).or_default();
            entry.written += hints.written;
            entry.replayed += hints.replayed;
        }
    }
    let mut rows: Vec<Value> = model
        .totals
        .hints
        .iter()
        .map(|(target, hints)| {
            let name = names.get(*target);
            let in_window = window.get(name).copied().unwrap_or_default();
            json!({
                "target": name,
                "written": hints.written,
                "replayed": hints.replayed,
                "pending": hints.written.saturating_sub(hints.replayed),
                "written_in_window": in_window.written,
                "replayed_in_window": in_window.replayed,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        b["pending"]
            .as_u64()
            .cmp(&a["pending"].as_u64())
            .then(a["target"].as_str().cmp(&b["target"].as_str()))
    });
    Value::Array(rows)
}

fn causes() -> impl Iterator<Item = &'static CounterField> {
    AGENT_LOSSES.iter().chain(&CORE_LOSSES)
}

/// The agent's accounting per node: its runs' last counters summed (seen, written, each loss cause).
pub fn drops_by_node(model: &Model) -> BTreeMap<String, BTreeMap<&'static str, u64>> {
    let mut nodes: BTreeMap<String, BTreeMap<&'static str, u64>> = BTreeMap::new();
    for run in model.agents.values() {
        let node = nodes
            .entry(model.names.get(run.node).to_owned())
            .or_default();
        let counters = &run.counters;
        *node.entry("agent_events_seen").or_default() += counters.agent_events_seen;
        *node.entry("written").or_default() += counters.written;
        *node.entry("runs").or_default() += 1;
        for cause in causes() {
            *node.entry(cause.name).or_default() += (cause.get)(counters);
        }
    }
    nodes
}

fn drops(model: &Model) -> Value {
    let rows: Vec<Value> = drops_by_node(model)
        .into_iter()
        .map(|(node, counters)| {
            let dropped: Map<String, Value> = causes()
                .map(|cause| (cause.name.to_owned(), json!(counters.get(cause.name))))
                .collect();
            let lost: u64 = causes().filter_map(|cause| counters.get(cause.name)).sum();
            json!({
                "node": node,
                "runs": counters.get("runs"),
                "seen": counters.get("agent_events_seen"),
                "written": counters.get("written"),
                "dropped": dropped,
                "lost": lost,
            })
        })
        .collect();
    Value::Array(rows)
}

fn skipped(model: &Model) -> Value {
    Value::Array(
        model
            .status
            .skipped
            .iter()
            .map(|skipped| json!({"path": skipped.path, "reason": skipped.reason}))
            .collect(),
    )
}
