//! The crate-level error: every module has its own `thiserror` enum that converts into [`CoreError`].
//!
//! Invariant: every message is one line and names what failed (key, value, path, record), because the
//! bridge hands it to the Java agent verbatim.

use std::borrow::Cow;
use std::io;
use std::path::PathBuf;

use crate::config::ConfigError;
use crate::enrich::identity::IdentityMapError;
use crate::enrich::keyhash::KeyFileError;

/// Everything the public API of the core can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// A bad `start` option.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The partition-key hash key file could not be read or created.
    #[error(transparent)]
    KeyFile(#[from] KeyFileError),
    /// The identity map file could not be read or parsed (the message names the file and the line).
    #[error(transparent)]
    IdentityMap(#[from] IdentityMapError),
    /// The output directory could not be created.
    #[error("cannot create output directory {path}: {source}")]
    CreateOutput {
        /// The configured `output` directory.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// The output directory exists but a file cannot be created in it.
    #[error("output directory {path} is not writable: {source}")]
    OutputNotWritable {
        /// The configured `output` directory.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// The writer thread could not be spawned.
    #[error("cannot start the cdflow-writer thread: {0}")]
    SpawnWriter(io::Error),
    /// A `define` batch was (partly) rejected; the message names the first bad record.
    #[error("define rejected: {0}")]
    Define(String),
    /// The pipeline has been shut down (or its writer died).
    #[error("the cdflow core is not running")]
    NotRunning,
    /// `shutdown` gave up waiting for the writer thread; a later call may wait again.
    #[error("the writer thread did not finish within {millis} ms")]
    ShutdownTimeout {
        /// The timeout that expired.
        millis: u128,
    },
    /// The writer thread ended with a panic (its message is included).
    #[error("the writer thread panicked: {0}")]
    WriterPanicked(String),
}

/// True for a character that must not appear raw in an error message: a control character (line breaks,
/// tab, NUL, the escape of terminal sequences) or a Unicode line/paragraph separator.
pub fn is_unprintable(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `text` with every [`is_unprintable`] character escaped as Rust writes it (`\n`, `\r`, `\u{1b}`), the
/// rest unchanged: a message quoting operator input stays one printable line.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unprintable) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unprintable(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_control_characters_and_keeps_the_rest() {
        assert!(matches!(
            printable("svc_orders é"),
            Cow::Borrowed("svc_orders é")
        ));
        assert_eq!(
            printable("a\nb\rc\td\0e\u{1b}[2Jf\u{2028}g\u{85}"),
            "a\\nb\\rc\\td\\u{0}e\\u{1b}[2Jf\\u{2028}g\\u{85}"
        );
    }
}
