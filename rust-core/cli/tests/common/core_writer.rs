//! Lineage written by the real core: TAGGED_EVENT batches (docs/wire-format.md) submitted to a
//! `cdflow_core::Pipeline`, which hashes partition keys with its key file, joins the identity map and
//! writes the Parquet files exactly as on a node.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use cdflow_core::decode::fields::{FieldType, REGISTRY};
use cdflow_core::tables::LineageTable;
use cdflow_core::{CoreConfig, Pipeline, SubmitOutcome};
use cdflow_testkit::batch::{batch, string_def, tagged_event};
use cdflow_testkit::fields::{
    bool_field, bytes_field, i64_field, str_field, text_field, text_list_field,
};

/// A field value.
#[derive(Debug, Clone)]
pub enum V {
    /// I64 (times in µs, tokens, counts).
    I(i64),
    /// A string (sent as a string id or as TEXT, per the field's type).
    S(&'static str),
    /// BOOL.
    B(bool),
    /// BYTES (a partition key).
    Bytes(Vec<u8>),
    /// TEXT_LIST (SSTable ids).
    L(Vec<&'static str>),
}

/// One event: the lineage table (`events`, `flushes`, …) and its fields by registry name.
pub type Tagged = (&'static str, Vec<(&'static str, V)>);

/// Writes `events` into `<root>/lineage` through the core (key file `<root>/cdflow-key-hash.secret`,
/// identity map `identity_map` when given). Returns the lineage directory.
pub fn write_with_core(
    root: &Path,
    identity_map: Option<&str>,
    events: &[Tagged],
) -> std::path::PathBuf {
    let lineage = root.join("lineage");
    let mut config = CoreConfig::new(lineage.clone());
    config.roll_seconds = 3600;
    config.stats_seconds = 3600;
    if let Some(map) = identity_map {
        let path = root.join("identity-map.yaml");
        std::fs::write(&path, map).unwrap();
        config.identity_map = Some(path);
    }
    let pipeline = Pipeline::start(config).expect("core starts");
    let mut strings: HashMap<&'static str, u32> = HashMap::new();
    let mut defs = Vec::new();
    let mut records = Vec::new();
    for (table, fields) in events {
        let code = LineageTable::ALL
            .into_iter()
            .find(|lineage| lineage.name() == *table)
            .unwrap_or_else(|| panic!("no lineage table {table}"))
            .code();
        let mut payload = Vec::new();
        for (name, value) in fields {
            let registered = REGISTRY
                .iter()
                .find(|known| known.column == *name)
                .unwrap_or_else(|| panic!("no field {name}"));
            let id = registered.id;
            match (registered.field_type, value) {
                (FieldType::I64, V::I(v)) => i64_field(&mut payload, id, *v),
                (FieldType::Bool, V::B(v)) => bool_field(&mut payload, id, *v),
                (FieldType::Bytes, V::Bytes(v)) => bytes_field(&mut payload, id, v),
                (FieldType::Text, V::S(v)) => text_field(&mut payload, id, v),
                (FieldType::TextList, V::L(v)) => text_list_field(&mut payload, id, v),
                (FieldType::Str, V::S(v)) => {
                    let next = strings.len() as u32 + 1;
                    let string = *strings.entry(v).or_insert_with(|| {
                        defs.push(string_def(next, v));
                        next
                    });
                    str_field(&mut payload, id, string);
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        records.push(tagged_event(code, &payload));
    }
    pipeline.define(&batch(&defs)).expect("strings defined");
    assert_eq!(
        pipeline.submit(&batch(&records), records.len() as u32),
        SubmitOutcome::Accepted
    );
    pipeline
        .shutdown(Duration::from_secs(30))
        .expect("core shuts down");
    lineage
}
