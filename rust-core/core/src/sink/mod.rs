//! Stage 4, the sinks: the writer thread ([`writer`]) turns journaled batches into rows, [`rolling`] Parquet files
//! ([`parquet_file`], hidden until complete) under the hive [`layout`], with [`file_modes`], within the [`disk`]
//! bounds, each closed file listed in the tamper-evident [`manifest`].

pub mod disk;
pub mod file_modes;
pub mod layout;
pub mod manifest;
pub mod parquet_file;
pub mod rolling;
pub(crate) mod writer;
