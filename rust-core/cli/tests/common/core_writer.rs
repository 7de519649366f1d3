//! Lineage written by the real core: TAGGED_EVENT batches (docs/wire-format.md) submitted to a
//! `cdflow_core::Pipeline`, which hashes partition keys with its key file, joins the identity map and
//! writes the Parquet files exactly as on a node.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use cdflow_core::decode::fields::{FieldType, REGISTRY};
use cdflow_core::{CoreConfig, Pipeline, SubmitOutcome};

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
}

/// One event: the lineage table (`events`, `auth_events`) and its fields by registry name.
pub type Tagged = (&'static str, Vec<(&'static str, V)>);

fn record(record_type: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![record_type];
    out.extend_from_slice(&(payload.len() as u16).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

fn batch(records: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"CDF1".to_vec();
    out.extend_from_slice(&(records.len() as u32).to_le_bytes());
    for record in records {
        out.extend_from_slice(record);
    }
    out
}

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
        let code = match *table {
            "events" => 1u8,
            "auth_events" => 5,
            other => panic!("table {other}"),
        };
        let mut payload = vec![code];
        for (name, value) in fields {
            let (id, field_type, _) = REGISTRY
                .iter()
                .find(|(_, _, known)| known == name)
                .unwrap_or_else(|| panic!("no field {name}"));
            payload.push(*id);
            payload.push(field_type.code());
            match (field_type, value) {
                (FieldType::I64, V::I(v)) => payload.extend_from_slice(&v.to_le_bytes()),
                (FieldType::Bool, V::B(v)) => payload.push(u8::from(*v)),
                (FieldType::Bytes, V::Bytes(v)) => {
                    payload.extend_from_slice(&(v.len() as u16).to_le_bytes());
                    payload.extend_from_slice(v);
                }
                (FieldType::Text, V::S(v)) => {
                    payload.extend_from_slice(&(v.len() as u16).to_le_bytes());
                    payload.extend_from_slice(v.as_bytes());
                }
                (FieldType::Str, V::S(v)) => {
                    let next = strings.len() as u32 + 1;
                    let id = *strings.entry(v).or_insert_with(|| {
                        let mut def = next.to_le_bytes().to_vec();
                        def.extend_from_slice(v.as_bytes());
                        defs.push(record(1, &def));
                        next
                    });
                    payload.extend_from_slice(&id.to_le_bytes());
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        records.push(record(3, &payload));
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
