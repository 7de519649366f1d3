//! `libcdflow_jni.so`: the JNI glue between `io.cdflow.agent.nativecore.NativeCore` and `cdflow-core`
//! (docs/native-interface.md).
//!
//! Invariants:
//! - thin: no logic beyond argument conversion; everything else lives in `cdflow-core`;
//! - every `extern "system"` entry point runs through [`chokepoint::guarded`], which catches panics and
//!   turns every error into the documented return value: no Java exception is thrown, no panic crosses
//!   into the JVM (a panic there would abort Cassandra);
//! - no Rust thread is ever attached to the JVM (the writer thread never touches JNI);
//! - no `unwrap`/`expect`/`panic!` in this crate (denied below; clippy runs with `-D warnings` in CI).

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod chokepoint;
pub mod core_slot;
pub mod natives;
pub mod panic_hook;

pub use chokepoint::BridgeError;
