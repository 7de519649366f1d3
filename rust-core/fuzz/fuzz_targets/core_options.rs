//! The core options parser (`CoreConfig::from_pairs`, the `start` options) on arbitrary pairs
//! (`cdflow_fuzz::option_pairs`): never panics; an accepted configuration has every documented bound; a
//! rejection names a key and a value that were given, on one printable line.
#![no_main]

use cdflow_core::config::{ConfigError, CoreConfig, default_key_file};
use cdflow_core::error::is_unprintable;
use cdflow_fuzz::option_pairs;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let pairs = option_pairs(data);
    let given = |key: &str, value: &str| pairs.iter().any(|(k, v)| k == key && v == value);
    let times = |key: &str| pairs.iter().filter(|(k, _)| k == key).count();
    match CoreConfig::from_pairs(&pairs) {
        Ok(config) => {
            assert!(pairs.iter().all(|(key, _)| times(key) == 1));
            assert!(given("output", &config.output.to_string_lossy()));
            assert!(!config.output.as_os_str().is_empty());
            assert!(config.roll_seconds > 0 && config.roll_bytes > 0 && config.stats_seconds > 0);
            assert!((1..=16 * 1024 * 1024).contains(&config.row_group_rows));
            assert!((1..=1024 * 1024).contains(&config.queue_batches));
            assert!((1..=86_400).contains(&config.flow_window_s));
            assert!((1..=1_000_000).contains(&config.flow_max_edges));
            assert!((1..=1000).contains(&config.flow_top_partitions));
            assert!(config.flow_limits().window_us > 0);
            assert!(!config.roll_interval().is_zero() && !config.stats_interval().is_zero());
            if times("key_file") == 0 {
                assert_eq!(config.key_file, default_key_file(&config.output));
            } else {
                assert!(given("key_file", &config.key_file.to_string_lossy()));
            }
            match &config.identity_map {
                Some(path) => assert!(given("identity_map", &path.to_string_lossy())),
                None => assert_eq!(times("identity_map"), 0),
            }
        }
        Err(error) => {
            let shown = error.to_string();
            assert!(!shown.contains(is_unprintable), "{shown:?}");
            match &error {
                ConfigError::UnknownKey { key, value }
                | ConfigError::BadValue { key, value, .. } => {
                    assert!(given(key, value), "{shown}");
                    assert!(
                        shown.contains(&format!("{key:?}"))
                            && shown.contains(&format!("{value:?}"))
                    );
                }
                ConfigError::Repeated { key, value } => {
                    assert!(times(key) >= 2 && given(key, value), "{shown}");
                }
                ConfigError::Group { value, .. } => {
                    assert!(given("group", value), "{shown}");
                    assert!(shown.contains(&format!("{value:?}")), "{shown}");
                }
                ConfigError::MissingOutput => assert_eq!(times("output"), 0),
            }
        }
    }
});
