//! `cdflow verify` on real Parquet lineage files listed in manifests written by the core's
//! `ManifestWriter`: each kind of tampering is named, with exact exit codes.

mod common;

use std::fs;
use std::path::PathBuf;

use cdflow_core::enrich::keyhash::load_or_create_key;
use cdflow_core::sink::manifest::{ManifestWriter, sha256_file};
use parquet::file::reader::{FileReader, SerializedFileReader};

use common::*;

const N1: &str = "10.0.0.1";
const N2: &str = "10.0.0.2";
const MANIFEST_1: &str = "_manifest/node=10.0.0.1.manifest";
const MANIFEST_2: &str = "_manifest/node=10.0.0.2.manifest";
const EVENTS_1: &str = "events/node=10.0.0.1/date=2026-11-25/part-20261125T140000Z-1-0.parquet";
const FLUSHES_1: &str = "flushes/node=10.0.0.1/date=2026-11-25/part-20261125T140000Z-1-1.parquet";
const EVENTS_2: &str = "events/node=10.0.0.2/date=2026-11-25/part-20261125T140000Z-1-0.parquet";
const COMPACTIONS_2: &str =
    "compactions/node=10.0.0.2/date=2026-11-25/part-20261125T140000Z-1-2.parquet";

/// `<tmp>/lineage` with four Parquet files of two nodes, each listed in its node's manifest, and the
/// key file at the default place, `<tmp>/cdflow-key-hash.secret`.
struct Lineage {
    tmp: TempDir,
    dir: PathBuf,
}

impl Lineage {
    fn new(name: &str) -> Lineage {
        let tmp = TempDir::new(name);
        let dir = tmp.path().join("lineage");
        let mut events = write_flow(
            T0,
            Some("app"),
            "10.1.1.1:4000",
            N1,
            &[N1, N2],
            ("ks", "t"),
            1,
        );
        events.extend(read_flow(T0 + 5, "app", N2, N2, ("ks", "t"), 1));
        write_events(&dir, &events);
        write_flush(&dir, N1, "ks", "t", &["nb-1"]);
        write_compaction(&dir, N2, "ks", "t", &["nb-1"], &["nb-2"]);
        let secret = load_or_create_key(&tmp.path().join("cdflow-key-hash.secret")).unwrap();
        for (node, files) in [(N1, [EVENTS_1, FLUSHES_1]), (N2, [EVENTS_2, COMPACTIONS_2])] {
            let mut manifest = ManifestWriter::open(&dir, node, &secret).unwrap();
            for file in files {
                let path = dir.join(file);
                let rows = SerializedFileReader::new(fs::File::open(&path).unwrap())
                    .unwrap()
                    .metadata()
                    .file_metadata()
                    .num_rows();
                manifest
                    .append_added(&path, rows as u64, Some((T0, T0 + 5)))
                    .unwrap();
            }
        }
        Lineage { tmp, dir }
    }

    fn arg(&self) -> String {
        self.dir.display().to_string()
    }

    fn verify(&self, extra: &[&str]) -> (Option<i32>, String, String) {
        let dir = self.arg();
        let mut args = vec!["verify", dir.as_str()];
        args.extend_from_slice(extra);
        let output = cdflow(&args);
        (
            output.status.code(),
            text(&output.stdout),
            text(&output.stderr),
        )
    }

    fn file(&self, relative: &str) -> PathBuf {
        self.dir.join(relative)
    }

    fn sha256(&self, relative: &str) -> (String, u64) {
        sha256_file(&self.file(relative)).unwrap()
    }

    fn manifest_lines(&self, manifest: &str) -> Vec<String> {
        fs::read_to_string(self.file(manifest))
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// The finding lines of a text report (everything before the manifests' heads).
fn findings(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .take_while(|line| !line.starts_with("manifests ("))
        .collect()
}

fn last_line(stdout: &str) -> &str {
    stdout.lines().last().unwrap_or_default()
}

#[test]
fn an_intact_lineage_verifies_with_the_default_and_an_explicit_key_file() {
    let lineage = Lineage::new("verify-ok");
    let key = lineage.tmp.path().join("cdflow-key-hash.secret");
    let (code, stdout, stderr) = lineage.verify(&[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert_eq!(findings(&stdout), Vec::<&str>::new());
    assert_eq!(
        last_line(&stdout),
        format!(
            "OK: 4 file(s) match, 2 manifest(s) intact ({} with key {})",
            lineage.arg(),
            key.display()
        )
    );
    let head_1 = serde_json::from_str::<serde_json::Value>(&lineage.manifest_lines(MANIFEST_1)[1])
        .unwrap()["mac"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        stdout.contains(&format!(
            "  node 10.0.0.1: 2 line(s), 2 file(s) listed, head 10.0.0.1=2:{head_1}\n"
        )),
        "{stdout}"
    );

    // The key file elsewhere, named explicitly.
    let moved = lineage.tmp.path().join("elsewhere.secret");
    fs::rename(&key, &moved).unwrap();
    let (code, stdout, _) = lineage.verify(&["--key-file", &moved.display().to_string()]);
    assert_eq!(code, Some(0), "{stdout}");

    let (code, stdout, _) = lineage.verify(&[
        "--key-file",
        &moved.display().to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0));
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["passed"], true);
    assert_eq!(json["files_checked"], 4);
    assert_eq!(json["files_matched"], 4);
    assert_eq!(json["findings"], serde_json::json!([]));
    assert_eq!(json["manifests"][0]["node"], N1);
    assert_eq!(json["manifests"][0]["head"]["seq"], 2);
    assert_eq!(json["manifests"][0]["head"]["mac"], head_1);
    assert_eq!(json["key_file"], moved.display().to_string());
}

#[test]
fn a_flipped_byte_a_deleted_file_and_an_added_file_are_each_named() {
    let lineage = Lineage::new("verify-files");
    let (listed_sha, size) = lineage.sha256(EVENTS_1);
    let mut bytes = fs::read(lineage.file(EVENTS_1)).unwrap();
    bytes[size as usize / 2] ^= 0x01;
    fs::write(lineage.file(EVENTS_1), &bytes).unwrap();
    let (actual_sha, _) = lineage.sha256(EVENTS_1);
    fs::remove_file(lineage.file(COMPACTIONS_2)).unwrap();
    let slipped = "events/node=10.0.0.3/date=2026-11-25/part-20261125T150000Z-9-0.parquet";
    fs::create_dir_all(lineage.file(slipped).parent().unwrap()).unwrap();
    fs::copy(lineage.file(EVENTS_2), lineage.file(slipped)).unwrap();
    let slipped_size = fs::metadata(lineage.file(slipped)).unwrap().len();

    let (code, stdout, stderr) = lineage.verify(&[]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert_eq!(
        findings(&stdout),
        [
            format!("missing   {COMPACTIONS_2}: listed by node 10.0.0.2 (seq 2), not there"),
            format!(
                "altered   {EVENTS_1}: listed by node 10.0.0.1 (seq 1) with SHA-256 {listed_sha}, {size} bytes; now {actual_sha}, {size} bytes"
            ),
            format!("unlisted  {slipped}: {slipped_size} bytes, listed by no manifest"),
        ]
    );
    assert_eq!(
        last_line(&stdout),
        format!(
            "FAILED: 3 problem(s); 5 file(s) checked, 2 match; 2 manifest(s) ({} with key {})",
            lineage.arg(),
            lineage.tmp.path().join("cdflow-key-hash.secret").display()
        )
    );

    let (code, stdout, _) = lineage.verify(&["--format", "json"]);
    assert_eq!(code, Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["passed"], false);
    let kinds: Vec<(&str, &str)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["kind"].as_str().unwrap(), f["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("missing", COMPACTIONS_2),
            ("altered", EVENTS_1),
            ("unlisted", slipped)
        ]
    );
    assert_eq!(json["findings"][1]["listed_sha256"], listed_sha);
    assert_eq!(json["findings"][1]["actual_sha256"], actual_sha);
}

#[test]
fn a_manifest_cut_mid_line_or_by_whole_lines_is_named() {
    // Cut in the middle of its last line: the cut line and the file it listed.
    let lineage = Lineage::new("verify-cut");
    let manifest = lineage.file(MANIFEST_1);
    let text = fs::read_to_string(&manifest).unwrap();
    let first_line_len = text.find('\n').unwrap() + 1;
    let cut = first_line_len + 40;
    fs::write(&manifest, &text[..cut]).unwrap();
    let flushes_size = lineage.sha256(FLUSHES_1).1;
    let (code, stdout, _) = lineage.verify(&[]);
    assert_eq!(code, Some(1), "{stdout}");
    assert_eq!(
        findings(&stdout),
        [
            format!(
                "chain     {MANIFEST_1} line 2: incomplete last line (40 bytes without a newline): cut in the middle of a line or a torn write"
            ),
            format!("unlisted  {FLUSHES_1}: {flushes_size} bytes, listed by no manifest"),
        ]
    );

    // Its last line removed whole: the file it listed is unlisted.
    fs::write(&manifest, &text[..first_line_len]).unwrap();
    let (code, stdout, _) = lineage.verify(&[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        findings(&stdout),
        [format!(
            "unlisted  {FLUSHES_1}: {flushes_size} bytes, listed by no manifest"
        )]
    );

    // Both lines of the other manifest removed: both its files unlisted.
    fs::write(lineage.file(MANIFEST_2), "").unwrap();
    let sizes: Vec<u64> = [COMPACTIONS_2, EVENTS_2]
        .iter()
        .map(|file| lineage.sha256(file).1)
        .collect();
    let (code, stdout, _) = lineage.verify(&[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        findings(&stdout),
        [
            format!(
                "unlisted  {COMPACTIONS_2}: {} bytes, listed by no manifest",
                sizes[0]
            ),
            format!(
                "unlisted  {EVENTS_2}: {} bytes, listed by no manifest",
                sizes[1]
            ),
            format!("unlisted  {FLUSHES_1}: {flushes_size} bytes, listed by no manifest"),
        ]
    );

    // A line edited in place (its row count) breaks its MAC.
    let lineage = Lineage::new("verify-edit");
    let manifest = lineage.file(MANIFEST_2);
    let text = fs::read_to_string(&manifest).unwrap();
    fs::write(&manifest, text.replacen("\"rows\":", "\"rows\":1", 1)).unwrap();
    let (code, stdout, _) = lineage.verify(&[]);
    assert_eq!(code, Some(1));
    let events_2_size = lineage.sha256(EVENTS_2).1;
    assert_eq!(
        findings(&stdout),
        [
            format!(
                "chain     {MANIFEST_2} line 1: MAC does not match: the entry was altered (or the manifest was written with another key)"
            ),
            format!("unlisted  {EVENTS_2}: {events_2_size} bytes, listed by no manifest"),
        ]
    );
}

#[test]
fn a_wrong_key_is_named_per_manifest() {
    let lineage = Lineage::new("verify-key");
    let other = lineage.tmp.path().join("other.secret");
    write_private(&other, &[9u8; 16]);
    let (code, stdout, _) = lineage.verify(&["--key-file", &other.display().to_string()]);
    assert_eq!(code, Some(1), "{stdout}");
    let lines = findings(&stdout);
    let mismatch = |manifest: &str| {
        format!(
            "key       {manifest}: none of its 2 line(s) has a matching MAC: the key file is not the one it was written with, or every line was rewritten"
        )
    };
    assert_eq!(lines[..2], [mismatch(MANIFEST_1), mismatch(MANIFEST_2)]);
    // No entry is trusted, so no file is listed.
    assert_eq!(lines.len(), 2 + 4, "{stdout}");
    assert!(lines[2..].iter().all(|line| line.starts_with("unlisted  ")));
}

#[test]
fn nothing_to_verify_is_a_failure() {
    let tmp = TempDir::new("verify-nothing");
    let dir = tmp.path().join("lineage");
    let secret = load_or_create_key(&tmp.path().join("cdflow-key-hash.secret")).unwrap();
    ManifestWriter::open(&dir, N1, &secret).unwrap();
    let output = cdflow(&["verify", &dir.display().to_string()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        last_line(&text(&output.stdout)),
        format!(
            "FAILED: nothing was verified: no manifest lists a file and there is no .parquet file under {}",
            dir.display()
        )
    );
}

fn assert_error(args: &[&str], message: &str) {
    let output = cdflow(args);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stdout));
    assert_eq!(text(&output.stderr), format!("cdflow: {message}\n"));
    assert!(output.stdout.is_empty());
}

#[test]
fn errors_exit_with_2() {
    let lineage = Lineage::new("verify-errors");
    let dir = lineage.arg();
    let missing_key = lineage.tmp.path().join("missing.secret");
    assert_error(
        &[
            "verify",
            &dir,
            "--key-file",
            &missing_key.display().to_string(),
        ],
        &format!(
            "cannot read key file {}: No such file or directory (os error 2)",
            missing_key.display()
        ),
    );
    let short_key = lineage.tmp.path().join("short.secret");
    write_private(&short_key, b"short");
    assert_error(
        &[
            "verify",
            &dir,
            "--key-file",
            &short_key.display().to_string(),
        ],
        &format!(
            "key file {} has 5 bytes, expected exactly 16 (restore the original or remove it to start a new key)",
            short_key.display()
        ),
    );
    let empty = lineage.tmp.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    write_private(
        &lineage.tmp.path().join("cdflow-key-hash.secret"),
        &[1u8; 16],
    );
    assert_error(
        &["verify", &empty.display().to_string()],
        &format!(
            "not a lineage directory (no _manifest/ and no .parquet files): {}",
            empty.display()
        ),
    );
    let nowhere = lineage.tmp.path().join("nowhere");
    assert_error(
        &["verify", &nowhere.display().to_string()],
        &format!("no such lineage directory: {}", nowhere.display()),
    );
    let key = lineage.tmp.path().join("cdflow-key-hash.secret");
    assert_error(
        &["verify", &key.display().to_string()],
        &format!("not a directory: {}", key.display()),
    );
    // The key file is never created by verify.
    let fresh = TempDir::new("verify-no-key");
    let lineage_dir = fresh.path().join("lineage");
    write_flush(&lineage_dir, N1, "ks", "t", &["nb-1"]);
    assert_error(
        &["verify", &lineage_dir.display().to_string()],
        &format!(
            "cannot read key file {}: No such file or directory (os error 2)",
            fresh.path().join("cdflow-key-hash.secret").display()
        ),
    );
    assert!(!fresh.path().join("cdflow-key-hash.secret").exists());
}

/// The head of a manifest as the text report prints it for `--expect-head`.
fn head_of(stdout: &str, node: &str) -> String {
    let line = stdout
        .lines()
        .find(|line| line.starts_with(&format!("  node {node}: ")))
        .unwrap_or_else(|| panic!("{stdout}"));
    line.rsplit_once(", head ").unwrap().1.to_owned()
}

#[test]
fn a_recorded_head_detects_a_manifest_cut_back_with_its_files() {
    let lineage = Lineage::new("verify-head");
    let (code, stdout, _) = lineage.verify(&[]);
    assert_eq!(code, Some(0));
    let head_1 = head_of(&stdout, N1);
    let head_2 = head_of(&stdout, N2);
    let (code, stdout, _) = lineage.verify(&["--expect-head", &head_1, "--expect-head", &head_2]);
    assert_eq!(code, Some(0), "{stdout}");

    // The last line of node 1's manifest and the file it lists removed: consistent, but for the head.
    let manifest = lineage.file(MANIFEST_1);
    let first = lineage.manifest_lines(MANIFEST_1)[0].clone();
    fs::write(&manifest, format!("{first}\n")).unwrap();
    fs::remove_file(lineage.file(FLUSHES_1)).unwrap();
    let (code, stdout, _) = lineage.verify(&[]);
    assert_eq!(code, Some(0), "{stdout}");
    let (code, stdout, _) = lineage.verify(&["--expect-head", &head_1, "--expect-head", &head_2]);
    assert_eq!(code, Some(1), "{stdout}");
    assert_eq!(
        findings(&stdout),
        [format!(
            "head      {head_1}: node 10.0.0.1 has no authentic entry 2: its manifest was cut back, replaced or removed"
        )]
    );

    // Node 2's manifest removed with all its files.
    fs::remove_file(lineage.file(MANIFEST_2)).unwrap();
    fs::remove_file(lineage.file(EVENTS_2)).unwrap();
    fs::remove_file(lineage.file(COMPACTIONS_2)).unwrap();
    let (code, stdout, _) = lineage.verify(&["--expect-head", &head_2, "--format", "json"]);
    assert_eq!(code, Some(1), "{stdout}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let (node, rest) = head_2.split_once('=').unwrap();
    let (seq, mac) = rest.split_once(':').unwrap();
    assert_eq!(
        json["findings"],
        serde_json::json!([{"kind": "head_not_found", "node": node, "seq": seq.parse::<u64>().unwrap(),
                            "expected_mac": mac, "found_mac": null}])
    );

    // A malformed head is a usage error.
    let (code, _, stderr) = lineage.verify(&["--expect-head", "10.0.0.1=2"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("is not NODE=SEQ:MAC"), "{stderr}");
}

/// The Python check of docs/schema.md, run on manifests written by the core.
#[test]
fn the_python_check_of_the_schema_doc_accepts_a_chain_and_rejects_an_edit() {
    let doc =
        fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/schema.md")).unwrap();
    let section = doc.split("## Manifest and `cdflow verify`").nth(1).unwrap();
    let code = section
        .split("```python\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap();
    let lineage = Lineage::new("verify-python");
    let run = || {
        std::process::Command::new("python3")
            .args(["-c", code])
            .current_dir(lineage.tmp.path())
            .output()
            .expect("python3 runs")
    };
    let output = run();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let manifest = lineage.file(MANIFEST_1);
    let lines = fs::read_to_string(&manifest).unwrap();
    fs::write(&manifest, lines.replacen("\"rows\":2", "\"rows\":3", 1)).unwrap();
    let output = run();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("AssertionError: 1"),
        "{}",
        text(&output.stderr)
    );
}

/// Writes a key file readable by its owner only (the core refuses a key file others can read).
fn write_private(path: &std::path::Path, bytes: &[u8]) {
    use std::os::unix::fs::PermissionsExt;
    fs::write(path, bytes).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).unwrap();
}
