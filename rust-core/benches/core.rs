//! Benchmarks of the core on generated agent streams (docs/performance.md, "Rust core"):
//! 1. `decode`: the wire decoder alone;
//! 2. `decode_aggregate`: decode + flow-graph aggregation with ≥ 10,000 live edges, each with a latency
//!    histogram (target ≥ 10 M events/s on one core);
//! 3. `parquet_write`: the writer's lineage path (decode, rows, Parquet files), target ≥ 2.5 M rows/s and
//!    ≤ 16 bytes per event on disk for the realistic mix.
//!
//! `CDFLOW_BENCH_SMOKE=1 cargo bench --bench core` runs a seconds-long smoke instead (ci/bench-rust-smoke),
//! which fails only below a third of each target.

mod support;

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use cdflow_core::flows::FlowAggregator;
use cdflow_core::flows::edge_stats::max_histogram_bytes;
use criterion::{Criterion, Throughput};

use support::stream::{REALISTIC, Shape};
use support::{Workload, decode_all, decode_and_aggregate, flow_limits, live_edges};

/// Targets (docs/performance.md).
const AGGREGATE_TARGET: f64 = 10e6;
const PARQUET_TARGET: f64 = 2.5e6;
const BYTES_PER_EVENT_TARGET: f64 = 16.0;

/// The aggregation shape: 60 roles × 200 tables, uniform, so every (role, table, node) edge is live.
const MANY_EDGES: Shape = Shape {
    roles: 60,
    skew: 1.0,
    ..REALISTIC
};

fn bench_decode(c: &mut Criterion, workload: &Workload) {
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Elements(workload.events));
    group.sample_size(10);
    group.bench_function("realistic", |b| b.iter(|| black_box(decode_all(workload))));
    group.finish();
}

fn bench_aggregate(c: &mut Criterion, workload: &Workload) {
    let mut flows = FlowAggregator::new(flow_limits());
    decode_and_aggregate(workload, &mut flows);
    let (edges, with_latency) = live_edges(&flows);
    println!(
        "decode_aggregate: {edges} live edges, {with_latency} with a latency histogram \
         (≤ {} bytes each)",
        max_histogram_bytes()
    );
    let mut group = c.benchmark_group("decode_aggregate");
    group.throughput(Throughput::Elements(workload.events));
    group.sample_size(10);
    // Every iteration adds to the same live graph (as the writer does within a window).
    group.bench_function("many_edges", |b| {
        b.iter(|| black_box(decode_and_aggregate(workload, &mut flows)))
    });
    group.finish();
}

fn bench_parquet(c: &mut Criterion, workload: &Workload) {
    let dir = support::scratch_dir("criterion");
    let rows = support::write_lineage(workload, &dir);
    let bytes = support::parquet_bytes(&dir);
    println!(
        "parquet_write: {rows} rows, {bytes} bytes on disk, {:.2} bytes/event",
        bytes as f64 / rows as f64
    );
    let mut group = c.benchmark_group("parquet_write");
    group.throughput(Throughput::Elements(workload.events));
    group.sample_size(10);
    group.bench_function("realistic", |b| {
        b.iter(|| {
            let _ = std::fs::remove_dir_all(&dir);
            black_box(support::write_lineage(workload, &dir))
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Events per second of `run` (which returns the events it processed), best of `rounds`.
fn rate(rounds: usize, mut run: impl FnMut() -> u64) -> f64 {
    (0..rounds)
        .map(|_| {
            let started = Instant::now();
            let events = run();
            events as f64 / started.elapsed().as_secs_f64().max(1e-9)
        })
        .fold(0.0, f64::max)
}

/// The CI smoke: a few seconds, fails only on gross regressions (below a third of a target).
fn smoke() -> ExitCode {
    let realistic = Workload::new(&REALISTIC, 200_000);
    let many = Workload::new(&MANY_EDGES, 200_000);
    let decode = rate(3, || decode_all(&realistic));
    let mut flows = FlowAggregator::new(flow_limits());
    decode_and_aggregate(&many, &mut flows);
    let (edges, with_latency) = live_edges(&flows);
    let aggregate = rate(3, || decode_and_aggregate(&many, &mut flows));
    let dir = support::scratch_dir("smoke");
    let parquet = rate(3, || {
        let _ = std::fs::remove_dir_all(&dir);
        support::write_lineage(&realistic, &dir)
    });
    let bytes_per_event = support::parquet_bytes(&dir) as f64 / realistic.events as f64;
    let _ = std::fs::remove_dir_all(&dir);
    println!("decode            {:>6.2} M events/s", decode / 1e6);
    println!(
        "decode_aggregate  {:>6.2} M events/s  ({edges} live edges, {with_latency} with latency)",
        aggregate / 1e6
    );
    println!("parquet_write     {:>6.2} M rows/s", parquet / 1e6);
    println!("bytes/event       {bytes_per_event:>6.2}");
    let mut failures = Vec::new();
    if with_latency < 10_000 {
        failures.push(format!("only {with_latency} live edges with latency (< 10,000)"));
    }
    if aggregate < AGGREGATE_TARGET / 3.0 {
        failures.push(format!("decode_aggregate {:.2} M/s < a third of the target", aggregate / 1e6));
    }
    if parquet < PARQUET_TARGET / 3.0 {
        failures.push(format!("parquet_write {:.2} M/s < a third of the target", parquet / 1e6));
    }
    if bytes_per_event > BYTES_PER_EVENT_TARGET * 1.5 {
        failures.push(format!("{bytes_per_event:.2} bytes/event > 1.5 × the target"));
    }
    for failure in &failures {
        eprintln!("bench-rust-smoke: FAIL {failure}");
    }
    if failures.is_empty() {
        println!("bench-rust-smoke: ok");
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn main() -> ExitCode {
    if std::env::var_os("CDFLOW_BENCH_SMOKE").is_some() {
        return smoke();
    }
    let realistic = Workload::new(&REALISTIC, 400_000);
    let many = Workload::new(&MANY_EDGES, 400_000);
    let mut criterion = Criterion::default()
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1))
        .configure_from_args();
    bench_decode(&mut criterion, &realistic);
    bench_aggregate(&mut criterion, &many);
    bench_parquet(&mut criterion, &realistic);
    criterion.final_summary();
    ExitCode::SUCCESS
}
