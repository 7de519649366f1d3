//! Running the commands: argument checks, reading, rendering, writing the output.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use cdflow_core::config::default_key_file;
use cdflow_core::keyhash::read_key;

use crate::antipatterns::Antipatterns;
use crate::args::{
    AntipatternsArgs, AuditArgs, Cli, Command, Format, GraphArgs, OutputFormat, RecoverArgs,
    SummaryArgs, VerifyArgs,
};
use crate::audit::Audit;
use crate::discover::{LineageFiles, discover};
use crate::error::{CliError, EXIT_VIOLATIONS};
use crate::graph::FlowGraph;
use crate::policy::Policy;
use crate::render_dot::render_dot;
use crate::render_mermaid::render_mermaid;
use crate::render_svg::render_svg;
use crate::summary::Summary;

/// Runs the command line; the exit code on success (0, or [`EXIT_VIOLATIONS`] for a violated audit).
pub fn run(cli: Cli) -> Result<i32, CliError> {
    match cli.command {
        Command::Graph(args) => graph(&args).map(|()| 0),
        Command::Summary(args) => summary(&args).map(|()| 0),
        Command::Antipatterns(args) => antipatterns(&args).map(|()| 0),
        Command::Audit(args) => audit(&args),
        Command::Recover(args) => recover(&args),
        Command::Verify(args) => verify(&args),
    }
}

fn recover(args: &RecoverArgs) -> Result<i32, CliError> {
    if !args.dir.is_dir() {
        return Err(CliError::NoSuchDir(args.dir.clone()));
    }
    let report = cdflow_core::journal::recover_offline(&args.dir, args.key_file.clone()).map_err(
        |message| CliError::Unreadable {
            path: args.dir.clone(),
            message,
        },
    )?;
    let mut text = report.lines().join("\n");
    text.push('\n');
    write_output(None, text.as_bytes())?;
    Ok(if report.errors.is_empty() {
        0
    } else {
        EXIT_VIOLATIONS
    })
}

fn graph(args: &GraphArgs) -> Result<(), CliError> {
    let filters = args.filters.to_filters()?;
    let files = find_lineage(&args.dirs)?;
    let flow = FlowGraph::build(&files, &filters, args.max_vertices as usize)?;
    if flow.is_empty() {
        eprintln!(
            "{}",
            filters.nothing_matched("the graph is empty", files.len())
        );
    }
    let output = match args.format {
        Format::Dot => render_dot(&flow).into_bytes(),
        Format::Mermaid => render_mermaid(&flow).into_bytes(),
        Format::Svg => render_svg(&render_dot(&flow))?,
    };
    write_output(args.output.as_deref(), &output)
}

fn summary(args: &SummaryArgs) -> Result<(), CliError> {
    let filters = args.filters.to_filters()?;
    let files = find_lineage(&args.dirs)?;
    let summary = Summary::build(&files, &filters)?;
    if summary.rows == 0 {
        eprintln!(
            "{}",
            filters.nothing_matched("the summary is empty", files.len())
        );
    }
    let cap = args.max_rows as usize;
    match args.format {
        OutputFormat::Text => write_output(None, summary.render(cap).as_bytes()),
        OutputFormat::Json => write_json(&summary.to_json(cap)),
    }
}

fn antipatterns(args: &AntipatternsArgs) -> Result<(), CliError> {
    let filters = args.filters.to_filters()?;
    let files = find_lineage(&args.dirs)?;
    let found = Antipatterns::find(&files, &filters, &args.thresholds)?;
    if found.requests == 0 {
        eprintln!(
            "{}",
            filters.nothing_matched("no client request to look at", files.len())
        );
    }
    match args.format {
        OutputFormat::Text => write_output(None, found.render().as_bytes()),
        OutputFormat::Json => write_json(&found.to_json()),
    }
}

fn audit(args: &AuditArgs) -> Result<i32, CliError> {
    let policy = Policy::load(&args.policy)?;
    let filters = args.filters.to_filters()?;
    let files = find_lineage(&args.dirs)?;
    let audit = Audit::run(&files, &filters, &policy, args.examples)?;
    match args.format {
        OutputFormat::Text => write_output(None, audit.render().as_bytes())?,
        OutputFormat::Json => write_json(&audit.to_json())?,
    }
    Ok(if audit.violations > 0 {
        EXIT_VIOLATIONS
    } else {
        0
    })
}

fn verify(args: &VerifyArgs) -> Result<i32, CliError> {
    let dir = &args.dir;
    match fs::metadata(dir) {
        Err(error) if error.kind() == ErrorKind::NotFound => {
            return Err(CliError::NoSuchDir(dir.clone()));
        }
        Ok(meta) if !meta.is_dir() => return Err(CliError::NotADir(dir.clone())),
        _ => {}
    }
    let key_file = args
        .key_file
        .clone()
        .unwrap_or_else(|| default_key_file(dir));
    let secret = read_key(&key_file)?;
    let report = cdflow_core::manifest::verify_expecting(dir, &secret, &args.expect_head)?;
    match args.format {
        OutputFormat::Text => write_output(
            None,
            crate::verify::render(&report, dir, &key_file).as_bytes(),
        )?,
        OutputFormat::Json => write_json(&crate::verify::to_json(&report, dir, &key_file))?,
    }
    Ok(if report.passed() { 0 } else { EXIT_VIOLATIONS })
}

/// The lineage files under `dirs`, after one warning on standard error per Parquet file skipped as not
/// lineage.
fn find_lineage(dirs: &[PathBuf]) -> Result<LineageFiles, CliError> {
    let files = discover(dirs)?;
    for skipped in &files.skipped {
        eprintln!("cdflow: warning: skipped {}", skipped.reason());
    }
    Ok(files)
}

fn write_json(value: &serde_json::Value) -> Result<(), CliError> {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into());
    text.push('\n');
    write_output(None, text.as_bytes())
}

/// Writes `bytes` to `path`, or to standard output for `None` or `-` (a closed pipe is not an error).
fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<(), CliError> {
    match path {
        Some(path) if path != Path::new("-") => {
            fs::write(path, bytes).map_err(|error| CliError::Write {
                path: path.to_path_buf(),
                message: error.to_string(),
            })
        }
        _ => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
                Err(error) if error.kind() != ErrorKind::BrokenPipe => Err(CliError::Write {
                    path: PathBuf::from("standard output"),
                    message: error.to_string(),
                }),
                _ => Ok(()),
            }
        }
    }
}
