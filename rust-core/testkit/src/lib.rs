//! cdflow's test kit: what tests, benchmarks and examples of every crate use to produce the agent's wire
//! format without the agent — written independently of the core's decoder, so that each checks the other.
//!
//! - [`mutation_event`]: the encoder of one MUTATION_EVENT payload;
//! - [`fields`]: self-describing fields and the registered field ids (from tests/vectors/fields.json);
//! - [`batch`]: the batch builder — records (STRING_DEF, TAGGED_EVENT, MUTATION_EVENT) and batches, one
//!   shot or cut at the agent's buffer size;
//! - [`synth`]: a synthetic, skewed cluster workload (roles, tables, partitions) as batches per node;
//! - [`rng`]: the small deterministic generator the workload draws from.

pub mod batch;
pub mod fields;
pub mod mutation_event;
pub mod rng;
pub mod synth;
