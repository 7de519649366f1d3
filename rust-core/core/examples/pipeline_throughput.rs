//! How many events per second `Pipeline::submit` sustains before the queue fills and batches are dropped
//! (docs/performance.md, "Analyst queries and the core's limits").
//!
//! For each producer count and offered rate, a fresh core (default options: `queue_batches` 4096, one
//! writer thread) receives pre-encoded batches of one node's synthetic lineage (cdflow_testkit::synth,
//! 16 KiB per batch like the agent's per-thread buffers) from `--producers` threads, paced to the offered
//! rate (0 = as fast as possible), for `--seconds`. Prints offered/accepted/dropped per second during the
//! window, how long the writer took to drain afterwards and what it wrote per second over window + drain
//! (its capacity, once it is saturated), then the knee: the highest offered rate with
//! no drop. Every run's lineage goes under `--out` and is deleted afterwards.
//!
//! cargo run --release -p cdflow-core --example pipeline_throughput -- --out DIR
//!     [--producers 1,2] [--rates 0,250000,500000,...] [--seconds 20]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cdflow_core::{CoreConfig, Pipeline, SubmitOutcome};
use cdflow_testkit::synth::Workload;

/// Pre-encoded batches per producer (cycled).
const POOL_BATCHES: usize = 512;

struct Run {
    producers: usize,
    offered_rate: u64,
    offered: u64,
    accepted: u64,
    dropped: u64,
    window: f64,
    drain: f64,
}

fn list(value: &str) -> Result<Vec<u64>, String> {
    value
        .split(',')
        .map(|item| {
            item.trim()
                .parse::<u64>()
                .map_err(|e| format!("{item:?}: {e}"))
        })
        .collect()
}

fn main() {
    let mut out = None;
    let mut producers = vec![1, 2];
    let mut rates = vec![0, 250_000, 500_000, 750_000, 1_000_000, 1_500_000];
    let mut seconds = 20.0;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_default();
        let parsed = match flag.as_str() {
            "--out" => {
                out = Some(PathBuf::from(&value));
                Ok(())
            }
            "--producers" => list(&value).map(|v| producers = v),
            "--rates" => list(&value).map(|v| rates = v),
            "--seconds" => value
                .parse::<f64>()
                .map(|v| seconds = v)
                .map_err(|e| e.to_string()),
            other => Err(format!("unknown option {other}")),
        };
        if let Err(error) = parsed {
            eprintln!("pipeline_throughput: {flag}: {error}");
            std::process::exit(2);
        }
    }
    let Some(out) = out else {
        eprintln!("pipeline_throughput: --out DIR is required");
        std::process::exit(2);
    };
    println!(
        "| producers | offered ev/s | offered ev/s (actual) | accepted ev/s | dropped ev/s | dropped % | drain s | written ev/s |"
    );
    println!("|--:|--:|--:|--:|--:|--:|--:|--:|");
    let mut runs = Vec::new();
    for &producer_count in &producers {
        for &rate in &rates {
            let run = measure(&out, producer_count as usize, rate, seconds);
            println!(
                "| {} | {} | {:.0} | {:.0} | {:.0} | {:.2} | {:.1} | {:.0} |",
                run.producers,
                if rate == 0 {
                    "max".to_owned()
                } else {
                    rate.to_string()
                },
                run.offered as f64 / run.window,
                run.accepted as f64 / run.window,
                run.dropped as f64 / run.window,
                100.0 * run.dropped as f64 / run.offered.max(1) as f64,
                run.drain,
                run.accepted as f64 / (run.window + run.drain)
            );
            runs.push(run);
        }
    }
    for &producer_count in &producers {
        let knee = runs
            .iter()
            .filter(|r| {
                r.producers == producer_count as usize && r.offered_rate > 0 && r.dropped == 0
            })
            .map(|r| r.offered_rate)
            .max();
        match knee {
            Some(rate) => {
                println!("knee, {producer_count} producer(s): {rate} events/s offered with no drop")
            }
            None => println!("knee, {producer_count} producer(s): every paced rate dropped"),
        }
    }
}

fn measure(out: &Path, producers: usize, rate: u64, seconds: f64) -> Run {
    let dir = out.join(format!("p{producers}-r{rate}"));
    let _ = std::fs::remove_dir_all(&dir);
    let pipeline = Arc::new(
        Pipeline::start(CoreConfig::new(dir.join("lineage"))).unwrap_or_else(|error| {
            eprintln!(
                "pipeline_throughput: cannot start the core in {}: {error}",
                dir.display()
            );
            std::process::exit(1);
        }),
    );
    let pools: Vec<Vec<(Vec<u8>, u32)>> = (0..producers).map(|p| pool(p as u64 + 1)).collect();
    if let Err(error) = pipeline.define(
        &Workload::new(6, 200, 1_000_000, 5_000, 1)
            .strings
            .define_batch(),
    ) {
        eprintln!("pipeline_throughput: define failed: {error}");
        std::process::exit(1);
    }
    let before = pipeline.snapshot();
    let started = Instant::now();
    let window = Duration::from_secs_f64(seconds);
    let per_producer = rate as f64 / producers as f64;
    std::thread::scope(|scope| {
        for pool in &pools {
            let pipeline = Arc::clone(&pipeline);
            scope.spawn(move || produce(&pipeline, pool, per_producer, started, window));
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let after = pipeline.snapshot();
    let drain_start = Instant::now();
    if let Err(error) = pipeline.shutdown(Duration::from_secs(600)) {
        eprintln!("pipeline_throughput: shutdown failed: {error}");
    }
    let drain = drain_start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    Run {
        producers,
        offered_rate: rate,
        offered: after.offered - before.offered,
        accepted: after.accepted - before.accepted,
        dropped: after.dropped_queue_full - before.dropped_queue_full,
        window: elapsed,
        drain,
    }
}

/// One producer: submits its pool round and round, keeping to `rate` events/s (0 = no pacing).
fn produce(
    pipeline: &Pipeline,
    pool: &[(Vec<u8>, u32)],
    rate: f64,
    started: Instant,
    window: Duration,
) {
    let mut sent = 0u64;
    for (bytes, events) in pool.iter().cycle() {
        let elapsed = started.elapsed();
        if elapsed >= window {
            return;
        }
        if rate > 0.0 {
            let ahead = sent as f64 / rate - elapsed.as_secs_f64();
            if ahead > 0.0 {
                std::thread::sleep(Duration::from_secs_f64(ahead));
            }
        }
        if pipeline.submit(bytes, *events) == SubmitOutcome::NotRunning {
            return;
        }
        sent += u64::from(*events);
    }
}

/// `POOL_BATCHES` batches of what node 0 of a 6-node cluster observes.
fn pool(seed: u64) -> Vec<(Vec<u8>, u32)> {
    let mut workload = Workload::new(6, 200, 1_000_000, 5_000, seed).observe_only(0);
    let mut batches = Vec::with_capacity(POOL_BATCHES);
    while batches.len() < POOL_BATCHES {
        workload.next_op(&mut |bytes, events| batches.push((bytes, events)));
    }
    batches
}
