//! The integration-test binary of cdflow-core (`tests/sink_memory.rs` is its own binary: it counts the
//! whole process's allocations).

mod accounting;
mod flows;
mod journal;
mod modes;
mod parity;
mod pipeline;
mod start;
mod support;
mod tagged;
mod vectors;
