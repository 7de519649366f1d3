//! Typed, by-name access to the columns of one record batch. A column the file does not have reads as
//! NULL in every row (the lineage schema only ever adds columns). Equivalent encodings are accepted
//! (dictionary, large or view strings; any integer width; any timestamp unit), so files written by
//! other tools read the same.

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int32Array, Int64Array, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int32Type, TimeUnit, TimestampMicrosecondType};
use arrow::record_batch::RecordBatch;

/// A VARCHAR column (empty strings read as NULL): plain strings, or the keys of a dictionary (what the
/// reader gives for the columns of [`crate::reader::DICTIONARY_COLUMNS`]: each value decoded once per row
/// group, not once per row).
pub struct TextColumn(Option<Text>);

enum Text {
    Plain(StringArray),
    Dictionary(Int32Array, StringArray),
}

impl TextColumn {
    /// The column `name` of `batch`.
    pub fn read(batch: &RecordBatch, name: &str) -> Result<Self, String> {
        let Some(array) = batch.column_by_name(name) else {
            return Ok(Self(None));
        };
        if let Some(dictionary) = array.as_dictionary_opt::<Int32Type>()
            && let Some(values) = dictionary.values().as_string_opt::<i32>()
        {
            return Ok(Self(Some(Text::Dictionary(
                dictionary.keys().clone(),
                values.clone(),
            ))));
        }
        let utf8: ArrayRef = match array.data_type() {
            DataType::Null => return Ok(Self(None)),
            DataType::Utf8 => array.clone(),
            DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(_, _) => {
                cast(array, &DataType::Utf8).map_err(|error| type_error(name, array, &error))?
            }
            _ => return Err(unexpected(name, array, "a string")),
        };
        Ok(Self(utf8.as_string_opt::<i32>().cloned().map(Text::Plain)))
    }

    /// The value of `row`, `None` when NULL or empty.
    pub fn get(&self, row: usize) -> Option<&str> {
        let value = match self.0.as_ref()? {
            Text::Plain(array) => (!array.is_null(row)).then(|| array.value(row))?,
            Text::Dictionary(keys, values) => {
                if keys.is_null(row) {
                    return None;
                }
                let key = usize::try_from(keys.value(row)).ok()?;
                (key < values.len() && !values.is_null(key)).then(|| values.value(key))?
            }
        };
        Some(value).filter(|value| !value.is_empty())
    }
}

/// An integer or timestamp column, as i64 (timestamps in microseconds since the epoch).
pub struct IntColumn(Option<Int64Array>);

impl IntColumn {
    /// The column `name` of `batch`.
    pub fn read(batch: &RecordBatch, name: &str) -> Result<Self, String> {
        let Some(array) = batch.column_by_name(name) else {
            return Ok(Self(None));
        };
        let ints = match array.data_type() {
            DataType::Null => return Ok(Self(None)),
            DataType::Int64 => array.as_primitive_opt().cloned(),
            DataType::Timestamp(_, zone) => {
                let micros = DataType::Timestamp(TimeUnit::Microsecond, zone.clone());
                let micros =
                    cast(array, &micros).map_err(|error| type_error(name, array, &error))?;
                micros
                    .as_primitive_opt::<TimestampMicrosecondType>()
                    .map(|ts| Int64Array::new(ts.values().clone(), ts.nulls().cloned()))
            }
            data_type if data_type.is_integer() => {
                let cast = cast(array, &DataType::Int64)
                    .map_err(|error| type_error(name, array, &error))?;
                cast.as_primitive_opt().cloned()
            }
            _ => return Err(unexpected(name, array, "an integer or a timestamp")),
        };
        Ok(Self(ints))
    }

    /// The value of `row`, `None` when NULL.
    pub fn get(&self, row: usize) -> Option<i64> {
        let array = self.0.as_ref()?;
        (!array.is_null(row)).then(|| array.value(row))
    }
}

/// A BOOLEAN column.
pub struct BoolColumn(Option<BooleanArray>);

impl BoolColumn {
    /// The column `name` of `batch`.
    pub fn read(batch: &RecordBatch, name: &str) -> Result<Self, String> {
        let Some(array) = batch.column_by_name(name) else {
            return Ok(Self(None));
        };
        match array.data_type() {
            DataType::Null => Ok(Self(None)),
            DataType::Boolean => Ok(Self(array.as_boolean_opt().cloned())),
            _ => Err(unexpected(name, array, "a boolean")),
        }
    }

    /// The value of `row`, `None` when NULL.
    pub fn get(&self, row: usize) -> Option<bool> {
        let array = self.0.as_ref()?;
        (!array.is_null(row)).then(|| array.value(row))
    }
}

/// A VARCHAR[] column, of which only the length of each list is read.
pub struct ListLenColumn(Option<ArrayRef>);

impl ListLenColumn {
    /// The column `name` of `batch`.
    pub fn read(batch: &RecordBatch, name: &str) -> Result<Self, String> {
        let Some(array) = batch.column_by_name(name) else {
            return Ok(Self(None));
        };
        match array.data_type() {
            DataType::Null => Ok(Self(None)),
            DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _) => {
                Ok(Self(Some(array.clone())))
            }
            _ => Err(unexpected(name, array, "a list")),
        }
    }

    /// The number of items of `row`, `None` when NULL.
    pub fn len(&self, row: usize) -> Option<u64> {
        let array = self.0.as_ref()?;
        if array.is_null(row) {
            return None;
        }
        let len = if let Some(list) = array.as_list_opt::<i32>() {
            list.value_length(row) as u64
        } else if let Some(list) = array.as_list_opt::<i64>() {
            list.value_length(row) as u64
        } else {
            array.as_fixed_size_list_opt()?.value_length() as u64
        };
        Some(len)
    }
}

fn unexpected(name: &str, array: &ArrayRef, expected: &str) -> String {
    format!(
        "column {name} has type {}, expected {expected}",
        array.data_type()
    )
}

fn type_error(name: &str, array: &ArrayRef, error: &dyn std::fmt::Display) -> String {
    format!(
        "column {name} of type {} cannot be read: {error}",
        array.data_type()
    )
}

/// Declares the columns a reader takes from one table, each once: a struct with one typed column per
/// field, `read` (every column of one record batch, by name), and the list of the names (what the scan
/// asks the Parquet reader for). Every name is checked against the core's declaration of the table
/// ([`cdflow_core::column!`]): one the core does not write fails the build.
macro_rules! table_columns {
    (
        $(#[doc = $doc:literal])*
        struct $name:ident of $table:literal, listed in $vis:vis $list:ident {
            $($field:ident: $kind:ident = $column:literal,)*
        }
    ) => {
        $(#[doc = $doc])*
        struct $name {
            $($field: $kind,)*
        }

        /// The columns of
        #[doc = concat!("`", stringify!($name), "`")]
        /// in `read` order.
        $vis const $list: [&str; [$($column),*].len()] = cdflow_core::columns!($table, [$($column),*]);

        impl $name {
            fn read(batch: &RecordBatch) -> Result<Self, String> {
                Ok(Self {
                    $($field: $kind::read(batch, cdflow_core::column!($table, $column))?,)*
                })
            }
        }
    };
}

pub(crate) use table_columns;
