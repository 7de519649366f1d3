//! Writes `--rows` events of synthetic, realistic lineage (cdflow_testkit::synth) through the real core
//! (`cdflow_core::Pipeline`, default options unless given) into `--out`, losslessly: a batch refused
//! because the queue is full is offered again after a short pause. Prints one JSON line with what it did.
//! Simulated time starts at the current minute (wall clock) and runs ahead of it, as events of a live
//! cluster do: the core closes a flow window by the wall clock 5 s after its end, so a past start would
//! close every window at once and cut its top partitions into many partial batches.
//!
//! cargo run --release -p cdflow-core --example synth_lineage -- --out DIR --rows 100000000
//!     [--nodes 6] [--tables 200] [--partitions 1000000] [--ops-per-second 5000] [--seed 1]
//!     [--row-group-rows N] [--roll-seconds S] [--flow-max-edges N]

use std::cell::Cell;
use std::time::{Duration, Instant};

use cdflow_core::{CoreConfig, Pipeline, SubmitOutcome};
use cdflow_testkit::synth::Workload;

struct Options {
    out: String,
    rows: u64,
    nodes: usize,
    tables: usize,
    partitions: u64,
    ops_per_second: u64,
    seed: u64,
    row_group_rows: Option<usize>,
    roll_seconds: Option<u64>,
    flow_max_edges: Option<usize>,
}

fn parse() -> Result<Options, String> {
    let mut options = Options {
        out: String::new(),
        rows: 1_000_000,
        nodes: 6,
        tables: 200,
        partitions: 1_000_000,
        ops_per_second: 5_000,
        seed: 1,
        row_group_rows: None,
        roll_seconds: None,
        flow_max_edges: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|e| format!("{flag} {value:?}: {e}"))
        };
        match flag.as_str() {
            "--out" => options.out = value.clone(),
            "--rows" => options.rows = number()?,
            "--nodes" => options.nodes = number()? as usize,
            "--tables" => options.tables = number()? as usize,
            "--partitions" => options.partitions = number()?,
            "--ops-per-second" => options.ops_per_second = number()?,
            "--seed" => options.seed = number()?,
            "--row-group-rows" => options.row_group_rows = Some(number()? as usize),
            "--roll-seconds" => options.roll_seconds = Some(number()?),
            "--flow-max-edges" => options.flow_max_edges = Some(number()? as usize),
            other => return Err(format!("unknown option {other}")),
        }
    }
    if options.out.is_empty() {
        return Err("--out DIR is required".to_owned());
    }
    if options.nodes < 3
        || options.tables == 0
        || options.partitions == 0
        || options.ops_per_second == 0
    {
        return Err(
            "--nodes must be ≥ 3 (RF 3); --tables, --partitions, --ops-per-second > 0".to_owned(),
        );
    }
    Ok(options)
}

fn main() {
    let options = parse().unwrap_or_else(|error| {
        eprintln!("synth_lineage: {error}");
        std::process::exit(2);
    });
    let mut config = CoreConfig::new(&options.out);
    if let Some(rows) = options.row_group_rows {
        config.row_group_rows = rows;
    }
    if let Some(seconds) = options.roll_seconds {
        config.roll_seconds = seconds;
    }
    if let Some(edges) = options.flow_max_edges {
        config.flow_max_edges = edges;
    }
    let pipeline = Pipeline::start(config).unwrap_or_else(|error| {
        eprintln!(
            "synth_lineage: cannot start the core in {}: {error}",
            options.out
        );
        std::process::exit(1);
    });
    let mut workload = Workload::new(
        options.nodes,
        options.tables,
        options.partitions,
        options.ops_per_second,
        options.seed,
    )
    .starting_at(current_minute_us());
    if let Err(error) = pipeline.define(&workload.strings.define_batch()) {
        eprintln!("synth_lineage: define failed: {error}");
        std::process::exit(1);
    }
    let started = Instant::now();
    let submitted = Cell::new(0u64);
    let mut retries = 0u64;
    let mut submit = |bytes: Vec<u8>, events: u32| {
        while pipeline.submit(&bytes, events) == SubmitOutcome::QueueFull {
            retries += 1;
            std::thread::sleep(Duration::from_micros(200));
        }
        submitted.set(submitted.get() + u64::from(events));
    };
    while submitted.get() < options.rows {
        workload.next_op(&mut submit);
    }
    workload.flush(&mut submit);
    let submitted = submitted.get();
    let submit_seconds = started.elapsed().as_secs_f64();
    if let Err(error) = pipeline.shutdown(Duration::from_secs(600)) {
        eprintln!("synth_lineage: shutdown failed: {error}");
        std::process::exit(1);
    }
    let seconds = started.elapsed().as_secs_f64();
    let counters = pipeline.snapshot();
    println!(
        "{{\"rows_submitted\": {submitted}, \"written\": {}, \"files\": {}, \"rejected\": {}, \
         \"skipped_fields\": {}, \"queue_full_retries\": {retries}, \"submit_seconds\": {submit_seconds:.2}, \
         \"seconds\": {seconds:.2}, \"rows_per_second\": {:.0}}}",
        counters.written,
        counters.files,
        counters.rejected,
        counters.skipped_fields,
        counters.written as f64 / seconds
    );
}

/// The start of the current UTC minute in µs since the epoch.
fn current_minute_us() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64);
    (now - now % 60) * 1_000_000
}
