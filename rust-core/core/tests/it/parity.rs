//! Every copy of a fact declared in the core agrees with it (issue 15), and a copy edited alone fails
//! here, naming what differs:
//! - the field registry (`decode::fields::fields!`): `tests/vectors/fields.json` (read by the Java
//!   tests and by tests/vectors/generate.py) and docs/wire-format.md;
//! - each table's columns (`tables::catalog`): the empty views of sql/views.sql and docs/schema.md.

use std::collections::BTreeMap;
use std::path::PathBuf;

use cdflow_core::decode::fields::{FieldType, REGISTRY, registry_json};
use cdflow_core::tables::catalog::{TABLES, columns_of};

/// A file of the repository.
fn repo_file(relative: &str) -> (PathBuf, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    (path, text)
}

/// `tests/vectors/fields.json` is the registry, exactly. `CDFLOW_WRITE_FIELDS_JSON=1` rewrites it.
#[test]
fn fields_json_is_the_registry() {
    let (path, committed) = repo_file("tests/vectors/fields.json");
    let expected = registry_json();
    if std::env::var_os("CDFLOW_WRITE_FIELDS_JSON").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    assert!(
        committed == expected,
        "{} differs from decode::fields::REGISTRY; it is generated: rewrite it with \
         `CDFLOW_WRITE_FIELDS_JSON=1 cargo test -p cdflow-core --test it fields_json_is_the_registry`.\n\
         first differing line: {:?}",
        path.display(),
        committed
            .lines()
            .zip(expected.lines())
            .find(|(found, wanted)| found != wanted)
    );
}

/// The markdown table cells of `text`'s lines that start with `|`, trimmed.
fn table_rows(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines().enumerate().filter_map(|(index, line)| {
        let line = line.trim();
        let inner = line.strip_prefix('|')?.strip_suffix('|')?;
        Some((index + 1, inner.split('|').map(str::trim).collect()))
    })
}

/// The first word of a docs cell (`event_time (µs)` → `event_time`), without backticks.
fn first_word(cell: &str) -> &str {
    cell.split_whitespace()
        .next()
        .unwrap_or_default()
        .trim_matches('`')
}

const FIELD_TYPES: [FieldType; 6] = [
    FieldType::I64,
    FieldType::Str,
    FieldType::Bool,
    FieldType::Bytes,
    FieldType::Text,
    FieldType::TextList,
];

/// Every `| id | type | column |` triple of docs/wire-format.md's field tables (some rows hold two
/// triples side by side) is the registry's, and every registered field is documented once.
#[test]
fn wire_format_doc_lists_the_registry() {
    let (path, text) = repo_file("docs/wire-format.md");
    let mut documented: BTreeMap<u8, (String, String, usize)> = BTreeMap::new();
    for (line, cells) in table_rows(&text) {
        for triple in cells.chunks(3) {
            let [id, field_type, column] = triple else {
                continue;
            };
            let (Ok(id), true) = (
                id.parse::<u8>(),
                FIELD_TYPES.iter().any(|known| known.name() == *field_type),
            ) else {
                continue;
            };
            let entry = (field_type.to_string(), first_word(column).to_string(), line);
            if let Some(before) = documented.insert(id, entry) {
                panic!(
                    "{}:{line}: field {id} documented again (first on line {})",
                    path.display(),
                    before.2
                );
            }
        }
    }
    for field in REGISTRY {
        let found = documented.remove(&field.id).map(|(t, c, _)| (t, c));
        assert_eq!(
            found,
            Some((
                field.field_type.name().to_string(),
                field.column.to_string()
            )),
            "{}: field {} ({}) must be documented as | {} | {} | {} |",
            path.display(),
            field.id,
            field.constant,
            field.id,
            field.field_type.name(),
            field.column
        );
    }
    assert!(
        documented.is_empty(),
        "{} documents fields the registry does not have: {documented:?}",
        path.display()
    );
}

/// tests/vectors/generate.py names fields by column and takes ids and types from fields.json: the
/// committed vectors are what it writes (an id changed in the registry, or a literal id edited into the
/// generator, changes them).
#[test]
fn wire_vectors_are_what_the_generator_writes_from_fields_json() {
    let (script, _) = repo_file("tests/vectors/generate.py");
    let output = std::process::Command::new("python3")
        .arg(&script)
        .arg("--check")
        .output()
        .unwrap_or_else(|error| panic!("python3 {}: {error}", script.display()));
    assert!(
        output.status.success(),
        "{} --check: {}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `(name, DuckDB type)` of each column of `table`, as the core declares it.
fn declared(table: &str) -> Vec<(String, String)> {
    columns_of(table)
        .unwrap_or_else(|| panic!("the core has no table {table}"))
        .into_iter()
        .map(|column| (column.name.to_string(), column.duckdb_type.to_string()))
        .collect()
}

/// The empty views of sql/views.sql (the SELECT a view runs while its table has no file yet): every
/// table but `events` (which must exist) has one, with the core's columns in file order, then the hive
/// partition `date`.
#[test]
fn empty_views_have_the_declared_columns() {
    let (path, text) = repo_file("sql/views.sql");
    let mut found: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for statement in text.split("SET VARIABLE ").skip(1) {
        let statement = statement.split(';').next().unwrap_or_default();
        let Some(select) = statement.split("'SELECT ").nth(1) else {
            continue;
        };
        let Some((select, _)) = select.split_once(" WHERE false'") else {
            continue;
        };
        let table = match statement.split_once("cdflow_table_sql('") {
            Some((_, rest)) => rest.split('\'').next().unwrap_or_default(),
            None => statement
                .split_whitespace()
                .next()
                .and_then(|variable| variable.strip_prefix("cdflow_"))
                .and_then(|variable| variable.strip_suffix("_empty"))
                .unwrap_or_else(|| {
                    panic!("{}: an empty view of no table: {statement}", path.display())
                }),
        };
        let columns = select
            .split("NULL::")
            .skip(1)
            .map(|column| {
                let (duckdb_type, rest) = column
                    .split_once(" AS ")
                    .unwrap_or_else(|| panic!("{}: {table}: `NULL::{column}`", path.display()));
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                (name, duckdb_type.trim().to_string())
            })
            .collect();
        assert!(
            found.insert(table.to_string(), columns).is_none(),
            "{}: two empty views of {table}",
            path.display()
        );
    }
    for table in TABLES.into_iter().filter(|table| *table != "events") {
        let mut expected: Vec<(String, String)> = declared(table)
            .into_iter()
            .filter(|(name, _)| name != "partition_key_hex")
            .collect();
        expected.push(("date".to_string(), "DATE".to_string()));
        assert_eq!(
            found.remove(table).as_ref(),
            Some(&expected),
            "{}: the empty view of `{table}` must list the core's columns, in order, then `date`",
            path.display()
        );
    }
    assert!(
        found.is_empty(),
        "{}: empty views of tables the core does not write: {:?}",
        path.display(),
        found.keys()
    );
}

/// docs/schema.md documents, under each table's `## `name`` section, every column the core declares
/// with its type (in `| column | type | meaning |` tables; a row may name several columns), and no
/// other.
#[test]
fn schema_doc_has_the_declared_columns() {
    let (path, text) = repo_file("docs/schema.md");
    let mut documented: BTreeMap<String, BTreeMap<String, (String, usize)>> = BTreeMap::new();
    let mut table: Option<&str> = None;
    let mut in_column_table = false;
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        if let Some(heading) = line.strip_prefix("## ") {
            table = TABLES
                .into_iter()
                .find(|name| heading.starts_with(&format!("`{name}`")));
            continue;
        }
        let Some(cells) = line
            .trim()
            .strip_prefix('|')
            .and_then(|inner| inner.strip_suffix('|'))
            .map(|inner| inner.split('|').map(str::trim).collect::<Vec<_>>())
        else {
            in_column_table = false;
            continue;
        };
        if cells.first() == Some(&"column") && cells.get(1) == Some(&"type") {
            in_column_table = true;
            continue;
        }
        let (Some(table), true, [names, duckdb_type, ..]) = (table, in_column_table, &cells[..])
        else {
            continue;
        };
        if names.starts_with("---") {
            continue;
        }
        let names: Vec<&str> = names.split('`').skip(1).step_by(2).collect();
        assert!(
            !names.is_empty(),
            "{}:{line_number}: no `column` in the row",
            path.display()
        );
        for name in names {
            let entry = (duckdb_type.to_string(), line_number);
            let before = documented
                .entry(table.to_string())
                .or_default()
                .insert(name.to_string(), entry);
            assert!(
                before.is_none(),
                "{}:{line_number}: {table}.{name} documented twice",
                path.display()
            );
        }
    }
    for table in TABLES {
        let mut in_doc = documented.remove(table).unwrap_or_default();
        for (name, duckdb_type) in declared(table) {
            let found = in_doc.remove(&name).map(|(found, _)| found);
            assert_eq!(
                found.as_deref(),
                Some(duckdb_type.as_str()),
                "{}: `{table}`.`{name}` must be documented as {duckdb_type}",
                path.display()
            );
        }
        assert!(
            in_doc.is_empty(),
            "{}: `{table}` documents columns the core does not declare: {in_doc:?}",
            path.display()
        );
    }
}
