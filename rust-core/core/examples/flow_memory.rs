//! The flow graph's worst-case memory at the default caps, measured: fills [`OPEN_WINDOWS`] windows with
//! `flow_max_edges` edges each, every edge with latencies over the histogram's whole range (1 µs .. 60 s,
//! so every histogram takes its largest size), and separately the same windows full of partition
//! summaries with more partitions than counters; prints the heap bytes the windows hold (counted by the
//! allocator) and the process's resident memory, as one JSON line (docs/performance.md, "Rust core").
//!
//! cargo run --release -p cdflow-core --example flow_memory [-- --max-edges N]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use cdflow_core::CoreConfig;
use cdflow_core::flows::edge_stats::HIGHEST_TRACKED_US;
use cdflow_core::flows::key::{EdgeKey, EdgeKind, Scope, VertexKey, VertexKind};
use cdflow_core::flows::window::Window;
use cdflow_core::flows::{OPEN_WINDOWS, PARTITION_SLOTS_PER_TOP};

/// The system allocator, counting the bytes live.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Resident memory in bytes (/proc/self/statm), 0 where unavailable.
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|statm| statm.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// Latencies spread over the whole tracked range: one per power of two and a few between.
fn latencies() -> Vec<u64> {
    let mut values = Vec::new();
    let mut value = 1u64;
    while value <= HIGHEST_TRACKED_US {
        for step in 0..32 {
            values.push(value + value * step / 32);
        }
        value *= 2;
    }
    values.push(HIGHEST_TRACKED_US);
    values
}

fn edge(n: u32) -> EdgeKey {
    EdgeKey {
        kind: EdgeKind::Write,
        source: VertexKey::new(VertexKind::Role, 1 + n % 64),
        target: VertexKey::new(VertexKind::Coordinator, 100),
        scope: Scope {
            node: 100,
            keyspace: 200,
            table: 1000 + n,
        },
    }
}

/// Heap bytes of `OPEN_WINDOWS` windows filled by `fill`, and the windows' slots used.
fn measure(max_edges: usize, capacity: usize, fill: impl Fn(&mut Window)) -> (usize, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    let mut windows: Vec<Window> = (0..OPEN_WINDOWS)
        .map(|n| Window::new(n as i64 * 60_000_000, max_edges, capacity))
        .collect();
    for window in &mut windows {
        fill(window);
        window.settle();
    }
    let bytes = LIVE.load(Ordering::Relaxed) - before;
    let slots = windows.iter().map(Window::slots_used).sum();
    drop(windows);
    (bytes, slots)
}

fn main() {
    let mut config = CoreConfig::new("unused");
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|arg| arg == "--max-edges") {
        config.flow_max_edges = args[at + 1].parse().expect("--max-edges N");
    }
    let limits = config.flow_limits();
    let capacity = limits.top_partitions.max(1) * PARTITION_SLOTS_PER_TOP;
    let latencies = latencies();
    let (edge_bytes, edges) = measure(limits.max_edges, capacity, |window| {
        for n in 0..limits.max_edges as u32 {
            for &latency in &latencies {
                window.add(&edge(n), 100, Some(latency));
            }
        }
    });
    let rss_after_edges = rss_bytes();
    let (partition_bytes, summaries) = measure(limits.max_edges, capacity, |window| {
        for n in 0..limits.max_edges as u32 {
            let scope = edge(n).scope;
            for token in 0..(2 * capacity) as i64 {
                window.add_partition(EdgeKind::PartitionWrite, scope, token, 100);
            }
        }
    });
    println!(
        "{{\"max_edges\":{},\"open_windows\":{OPEN_WINDOWS},\"latencies_per_edge\":{},\
         \"edges\":{edges},\"edge_windows_heap_bytes\":{edge_bytes},\
         \"heap_bytes_per_edge\":{},\"summaries\":{summaries},\
         \"summary_windows_heap_bytes\":{partition_bytes},\"heap_bytes_per_summary\":{},\
         \"rss_bytes_after_edges\":{rss_after_edges},\"rss_bytes_at_end\":{}}}",
        limits.max_edges,
        latencies.len(),
        edge_bytes / edges.max(1),
        partition_bytes / summaries.max(1),
        rss_bytes(),
    );
}
