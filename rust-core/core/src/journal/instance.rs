//! One running core's journal directory: `<lineage>/_journal/<pid>-<start µs>/`, holding its segments
//! (`segment-<n>.cdj`), its commit records (`commit-<n>.json`), the options it ran with (`options`) and
//! `LOCK`, locked (advisory, exclusive) for the life of the process.
//!
//! Invariants: a directory whose `LOCK` is held belongs to a live process and is never touched by
//! anyone else; the kernel drops the lock when the process dies (also on kill -9), which is how recovery
//! tells a crashed run's journal from a live one, even when several nodes share one lineage root.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::sink::file_modes::{self, FileModes};

/// Directory under the lineage root that holds every journal (readers' globs never enter it).
pub const JOURNAL_DIR: &str = "_journal";
/// The lock file of a journal directory.
const LOCK_FILE: &str = "LOCK";
/// The options a journal's core ran with (`key=value` lines).
const OPTIONS_FILE: &str = "options";

/// A journal directory this process holds the lock of.
#[derive(Debug)]
pub struct JournalDir {
    dir: PathBuf,
    modes: FileModes,
    /// Held open: closing it would release the lock.
    _lock: File,
}

impl JournalDir {
    /// Creates and locks this process's journal directory, recording `options`.
    pub fn create(
        root: &Path,
        options: &[(String, String)],
        start_us: i64,
        modes: &FileModes,
    ) -> io::Result<Self> {
        let dir = root
            .join(JOURNAL_DIR)
            .join(format!("{}-{start_us}", std::process::id()));
        file_modes::create_dir_all(&dir, modes)?;
        let lock = file_modes::create_new_file(&dir.join(LOCK_FILE), modes)?;
        lock.try_lock().map_err(|error| match error {
            fs::TryLockError::WouldBlock => io::Error::new(
                io::ErrorKind::WouldBlock,
                format!("{} is locked by another process", dir.display()),
            ),
            fs::TryLockError::Error(error) => error,
        })?;
        let mut text = String::new();
        for (key, value) in options {
            text.push_str(key);
            text.push('=');
            text.push_str(value);
            text.push('\n');
        }
        let mut file = file_modes::create_new_file(&dir.join(OPTIONS_FILE), modes)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        sync_dir(&dir)?;
        Ok(JournalDir {
            dir,
            modes: *modes,
            _lock: lock,
        })
    }

    /// Locks an existing journal directory if no live process holds it; `None` if one does.
    pub fn adopt(dir: &Path, modes: &FileModes) -> io::Result<Option<Self>> {
        let lock = match File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK_FILE))
        {
            Ok(lock) => lock,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error),
        };
        match lock.try_lock() {
            Ok(()) => Ok(Some(JournalDir {
                dir: dir.to_owned(),
                modes: *modes,
                _lock: lock,
            })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(error)) => Err(error),
        }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Modes of the files created in it.
    pub fn modes(&self) -> &FileModes {
        &self.modes
    }

    /// The pid in the directory's name (`<pid>-<start>`), if it has that shape.
    pub fn pid(&self) -> Option<u32> {
        pid_of(&self.dir)
    }

    /// Path of segment `number`.
    pub fn segment_path(&self, number: u64) -> PathBuf {
        self.dir.join(format!("segment-{number:020}.cdj"))
    }

    /// The options recorded by [`JournalDir::create`] (empty if the file is missing).
    pub fn options(&self) -> io::Result<Vec<(String, String)>> {
        let text = match fs::read_to_string(self.dir.join(OPTIONS_FILE)) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(error),
        };
        Ok(text
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect())
    }

    /// Segments in number order.
    pub fn segments(&self) -> io::Result<Vec<PathBuf>> {
        self.files_named("segment-", ".cdj")
    }

    /// Commit records in number order.
    pub fn commit_records(&self) -> io::Result<Vec<PathBuf>> {
        self.files_named("commit-", ".json")
    }

    fn files_named(&self, prefix: &str, suffix: &str) -> io::Result<Vec<PathBuf>> {
        let mut found: Vec<PathBuf> = fs::read_dir(&self.dir)?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| {
                path.file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.starts_with(prefix) && name.ends_with(suffix))
            })
            .collect();
        found.sort();
        Ok(found)
    }

    /// Removes the directory once nothing is left in it but the lock and the options.
    pub fn remove_if_done(self) -> io::Result<bool> {
        if !self.segments()?.is_empty() || !self.commit_records()?.is_empty() {
            return Ok(false);
        }
        let _ = fs::remove_file(self.dir.join(OPTIONS_FILE));
        let _ = fs::remove_file(self.dir.join(LOCK_FILE));
        match fs::remove_dir(&self.dir) {
            Ok(()) => Ok(true),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(true),
            Err(error) => Err(error),
        }
    }
}

/// Path of commit record `number` in a journal directory.
pub fn commit_record_path(journal_dir: &Path, number: u64) -> PathBuf {
    journal_dir.join(format!("commit-{number:020}.json"))
}

/// Journal directories under `root` (locked or not), in name order.
pub fn journal_dirs(root: &Path) -> io::Result<Vec<PathBuf>> {
    let parent = root.join(JOURNAL_DIR);
    let entries = match fs::read_dir(&parent) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
        .map(|entry| entry.path())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// The pid in a journal directory's name.
pub fn pid_of(dir: &Path) -> Option<u32> {
    dir.file_name()?.to_str()?.split_once('-')?.0.parse().ok()
}

/// fsyncs a directory (so a rename or create in it survives a power loss).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_journal_cannot_be_adopted_and_a_released_one_can() {
        let scratch = tempfile::tempdir().unwrap();
        let root = scratch.path().join("journal");
        let options = vec![("output".to_owned(), "x".to_owned())];
        let modes = FileModes::default();
        let live = JournalDir::create(&root, &options, 42, &modes).unwrap();
        assert_eq!(live.pid(), Some(std::process::id()));
        assert!(JournalDir::adopt(live.path(), &modes).unwrap().is_none());
        let path = live.path().to_owned();
        drop(live);
        let adopted = JournalDir::adopt(&path, &modes).unwrap().expect("released");
        assert_eq!(adopted.options().unwrap(), options);
        assert_eq!(journal_dirs(&root).unwrap(), vec![path.clone()]);
        assert!(adopted.remove_if_done().unwrap());
        assert!(!path.exists());
    }
}
