//! The single integration-test binary of cdflow-core.

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
