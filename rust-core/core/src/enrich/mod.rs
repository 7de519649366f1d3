//! Stage 2, enrichment: what the core adds to a decoded event before it becomes a row — who is behind a role
//! ([`identity`], read by [`identity_parse`]), the keyed hash of partition keys ([`keyhash`]), consistency
//! level names ([`consistency`]) — and what a row did to the data ([`access`]), shared with the CLI.

pub mod access;
pub mod consistency;
pub mod identity;
pub mod identity_parse;
pub mod keyhash;
