//! Lineage written by the real core: TAGGED_EVENT batches (docs/wire-format.md, encoded with the test
//! kit) either submitted to a `cdflow_core::Pipeline`, which hashes partition keys with its key file,
//! joins the identity map and writes the Parquet files exactly as on a node ([`write_with_core`]), or
//! decoded and written as one file at a path the test chooses by the core's own row builders, schema
//! and writer settings ([`write_file`]).

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use cdflow_core::decode::fields::{FieldType, REGISTRY};
use cdflow_core::decode::strings::StringTable;
use cdflow_core::decode::wire::decode_batch;
use cdflow_core::enrich::identity::IdentityMap;
use cdflow_core::enrich::keyhash::PartitionKeyHasher;
use cdflow_core::sink::file_modes::FileModes;
use cdflow_core::sink::parquet_file::InProgressFile;
use cdflow_core::sink::rolling::RowBuffer;
use cdflow_core::tables::LineageTable;
use cdflow_core::tables::rows::{RowContext, TableLayout, TableRows};
use cdflow_core::tables::schema::{lineage_writer_properties, table_schema};
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

/// `events` as the agent would send them: a batch of the STRING_DEF records they need, and a batch
/// of their TAGGED_EVENT records.
fn encode(events: &[Tagged]) -> (Vec<u8>, Vec<u8>) {
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
    (batch(&defs), batch(&records))
}

/// The key of the partition-key hash in files written by [`write_file`].
pub const FIXTURE_KEY: [u8; 16] = [7; 16];

/// The `partition_key_hash` of partition key `key` (its 8 bytes, big-endian) in files written by
/// [`write_file`].
pub fn key_hash(key: i64) -> i64 {
    PartitionKeyHasher::new(FIXTURE_KEY).hash(&key.to_be_bytes()) as i64
}

/// The partition key bytes whose hash is [`key_hash`]`(key)`.
pub fn key_bytes(key: i64) -> Vec<u8> {
    key.to_be_bytes().to_vec()
}

/// Writes `events`, all of lineage table `table`, as the Parquet file `path` with the core's own row
/// builders, schema and writer settings (partition keys hashed with [`FIXTURE_KEY`], identities from
/// `identity_map`): what a node writes, at a path the test chooses.
pub fn write_file(
    path: &Path,
    table: LineageTable,
    identity_map: Option<&str>,
    events: &[Vec<(&'static str, V)>],
) {
    let tagged: Vec<Tagged> = events
        .iter()
        .map(|fields| (table.name(), fields.clone()))
        .collect();
    let (defs, records) = encode(&tagged);
    let strings = StringTable::new();
    let defined = decode_batch(&defs, &strings);
    assert_eq!(defined.errors, vec![], "string definitions");
    let decoded = decode_batch(&records, &strings);
    assert_eq!(decoded.errors, vec![], "events");
    assert_eq!(
        decoded.skipped_fields,
        0,
        "every field is one of {}'s",
        table.name()
    );
    let identities = identity_map.map_or_else(IdentityMap::default, |yaml| {
        IdentityMap::parse(yaml).expect("identity map")
    });
    let hasher = PartitionKeyHasher::new(FIXTURE_KEY);
    let view = strings.read();
    let context = RowContext {
        strings: &view,
        hasher: &hasher,
        identities: &identities,
    };
    let mut rows = TableRows::new(TableLayout::new(table, false));
    rows.append_run(&decoded.events, &context);
    let batch = rows.take_batch().expect("rows");
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut file = InProgressFile::create(
        path.parent().unwrap(),
        table_schema(table, false),
        lineage_writer_properties(1024),
        &FileModes::default(),
        || name.clone(),
    )
    .expect("file created");
    file.write(&batch).expect("rows written");
    file.finish().expect("file finished");
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
    let (defs, records) = encode(events);
    pipeline.define(&defs).expect("strings defined");
    assert_eq!(
        pipeline.submit(&records, events.len() as u32),
        SubmitOutcome::Accepted
    );
    pipeline
        .shutdown(Duration::from_secs(30))
        .expect("core shuts down");
    lineage
}
