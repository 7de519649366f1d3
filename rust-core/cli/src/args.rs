//! The command line (clap derive).

use std::path::PathBuf;

use cdflow_core::sink::manifest::ExpectedHead;
use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::antipatterns::{KINDS, Triage};
use crate::error::CliError;
use crate::filter::Filters;
use crate::flow_source::SourceChoice;
use crate::thresholds::Thresholds;
use crate::time::parse_time;

/// cdflow: how data flows through Apache Cassandra, from the Parquet lineage the cdflow agent writes.
#[derive(Debug, Parser)]
#[command(name = "cdflow", version, about, long_about = None)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Draw the flow graph: clients → coordinators → replicas → tables → SSTables → compactions.
    Graph(GraphArgs),
    /// A one-screen overview: span and rates, per table, client/role and node, busiest partitions,
    /// agent drops.
    Summary(SummaryArgs),
    /// Find data-model and access anti-patterns (hot/large partitions, tombstones, batches, …).
    Antipatterns(AntipatternsArgs),
    /// Check every client request against a policy of who may read, write or delete what; exit
    /// status 1 when a rule is violated.
    Audit(AuditArgs),
    /// Turn what a crashed node left in its lineage journal into Parquet files, offline (for a node
    /// that will not start again; a restarted node does this by itself). Exit 1 if something had to be
    /// left behind.
    Recover(RecoverArgs),
    /// Check every lineage file and manifest chain: exit status 1 naming each altered, missing or
    /// unlisted file and each break in a chain.
    Verify(VerifyArgs),
    /// Serve a live view of the lineage as it is written (journal segments and closed files): a web
    /// page, /api JSON and Prometheus /metrics. Read-only; loopback unless --listen and a token say so.
    Live(crate::live::LiveArgs),
}

/// `cdflow recover`.
#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// The lineage directory (the agent's `output`).
    pub dir: PathBuf,
    /// The partition-key secret the node used (default: `cdflow-key-hash.secret` beside `DIR`).
    #[arg(long)]
    pub key_file: Option<PathBuf>,
}

/// Output formats of `summary`, `antipatterns`, `audit` and `verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Plain text for a terminal.
    Text,
    /// One JSON document.
    Json,
}

/// Output formats of `cdflow audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// Plain text for a terminal.
    Text,
    /// One JSON document.
    Json,
    /// One JSON object per violation per line (for a SIEM).
    Jsonl,
}

/// Output formats of `cdflow graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Graphviz DOT, left to right.
    Dot,
    /// Mermaid flowchart (LR).
    Mermaid,
    /// SVG, laid out by Graphviz's `dot` (must be installed).
    Svg,
}

/// `cdflow graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Lineage directories (one per node, or one shared); a directory holding lineage directories a
    /// few levels down also works.
    #[arg(required = true, value_name = "LINEAGE_DIR")]
    pub dirs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Dot)]
    pub format: Format,
    /// Write to FILE instead of standard output (`-` = standard output).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// At most N client/role vertices and N table vertices; the rest are merged into "other".
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_vertices: u32,
    /// Where the edges come from: the core's `flows` table (auto, when no filter needs the raw rows
    /// and flows holds every row), or `events`, `flushes` and `compactions`.
    #[arg(long, value_enum, default_value_t = SourceChoice::Auto)]
    pub source: SourceChoice,
    /// Row filters.
    #[command(flatten)]
    pub filters: FilterArgs,
}

/// `cdflow summary`.
#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// Lineage directories (one per node, or one shared).
    #[arg(required = true, value_name = "LINEAGE_DIR")]
    pub dirs: Vec<PathBuf>,
    /// At most N rows per section; the rest are summed into one "(others)" row.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_rows: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Row filters.
    #[command(flatten)]
    pub filters: FilterArgs,
}

/// `cdflow antipatterns`.
#[derive(Debug, Args)]
pub struct AntipatternsArgs {
    /// Lineage directories (one per node, or one shared).
    #[arg(required = true, value_name = "LINEAGE_DIR")]
    pub dirs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Row filters.
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Thresholds.
    #[command(flatten)]
    pub thresholds: Thresholds,
    /// Show only findings of KIND (repeatable; the per-kind counts still count every finding).
    #[arg(long, value_name = "KIND", value_parser = PossibleValuesParser::new(KINDS))]
    pub kind: Vec<String>,
    /// Show at most N findings, the most severe first.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Exit with status 1 when a finding of one of these kinds is found (`any`: of any kind), whatever
    /// --kind and --limit show. For CI.
    #[arg(long, value_name = "KIND", num_args = 1.., value_delimiter = ',',
          value_parser = PossibleValuesParser::new(KINDS.iter().copied().chain(["any"])))]
    pub fail_on: Vec<String>,
}

impl AntipatternsArgs {
    /// The triage options.
    pub fn triage(&self) -> Triage {
        Triage {
            kinds: self.kind.clone(),
            limit: self.limit,
            fail_on: self.fail_on.clone(),
        }
    }
}

/// `cdflow audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Lineage directories (one per node, or one shared).
    #[arg(required = true, value_name = "LINEAGE_DIR")]
    pub dirs: Vec<PathBuf>,
    /// The policy (YAML, see docs/cli.md).
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AuditFormat::Text)]
    pub format: AuditFormat,
    /// List the earliest N violations one by one, in time order (0: groups only).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub examples: usize,
    /// List at most N values per list of a group (client hosts, nodes, identities, drivers, sessions,
    /// partitions); the rest is counted ("+K more"). 0: list all.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub list: usize,
    /// Succeed (exit 0) when no request or login was checked, instead of failing.
    #[arg(long)]
    pub allow_empty: bool,
    /// Fail (exit 2) when the policy names a role, team, owner, external identity, host, keyspace,
    /// table or superuser that appears in no checked event.
    #[arg(long)]
    pub strict: bool,
    /// Row filters.
    #[command(flatten)]
    pub filters: FilterArgs,
}

/// `cdflow verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The lineage root (holds `_manifest/` and the table directories).
    #[arg(value_name = "LINEAGE_DIR")]
    pub dir: PathBuf,
    /// The deployment's key file [default: <parent of LINEAGE_DIR>/cdflow-key-hash.secret].
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// A head printed by an earlier run (NODE=SEQ:MAC) that must still be in that node's chain:
    /// detects a manifest cut back together with its files. Repeatable.
    #[arg(long, value_name = "NODE=SEQ:MAC", value_parser = ExpectedHead::parse)]
    pub expect_head: Vec<ExpectedHead>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// The filters common to every command.
#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// Only rows at or after TIME (RFC 3339, e.g. 2026-11-25T14:00:00Z, or a UTC date 2026-11-25).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only rows before TIME (RFC 3339 or a UTC date).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only this keyspace.
    #[arg(long, value_name = "KEYSPACE")]
    pub keyspace: Option<String>,
    /// Only this table: TABLE (any keyspace) or KEYSPACE.TABLE.
    #[arg(long, value_name = "TABLE")]
    pub table: Option<String>,
    /// Only the requests of this role (user_name), including the replica writes they caused.
    #[arg(long, value_name = "ROLE")]
    pub role: Option<String>,
}

impl FilterArgs {
    /// The filters, with the times parsed.
    pub fn to_filters(&self) -> Result<Filters, CliError> {
        let time =
            |option: &'static str, value: &Option<String>| -> Result<Option<i64>, CliError> {
                value
                    .as_deref()
                    .map(|text| {
                        parse_time(text).map_err(|message| CliError::BadTime {
                            option,
                            value: text.to_string(),
                            message,
                        })
                    })
                    .transpose()
            };
        let since = time("--since", &self.since)?;
        let until = time("--until", &self.until)?;
        if let (Some(start), Some(end)) = (since, until)
            && start >= end
        {
            return Err(CliError::EmptyTimeRange {
                since: self.since.clone().unwrap_or_default(),
                until: self.until.clone().unwrap_or_default(),
            });
        }
        Ok(Filters {
            since,
            until,
            keyspace: self.keyspace.clone(),
            table: self.table.clone(),
            role: self
                .role
                .as_deref()
                .map(|role| role.strip_prefix("role:").unwrap_or(role).to_string()),
        })
    }
}
