//! The lineage files a manifest is about: their paths relative to the root, their SHA-256, and the
//! walk that finds every `.parquet` file below a root.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use super::ManifestError;

/// SHA-256 (lowercase hex) and size of a regular file's bytes, read once from start to end. Anything
/// else (a directory, a device, a FIFO that would never end or block) is an error.
pub fn sha256_file(path: &Path) -> io::Result<(String, u64)> {
    if !fs::metadata(path)?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "not a regular file",
        ));
    }
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(&buffer[..n]);
                size += n as u64;
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// SHA-256 (lowercase hex) of bytes in memory.
pub fn sha256_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `file` relative to `root`, `/`-separated, as listed in a manifest. `file` must be `root` joined
/// with a relative path (as the core builds every lineage path).
pub fn relative_path(root: &Path, file: &Path) -> Result<String, ManifestError> {
    let bad = |why| ManifestError::BadPath {
        path: file.to_path_buf(),
        why,
    };
    let relative = file
        .strip_prefix(root)
        .map_err(|_| bad("it is not below the lineage root"))?;
    let mut parts = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(
                part.to_str()
                    .ok_or_else(|| bad("its name is not UTF-8"))?
                    .to_owned(),
            ),
            _ => {
                return Err(bad(
                    "its path below the root is not plain (., .. or a prefix)",
                ));
            }
        }
    }
    let path = parts.join("/");
    check_relative(&path).map_err(bad)?;
    Ok(path)
}

/// Whether a listed path is a plain relative path: non-empty `/`-separated names, none of them `.`
/// or `..`, no control characters, not inside the manifest directory.
pub(crate) fn check_relative(path: &str) -> Result<(), &'static str> {
    if path.is_empty() {
        return Err("it is empty");
    }
    if path.chars().any(char::is_control) {
        return Err("it holds a control character");
    }
    for part in path.split('/') {
        if part.is_empty() || part == "." || part == ".." {
            return Err("it has an empty, . or .. component or a leading /");
        }
    }
    if path.split('/').next() == Some(super::MANIFEST_DIR) {
        return Err("it is inside the manifest directory");
    }
    Ok(())
}

/// A `.parquet` file found below the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    /// Relative to the root, `/`-separated (lossy for names that are not UTF-8).
    pub relative: String,
    /// The path to open.
    pub path: PathBuf,
}

/// Every file named `*.parquet` below `root`, in path order. Directories whose name starts with `_`
/// or `.` are skipped (the manifest, a journal, hidden writer state); symbolic links to directories
/// are not followed; a symbolic link named `*.parquet` counts as a file.
pub fn parquet_files(root: &Path) -> Result<Vec<FoundFile>, ManifestError> {
    let mut found = Vec::new();
    let mut pending = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = pending.pop() {
        let entries = fs::read_dir(&dir).map_err(ManifestError::io("list", &dir))?;
        for entry in entries {
            let entry = entry.map_err(ManifestError::io("list", &dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let relative = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            let path = entry.path();
            let kind = entry
                .file_type()
                .map_err(ManifestError::io("stat", &path))?;
            if kind.is_dir() {
                if !name.starts_with('_') && !name.starts_with('.') {
                    pending.push((path, relative));
                }
            } else if name.ends_with(".parquet") && !is_link_to_dir(&path, kind) {
                found.push(FoundFile { relative, path });
            }
        }
    }
    found.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(found)
}

fn is_link_to_dir(path: &Path, kind: fs::FileType) -> bool {
    kind.is_symlink() && fs::metadata(path).is_ok_and(|meta| meta.is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_plain_and_below_the_root() {
        let root = Path::new("/l");
        assert_eq!(
            relative_path(
                root,
                Path::new("/l/events/node=a/date=2026-11-25/p.parquet")
            )
            .unwrap(),
            "events/node=a/date=2026-11-25/p.parquet"
        );
        for bad in [
            "/m/events/p.parquet",
            "/l/events/../p.parquet",
            "/l",
            "/l/_manifest/x",
        ] {
            assert!(
                matches!(
                    relative_path(root, Path::new(bad)),
                    Err(ManifestError::BadPath { .. })
                ),
                "{bad}"
            );
        }
        assert_eq!(
            check_relative("a//b"),
            Err("it has an empty, . or .. component or a leading /")
        );
        assert_eq!(
            check_relative("/a"),
            Err("it has an empty, . or .. component or a leading /")
        );
        assert_eq!(check_relative("a\nb"), Err("it holds a control character"));
    }

    #[test]
    fn sha256_of_the_empty_file_and_of_abc() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("abc");
        fs::write(&file, b"abc").unwrap();
        assert_eq!(
            sha256_file(&file).unwrap(),
            (
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".to_owned(),
                3
            )
        );
        assert_eq!(
            sha256_bytes(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
