//! `/metrics`: the model's totals since `cdflow live` started, in the OpenMetrics text format that
//! Prometheus scrapes, encoded by the `prometheus-client` crate (a [`Collector`] reading the model on
//! each scrape). Names follow the Prometheus conventions: `cdflow_…_total` counters, units in names
//! (`_bytes`, `_seconds`). Label cardinality is the model's: capped, with `other` values.

use std::sync::{Arc, Mutex};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};

use super::api::drops_by_node;
use super::bucket::Traffic;
use super::graph::OTHER;
use super::latency::BOUNDS_US;
use super::model::Model;

/// The content type of `/metrics`.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

type Labels = Vec<(&'static str, String)>;

/// The collector: reads the shared model at each scrape.
#[derive(Debug)]
pub struct ModelCollector(pub Arc<Mutex<Model>>);

/// A registry holding only the model's collector.
pub fn registry(model: Arc<Mutex<Model>>) -> Registry {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(ModelCollector(model)));
    registry
}

/// The `/metrics` text of `registry`.
pub fn render(registry: &Registry) -> Result<String, std::fmt::Error> {
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, registry)?;
    Ok(text)
}

fn counters(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    rows: &[(Labels, u64)],
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(name, help, unit, MetricType::Counter)?;
    for (labels, value) in rows {
        family
            .encode_family(labels)?
            .encode_counter::<NoLabelSet, _, u64>(value, None)?;
    }
    Ok(())
}

fn gauges(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    rows: &[(Labels, f64)],
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(name, help, unit, MetricType::Gauge)?;
    for (labels, value) in rows {
        family.encode_family(labels)?.encode_gauge(value)?;
    }
    Ok(())
}

impl Collector for ModelCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let model = match self.0.lock() {
            Ok(model) => model,
            Err(poisoned) => poisoned.into_inner(),
        };
        let names = &model.names;
        let name = |id: u32| names.get(id).to_owned();
        // per node, table and role
        let mut traffic: Vec<(Labels, Traffic)> = model
            .totals
            .traffic
            .iter()
            .map(|(&(node, keyspace, table, role), traffic)| {
                (
                    vec![
                        ("node", name(node)),
                        ("keyspace", name(keyspace)),
                        ("table", name(table)),
                        ("role", name(role)),
                    ],
                    *traffic,
                )
            })
            .collect();
        if let Some(other) = model.totals.traffic.other() {
            let other_labels = ["node", "keyspace", "table", "role"]
                .map(|label| (label, OTHER.to_owned()))
                .to_vec();
            traffic.push((other_labels, *other));
        }
        traffic.sort_by(|a, b| a.0.cmp(&b.0));
        let requests = |field: fn(&Traffic) -> u64| -> Vec<(Labels, u64)> {
            traffic
                .iter()
                .filter(|(_, t)| t.writes + t.reads > 0)
                .map(|(labels, t)| (labels.clone(), field(t)))
                .collect()
        };
        counters(
            &mut encoder,
            "cdflow_writes",
            "Client writes coordinated (every write path, LWTs included), per node, table and role.",
            None,
            &requests(|t| t.writes),
        )?;
        counters(
            &mut encoder,
            "cdflow_reads",
            "Client reads coordinated (SELECTs), per node, table and role.",
            None,
            &requests(|t| t.reads),
        )?;
        counters(
            &mut encoder,
            "cdflow_write",
            "Bytes of client writes, per node, table and role.",
            Some(&Unit::Bytes),
            &requests(|t| t.write_bytes),
        )?;
        counters(
            &mut encoder,
            "cdflow_read",
            "Bytes of client reads, per node, table and role.",
            Some(&Unit::Bytes),
            &requests(|t| t.read_bytes),
        )?;
        counters(
            &mut encoder,
            "cdflow_tombstones",
            "Deletions carried by client writes, per node, table and role.",
            None,
            &requests(|t| t.tombstones),
        )?;
        let replica: Vec<(Labels, u64)> = traffic
            .iter()
            .filter(|(_, t)| t.replica_writes > 0)
            .map(|(labels, t)| (labels[..3].to_vec(), t.replica_writes))
            .collect();
        counters(
            &mut encoder,
            "cdflow_replica_writes",
            "Writes applied as a replica, per node and table.",
            None,
            &replica,
        )?;
        // per edge
        let mut edges: Vec<(Labels, super::bucket::EdgeTotals)> = model
            .edge_series
            .iter()
            .map(|((kind, source, target, (keyspace, table)), totals)| {
                let table_name = if *keyspace != 0 || *table != 0 {
                    format!("{}.{}", names.get(*keyspace), names.get(*table))
                } else {
                    String::new()
                };
                let vertex = |vertex: &cdflow_core::flows::key::VertexKey| {
                    if vertex.kind.is_per_table() {
                        table_name.clone()
                    } else {
                        name(vertex.id)
                    }
                };
                let edge = match kind.fixed_name() {
                    Some(fixed) => fixed.to_owned(),
                    None => match kind {
                        cdflow_core::flows::key::EdgeKind::OtherKind(id) => name(*id),
                        _ => String::new(),
                    },
                };
                (
                    vec![
                        ("edge", edge),
                        ("source_kind", source.kind.name().to_owned()),
                        ("source", vertex(source)),
                        ("target_kind", target.kind.name().to_owned()),
                        ("target", vertex(target)),
                    ],
                    *totals,
                )
            })
            .collect();
        if let Some(other) = model.edge_series.other() {
            edges.push((
                ["edge", "source_kind", "source", "target_kind", "target"]
                    .map(|label| (label, OTHER.to_owned()))
                    .to_vec(),
                *other,
            ));
        }
        edges.sort_by(|a, b| a.0.cmp(&b.0));
        let edge_counts: Vec<(Labels, u64)> =
            edges.iter().map(|(l, t)| (l.clone(), t.count)).collect();
        let edge_bytes: Vec<(Labels, u64)> =
            edges.iter().map(|(l, t)| (l.clone(), t.bytes)).collect();
        counters(
            &mut encoder,
            "cdflow_edge_events",
            "Events along each edge of the flow graph (the flows table's vocabulary).",
            None,
            &edge_counts,
        )?;
        counters(
            &mut encoder,
            "cdflow_edge",
            "Bytes along each edge of the flow graph.",
            Some(&Unit::Bytes),
            &edge_bytes,
        )?;
        {
            let mut family = encoder.encode_descriptor(
                "cdflow_edge_latency",
                "Latency of the events along each edge that carry one (requests: as the client saw it; compactions: duration).",
                Some(&Unit::Seconds),
                MetricType::Histogram,
            )?;
            for (labels, totals) in edges.iter().filter(|(_, t)| t.latency.count > 0) {
                let histogram = &totals.latency;
                let mut buckets: Vec<(f64, u64)> = BOUNDS_US
                    .iter()
                    .zip(histogram.counts)
                    .map(|(bound, count)| (*bound as f64 / 1e6, count))
                    .collect();
                buckets.push((f64::INFINITY, histogram.counts[BOUNDS_US.len()]));
                family
                    .encode_family(labels)?
                    .encode_histogram::<NoLabelSet>(
                        histogram.sum_us as f64 / 1e6,
                        histogram.count,
                        &buckets,
                        None,
                    )?;
            }
        }
        // hints
        let mut hints: Vec<(Labels, super::bucket::Hints)> = model
            .totals
            .hints
            .iter()
            .map(|(target, hints)| (vec![("target", name(*target))], *hints))
            .collect();
        hints.sort_by(|a, b| a.0.cmp(&b.0));
        let field = |f: fn(&super::bucket::Hints) -> u64| -> Vec<(Labels, u64)> {
            hints.iter().map(|(l, h)| (l.clone(), f(h))).collect()
        };
        counters(
            &mut encoder,
            "cdflow_hints_written",
            "Hints stored for each target node (hint_write events).",
            None,
            &field(|h| h.written),
        )?;
        counters(
            &mut encoder,
            "cdflow_hints_replayed",
            "Hints delivered to each target node (hint_replay events).",
            None,
            &field(|h| h.replayed),
        )?;
        let pending: Vec<(Labels, f64)> = hints
            .iter()
            .map(|(l, h)| (l.clone(), h.written.saturating_sub(h.replayed) as f64))
            .collect();
        gauges(
            &mut encoder,
            "cdflow_hints_pending",
            "Hints written minus hints replayed, per target node, since cdflow live started.",
            None,
            &pending,
        )?;
        // LWTs
        let mut lwt: Vec<(Labels, super::bucket::Lwt)> = model
            .totals
            .lwt
            .iter()
            .map(|(&(keyspace, table, role), lwt)| {
                (
                    vec![
                        ("keyspace", name(keyspace)),
                        ("table", name(table)),
                        ("role", name(role)),
                    ],
                    *lwt,
                )
            })
            .collect();
        lwt.sort_by(|a, b| a.0.cmp(&b.0));
        let field = |f: fn(&super::bucket::Lwt) -> u64| -> Vec<(Labels, u64)> {
            lwt.iter().map(|(l, x)| (l.clone(), f(x))).collect()
        };
        counters(
            &mut encoder,
            "cdflow_lwt",
            "Lightweight transactions seen by their coordinator.",
            None,
            &field(|x| x.requests),
        )?;
        counters(
            &mut encoder,
            "cdflow_lwt_not_applied",
            "LWTs whose condition was not met.",
            None,
            &field(|x| x.not_applied),
        )?;
        counters(
            &mut encoder,
            "cdflow_lwt_contended",
            "LWTs that needed more than one Paxos attempt.",
            None,
            &field(|x| x.contended),
        )?;
        // the agent's accounting
        let nodes = drops_by_node(&model);
        let per_node = |counter: &str| -> Vec<(Labels, u64)> {
            nodes
                .iter()
                .map(|(node, c)| {
                    (
                        vec![("node", node.clone())],
                        c.get(counter).copied().unwrap_or(0),
                    )
                })
                .collect()
        };
        counters(
            &mut encoder,
            "cdflow_agent_events_seen",
            "Events the agent saw (its runs' last counters, summed per node).",
            None,
            &per_node("agent_events_seen"),
        )?;
        counters(
            &mut encoder,
            "cdflow_agent_events_written",
            "Event rows the core wrote.",
            None,
            &per_node("written"),
        )?;
        let mut dropped: Vec<(Labels, u64)> = Vec::new();
        for (node, c) in &nodes {
            for cause in cdflow_core::stats::AGENT_LOSSES
                .iter()
                .chain(&cdflow_core::stats::CORE_LOSSES)
            {
                dropped.push((
                    vec![("node", node.clone()), ("cause", cause.name.to_owned())],
                    c.get(cause.name).copied().unwrap_or(0),
                ));
            }
        }
        counters(
            &mut encoder,
            "cdflow_agent_events_dropped",
            "Events lost, per node and cause (the agent_stats loss columns).",
            None,
            &dropped,
        )?;
        // the live view itself
        let status = &model.status;
        counters(
            &mut encoder,
            "cdflow_live_events",
            "Events cdflow live has read (journals and files).",
            None,
            &[(vec![], model.totals.events)],
        )?;
        counters(
            &mut encoder,
            "cdflow_live_capped_updates",
            "Updates that found a capped map full (counted under label value other).",
            None,
            &[(
                vec![],
                model.totals.capped_updates() + model.edge_series.capped_updates,
            )],
        )?;
        gauges(
            &mut encoder,
            "cdflow_live_skipped_files",
            "Files or journal tails cdflow live skipped (see /api/skipped).",
            None,
            &[(vec![], status.skipped.len() as f64)],
        )?;
        gauges(
            &mut encoder,
            "cdflow_live_journals",
            "Journals being followed.",
            None,
            &[(vec![], status.journals.len() as f64)],
        )?;
        gauges(
            &mut encoder,
            "cdflow_live_last_event_timestamp",
            "Event time of the newest event read.",
            Some(&Unit::Seconds),
            &[(vec![], status.last_event_us as f64 / 1e6)],
        )?;
        Ok(())
    }
}
