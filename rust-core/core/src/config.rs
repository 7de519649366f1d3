//! Core options, parsed from the `key, value` pairs that the agent passes to `start`
//! (keys and defaults: docs/native-interface.md, "Core options").
//!
//! Invariants: every numeric option is > 0 once parsed (so no zero-sized queue, row group or
//! interval reaches the writer); unknown keys, repeated keys and bad values are errors that name the key
//! and the value; `output` is required.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::sink::file_modes::{FileModes, GroupError, ModeOf, parse_mode, resolve_group};

/// Default of `roll_seconds`.
pub const DEFAULT_ROLL_SECONDS: u64 = 60;
/// Default of `roll_bytes` (128 MiB).
pub const DEFAULT_ROLL_BYTES: u64 = 134_217_728;
/// Default of `row_group_rows`.
pub const DEFAULT_ROW_GROUP_ROWS: usize = 65_536;
/// Default of `queue_batches`.
pub const DEFAULT_QUEUE_BATCHES: usize = 4096;
/// Default of `stats_seconds`.
pub const DEFAULT_STATS_SECONDS: u64 = 10;
/// Default of `flow_window_s`.
pub const DEFAULT_FLOW_WINDOW_SECONDS: u64 = 60;
/// Default of `flow_max_edges`.
pub const DEFAULT_FLOW_MAX_EDGES: usize = 4096;
/// Default of `flow_top_partitions`.
pub const DEFAULT_FLOW_TOP_PARTITIONS: usize = 10;
/// Default of `journal_fsync_millis`.
pub const DEFAULT_JOURNAL_FSYNC_MILLIS: u64 = 1000;
/// Default of `max_lineage_bytes` (10 GiB).
pub const DEFAULT_MAX_LINEAGE_BYTES: u64 = 10 << 30;
/// Default of `min_free_bytes`: this share of the filesystem holding `output`, in percent...
pub const DEFAULT_MIN_FREE_PERCENT: u64 = 10;
/// ...but never more than this (4 GiB): a large, mostly full Cassandra disk must not stop lineage while
/// many gigabytes are still free.
pub const DEFAULT_MIN_FREE_CAP_BYTES: u64 = 4 << 30;
/// File name of the default key file, placed in the parent directory of `output`.
pub const DEFAULT_KEY_FILE_NAME: &str = "cdflow-key-hash.secret";

/// Upper bound of `row_group_rows` (the encoded pages of a row group stay in memory per open file).
const MAX_ROW_GROUP_ROWS: u64 = 16 * 1024 * 1024;
/// Upper bound of `queue_batches` (the queue's slots are allocated up front).
const MAX_QUEUE_BATCHES: u64 = 1024 * 1024;
/// Upper bound of `flow_window_s` (one day).
const MAX_FLOW_WINDOW_SECONDS: u64 = 86_400;
/// Upper bound of `flow_max_edges` (its memory is allocated as edges appear).
const MAX_FLOW_MAX_EDGES: u64 = 1_000_000;
/// Upper bound of `flow_top_partitions`.
const MAX_FLOW_TOP_PARTITIONS: u64 = 1000;

/// A rejected option.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The key is not one of the documented core options.
    #[error("unknown core option {key:?} (value {value:?})")]
    UnknownKey {
        /// The unknown key.
        key: String,
        /// Its value.
        value: String,
    },
    /// The value does not parse or is out of range.
    #[error("bad value {value:?} for core option {key:?}: {expected}")]
    BadValue {
        /// The option.
        key: String,
        /// The rejected value.
        value: String,
        /// What a valid value looks like.
        expected: &'static str,
    },
    /// The same key was given twice.
    #[error("core option {key:?} given twice (second value {value:?})")]
    Repeated {
        /// The repeated key.
        key: String,
        /// Its second value.
        value: String,
    },
    /// `group` names no usable group.
    #[error("bad value {value:?} for core option \"group\": {reason}")]
    Group {
        /// The rejected value.
        value: String,
        /// Why (unknown name, lookup failure, not a gid).
        reason: GroupError,
    },
    /// `output` was not given.
    #[error("core option \"output\" is required")]
    MissingOutput,
}

/// The validated options of one [`crate::Pipeline`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreConfig {
    /// Lineage root directory (`output`).
    pub output: PathBuf,
    /// A file is closed at most this long after its first row (`roll_seconds`, > 0).
    pub roll_seconds: u64,
    /// A file is closed once its estimated size reaches this (`roll_bytes`, > 0).
    pub roll_bytes: u64,
    /// Rows per row group of each file (`row_group_rows`, > 0); rows reach the encoder every
    /// [`crate::sink::rolling::ENCODE_ROWS`] rows, and the row group's encoded pages stay in memory
    /// until it is complete.
    pub row_group_rows: usize,
    /// Capacity of the queue between JNI callers and the writer, in batches (`queue_batches`, > 0).
    pub queue_batches: usize,
    /// 16-byte secret for the keyed partition-key hash (`key_file`).
    pub key_file: PathBuf,
    /// Adds the `partition_key_hex` column (`raw_keys`).
    pub raw_keys: bool,
    /// Interval of `agent_stats` rows (`stats_seconds`, > 0).
    pub stats_seconds: u64,
    /// YAML file mapping roles to owners (`identity_map`); read once by [`crate::Pipeline::start`].
    pub identity_map: Option<PathBuf>,
    /// Length of a flow-graph window in seconds (`flow_window_s`, > 0).
    pub flow_window_s: u64,
    /// Most edges plus partition summaries per flow window (`flow_max_edges`, > 0).
    pub flow_max_edges: usize,
    /// Partitions reported per table and flow window (`flow_top_partitions`, > 0).
    pub flow_top_partitions: usize,
    /// Longest time between fsyncs of the journal (`journal_fsync_millis`, > 0): what a power loss
    /// can take.
    pub journal_fsync_millis: u64,
    /// Most bytes cdflow keeps under `output`, journal included (`max_lineage_bytes`, > 0).
    pub max_lineage_bytes: u64,
    /// Least free bytes left on the filesystem of `output` (`min_free_bytes`); `None`: 10 % of it, at most 4 GiB.
    pub min_free_bytes: Option<u64>,
    /// Closed files older than this are removed (`retention_hours`); `None`: kept.
    pub retention_hours: Option<u64>,
    /// What happens when a bound is reached (`on_full`).
    pub on_full: crate::sink::disk::OnFull,
    /// Modes and group of every file and directory the core creates (`file_mode`, `dir_mode`, `group`).
    pub file_modes: FileModes,
}

impl CoreConfig {
    /// The documented defaults for a given output directory.
    pub fn new(output: impl Into<PathBuf>) -> Self {
        let output = output.into();
        let key_file = default_key_file(&output);
        CoreConfig {
            output,
            roll_seconds: DEFAULT_ROLL_SECONDS,
            roll_bytes: DEFAULT_ROLL_BYTES,
            row_group_rows: DEFAULT_ROW_GROUP_ROWS,
            queue_batches: DEFAULT_QUEUE_BATCHES,
            key_file,
            raw_keys: false,
            stats_seconds: DEFAULT_STATS_SECONDS,
            identity_map: None,
            flow_window_s: DEFAULT_FLOW_WINDOW_SECONDS,
            flow_max_edges: DEFAULT_FLOW_MAX_EDGES,
            flow_top_partitions: DEFAULT_FLOW_TOP_PARTITIONS,
            journal_fsync_millis: DEFAULT_JOURNAL_FSYNC_MILLIS,
            max_lineage_bytes: DEFAULT_MAX_LINEAGE_BYTES,
            min_free_bytes: None,
            retention_hours: None,
            on_full: crate::sink::disk::OnFull::DropNew,
            file_modes: FileModes::default(),
        }
    }

    /// The options as `(key, value)` pairs that [`CoreConfig::from_pairs`] reads back into an equal
    /// config (the journal records them, so a recovery writes as the crashed run did).
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = vec![
            ("output", self.output.to_string_lossy().into_owned()),
            ("roll_seconds", self.roll_seconds.to_string()),
            ("roll_bytes", self.roll_bytes.to_string()),
            ("row_group_rows", self.row_group_rows.to_string()),
            ("queue_batches", self.queue_batches.to_string()),
            ("key_file", self.key_file.to_string_lossy().into_owned()),
            ("raw_keys", self.raw_keys.to_string()),
            ("stats_seconds", self.stats_seconds.to_string()),
            ("flow_window_s", self.flow_window_s.to_string()),
            ("flow_max_edges", self.flow_max_edges.to_string()),
            ("flow_top_partitions", self.flow_top_partitions.to_string()),
            (
                "journal_fsync_millis",
                self.journal_fsync_millis.to_string(),
            ),
            ("max_lineage_bytes", self.max_lineage_bytes.to_string()),
            ("on_full", self.on_full.name().to_owned()),
            ("file_mode", format!("{:04o}", self.file_modes.file)),
            ("dir_mode", format!("{:04o}", self.file_modes.dir)),
        ];
        if let Some(gid) = self.file_modes.group {
            pairs.push(("group", gid.to_string()));
        }
        if let Some(path) = &self.identity_map {
            pairs.push(("identity_map", path.to_string_lossy().into_owned()));
        }
        if let Some(bytes) = self.min_free_bytes {
            pairs.push(("min_free_bytes", bytes.to_string()));
        }
        if let Some(hours) = self.retention_hours {
            pairs.push(("retention_hours", hours.to_string()));
        }
        pairs
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect()
    }

    /// `min_free_bytes`, or, when not set, 10 % of the filesystem holding `output` capped at 4 GiB.
    pub fn min_free_bytes_for_output(&self) -> u64 {
        self.min_free_bytes.unwrap_or_else(|| {
            crate::sink::disk::usage::filesystem_bytes(&self.output)
                .map_or(0, default_min_free_bytes)
        })
    }

    /// Parses `(key, value)` pairs as passed to `start`. Unset keys keep their defaults.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, ConfigError> {
        let mut seen: Vec<&str> = Vec::with_capacity(pairs.len());
        for (key, value) in pairs {
            if seen.contains(&key.as_str()) {
                return Err(ConfigError::Repeated {
                    key: key.clone(),
                    value: value.clone(),
                });
            }
            seen.push(key);
        }
        let output = pairs
            .iter()
            .find(|(key, _)| key == "output")
            .map(|(key, value)| {
                if value.is_empty() {
                    Err(bad_value(key, value, "a directory path"))
                } else {
                    Ok(PathBuf::from(value))
                }
            })
            .ok_or(ConfigError::MissingOutput)??;
        let mut config = CoreConfig::new(output);
        for (key, value) in pairs {
            config.apply(key, value)?;
        }
        Ok(config)
    }

    /// Sets one option (other than `output`, which [`CoreConfig::from_pairs`] reads first).
    fn apply(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        match key {
            "output" => {}
            "roll_seconds" => self.roll_seconds = positive(key, value, u64::MAX)?,
            "roll_bytes" => self.roll_bytes = positive(key, value, u64::MAX)?,
            "row_group_rows" => {
                self.row_group_rows = positive(key, value, MAX_ROW_GROUP_ROWS)? as usize
            }
            "queue_batches" => {
                self.queue_batches = positive(key, value, MAX_QUEUE_BATCHES)? as usize
            }
            "stats_seconds" => self.stats_seconds = positive(key, value, u64::MAX)?,
            "raw_keys" => self.raw_keys = boolean(key, value)?,
            "flow_window_s" => self.flow_window_s = positive(key, value, MAX_FLOW_WINDOW_SECONDS)?,
            "flow_max_edges" => {
                self.flow_max_edges = positive(key, value, MAX_FLOW_MAX_EDGES)? as usize
            }
            "flow_top_partitions" => {
                self.flow_top_partitions = positive(key, value, MAX_FLOW_TOP_PARTITIONS)? as usize
            }
            "journal_fsync_millis" => self.journal_fsync_millis = positive(key, value, u64::MAX)?,
            "max_lineage_bytes" => self.max_lineage_bytes = positive(key, value, u64::MAX)?,
            "min_free_bytes" => {
                self.min_free_bytes =
                    Some(value.trim().parse::<u64>().map_err(|_| {
                        bad_value(key, value, "a whole number of bytes (0 or more)")
                    })?)
            }
            "retention_hours" => self.retention_hours = Some(positive(key, value, u64::MAX)?),
            "on_full" => {
                self.on_full = match value.trim() {
                    "drop_new" => crate::sink::disk::OnFull::DropNew,
                    "delete_oldest" => crate::sink::disk::OnFull::DeleteOldest,
                    _ => return Err(bad_value(key, value, "drop_new or delete_oldest")),
                }
            }
            "file_mode" => self.file_modes.file = mode(key, value, ModeOf::File)?,
            "dir_mode" => self.file_modes.dir = mode(key, value, ModeOf::Dir)?,
            "group" => {
                self.file_modes.group =
                    Some(resolve_group(value).map_err(|reason| ConfigError::Group {
                        value: value.to_owned(),
                        reason,
                    })?)
            }
            "key_file" => {
                if value.is_empty() {
                    return Err(bad_value(key, value, "a file path"));
                }
                self.key_file = PathBuf::from(value);
            }
            "identity_map" => {
                if value.is_empty() {
                    return Err(bad_value(key, value, "a file path"));
                }
                self.identity_map = Some(PathBuf::from(value));
            }
            _ => {
                return Err(ConfigError::UnknownKey {
                    key: key.to_owned(),
                    value: value.to_owned(),
                });
            }
        }
        Ok(())
    }

    /// `roll_seconds` as a duration.
    pub fn roll_interval(&self) -> Duration {
        Duration::from_secs(self.roll_seconds)
    }

    /// The flow-graph options.
    pub fn flow_limits(&self) -> crate::flows::FlowLimits {
        crate::flows::FlowLimits {
            window_us: i64::try_from(self.flow_window_s.saturating_mul(1_000_000))
                .unwrap_or(i64::MAX),
            max_edges: self.flow_max_edges,
            top_partitions: self.flow_top_partitions,
        }
    }

    /// `stats_seconds` as a duration.
    pub fn stats_interval(&self) -> Duration {
        Duration::from_secs(self.stats_seconds)
    }
}

/// `<parent of output>/cdflow-key-hash.secret` (the current directory when `output` has no parent).
pub fn default_key_file(output: &Path) -> PathBuf {
    match output.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join(DEFAULT_KEY_FILE_NAME),
        _ => PathBuf::from(".").join(DEFAULT_KEY_FILE_NAME),
    }
}

/// The default `min_free_bytes` for a filesystem of `total` bytes: 10 % of it, at most 4 GiB.
pub fn default_min_free_bytes(total: u64) -> u64 {
    (total / 100 * DEFAULT_MIN_FREE_PERCENT).min(DEFAULT_MIN_FREE_CAP_BYTES)
}

fn bad_value(key: &str, value: &str, expected: &'static str) -> ConfigError {
    ConfigError::BadValue {
        key: key.to_owned(),
        value: value.to_owned(),
        expected,
    }
}

/// Parses an integer in `1..=max`.
fn positive(key: &str, value: &str, max: u64) -> Result<u64, ConfigError> {
    match value.trim().parse::<u64>() {
        Ok(n) if n > 0 && n <= max => Ok(n),
        _ if max == u64::MAX => Err(bad_value(key, value, "a whole number > 0")),
        _ => Err(bad_value(
            key,
            value,
            "a whole number > 0 and within the documented limit",
        )),
    }
}

/// Parses an octal `file_mode` or `dir_mode` ([`parse_mode`]).
fn mode(key: &str, value: &str, of: ModeOf) -> Result<u32, ConfigError> {
    parse_mode(value, of).map_err(|expected| bad_value(key, value, expected))
}

/// Parses `true` or `false` (any letter case).
fn boolean(key: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(bad_value(key, value, "true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_default_free_space_is_a_tenth_of_the_filesystem_at_most_4_gib() {
        assert_eq!(default_min_free_bytes(10_000_000_000), 1_000_000_000);
        assert_eq!(default_min_free_bytes(50 << 30), 4 << 30);
        // A 252 GiB disk with 25 GiB free must keep lineage running.
        assert_eq!(default_min_free_bytes(252 << 30), 4 << 30);
        assert_eq!(default_min_free_bytes(0), 0);
    }

    #[test]
    fn defaults_apply_when_only_output_is_given() {
        let config = CoreConfig::from_pairs(&pairs(&[("output", "/data/lineage")])).unwrap();
        assert_eq!(config, CoreConfig::new("/data/lineage"));
        assert_eq!(config.roll_seconds, 60);
        assert_eq!(config.roll_bytes, 134_217_728);
        assert_eq!(config.row_group_rows, 65_536);
        assert_eq!(config.queue_batches, 4096);
        assert_eq!(config.stats_seconds, 10);
        assert!(!config.raw_keys);
        assert_eq!(config.identity_map, None);
        assert_eq!(config.flow_window_s, 60);
        assert_eq!(config.flow_max_edges, 4096);
        assert_eq!(config.flow_top_partitions, 10);
        assert_eq!(
            config.file_modes,
            FileModes {
                file: 0o640,
                dir: 0o750,
                group: None
            }
        );
        assert_eq!(
            config.key_file,
            PathBuf::from("/data/cdflow-key-hash.secret")
        );
    }

    #[test]
    fn every_key_is_parsed() {
        let config = CoreConfig::from_pairs(&pairs(&[
            ("roll_seconds", "5"),
            ("output", "out"),
            ("roll_bytes", "1000"),
            ("row_group_rows", "10"),
            ("queue_batches", "2"),
            ("key_file", "/k/secret"),
            ("raw_keys", "TRUE"),
            ("stats_seconds", "3"),
            ("identity_map", "/etc/cdflow/identity.yaml"),
            ("flow_window_s", "2"),
            ("flow_max_edges", "500"),
            ("flow_top_partitions", "3"),
            ("file_mode", "600"),
            ("dir_mode", "0700"),
            ("group", "root"),
        ]))
        .unwrap();
        assert_eq!(
            config.file_modes,
            FileModes {
                file: 0o600,
                dir: 0o700,
                group: Some(0)
            }
        );
        assert_eq!(config.output, PathBuf::from("out"));
        assert_eq!(config.roll_seconds, 5);
        assert_eq!(config.roll_bytes, 1000);
        assert_eq!(config.row_group_rows, 10);
        assert_eq!(config.queue_batches, 2);
        assert_eq!(config.key_file, PathBuf::from("/k/secret"));
        assert!(config.raw_keys);
        assert_eq!(config.stats_seconds, 3);
        assert_eq!(
            (
                config.flow_window_s,
                config.flow_max_edges,
                config.flow_top_partitions
            ),
            (2, 500, 3)
        );
        assert_eq!(config.flow_limits().window_us, 2_000_000);
        assert_eq!(
            config.identity_map,
            Some(PathBuf::from("/etc/cdflow/identity.yaml"))
        );
    }

    #[test]
    fn to_pairs_reads_back_into_the_same_config() {
        let mut config = CoreConfig::from_pairs(&pairs(&[
            ("output", "/l"),
            ("raw_keys", "true"),
            ("identity_map", "/i.yaml"),
            ("min_free_bytes", "0"),
            ("retention_hours", "48"),
            ("on_full", "delete_oldest"),
            ("journal_fsync_millis", "250"),
            ("max_lineage_bytes", "1000000"),
            ("file_mode", "0600"),
            ("dir_mode", "0700"),
            ("group", "0"),
        ]))
        .unwrap();
        assert_eq!(CoreConfig::from_pairs(&config.to_pairs()).unwrap(), config);
        config = CoreConfig::new("/other");
        assert_eq!(CoreConfig::from_pairs(&config.to_pairs()).unwrap(), config);
        for (key, value) in [
            ("on_full", "panic"),
            ("retention_hours", "0"),
            ("min_free_bytes", "-1"),
        ] {
            let err = CoreConfig::from_pairs(&pairs(&[("output", "o"), (key, value)])).unwrap_err();
            assert!(err.to_string().contains(key), "{err}");
        }
    }

    #[test]
    fn relative_output_without_parent_puts_the_key_in_the_current_directory() {
        assert_eq!(
            default_key_file(Path::new("lineage")),
            PathBuf::from("./cdflow-key-hash.secret")
        );
    }

    #[test]
    fn errors_name_the_key_and_the_value() {
        let err =
            CoreConfig::from_pairs(&pairs(&[("output", "o"), ("colour", "blue")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"unknown core option "colour" (value "blue")"#
        );

        let err = CoreConfig::from_pairs(&pairs(&[("output", "o"), ("roll_seconds", "soon")]))
            .unwrap_err();
        assert!(
            err.to_string().contains(r#""soon""#) && err.to_string().contains(r#""roll_seconds""#),
            "{err}"
        );

        for (key, value) in [
            ("roll_seconds", "0"),
            ("roll_bytes", "-1"),
            ("row_group_rows", "0"),
            ("row_group_rows", "999999999999"),
            ("queue_batches", "0"),
            ("stats_seconds", ""),
            ("raw_keys", "yes"),
            ("key_file", ""),
            ("identity_map", ""),
            ("flow_window_s", "0"),
            ("flow_window_s", "86401"),
            ("flow_max_edges", "0"),
            ("flow_top_partitions", "x"),
            ("file_mode", "0666"),
            ("file_mode", "0641"),
            ("file_mode", "1640"),
            ("file_mode", "0o640"),
            ("file_mode", "06400"),
            ("file_mode", "0440"),
            ("file_mode", ""),
            ("dir_mode", "0755"),
            ("dir_mode", "0752"),
            ("dir_mode", "0640"),
            ("dir_mode", "rwxr-x---"),
        ] {
            let err = CoreConfig::from_pairs(&pairs(&[("output", "o"), (key, value)])).unwrap_err();
            assert!(
                matches!(err, ConfigError::BadValue { .. }),
                "{key}={value}: {err}"
            );
            let text = err.to_string();
            assert!(
                text.contains(&format!("{key:?}")) && text.contains(&format!("{value:?}")),
                "{text}"
            );
        }
    }

    #[test]
    fn mode_errors_say_what_is_wrong() {
        let readable = CoreConfig::from_pairs(&pairs(&[("output", "o"), ("file_mode", "0644")]));
        assert_eq!(readable.map(|config| config.file_modes.file), Ok(0o644));
        let err =
            CoreConfig::from_pairs(&pairs(&[("output", "o"), ("file_mode", "0666")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"bad value "0666" for core option "file_mode": a mode that grants others neither write nor execute (e.g. 0640 or 0750)"#
        );
        let err =
            CoreConfig::from_pairs(&pairs(&[("output", "o"), ("dir_mode", "2750")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"bad value "2750" for core option "dir_mode": at most 0777 (no setuid, setgid or sticky bit)"#
        );
    }

    #[test]
    fn an_unknown_group_is_named() {
        let err = CoreConfig::from_pairs(&pairs(&[("output", "o"), ("group", "no-such-readers")]))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"bad value "no-such-readers" for core option "group": no group named "no-such-readers" on this host (give an existing group name or a numeric gid)"#
        );
        let err = CoreConfig::from_pairs(&pairs(&[("output", "o"), ("group", "")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"bad value "" for core option "group": "" is neither a group name nor a numeric gid"#
        );
        let config = CoreConfig::from_pairs(&pairs(&[("output", "o"), ("group", "4242")])).unwrap();
        assert_eq!(config.file_modes.group, Some(4242));
    }

    /// The defaults of the mode options as the two option tables state them.
    #[test]
    fn the_option_tables_state_the_mode_defaults() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let interface = std::fs::read_to_string(root.join("docs/native-interface.md")).unwrap();
        let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
        let file_mode = format!("`{:04o}`", crate::sink::file_modes::DEFAULT_FILE_MODE);
        let dir_mode = format!("`{:04o}`", crate::sink::file_modes::DEFAULT_DIR_MODE);
        for (name, text) in [
            ("docs/native-interface.md", &interface),
            ("README.md", &readme),
        ] {
            let row = |key: &str| {
                text.lines()
                    .find(|line| line.starts_with(&format!("| `{key}` |")))
                    .unwrap_or_else(|| panic!("{name} has no row for {key}"))
                    .to_owned()
            };
            assert!(
                row("file_mode").starts_with(&format!("| `file_mode` | {file_mode} |")),
                "{name}"
            );
            assert!(
                row("dir_mode").starts_with(&format!("| `dir_mode` | {dir_mode} |")),
                "{name}"
            );
            assert!(row("group").starts_with("| `group` | none |"), "{name}");
        }
    }

    #[test]
    fn output_is_required_and_keys_are_not_repeated() {
        assert_eq!(
            CoreConfig::from_pairs(&pairs(&[("roll_seconds", "1")])),
            Err(ConfigError::MissingOutput)
        );
        assert!(matches!(
            CoreConfig::from_pairs(&pairs(&[("output", "")])),
            Err(ConfigError::BadValue { .. })
        ));
        let err = CoreConfig::from_pairs(&pairs(&[("output", "a"), ("output", "b")])).unwrap_err();
        assert_eq!(
            err,
            ConfigError::Repeated {
                key: "output".into(),
                value: "b".into()
            }
        );
    }
}
