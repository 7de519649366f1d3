//! Keyed 64-bit hash of partition keys (SipHash-2-4, 128-bit key) and its key file.
//!
//! Invariants:
//! - the hash is standard SipHash-2-4 from the `siphasher` crate (checked against the reference vectors
//!   of the SipHash paper and against hashes of the earlier hand-written implementation), so
//!   every node and any offline tool with the same 16-byte key computes the same value;
//! - the key file is created once with mode 0600 (`create_new`: an existing file is never overwritten)
//!   from 16 bytes of /dev/urandom, and reused on every later run; a file of another size is an error;
//! - an existing key file that group or others may access in any way (mode & 0o077 != 0) is refused
//!   before a byte of it is read, as OpenSSH refuses such a private key.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Length of the key file and of the SipHash key.
pub const KEY_LEN: usize = 16;
/// Mode of a created key file.
pub const KEY_FILE_MODE: u32 = 0o600;
/// Permission bits that make an existing key file unusable: any access by group or others.
const GROUP_OR_OTHERS: u32 = 0o077;

/// The key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// Reading an existing key file failed.
    #[error("cannot read key file {path}: {source}")]
    Read {
        /// The key file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The key file exists but does not hold exactly 16 bytes.
    #[error(
        "key file {path} has {size} bytes, expected exactly 16 (restore the original or remove it to start a new key)"
    )]
    WrongSize {
        /// The key file.
        path: PathBuf,
        /// Its size.
        size: u64,
    },
    /// The key file exists but group or others may read, write or execute it.
    #[error("key file {path} has mode {mode:04o}: group or others can access it; chmod 600 it")]
    Exposed {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Creating a new key file failed.
    #[error("cannot create key file {path}: {source}")]
    Create {
        /// The key file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// /dev/urandom could not be read.
    #[error("cannot read 16 random bytes from /dev/urandom: {0}")]
    Random(io::Error),
}

/// SipHash-2-4 keyed with 16 secret bytes (the `siphasher` crate).
#[derive(Clone, Copy)]
pub struct PartitionKeyHasher {
    key: [u8; KEY_LEN],
}

impl std::fmt::Debug for PartitionKeyHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PartitionKeyHasher { key: <secret> }")
    }
}

impl PartitionKeyHasher {
    /// A hasher for a 16-byte key (k0 = bytes 0..8 LE, k1 = bytes 8..16 LE, as in the reference code).
    pub fn new(key: [u8; KEY_LEN]) -> Self {
        PartitionKeyHasher { key }
    }

    /// SipHash-2-4 of `message`.
    pub fn hash(&self, message: &[u8]) -> u64 {
        siphasher::sip::SipHasher24::new_with_key(&self.key).hash(message)
    }
}

/// Reads the key file (refused if group or others may access it), or creates it (mode 0600, 16
/// random bytes) if it does not exist.
pub fn load_or_create_key(path: &Path) -> Result<[u8; KEY_LEN], KeyFileError> {
    match read_key(path) {
        Err(KeyFileError::Read { source, .. }) if source.kind() == io::ErrorKind::NotFound => {}
        other => return other,
    }
    let mut key = [0u8; KEY_LEN];
    File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut key))
        .map_err(KeyFileError::Random)?;
    let created = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(KEY_FILE_MODE)
        .open(path);
    match created {
        Ok(mut file) => {
            // Exactly 0600 whatever the umask (which can only have removed bits).
            file.set_permissions(std::fs::Permissions::from_mode(KEY_FILE_MODE))
                .and_then(|()| file.write_all(&key))
                .and_then(|()| file.sync_all())
                .map_err(|source| KeyFileError::Create {
                    path: path.to_owned(),
                    source,
                })?;
            Ok(key)
        }
        // Another process created it between our read and our create: use theirs.
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => read_key(path),
        Err(source) => Err(KeyFileError::Create {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Reads an existing key file (never creates one): exactly 16 bytes.
pub fn read_key(path: &Path) -> Result<[u8; KEY_LEN], KeyFileError> {
    let read_error = |source| KeyFileError::Read {
        path: path.to_owned(),
        source,
    };
    let mut file = File::open(path).map_err(read_error)?;
    let metadata = file.metadata().map_err(read_error)?;
    let mode = metadata.permissions().mode() & 0o7777;
    if mode & GROUP_OR_OTHERS != 0 {
        return Err(KeyFileError::Exposed {
            path: path.to_owned(),
            mode,
        });
    }
    let size = metadata.len();
    if size != KEY_LEN as u64 {
        return Err(KeyFileError::WrongSize {
            path: path.to_owned(),
            size,
        });
    }
    let mut key = [0u8; KEY_LEN];
    file.read_exact(&mut key).map_err(read_error)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Little-endian u64 of up to 8 bytes (missing high bytes are 0).
    fn le_u64(bytes: &[u8]) -> u64 {
        bytes
            .iter()
            .take(8)
            .enumerate()
            .fold(0, |acc, (i, byte)| acc | u64::from(*byte) << (8 * i))
    }

    /// A fresh directory under the system temp dir, removed on drop.
    struct Scratch(tempfile::TempDir);

    impl Scratch {
        fn new(label: &str) -> Scratch {
            let dir = tempfile::Builder::new()
                .prefix(&format!("cdflow-keyhash-{label}-"))
                .tempdir()
                .unwrap();
            Scratch(dir)
        }

        fn path(&self) -> &std::path::Path {
            self.0.path()
        }

        fn key_file(&self, mode: u32) -> std::path::PathBuf {
            let path = self.path().join(format!("key-{mode:04o}"));
            std::fs::write(&path, reference_key()).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            path
        }
    }

    fn mode_of(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn a_created_key_file_is_exactly_0600() {
        let scratch = Scratch::new("created");
        let path = scratch.path().join("cdflow-key-hash.secret");
        let key = load_or_create_key(&path).unwrap();
        assert_eq!(mode_of(&path), 0o600);
        assert_eq!(std::fs::read(&path).unwrap(), key);
        assert_eq!(load_or_create_key(&path).unwrap(), key);
    }

    #[test]
    fn a_key_file_others_can_read_is_refused_naming_file_and_mode() {
        let scratch = Scratch::new("0644");
        let path = scratch.key_file(0o644);
        let error = load_or_create_key(&path).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "key file {} has mode 0644: group or others can access it; chmod 600 it",
                path.display()
            )
        );
        assert_eq!(mode_of(&path), 0o644, "never changed");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            reference_key(),
            "never changed"
        );
    }

    #[test]
    fn every_group_or_others_bit_is_refused() {
        let scratch = Scratch::new("bits");
        for bit in [0o040, 0o020, 0o010, 0o004, 0o002, 0o001] {
            let mode = 0o600 | bit;
            let path = scratch.key_file(mode);
            assert!(
                matches!(
                    load_or_create_key(&path),
                    Err(KeyFileError::Exposed { mode: refused, .. }) if refused == mode
                ),
                "{mode:04o}"
            );
        }
    }

    #[test]
    fn an_owner_only_key_file_is_used() {
        let scratch = Scratch::new("owner-only");
        for mode in [0o600, 0o400] {
            let path = scratch.key_file(mode);
            assert_eq!(
                load_or_create_key(&path).unwrap(),
                reference_key(),
                "{mode:04o}"
            );
        }
    }

    fn reference_key() -> [u8; KEY_LEN] {
        std::array::from_fn(|i| i as u8)
    }

    #[test]
    fn matches_the_siphash_paper_vectors() {
        let hasher = PartitionKeyHasher::new(reference_key());
        // From the SipHash reference implementation (vectors.h), key 00..0f, message 00..(n-1).
        assert_eq!(hasher.hash(&[]), 0x726f_db47_dd0e_0e31);
        let message: Vec<u8> = (0..15).collect();
        assert_eq!(hasher.hash(&message), 0xa129_ca61_49be_45e5);
    }

    #[test]
    #[allow(deprecated)]
    fn matches_the_standard_library_siphasher_for_many_lengths() {
        use std::hash::Hasher;
        let key: [u8; KEY_LEN] =
            std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11));
        let hasher = PartitionKeyHasher::new(key);
        let message: Vec<u8> = (0..100u8).map(|i| i.wrapping_mul(91)).collect();
        for len in 0..message.len() {
            let mut std_hasher =
                std::hash::SipHasher::new_with_keys(le_u64(&key[..8]), le_u64(&key[8..]));
            std_hasher.write(&message[..len]);
            assert_eq!(
                hasher.hash(&message[..len]),
                std_hasher.finish(),
                "length {len}"
            );
        }
    }

    /// Hashes computed by the hand-written SipHash-2-4 this module had before it used `siphasher`
    /// (frozen here so that a change of implementation cannot change a single stored hash): (key,
    /// message length, hash), message bytes `i * 91`, key 0 = bytes 00..0f, key 1 = `i * 37 + 11`.
    #[test]
    fn matches_the_hashes_of_the_earlier_implementation() {
        let keys: [[u8; KEY_LEN]; 2] = [
            std::array::from_fn(|i| i as u8),
            std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11)),
        ];
        let vectors: [(usize, usize, u64); 22] = [
            (0, 0, 0x726fdb47dd0e0e31),
            (0, 1, 0x74f839c593dc67fd),
            (0, 7, 0x8a8e1ca49000d132),
            (0, 8, 0xc7a56ce3d1d8b090),
            (0, 9, 0x9c0c3c5bf8758632),
            (0, 15, 0x232527b4d8c61a42),
            (0, 16, 0x9307366e93b1a7dc),
            (0, 17, 0xafa75f06a86ac8a1),
            (0, 63, 0xa99a65e8b8837928),
            (0, 64, 0x4856ae511162f751),
            (0, 65, 0xaf2882f5be796c59),
            (1, 0, 0x65658ac81a99e340),
            (1, 1, 0xbfd97902d44a3d98),
            (1, 7, 0x5583f2d0c1b471d8),
            (1, 8, 0x347e8bd3040f5b99),
            (1, 9, 0x2b6b0fa9598165f3),
            (1, 15, 0x06f8c55dfa607cac),
            (1, 16, 0xe4b1edfe2f76c9ab),
            (1, 17, 0x092a45ef48c9f7eb),
            (1, 63, 0x830b70faf804cbea),
            (1, 64, 0x6f88f22d8ec3742e),
            (1, 65, 0x44ea55fd01c26252),
        ];
        for (key, len, expected) in vectors {
            let message: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(91)).collect();
            assert_eq!(
                PartitionKeyHasher::new(keys[key]).hash(&message),
                expected,
                "key {key}, length {len}"
            );
        }
    }
}
