//! 64-bit identifiers (partition hashes, tokens, message ids) in JSON: always strings. A JSON number
//! is a double in JavaScript and in jq 1.6, which keep 53 bits: `-5758853414609213800` would come back
//! as `-5758853414609213000` and no longer match the Parquet value. Counts stay numbers (docs/cli.md,
//! "JSON output").

use serde::Serializer;

/// An id as its decimal text.
pub fn id_text(id: i64) -> String {
    id.to_string()
}

/// `serialize_with` for an `Option<i64>` id: a string, or null.
pub fn opt_id<S: Serializer>(id: &Option<i64>, serializer: S) -> Result<S::Ok, S::Error> {
    match id {
        Some(id) => serializer.serialize_str(&id_text(*id)),
        None => serializer.serialize_none(),
    }
}

/// `serialize_with` for a list of ids: a list of strings.
pub fn id_list<S: Serializer>(ids: &[i64], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(ids.iter().map(|id| id_text(*id)))
}

/// A list of ids as JSON strings.
pub fn id_values(ids: &[i64]) -> Vec<String> {
    ids.iter().map(|id| id_text(*id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Row {
        #[serde(serialize_with = "opt_id")]
        hash: Option<i64>,
        #[serde(serialize_with = "id_list")]
        hashes: Vec<i64>,
    }

    #[test]
    fn ids_are_strings_exactly() {
        let row = Row {
            hash: Some(-5_758_853_414_609_213_800),
            hashes: vec![i64::MIN, i64::MAX],
        };
        assert_eq!(
            serde_json::to_string(&row).unwrap(),
            r#"{"hash":"-5758853414609213800","hashes":["-9223372036854775808","9223372036854775807"]}"#
        );
        let none = Row {
            hash: None,
            hashes: vec![],
        };
        assert_eq!(
            serde_json::to_string(&none).unwrap(),
            r#"{"hash":null,"hashes":[]}"#
        );
    }
}
