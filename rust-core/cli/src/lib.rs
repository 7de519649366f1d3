//! `cdflow`, the command-line tool of cdflow: reads the Parquet lineage that the cdflow agent writes
//! (docs/schema.md) from one or many lineage directories and shows how data flows through the
//! cluster — as a graph (`cdflow graph`: DOT, Mermaid or SVG) or as totals (`cdflow summary`) — finds
//! anti-patterns (`cdflow antipatterns`), checks accesses against a policy (`cdflow audit`) and
//! checks the files against the manifests of the core (`cdflow verify`).
//! See docs/cli.md.
//!
//! Reading is streaming and column-projected; memory is bounded by the vertex cap, the number of
//! nodes, and the fixed limits of [`census`].

pub mod accounting;
pub mod antipattern_tallies;
pub mod antipatterns;
pub mod args;
pub mod audit;
pub mod audit_names;
pub mod audit_render;
pub mod census;
pub mod columns;
pub mod discover;
pub mod error;
pub mod evidence;
pub mod filter;
pub mod flow_source;
pub mod graph;
pub mod ids;
pub mod label;
pub mod live;
pub mod parallel_scan;
pub mod policy;
pub mod policy_file;
pub mod progress;
pub mod reader;
pub mod render_dot;
pub mod render_mermaid;
pub mod render_svg;
pub mod rows;
pub mod run;
pub mod stats;
pub mod summary;
pub mod thresholds;
pub mod time;
pub mod verify;

pub use error::{CliError, EXIT_ERROR};
pub use filter::Filters;
pub use graph::{FlowGraph, VertexKind};
