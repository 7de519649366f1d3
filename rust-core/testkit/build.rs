//! Generates `id.rs`: the field ids of tests/vectors/fields.json (the core's registry, exported) as
//! constants, so the test-side encoder names fields like the core and the agent do without depending on
//! the core's decoder.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let registry = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap())
        .join("../../tests/vectors/fields.json");
    println!("cargo::rerun-if-changed={}", registry.display());
    let text = std::fs::read_to_string(&registry)
        .unwrap_or_else(|error| panic!("{}: {error}", registry.display()));
    let fields: Vec<serde_json::Value> = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{}: {error}", registry.display()));
    let mut out = String::new();
    for field in &fields {
        let (Some(constant), Some(id), Some(field_type), Some(column)) = (
            field["constant"].as_str(),
            field["id"].as_u64(),
            field["type"].as_str(),
            field["column"].as_str(),
        ) else {
            panic!("{}: malformed entry {field}", registry.display());
        };
        writeln!(out, "/// {field_type}, column `{column}`.").unwrap();
        writeln!(out, "pub const {constant}: u8 = {id};").unwrap();
    }
    let target = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("id.rs");
    std::fs::write(&target, out).unwrap_or_else(|error| panic!("{}: {error}", target.display()));
}
