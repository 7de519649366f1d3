//! A panic hook that prints one line, `cdflow-core: panic: <message> at <file:line> (thread <name>)`,
//! instead of Rust's multi-line default, into Cassandra's stderr.
//!
//! Invariant: installed at most once per process (the hook is global to this library's copy of std,
//! so it only sees panics of this library, including the writer thread's).

use std::sync::Once;

use cdflow_core::pipeline::panic_message;

static INSTALL: Once = Once::new();

/// Installs the one-line hook (idempotent, cheap after the first call).
pub fn install() {
    INSTALL.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let location = info
                .location()
                .map_or_else(String::new, |at| format!(" at {}:{}", at.file(), at.line()));
            let thread = std::thread::current();
            let name = thread.name().map_or("unnamed", |name| name);
            let message = panic_message(info.payload());
            cdflow_core::log::log_line(format_args!("panic: {message}{location} (thread {name})"));
        }));
    });
}
