//! Modes of everything the pipeline writes (`file_mode`, `dir_mode`, `group`: docs/native-interface.md),
//! checked exactly and, by re-running the tests in child processes, under different umasks.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use cdflow_core::{CoreConfig, Pipeline, SubmitOutcome};

use crate::support::{Case, TempDir, valid_cases};

/// What exists below a directory: (path relative to it, is a directory, mode bits, group id).
type Entry = (String, bool, u32, u32);

fn entries_below(root: &Path) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut pending = vec![root.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            let metadata = std::fs::symlink_metadata(&path).expect("stat");
            if metadata.is_dir() {
                pending.push(path.clone());
            }
            let relative = path.strip_prefix(root).expect("below root");
            out.push((
                relative.display().to_string(),
                metadata.is_dir(),
                metadata.mode() & 0o7777,
                metadata.gid(),
            ));
        }
    }
    out.sort();
    out
}

/// Writes every valid mutation vector through a pipeline started with `options` (plus `output`) and
/// shuts it down gracefully.
fn write_lineage(output: &Path, options: &[(&str, String)]) -> CoreConfig {
    let mut pairs = vec![("output".to_owned(), output.display().to_string())];
    pairs.extend(
        options
            .iter()
            .map(|(key, value)| (key.to_string(), value.clone())),
    );
    let config = CoreConfig::from_pairs(&pairs).expect("options");
    let pipeline = Pipeline::start(config.clone()).expect("start");
    let cases: Vec<Case> = valid_cases()
        .into_iter()
        .filter(Case::only_mutations)
        .collect();
    for case in &cases {
        assert_eq!(
            pipeline.submit(&case.bytes(), case.events.len() as u32),
            SubmitOutcome::Accepted
        );
    }
    pipeline
        .shutdown(Duration::from_secs(30))
        .expect("shutdown");
    config
}

/// Every created directory has `dir_mode`, every file `file_mode`, and the tables that must exist do.
fn assert_modes(entries: &[Entry], file_mode: u32, dir_mode: u32) {
    for (path, is_dir, mode, _) in entries {
        let expected = if *is_dir { dir_mode } else { file_mode };
        assert_eq!(
            *mode, expected,
            "{path}: {mode:04o}, expected {expected:04o}"
        );
    }
    for table in ["events", "agent_stats"] {
        let files = entries
            .iter()
            .filter(|(path, is_dir, ..)| {
                !is_dir
                    && path.starts_with(&format!("lineage/{table}/"))
                    && path.ends_with(".parquet")
            })
            .count();
        assert!(files > 0, "no {table} file in {entries:?}");
    }
}

#[test]
fn lineage_files_are_0640_and_directories_0750_by_default() {
    let dir = TempDir::new("modes-default");
    // Two missing levels: the core creates both, with dir_mode.
    let output = dir.path().join("deep").join("lineage");
    let config = write_lineage(&output, &[]);
    let deep = dir.path().join("deep");
    let mut entries = entries_below(&deep);
    let key = entries
        .iter()
        .position(|(path, ..)| Path::new(path) == config.key_file.strip_prefix(&deep).unwrap())
        .expect("the key file is beside the output directory");
    assert_eq!(entries.remove(key).2, 0o600, "key file mode");
    assert!(entries.contains(&(
        "lineage".to_owned(),
        true,
        0o750,
        std::fs::metadata(&output).unwrap().gid()
    )));
    assert_eq!(std::fs::metadata(&deep).unwrap().mode() & 0o7777, 0o750);
    assert_modes(&entries, 0o640, 0o750);
}

#[test]
fn configured_modes_and_group_apply_to_everything_created() {
    let dir = TempDir::new("modes-configured");
    let before = std::fs::metadata(dir.path()).unwrap();
    // Root may hand files to any gid; anyone else to its own effective gid.
    let gid = if nix::unistd::geteuid().is_root() {
        4242
    } else {
        nix::unistd::getegid().as_raw()
    };
    let output = dir.path().join("lineage");
    write_lineage(
        &output,
        &[
            ("file_mode", "600".to_owned()),
            ("dir_mode", "0710".to_owned()),
            ("group", gid.to_string()),
            ("key_file", dir.path().join("key").display().to_string()),
        ],
    );
    let entries: Vec<Entry> = entries_below(dir.path())
        .into_iter()
        .filter(|(path, ..)| path != "key")
        .collect();
    assert!(
        entries.iter().all(|(.., group)| *group == gid),
        "{entries:?}"
    );
    assert_modes(&entries, 0o600, 0o710);
    let after = std::fs::metadata(dir.path()).unwrap();
    assert_eq!(
        (after.mode(), after.gid()),
        (before.mode(), before.gid()),
        "an existing directory is left as it is"
    );
}

/// Runs one test of this binary in a child process whose umask is `umask`.
fn run_under_umask(test: &str, umask: &str) {
    let exe = std::env::current_exe().expect("test binary");
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(&exe)
        .args([test, "--exact", "--test-threads=1"])
        .output()
        .expect("run the test binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{test} under umask {umask}: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn modes_do_not_depend_on_the_umask() {
    // 077 would strip the group bits and 000 would keep anything: the modes must be exact under both.
    for umask in ["077", "000"] {
        for test in [
            "modes::lineage_files_are_0640_and_directories_0750_by_default",
            "modes::configured_modes_and_group_apply_to_everything_created",
        ] {
            run_under_umask(test, umask);
        }
    }
}
