//! Stage 1, decoding: the agent's batches (docs/wire-format.md) into [`wire::Event`]s — fixed MUTATION_EVENTs,
//! self-describing [`fields`] in TAGGED_EVENTs ([`tagged`]) and the string table ([`strings`]).

pub mod fields;
pub mod strings;
pub mod tagged;
pub mod wire;
