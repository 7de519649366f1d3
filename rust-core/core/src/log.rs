//! One-line diagnostics on stderr (Cassandra's log), prefixed `cdflow-core:`.
//!
//! Invariant: [`RateLimitedLog`] prints at most one line per interval (≈1 s); lines it holds back are
//! counted and the count is appended to the next line it prints, so a flood of bad records or a full
//! disk cannot flood Cassandra's log.

use std::fmt::Display;
use std::io::Write;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Prefix of every line the core prints.
pub const PREFIX: &str = "cdflow-core:";

/// Prints one line now, unthrottled (start-up and shutdown messages).
pub fn log_line(message: impl Display) {
    let _ = writeln!(std::io::stderr().lock(), "{PREFIX} {message}");
}

/// A logger that prints at most one line per interval.
#[derive(Debug)]
pub struct RateLimitedLog {
    interval: Duration,
    state: Mutex<LogState>,
}

#[derive(Debug, Default)]
struct LogState {
    last_printed: Option<Instant>,
    suppressed: u64,
}

impl Default for RateLimitedLog {
    fn default() -> Self {
        Self::new(Duration::from_secs(1))
    }
}

impl RateLimitedLog {
    /// A logger printing at most one line per `interval`.
    pub fn new(interval: Duration) -> Self {
        RateLimitedLog {
            interval,
            state: Mutex::new(LogState::default()),
        }
    }

    /// Prints `message` unless a line was printed less than one interval ago; returns whether it printed.
    pub fn log(&self, message: impl Display) -> bool {
        let now = Instant::now();
        let suppressed = {
            let mut state = self.state.lock();
            let due = state
                .last_printed
                .is_none_or(|last| now.duration_since(last) >= self.interval);
            if !due {
                state.suppressed += 1;
                return false;
            }
            state.last_printed = Some(now);
            std::mem::take(&mut state.suppressed)
        };
        if suppressed == 0 {
            log_line(message);
        } else {
            log_line(format_args!(
                "{message} ({suppressed} similar lines suppressed)"
            ));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_at_most_once_per_interval() {
        let log = RateLimitedLog::new(Duration::from_secs(3600));
        assert!(log.log("first"));
        assert!(!log.log("second"));
        assert!(!log.log("third"));
        assert_eq!(log.state.lock().suppressed, 2);
    }
}
