//! Start-up checks: bad options, unusable output directories, the key file.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::time::Duration;

use cdflow_core::config::DEFAULT_KEY_FILE_NAME;
use cdflow_core::{CoreConfig, CoreError, Pipeline};

use crate::support::TempDir;

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

#[test]
fn option_errors_name_key_and_value() {
    let error = CoreConfig::from_pairs(&pairs(&[("output", "/tmp/x"), ("queue_batches", "many")]))
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("queue_batches") && text.contains("many"),
        "{text}"
    );
    let error =
        CoreConfig::from_pairs(&pairs(&[("output", "/tmp/x"), ("rol_seconds", "5")])).unwrap_err();
    assert!(
        error.to_string().contains("rol_seconds") && error.to_string().contains('5'),
        "{error}"
    );
}

#[test]
fn an_output_path_below_a_file_fails_at_start() {
    let dir = TempDir::new("bad-output");
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"not a directory").expect("write");
    let mut config = CoreConfig::new(file.join("lineage"));
    config.key_file = dir.path().join("key");
    let error = Pipeline::start(config).err().expect("start must fail");
    assert!(matches!(error, CoreError::CreateOutput { .. }), "{error}");
    assert!(error.to_string().contains("plain-file/lineage"), "{error}");
}

#[test]
fn a_read_only_output_directory_fails_at_start() {
    let dir = TempDir::new("read-only");
    let output = dir.path().join("lineage");
    std::fs::create_dir(&output).expect("mkdir");
    if std::fs::metadata(&output).expect("stat").uid() == 0 {
        return; // root writes anywhere: nothing to test
    }
    std::fs::set_permissions(&output, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let error = Pipeline::start(CoreConfig::new(&output))
        .err()
        .expect("start must fail");
    std::fs::set_permissions(&output, std::fs::Permissions::from_mode(0o755)).expect("chmod back");
    assert!(error.to_string().contains("is not writable"), "{error}");
}

#[test]
fn the_key_file_is_created_private_and_reused() {
    let dir = TempDir::new("key-file");
    let config = CoreConfig::new(dir.path().join("lineage"));
    let key_path = dir.path().join(DEFAULT_KEY_FILE_NAME);
    assert_eq!(config.key_file, key_path);

    let first = Pipeline::start(config.clone()).expect("first start");
    first.shutdown(Duration::from_secs(30)).expect("shutdown");
    let metadata = std::fs::metadata(&key_path).expect("key file exists");
    assert_eq!(metadata.len(), 16);
    assert_eq!(metadata.permissions().mode() & 0o777, 0o600);
    let key = std::fs::read(&key_path).expect("read key");
    assert_ne!(key, vec![0u8; 16]);

    let second = Pipeline::start(config).expect("second start");
    second.shutdown(Duration::from_secs(30)).expect("shutdown");
    assert_eq!(
        std::fs::read(&key_path).expect("read key"),
        key,
        "the key must be reused, never replaced"
    );
}

#[test]
fn a_key_file_of_the_wrong_size_is_a_clear_error() {
    let dir = TempDir::new("bad-key");
    let mut config = CoreConfig::new(dir.path().join("lineage"));
    config.key_file = dir.path().join("short.secret");
    std::fs::write(&config.key_file, b"too short").expect("write");
    std::fs::set_permissions(&config.key_file, std::fs::Permissions::from_mode(0o600))
        .expect("chmod");
    let error = Pipeline::start(config.clone())
        .err()
        .expect("start must fail");
    let text = error.to_string();
    assert!(
        text.contains("short.secret") && text.contains("has 9 bytes, expected exactly 16"),
        "{text}"
    );
    assert_eq!(
        std::fs::read(&config.key_file).expect("read"),
        b"too short",
        "never overwritten"
    );
}

#[test]
fn a_key_file_group_or_others_can_read_fails_start() {
    let dir = TempDir::new("exposed-key");
    let mut config = CoreConfig::new(dir.path().join("lineage"));
    config.key_file = dir.path().join("shared.secret");
    std::fs::write(&config.key_file, [7u8; 16]).expect("write");
    std::fs::set_permissions(&config.key_file, std::fs::Permissions::from_mode(0o644))
        .expect("chmod");
    let error = Pipeline::start(config.clone())
        .err()
        .expect("start must fail");
    assert!(matches!(error, CoreError::KeyFile(_)), "{error}");
    assert_eq!(
        error.to_string(),
        format!(
            "key file {} has mode 0644: group or others can access it; chmod 600 it",
            config.key_file.display()
        )
    );
}

#[test]
fn a_bad_identity_map_fails_start_naming_file_and_line() {
    let dir = TempDir::new("bad-identity");
    let map = dir.path().join("identity.yaml");
    std::fs::write(
        &map,
        "roles:\n  svc: {owner: o, kind: service}\n  bob:\n    kind: robot\n",
    )
    .expect("write");
    let config = CoreConfig::from_pairs(&pairs(&[
        ("output", &dir.path().join("lineage").display().to_string()),
        ("identity_map", &map.display().to_string()),
    ]))
    .expect("options");
    let error = Pipeline::start(config.clone())
        .err()
        .expect("start must fail");
    assert!(matches!(error, CoreError::IdentityMap(_)), "{error}");
    let text = error.to_string();
    assert!(
        text.starts_with(&format!(
            "identity map {} line 4 column 11: ",
            map.display()
        )) && text.contains("robot"),
        "{text}"
    );
    assert!(
        !config.output.exists(),
        "nothing is created before the map is read"
    );

    std::fs::remove_file(&map).expect("remove");
    let error = Pipeline::start(config).err().expect("start must fail");
    assert!(
        error.to_string().contains("cannot read identity map")
            && error.to_string().contains("identity.yaml"),
        "{error}"
    );
}

#[test]
fn a_good_identity_map_starts() {
    let dir = TempDir::new("good-identity");
    let map = dir.path().join("identity.yaml");
    std::fs::write(&map, "roles:\n  alice:\n    owner: Alice\n").expect("write");
    let mut config = CoreConfig::new(dir.path().join("lineage"));
    config.identity_map = Some(map);
    let pipeline = Pipeline::start(config).expect("start");
    pipeline
        .shutdown(Duration::from_secs(30))
        .expect("shutdown");
}
