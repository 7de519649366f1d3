//! Every table the core writes, by its directory name, with its columns in file order: the one place
//! where code outside the core (the CLI's row readers), the empty views of sql/views.sql and the tables
//! of docs/schema.md look columns up (the last two through parity tests). The columns themselves are
//! declared once each: the lineage tables in [`crate::tables`], `agent_stats` in
//! [`crate::tables::schema::AGENT_STATS_COLUMNS`], `flows` in [`crate::flows::rows::FLOWS_COLUMNS`].
//!
//! [`column`] is a `const fn`: used in a constant (as [`crate::column!`] and [`crate::columns!`] do), a
//! table or column name the core does not declare fails the build.

use crate::flows::rows::{FLOWS_COLUMNS, FLOWS_TABLE};
use crate::tables::schema::{AGENT_STATS_COLUMNS, AGENT_STATS_TABLE};
use crate::tables::{ColumnType, LineageTable};

/// Every table, by directory name: the lineage tables in code order, then `agent_stats` and `flows`.
pub const TABLES: [&str; 7] = [
    LineageTable::Events.name(),
    LineageTable::Flushes.name(),
    LineageTable::Compactions.name(),
    LineageTable::Sstables.name(),
    LineageTable::AuthEvents.name(),
    AGENT_STATS_TABLE,
    FLOWS_TABLE,
];

/// A column as analysts see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogColumn {
    /// Its name.
    pub name: &'static str,
    /// Its DuckDB type (`TIMESTAMP`, `VARCHAR`, `BIGINT`, `INTEGER`, `BOOLEAN`, `VARCHAR[]`, `BIGINT[]`).
    pub duckdb_type: &'static str,
}

/// The DuckDB name of a column type (docs/schema.md).
pub const fn duckdb_type(column_type: ColumnType) -> &'static str {
    match column_type {
        ColumnType::Timestamp => "TIMESTAMP",
        ColumnType::Text => "VARCHAR",
        ColumnType::BigInt => "BIGINT",
        ColumnType::Integer => "INTEGER",
        ColumnType::Boolean => "BOOLEAN",
        ColumnType::TextList => "VARCHAR[]",
    }
}

/// The columns of `table` in file order (for a lineage table, including `partition_key_hex`, which is
/// written only with `raw_keys=true`); `None` for a name that is no table.
pub fn columns_of(table: &str) -> Option<Vec<CatalogColumn>> {
    if table == AGENT_STATS_TABLE {
        return Some(
            AGENT_STATS_COLUMNS
                .iter()
                .map(|column| CatalogColumn {
                    name: column.name(),
                    duckdb_type: duckdb_type(column.column_type()),
                })
                .collect(),
        );
    }
    if table == FLOWS_TABLE {
        return Some(
            FLOWS_COLUMNS
                .iter()
                .map(|(name, flows_type, _)| CatalogColumn {
                    name,
                    duckdb_type: flows_type.duckdb_name(),
                })
                .collect(),
        );
    }
    let lineage = LineageTable::ALL
        .into_iter()
        .find(|lineage| lineage.name() == table)?;
    Some(
        lineage
            .columns()
            .iter()
            .map(|column| CatalogColumn {
                name: column.name,
                duckdb_type: duckdb_type(column.column_type),
            })
            .collect(),
    )
}

/// `name` when `table` has a column of that name; panics otherwise (in a constant: a build error at
/// the caller). Use it through [`crate::column!`] or [`crate::columns!`].
pub const fn column(table: &str, name: &str) -> &'static str {
    let mut index = 0;
    while index < LineageTable::ALL.len() {
        let lineage = LineageTable::ALL[index];
        if same(lineage.name(), table) {
            let columns = lineage.columns();
            let mut at = 0;
            while at < columns.len() {
                if same(columns[at].name, name) {
                    return columns[at].name;
                }
                at += 1;
            }
            panic!("the core declares no such column in this lineage table (tables::catalog)");
        }
        index += 1;
    }
    if same(AGENT_STATS_TABLE, table) {
        let mut at = 0;
        while at < AGENT_STATS_COLUMNS.len() {
            if same(AGENT_STATS_COLUMNS[at].name(), name) {
                return AGENT_STATS_COLUMNS[at].name();
            }
            at += 1;
        }
        panic!("the core declares no such column in agent_stats (tables::catalog)");
    }
    if same(FLOWS_TABLE, table) {
        let mut at = 0;
        while at < FLOWS_COLUMNS.len() {
            if same(FLOWS_COLUMNS[at].0, name) {
                return FLOWS_COLUMNS[at].0;
            }
            at += 1;
        }
        panic!("the core declares no such column in flows (tables::catalog)");
    }
    panic!("the core writes no table of this name (tables::catalog)")
}

/// String equality in a `const fn`.
const fn same(left: &str, right: &str) -> bool {
    let (left, right) = (left.as_bytes(), right.as_bytes());
    if left.len() != right.len() {
        return false;
    }
    let mut index = 0;
    while index < left.len() {
        if left[index] != right[index] {
            return false;
        }
        index += 1;
    }
    true
}

/// The name of column `$name` of table `$table` (both string literals), checked when the crate
/// using it is built: `column!("events", "user_name")`. A name the core does not declare fails the build.
#[macro_export]
macro_rules! column {
    ($table:literal, $name:literal) => {
        const { $crate::tables::catalog::column($table, $name) }
    };
}

/// An array of column names of one table, each checked like [`column!`]:
/// `columns!("events", ["event_time", "node"])`.
#[macro_export]
macro_rules! columns {
    ($table:literal, [$($name:literal),* $(,)?]) => {
        [$($crate::column!($table, $name)),*]
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_its_columns_and_the_const_lookup_agrees() {
        for table in TABLES {
            let columns = columns_of(table).unwrap();
            assert!(!columns.is_empty(), "{table}");
            for found in &columns {
                assert_eq!(column(table, found.name), found.name);
            }
        }
        assert_eq!(columns_of("nope"), None);
        assert_eq!(columns_of("events").unwrap().len(), 62);
        assert_eq!(columns_of("agent_stats").unwrap()[0].name, "stats_time");
        assert_eq!(
            columns_of("flows").unwrap()[17],
            CatalogColumn {
                name: "latency_bucket_us",
                duckdb_type: "BIGINT[]"
            }
        );
        assert_eq!(crate::column!("events", "user_name"), "user_name");
        assert_eq!(
            crate::columns!("flushes", ["bytes_out", "node"]),
            ["bytes_out", "node"]
        );
    }

    #[test]
    #[should_panic(expected = "no such column")]
    fn an_unknown_column_is_refused() {
        column("events", std::hint::black_box("user"));
    }
}
