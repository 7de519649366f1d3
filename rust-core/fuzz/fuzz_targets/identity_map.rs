//! The identity map parser (`identity_map=<yaml>`) on arbitrary text: never panics; an error names a line
//! (as YAML counts them) and a column of the input and is one printable line (the agent prints it as its one `disabled:` line); a parsed map has no
//! empty role name or value, and written back in the documented syntax it parses to the same map.
#![no_main]

use std::collections::HashMap;
use std::fmt::Write as _;

use cdflow_core::error::is_unprintable;
use cdflow_core::enrich::identity::Identity;
use cdflow_core::enrich::identity_parse::parse_roles;
use cdflow_fuzz::line_count;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return; // `IdentityMap::load` rejects it as unreadable before parsing
    };
    match parse_roles(text) {
        Err(error) => {
            let lines = line_count(text);
            assert!(
                error.line >= 1 && error.line <= lines && error.column >= 1,
                "line {} of {lines}: {error}",
                error.line
            );
            assert!(!error.message.is_empty());
            assert!(!error.to_string().contains(is_unprintable), "{error:?}");
        }
        Ok(roles) => {
            for (name, identity) in &roles {
                assert!(!name.is_empty());
                for value in [&identity.owner, &identity.team, &identity.external_identity] {
                    assert_ne!(value.as_deref(), Some(""), "role {name:?}");
                }
            }
            let written = write_back(&roles);
            assert_eq!(
                parse_roles(&written).as_ref(),
                Ok(&roles),
                "written back as {written:?}"
            );
        }
    }
});

/// The map in block style, every key present (absent as `~`), every text double-quoted.
fn write_back(roles: &HashMap<String, Identity>) -> String {
    if roles.is_empty() {
        return "roles: {}\n".to_owned();
    }
    let mut out = String::from("roles:\n");
    for (name, identity) in roles {
        let _ = writeln!(out, "  {}:", quote(name));
        let kind = identity.kind.map(|kind| kind.name().to_owned());
        for (key, value) in [
            ("owner", &identity.owner),
            ("team", &identity.team),
            ("kind", &kind),
            ("external_identity", &identity.external_identity),
        ] {
            let value = value.as_deref().map_or_else(|| "~".to_owned(), quote);
            let _ = writeln!(out, "    {key}: {value}");
        }
    }
    out
}

/// `text` double-quoted, every character outside printable ASCII escaped (YAML rejects some raw).
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            c if u32::from(c) <= 0xffff => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\U{:08x}", u32::from(c));
            }
        }
    }
    out.push('"');
    out
}
