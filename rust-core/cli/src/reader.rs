//! Reading one Parquet file: its footer ([`Footer`]: schema version, columns, row groups), then the
//! record batches of some or all of its row groups, only the wanted columns. Every codec of the Parquet
//! format but Brotli and LZO is read (Snappy, gzip, LZ4 raw and Hadoop-framed, ZSTD; docs/cli.md). Any
//! failure — including a panic inside the Parquet decoder on a corrupt file — becomes
//! [`CliError::Unreadable`] naming the file.

use std::any::Any;
use std::cell::Cell;
use std::fs::File;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};

use crate::error::CliError;

/// Rows per record batch (bounds the memory of one read).
const BATCH_ROWS: usize = 32_768;

/// The Parquet key-value metadata key that names a file's lineage schema version (docs/schema.md).
pub const SCHEMA_VERSION_KEY: &str = "cdflow.schema_version";
/// The newest lineage schema version this cdflow reads; a file without the key is version 1.
pub const SCHEMA_VERSION: u32 = 1;

thread_local! {
    /// Set while a file is decoded: a panic there is reported as an unreadable file, not printed.
    static DECODING: Cell<bool> = const { Cell::new(false) };
}

/// Installs a panic hook that stays quiet for panics caught while decoding a file (they are reported
/// as [`CliError::Unreadable`]) and prints other panics on one line.
pub fn install_panic_hook() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if !DECODING.with(Cell::get) {
            previous(info);
        }
    }));
}

/// A lineage file's footer, read once: its metadata and row groups (the units of a parallel scan).
#[derive(Debug, Clone)]
pub struct Footer(ArrowReaderMetadata);

impl Footer {
    /// Reads the footer of `path` and checks its lineage schema version.
    pub fn read(path: &Path) -> Result<Footer, CliError> {
        guarded(path, || {
            let file = File::open(path).map_err(|error| error.to_string())?;
            let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
                .map_err(|error| format!("not a readable Parquet file ({error})"))?;
            check_schema_version(
                metadata
                    .metadata()
                    .file_metadata()
                    .key_value_metadata()
                    .into_iter()
                    .flatten()
                    .find(|entry| entry.key == SCHEMA_VERSION_KEY)
                    .and_then(|entry| entry.value.as_deref()),
            )?;
            Ok(Footer(with_dictionaries(metadata)))
        })
    }

    /// Row groups in the file.
    pub fn row_groups(&self) -> usize {
        self.0.metadata().num_row_groups()
    }

    /// The top-level column names of the file.
    pub fn columns(&self) -> Vec<&str> {
        self.0
            .parquet_schema()
            .root_schema()
            .get_fields()
            .iter()
            .map(|field| field.name())
            .collect()
    }

    /// Which of `required` the file lacks.
    pub fn missing<'a>(&self, required: &[&'a str]) -> Vec<&'a str> {
        let columns = self.columns();
        required
            .iter()
            .copied()
            .filter(|name| !columns.contains(name))
            .collect()
    }
}

/// The string columns of few distinct values (dictionary-encoded in the lineage files) read as
/// dictionaries: each value is decoded once per row group instead of once per row
/// ([`crate::columns::TextColumn`] reads both forms).
pub const DICTIONARY_COLUMNS: [&str; 13] = [
    "node",
    "kind",
    "keyspace_name",
    "table_name",
    "user_name",
    "coordinator",
    "statement_type",
    "consistency",
    "owner",
    "team",
    "identity_kind",
    "driver_name",
    "driver_version",
];

/// `metadata` with the [`DICTIONARY_COLUMNS`] the file has as plain strings read as dictionaries
/// (unchanged if it has none, or if the reader refuses the change).
fn with_dictionaries(metadata: ArrowReaderMetadata) -> ArrowReaderMetadata {
    let schema = metadata.schema();
    if !schema
        .fields()
        .iter()
        .any(|field| becomes_dictionary(field))
    {
        return metadata;
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|field| {
            if becomes_dictionary(field) {
                field.as_ref().clone().with_data_type(DataType::Dictionary(
                    Box::new(DataType::Int32),
                    Box::new(DataType::Utf8),
                ))
            } else {
                field.as_ref().clone()
            }
        })
        .collect();
    let schema = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    ArrowReaderMetadata::try_new(
        Arc::clone(metadata.metadata()),
        ArrowReaderOptions::new().with_schema(schema),
    )
    .unwrap_or(metadata)
}

fn becomes_dictionary(field: &Field) -> bool {
    *field.data_type() == DataType::Utf8 && DICTIONARY_COLUMNS.contains(&field.name().as_str())
}

/// Calls `each` with every record batch of `path`, projected on the `wanted` columns the file has.
/// An error of `each` (a column of an unexpected type) is reported against the file.
pub fn for_each_batch(
    path: &Path,
    wanted: &[&str],
    mut each: impl FnMut(&RecordBatch) -> Result<(), String>,
) -> Result<(), CliError> {
    let footer = Footer::read(path)?;
    let row_groups: Vec<usize> = (0..footer.row_groups()).collect();
    for_each_batch_of(path, &footer, row_groups, wanted, &mut each)
}

/// Calls `each` with every record batch of the given row groups of `path` (whose footer is `footer`),
/// projected on the `wanted` columns the file has.
pub fn for_each_batch_of(
    path: &Path,
    footer: &Footer,
    row_groups: Vec<usize>,
    wanted: &[&str],
    each: &mut dyn FnMut(&RecordBatch) -> Result<(), String>,
) -> Result<(), CliError> {
    guarded(path, || read(path, footer, row_groups, wanted, each))
}

/// Runs `work` on `path`, turning its error or a panic of the Parquet decoder into
/// [`CliError::Unreadable`] naming the file.
fn guarded<T>(path: &Path, work: impl FnOnce() -> Result<T, String>) -> Result<T, CliError> {
    let was_decoding = DECODING.with(|decoding| decoding.replace(true));
    let outcome = panic::catch_unwind(AssertUnwindSafe(work));
    DECODING.with(|decoding| decoding.set(was_decoding));
    let message = match outcome {
        Ok(Ok(value)) => return Ok(value),
        Ok(Err(message)) => message,
        Err(panic) => format!("the Parquet decoder failed: {}", panic_text(&*panic)),
    };
    Err(CliError::Unreadable {
        path: path.to_path_buf(),
        message,
    })
}

fn read(
    path: &Path,
    footer: &Footer,
    row_groups: Vec<usize>,
    wanted: &[&str],
    each: &mut dyn FnMut(&RecordBatch) -> Result<(), String>,
) -> Result<(), String> {
    let file = File::open(path).map_err(|error| error.to_string())?;
    let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, footer.0.clone());
    let roots: Vec<usize> = builder
        .parquet_schema()
        .root_schema()
        .get_fields()
        .iter()
        .enumerate()
        .filter(|(_, field)| wanted.contains(&field.name()))
        .map(|(index, _)| index)
        .collect();
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let reader = builder
        .with_projection(mask)
        .with_row_groups(row_groups)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|error| error.to_string())?;
    for batch in reader {
        let batch = batch.map_err(|error| error.to_string())?;
        each(&batch)?;
    }
    Ok(())
}

/// Accepts a file whose lineage schema version (absent = 1) this cdflow knows.
fn check_schema_version(version: Option<&str>) -> Result<(), String> {
    let Some(text) = version else {
        return Ok(());
    };
    match text.trim().parse::<u32>() {
        Ok(version) if (1..=SCHEMA_VERSION).contains(&version) => Ok(()),
        Ok(version) => Err(format!(
            "lineage schema version {version} is unknown to this cdflow (it reads versions 1 to {SCHEMA_VERSION}); use a newer cdflow"
        )),
        Err(_) => Err(format!(
            "lineage schema version {text:?} ({SCHEMA_VERSION_KEY}) is not a number"
        )),
    }
}

fn panic_text(panic: &(dyn Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "panic".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_versions() {
        assert!(check_schema_version(None).is_ok());
        assert!(check_schema_version(Some("1")).is_ok());
        let newer = check_schema_version(Some("2")).unwrap_err();
        assert!(newer.contains("version 2 is unknown"), "{newer}");
        assert!(check_schema_version(Some("x")).is_err());
        assert!(check_schema_version(Some("0")).is_err());
    }
}
