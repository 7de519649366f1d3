//! Permissions of everything the core creates: files get `file_mode` (default 0640), directories
//! `dir_mode` (default 0750), and both may be handed to a reader `group` (docs/native-interface.md,
//! "Core options"). Every file and directory the core creates goes through [`create_new_file`] or
//! [`create_dir_all`].
//!
//! Invariants:
//! - nothing is ever more open than configured, not even for an instant: it is created owner-only (the
//!   umask can only remove bits), handed to the group, then set to the exact mode with an explicit chmod,
//!   so the result does not depend on the umask;
//! - only what the core creates is changed: an existing directory (an operator's output root or one of
//!   its parents) keeps its mode and group;
//! - a mode accepted by [`parse_mode`] is at most 0777, grants others neither write nor execute, and lets
//!   the owner read and write its files and enter and write its directories.

use std::fs::{self, DirBuilder, File, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use nix::unistd::Group;

/// Default of `file_mode`.
pub const DEFAULT_FILE_MODE: u32 = 0o640;
/// Default of `dir_mode`.
pub const DEFAULT_DIR_MODE: u32 = 0o750;

/// Bits a mode may never grant: write and execute for others.
const OTHERS_WRITE_OR_EXECUTE: u32 = 0o003;
/// Owner bits created before the exact mode is set (never more than the owner's own).
const OWNER_BITS: u32 = 0o700;

/// The modes and group of created files and directories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileModes {
    /// Mode of created files (`file_mode`).
    pub file: u32,
    /// Mode of created directories (`dir_mode`).
    pub dir: u32,
    /// Group id that created files and directories are handed to (`group`); `None` keeps the
    /// process's (or the parent directory's setgid) group.
    pub group: Option<u32>,
}

impl Default for FileModes {
    fn default() -> Self {
        FileModes {
            file: DEFAULT_FILE_MODE,
            dir: DEFAULT_DIR_MODE,
            group: None,
        }
    }
}

/// What a mode is for: each needs different owner bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeOf {
    /// `file_mode`: the owner must be able to read and write (0600).
    File,
    /// `dir_mode`: the owner must be able to list, create and enter (0700).
    Dir,
}

impl ModeOf {
    fn owner_needs(self) -> u32 {
        match self {
            ModeOf::File => 0o600,
            ModeOf::Dir => 0o700,
        }
    }
}

/// Parses an octal mode of three digits, or four with a leading 0 (`640`, `0640`). The error says what
/// a valid value looks like (the caller names the key and the value).
pub fn parse_mode(text: &str, of: ModeOf) -> Result<u32, &'static str> {
    let digits = match text.len() {
        3 => text,
        4 if text.starts_with('0') => &text[1..],
        4 => return Err("at most 0777 (no setuid, setgid or sticky bit)"),
        _ => return Err("an octal mode of 3 or 4 digits, such as 0640"),
    };
    if !digits.bytes().all(|byte| (b'0'..=b'7').contains(&byte)) {
        return Err("an octal mode of 3 or 4 digits, such as 0640");
    }
    let mode = u32::from_str_radix(digits, 8).map_err(|_| "an octal mode such as 0640")?;
    if mode & OTHERS_WRITE_OR_EXECUTE != 0 {
        return Err("a mode that grants others neither write nor execute (e.g. 0640 or 0750)");
    }
    if mode & of.owner_needs() != of.owner_needs() {
        return Err(match of {
            ModeOf::File => "a mode that lets the owner read and write (0600 at least)",
            ModeOf::Dir => "a mode that lets the owner list, create and enter (0700 at least)",
        });
    }
    Ok(mode)
}

/// Why `group` was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupError {
    /// No group of that name.
    #[error("no group named {0:?} on this host (give an existing group name or a numeric gid)")]
    Unknown(String),
    /// The group database could not be read.
    #[error("cannot look up group {name:?}: {reason}")]
    Lookup {
        /// The name looked up.
        name: String,
        /// The system's error.
        reason: String,
    },
    /// Empty, or a number that is not a gid.
    #[error("{0:?} is neither a group name nor a numeric gid")]
    Invalid(String),
}

/// Resolves `group`: a numeric gid is taken as is (like chown does); a name is looked up in the
/// system's group database.
pub fn resolve_group(text: &str) -> Result<u32, GroupError> {
    if text.is_empty() {
        return Err(GroupError::Invalid(text.to_owned()));
    }
    if text.bytes().all(|byte| byte.is_ascii_digit()) {
        // u32::MAX is chown's "leave unchanged".
        return match text.parse::<u32>() {
            Ok(gid) if gid != u32::MAX => Ok(gid),
            _ => Err(GroupError::Invalid(text.to_owned())),
        };
    }
    match Group::from_name(text) {
        Ok(Some(group)) => Ok(group.gid.as_raw()),
        Ok(None) => Err(GroupError::Unknown(text.to_owned())),
        Err(errno) => Err(GroupError::Lookup {
            name: text.to_owned(),
            reason: errno.desc().to_owned(),
        }),
    }
}

/// Creates a new file (read and write, failing with `AlreadyExists` if `path` exists) with exactly
/// `modes.file`, owned by `modes.group` if set. If the mode or group cannot be applied, the file is
/// removed and the error returned.
pub fn create_new_file(path: &Path, modes: &FileModes) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(modes.file & OWNER_BITS)
        .open(path)?;
    let applied = match modes.group {
        Some(gid) => std::os::unix::fs::fchown(&file, None, Some(gid))
            .map_err(|error| group_error(gid, error)),
        None => Ok(()),
    }
    .and_then(|()| {
        file.set_permissions(Permissions::from_mode(modes.file))
            .map_err(|error| mode_error(modes.file, error))
    });
    match applied {
        Ok(()) => Ok(file),
        Err(error) => {
            drop(file);
            let _ = fs::remove_file(path);
            Err(error)
        }
    }
}

/// Creates `dir` and every missing parent, each with exactly `modes.dir`, owned by `modes.group` if set.
/// Directories that already exist are left as they are. A directory whose mode or group cannot be
/// applied is removed again and the error returned.
pub fn create_dir_all(dir: &Path, modes: &FileModes) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dir_all(parent, modes)?;
    }
    match DirBuilder::new().mode(modes.dir & OWNER_BITS).create(dir) {
        Ok(()) => {}
        // Created meanwhile by another thread or process: theirs, left as it is.
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => return Ok(()),
        Err(error) => return Err(error),
    }
    let applied = match modes.group {
        Some(gid) => {
            std::os::unix::fs::chown(dir, None, Some(gid)).map_err(|error| group_error(gid, error))
        }
        None => Ok(()),
    }
    .and_then(|()| {
        fs::set_permissions(dir, Permissions::from_mode(modes.dir))
            .map_err(|error| mode_error(modes.dir, error))
    });
    if applied.is_err() {
        let _ = fs::remove_dir(dir);
    }
    applied
}

fn group_error(gid: u32, error: io::Error) -> io::Error {
    io::Error::new(
        error.kind(),
        format!("cannot hand it to group {gid} (is the process a member?): {error}"),
    )
}

fn mode_error(mode: u32, error: io::Error) -> io::Error {
    io::Error::new(error.kind(), format!("cannot set mode {mode:04o}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    /// A fresh directory under the system temp dir, removed on drop.
    struct Scratch(tempfile::TempDir);

    impl Scratch {
        fn new(label: &str) -> Scratch {
            let dir = tempfile::Builder::new()
                .prefix(&format!("cdflow-file-modes-{label}-"))
                .tempdir()
                .unwrap();
            Scratch(dir)
        }

        fn path(&self) -> &std::path::Path {
            self.0.path()
        }
    }

    fn mode_of(path: &Path) -> u32 {
        fs::metadata(path).unwrap().mode() & 0o7777
    }

    #[test]
    fn modes_parse_strictly() {
        assert_eq!(parse_mode("0640", ModeOf::File), Ok(0o640));
        assert_eq!(parse_mode("640", ModeOf::File), Ok(0o640));
        assert_eq!(parse_mode("0600", ModeOf::File), Ok(0o600));
        assert_eq!(parse_mode("0644", ModeOf::File), Ok(0o644));
        assert_eq!(parse_mode("0750", ModeOf::Dir), Ok(0o750));
        assert_eq!(parse_mode("0774", ModeOf::Dir), Ok(0o774));
        for bad in [
            "",
            "64",
            "06400",
            "0o640",
            "+640",
            " 640",
            "0648",
            "rw-r-----",
            "1640",
        ] {
            assert!(parse_mode(bad, ModeOf::File).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_mode("1750", ModeOf::Dir),
            Err("at most 0777 (no setuid, setgid or sticky bit)")
        );
        for open in ["0666", "0642", "0641", "0777", "0755"] {
            assert_eq!(
                parse_mode(open, ModeOf::File),
                Err("a mode that grants others neither write nor execute (e.g. 0640 or 0750)"),
                "{open}"
            );
        }
        assert!(parse_mode("0440", ModeOf::File).is_err());
        assert!(parse_mode("0640", ModeOf::Dir).is_err());
    }

    #[test]
    fn groups_resolve_by_name_or_number() {
        assert_eq!(resolve_group("0"), Ok(0));
        assert_eq!(resolve_group("4242"), Ok(4242));
        assert_eq!(resolve_group("root"), Ok(0));
        assert_eq!(
            resolve_group("no-such-group-cdflow"),
            Err(GroupError::Unknown("no-such-group-cdflow".into()))
        );
        assert_eq!(
            resolve_group("4294967295"),
            Err(GroupError::Invalid("4294967295".into()))
        );
        assert_eq!(resolve_group(""), Err(GroupError::Invalid(String::new())));
    }

    #[test]
    fn files_and_directories_get_exact_modes() {
        let scratch = Scratch::new("exact");
        let modes = FileModes {
            file: 0o604,
            dir: 0o710,
            group: None,
        };
        let dir = scratch.path().join("a/b/c");
        create_dir_all(&dir, &modes).unwrap();
        for created in ["a", "a/b", "a/b/c"] {
            assert_eq!(mode_of(&scratch.path().join(created)), 0o710, "{created}");
        }
        let file = dir.join("f");
        create_new_file(&file, &modes).unwrap();
        assert_eq!(mode_of(&file), 0o604);
        assert_eq!(
            create_new_file(&file, &modes).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
    }

    #[test]
    fn existing_directories_are_left_alone() {
        let scratch = Scratch::new("existing");
        fs::set_permissions(scratch.path(), Permissions::from_mode(0o755)).unwrap();
        create_dir_all(&scratch.path().join("new"), &FileModes::default()).unwrap();
        assert_eq!(mode_of(scratch.path()), 0o755);
        assert_eq!(mode_of(&scratch.path().join("new")), 0o750);
    }

    #[test]
    fn files_and_directories_are_handed_to_the_group() {
        let scratch = Scratch::new("group");
        // Root may use any gid; anyone else uses its own, which chown always allows.
        let gid = if nix::unistd::geteuid().is_root() {
            4242
        } else {
            nix::unistd::getegid().as_raw()
        };
        let modes = FileModes {
            group: Some(gid),
            ..FileModes::default()
        };
        let dir = scratch.path().join("d");
        create_dir_all(&dir, &modes).unwrap();
        let file = dir.join("f");
        create_new_file(&file, &modes).unwrap();
        for (path, mode) in [(&dir, 0o750), (&file, 0o640)] {
            let metadata = fs::metadata(path).unwrap();
            assert_eq!((metadata.gid(), metadata.mode() & 0o7777), (gid, mode));
        }
        assert_ne!(fs::metadata(scratch.path()).unwrap().gid(), 4242);
    }

    #[test]
    fn a_group_the_process_may_not_use_fails_and_leaves_nothing() {
        if nix::unistd::geteuid().is_root() {
            return; // root may hand files to any group
        }
        let scratch = Scratch::new("foreign-group");
        let foreign = FileModes {
            group: Some(0),
            ..FileModes::default()
        };
        let file = scratch.path().join("f");
        let error = create_new_file(&file, &foreign).unwrap_err();
        assert!(error.to_string().contains("group 0"), "{error}");
        assert!(!file.exists());
        let dir = scratch.path().join("d");
        assert!(create_dir_all(&dir, &foreign).is_err());
        assert!(!dir.exists());
    }
}
