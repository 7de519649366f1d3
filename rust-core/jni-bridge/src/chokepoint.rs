//! The single chokepoint every native method goes through.
//!
//! Invariants: [`guarded`] never unwinds: the body runs inside `EnvUnowned::with_env` (which catches
//! panics), the failure mapping runs inside our own `catch_unwind`, and a last-resort value is returned
//! if even that fails; a pending Java exception is cleared before any failure value is returned, so no
//! native method ever throws; every failure is logged (rate-limited) with the entry point's name.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use cdflow_core::CoreError;
use cdflow_core::log::RateLimitedLog;
use cdflow_core::pipeline::panic_message;
use jni::objects::JString;
use jni::{Env, EnvUnowned, Outcome};

use crate::panic_hook;

/// Everything a native method can fail with.
#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    /// A JNI call failed (null buffer, non-direct buffer, pending exception, ...).
    #[error("JNI: {0}")]
    Jni(#[from] jni::errors::Error),
    /// The core refused.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// An argument is out of range.
    #[error("bad argument: {0}")]
    BadArgument(String),
    /// `start` was called while a core is running.
    #[error("the cdflow core is already started")]
    AlreadyStarted,
    /// A call that needs a core came before `start`.
    #[error("the cdflow core is not started")]
    NotStarted,
}

fn failure_log() -> &'static RateLimitedLog {
    static LOG: OnceLock<RateLimitedLog> = OnceLock::new();
    LOG.get_or_init(RateLimitedLog::default)
}

/// Runs native method `entry`: `body` with a JNI environment; on an error or a panic, logs one line
/// and returns `on_failure(env, message)`; if that panics too, returns `last_resort()`.
pub fn guarded<'local, T>(
    env: &mut EnvUnowned<'local>,
    entry: &'static str,
    body: impl FnOnce(&mut Env<'local>) -> Result<T, BridgeError>,
    on_failure: impl FnOnce(&mut EnvUnowned<'local>, &str) -> T,
    last_resort: impl FnOnce() -> T,
) -> T {
    panic_hook::install();
    let run = catch_unwind(AssertUnwindSafe(|| {
        let message = match env.with_env(body).into_outcome() {
            Outcome::Ok(value) => return value,
            Outcome::Err(error) => format!("{entry}: {error}"),
            Outcome::Panic(payload) => {
                format!("{entry}: panic: {}", panic_message(payload.as_ref()))
            }
        };
        failure_log().log(&message);
        clear_pending_exception(env);
        on_failure(env, &message)
    }));
    match run {
        Ok(value) => value,
        Err(_) => last_resort(),
    }
}

/// Clears a Java exception left pending by a failed JNI call, so the native method does not throw.
pub fn clear_pending_exception(env: &mut EnvUnowned<'_>) {
    let _ = env
        .with_env(|env| -> Result<(), jni::errors::Error> {
            if env.exception_check() {
                env.exception_clear();
            }
            Ok(())
        })
        .into_outcome();
}

/// A Java string holding `message`, or null if it cannot be created (any exception is cleared).
pub fn java_string<'local>(env: &mut EnvUnowned<'local>, message: &str) -> JString<'local> {
    let created = env.with_env(|env| env.new_string(message)).into_outcome();
    match created {
        Outcome::Ok(string) => string,
        Outcome::Err(_) | Outcome::Panic(_) => {
            clear_pending_exception(env);
            JString::default()
        }
    }
}

/// Runs a native method that returns `null` on success and a one-line error message otherwise.
pub fn guarded_message<'local>(
    env: &mut EnvUnowned<'local>,
    entry: &'static str,
    body: impl FnOnce(&mut Env<'local>) -> Result<(), BridgeError>,
) -> JString<'local> {
    guarded(
        env,
        entry,
        |env| body(env).map(|()| JString::default()),
        |env, message| java_string(env, message),
        JString::default,
    )
}
