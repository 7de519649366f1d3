//! The process-wide core: at most one running [`Pipeline`], behind a `parking_lot::RwLock`.
//!
//! Invariants: `submit`, `define`, `counters` and `shutdown` take the read lock only (they run
//! concurrently); `start` takes the write lock and refuses to replace a pipeline that is still running;
//! a pipeline that was shut down may be replaced by a new `start`.

use std::time::Duration;

use cdflow_core::stats::COUNTER_COUNT;
use cdflow_core::{AgentDrops, CoreConfig, HookFamilies, Pipeline, SubmitOutcome};
use parking_lot::RwLock;

use crate::chokepoint::BridgeError;

static CORE: RwLock<Option<Pipeline>> = RwLock::new(None);

/// Starts the core from `key, value` option pairs.
pub fn start(pairs: &[(String, String)]) -> Result<(), BridgeError> {
    let config = CoreConfig::from_pairs(pairs).map_err(cdflow_core::CoreError::from)?;
    let mut core = CORE.write();
    if core.as_ref().is_some_and(Pipeline::is_running) {
        return Err(BridgeError::AlreadyStarted);
    }
    *core = Some(Pipeline::start(config)?);
    Ok(())
}

/// Hands a batch to the running core; `NotRunning` when there is none.
pub fn submit(batch: &[u8], event_count: u32) -> SubmitOutcome {
    match CORE.read().as_ref() {
        Some(pipeline) => pipeline.submit(batch, event_count),
        None => SubmitOutcome::NotRunning,
    }
}

/// Applies STRING_DEF records.
pub fn define(batch: &[u8]) -> Result<(), BridgeError> {
    match CORE.read().as_ref() {
        Some(pipeline) => Ok(pipeline.define(batch)?),
        None => Err(BridgeError::NotStarted),
    }
}

/// Stores the agent's absolute counters: events seen and drops per cause (ignored before start).
pub fn record_agent_counters(events_seen: u64, drops: AgentDrops) {
    if let Some(pipeline) = CORE.read().as_ref() {
        pipeline.record_agent_counters(events_seen, drops);
    }
}

/// Stores the hook families the agent installed and skipped (ignored before start).
pub fn record_hook_families(families: HookFamilies) {
    if let Some(pipeline) = CORE.read().as_ref() {
        pipeline.record_hook_families(families);
    }
}

/// Every counter, in the order of `NativeCore.counters()` (zeros before start).
pub fn counters() -> [u64; COUNTER_COUNT] {
    CORE.read()
        .as_ref()
        .map_or([0; COUNTER_COUNT], Pipeline::counters)
}

/// Shuts the core down (a no-op before start; idempotent).
pub fn shutdown(timeout: Duration) -> Result<(), BridgeError> {
    match CORE.read().as_ref() {
        Some(pipeline) => Ok(pipeline.shutdown(timeout)?),
        None => Ok(()),
    }
}
