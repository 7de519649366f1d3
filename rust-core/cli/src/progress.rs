//! A progress bar for long scans, on standard error when it is a terminal (never in pipes, files or
//! tests). It appears only once a scan has run for [`SHOW_AFTER`], so quick commands stay quiet, and
//! is erased when the scan ends. `CDFLOW_PROGRESS=0` turns it off.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How long a scan runs before the bar appears.
const SHOW_AFTER: Duration = Duration::from_millis(500);
/// Least time between two redraws.
const REDRAW_EVERY: Duration = Duration::from_millis(100);
/// Width of the bar, in characters.
const BAR_WIDTH: usize = 30;

/// The progress of one scan over `total` files.
pub struct Progress {
    label: &'static str,
    total: usize,
    done: usize,
    started: Instant,
    last_draw: Option<Instant>,
    enabled: bool,
}

impl Progress {
    /// A bar for reading `total` files of `label` (a table name).
    pub fn new(label: &'static str, total: usize) -> Progress {
        let enabled = std::io::stderr().is_terminal()
            && std::env::var_os("CDFLOW_PROGRESS").is_none_or(|value| value != "0");
        Progress {
            label,
            total,
            done: 0,
            started: Instant::now(),
            last_draw: None,
            enabled,
        }
    }

    /// Counts one more file read, and redraws when it is time to.
    pub fn advance(&mut self) {
        self.done += 1;
        if !self.enabled || self.started.elapsed() < SHOW_AFTER {
            return;
        }
        if self
            .last_draw
            .is_some_and(|last| last.elapsed() < REDRAW_EVERY)
        {
            return;
        }
        self.last_draw = Some(Instant::now());
        let filled = (self.done * BAR_WIDTH)
            .checked_div(self.total)
            .unwrap_or(BAR_WIDTH)
            .min(BAR_WIDTH);
        let mut stderr = std::io::stderr().lock();
        let _ = write!(
            stderr,
            "\rcdflow: reading {} [{}{}] {}/{} files",
            self.label,
            "#".repeat(filled),
            ".".repeat(BAR_WIDTH - filled),
            self.done,
            self.total
        );
        let _ = stderr.flush();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if self.last_draw.is_some() {
            // Erase the bar's line.
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}
