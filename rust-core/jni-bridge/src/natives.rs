//! The native methods of `io.cdflow.agent.nativecore.NativeCore` (docs/native-interface.md), each a
//! thin adapter: convert arguments, call [`crate::core_slot`], convert the result.
//!
//! Invariants: every function body is one call to [`guarded`] / [`guarded_message`]; buffers are read
//! only within the call (the agent may reuse them as soon as the call returns); lengths are validated
//! against the direct buffer's capacity before a slice is formed.

use std::time::Duration;

use jni::objects::{JByteBuffer, JClass, JLongArray, JObjectArray, JString};
use jni::sys::{jint, jlong};
use jni::{Env, EnvUnowned};

use cdflow_core::{AgentDrops, HookFamilies};

use crate::chokepoint::{BridgeError, guarded, guarded_message};
use crate::core_slot;

/// `submit` return code for an internal error or a bad argument.
pub const SUBMIT_INTERNAL_ERROR: jint = 3;

/// `static native String start(String[] options)`: `null` on success, else a one-line error.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_cdflow_agent_nativecore_NativeCore_start<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    options: JObjectArray<'local, JString<'local>>,
) -> JString<'local> {
    guarded_message(&mut env, "start", |env| {
        let strings = option_strings(env, &options)?;
        let pairs = option_pairs(strings)?;
        core_slot::start(&pairs)
    })
}

/// `static native String recordHookFamilies(String[] families)`: `{installed, skipped}` — the hook
/// families the agent installed (`+`-separated) and those it skipped with why — for the `agent_stats`
/// columns `hook_families` and `skipped_hook_families`. `null`, or an error (ignored before start).
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_cdflow_agent_nativecore_NativeCore_recordHookFamilies<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    families: JObjectArray<'local, JString<'local>>,
) -> JString<'local> {
    guarded_message(&mut env, "recordHookFamilies", |env| {
        let strings = option_strings(env, &families)?;
        let [installed, skipped]: [String; 2] =
            strings.try_into().map_err(|strings: Vec<String>| {
                BridgeError::BadArgument(format!(
                    "families must be {{installed, skipped}}, got {} strings",
                    strings.len()
                ))
            })?;
        core_slot::record_hook_families(HookFamilies { installed, skipped });
        Ok(())
    })
}

/// `static native String define(ByteBuffer batch, int length)`: `null`, or an error.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_cdflow_agent_nativecore_NativeCore_define<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    batch: JByteBuffer<'local>,
    length: jint,
) -> JString<'local> {
    guarded_message(&mut env, "define", |env| {
        let bytes = direct_bytes(env, &batch, length)?;
        core_slot::define(bytes)
    })
}

/// `static native int submit(ByteBuffer batch, int length, int eventCount)`: 0 accepted, 1 queue full,
/// 2 core not running, 3 internal error (including a bad length or a non-direct buffer).
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_cdflow_agent_nativecore_NativeCore_submit<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    batch: JByteBuffer<'local>,
    length: jint,
    event_count: jint,
) -> jint {
    guarded(
        &mut env,
        "submit",
        |env| {
            let event_count = u32::try_from(event_count)
                .map_err(|_| BridgeError::BadArgument(format!("eventCount {event_count} < 0")))?;
            let bytes = direct_bytes(env, &batch, length)?;
            Ok(core_slot::submit(bytes, event_count).code())
        },
        |_, _| SUBMIT_INTERNAL_ERROR,
        || SUBMIT_INTERNAL_ERROR,
    )
}

/// `static native void reportAgentCounters(long eventsSeen, long droppedBusy, long droppedNotRunning,
/// long droppedSubmitError, long droppedOther)`: absolute totals (negative values are taken as 0).
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_cdflow_agent_nativecore_NativeCore_reportAgentCounters<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    events_seen: jlong,
    dropped_busy: jlong,
    dropped_not_running: jlong,
    dropped_submit_error: jlong,
    dropped_other: jlong,
) {
    guarded(
        &mut env,
        "reportAgentCounters",
        |_| {
            core_slot::record_agent_counters(
                non_negative(events_seen),
                AgentDrops {
                    busy: non_negative(dropped_busy),
                    not_running: non_negative(dropped_not_running),
                    submit_error: non_negative(dropped_submit_error),
                    other: non_negative(dropped_other),
                },
            );
            Ok(())
        },
        |_, _| (),
        || (),
    )
}

/// `static native long[] counters()`: every counter in the order of docs/native-interface.md
/// (`cdflow_core::stats::COUNTER_FIELDS`; zeros before start; `null` if the array cannot be allocated).
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_cdflow_agent_nativecore_NativeCore_counters<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
) -> JLongArray<'local> {
    guarded(
        &mut env,
        "counters",
        |env| {
            let values = core_slot::counters().map(|value| value.min(jlong::MAX as u64) as jlong);
            let array = JLongArray::new(env, values.len())?;
            array.set_region(env, 0, &values)?;
            Ok(array)
        },
        |_, _| JLongArray::default(),
        JLongArray::default,
    )
}

/// `static native String shutdown(long timeoutMillis)`: drains, closes every file, writes the final
/// stats row; `null` or an error. Idempotent.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_cdflow_agent_nativecore_NativeCore_shutdown<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    timeout_millis: jlong,
) -> JString<'local> {
    guarded_message(&mut env, "shutdown", |_| {
        core_slot::shutdown(Duration::from_millis(non_negative(timeout_millis)))
    })
}

/// The bytes `[0, length)` of a direct buffer, valid for the duration of the native call.
fn direct_bytes<'buffer>(
    env: &Env<'_>,
    buffer: &'buffer JByteBuffer<'_>,
    length: jint,
) -> Result<&'buffer [u8], BridgeError> {
    let capacity = env.get_direct_buffer_capacity(buffer)?;
    let length = checked_length(length, capacity)?;
    let address = env.get_direct_buffer_address(buffer)?;
    if length == 0 {
        return Ok(&[]);
    }
    // SAFETY: `address` is the non-null start of the direct buffer's memory (jni checks for null), which
    // holds `capacity` bytes and stays valid while `buffer` (a live local reference) is reachable, i.e.
    // for this native call; `length <= capacity` was checked above. The agent does not write to the
    // buffer during the call (it is its own per-thread buffer).
    Ok(unsafe { std::slice::from_raw_parts(address.cast_const(), length) })
}

/// `length` as a `usize` if `0 <= length <= capacity`.
pub fn checked_length(length: jint, capacity: usize) -> Result<usize, BridgeError> {
    match usize::try_from(length) {
        Ok(length) if length <= capacity => Ok(length),
        Ok(length) => Err(BridgeError::BadArgument(format!(
            "length {length} > buffer capacity {capacity}"
        ))),
        Err(_) => Err(BridgeError::BadArgument(format!("length {length} < 0"))),
    }
}

/// Every element of the `String[] options` array.
fn option_strings(
    env: &mut Env<'_>,
    options: &JObjectArray<'_, JString<'_>>,
) -> Result<Vec<String>, BridgeError> {
    if options.is_null() {
        return Err(BridgeError::BadArgument("options is null".to_owned()));
    }
    let count = options.len(env)?;
    let mut strings = Vec::with_capacity(count);
    for index in 0..count {
        let element = options.get_element(env, index)?;
        if element.is_null() {
            return Err(BridgeError::BadArgument(format!(
                "options[{index}] is null"
            )));
        }
        let text = element.try_to_string(env)?;
        env.delete_local_ref(element);
        strings.push(text);
    }
    Ok(strings)
}

/// `key, value, key, value, ...` → pairs.
pub fn option_pairs(strings: Vec<String>) -> Result<Vec<(String, String)>, BridgeError> {
    if !strings.len().is_multiple_of(2) {
        return Err(BridgeError::BadArgument(format!(
            "options must be key, value pairs, got {} strings",
            strings.len()
        )));
    }
    let mut pairs = Vec::with_capacity(strings.len() / 2);
    let mut strings = strings.into_iter();
    while let (Some(key), Some(value)) = (strings.next(), strings.next()) {
        pairs.push((key, value));
    }
    Ok(pairs)
}

fn non_negative(value: jlong) -> u64 {
    value.max(0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_checked_against_the_capacity() {
        assert!(matches!(checked_length(0, 0), Ok(0)));
        assert!(matches!(checked_length(16, 16), Ok(16)));
        assert!(checked_length(17, 16).is_err());
        assert!(checked_length(-1, 16).is_err());
    }

    #[test]
    fn options_come_in_pairs() {
        let strings = |items: &[&str]| {
            items
                .iter()
                .map(|item| item.to_string())
                .collect::<Vec<_>>()
        };
        let pairs = option_pairs(strings(&["output", "/x", "raw_keys", "true"]));
        assert!(
            matches!(pairs.as_deref(), Ok([(k1, v1), (k2, v2)]) if k1 == "output" && v1 == "/x" && k2 == "raw_keys" && v2 == "true")
        );
        assert!(option_pairs(strings(&["output"])).is_err());
        assert!(matches!(option_pairs(Vec::new()).as_deref(), Ok([])));
    }
}
