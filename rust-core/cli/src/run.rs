//! Running the commands: argument checks, reading, rendering, writing the output.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use cdflow_core::config::default_key_file;
use cdflow_core::enrich::keyhash::read_key;

use crate::antipatterns::Antipatterns;
use crate::args::{
    AntipatternsArgs, AuditArgs, AuditFormat, Cli, Command, Format, GraphArgs, OutputFormat,
    RecoverArgs, SummaryArgs, VerifyArgs,
};
use crate::audit::{Audit, AuditOptions, Violation};
use crate::discover::{LineageFiles, discover};
use crate::error::{CliError, EXIT_VIOLATIONS};
use crate::flow_source::SourceChoice;
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
        Command::Antipatterns(args) => antipatterns(&args),
        Command::Audit(args) => audit(&args),
        Command::Recover(args) => recover(&args),
        Command::Verify(args) => verify(&args),
        Command::Live(args) => crate::live::run(&args).map(|()| 0),
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
    let flow = FlowGraph::build_from(&files, &filters, args.max_vertices as usize, args.source)?;
    // Lineage without flows (an older core, hand-made files) is read from events without a word.
    if let Some(reason) = &flow.events_because
        && args.source == SourceChoice::Auto
        && !files.flows.is_empty()
    {
        eprintln!("cdflow: note: graph built from events, not flows ({reason})");
    }
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

fn antipatterns(args: &AntipatternsArgs) -> Result<i32, CliError> {
    let filters = args.filters.to_filters()?;
    let files = find_lineage(&args.dirs)?;
    let found = Antipatterns::find(&files, &filters, &args.thresholds)?;
    if found.requests == 0 {
        eprintln!(
            "{}",
            filters.nothing_matched("no client request to look at", files.len())
        );
    }
    let triage = args.triage();
    match args.format {
        OutputFormat::Text => write_output(None, found.render(&triage).as_bytes())?,
        OutputFormat::Json => write_json(&found.to_json(&triage))?,
    }
    let failing = found.failing_kinds(&triage);
    if failing.is_empty() {
        return Ok(0);
    }
    eprintln!("cdflow: found {} (--fail-on)", failing.join(", "));
    Ok(EXIT_VIOLATIONS)
}

fn audit(args: &AuditArgs) -> Result<i32, CliError> {
    let policy = Policy::load(&args.policy)?;
    let filters = args.filters.to_filters()?;
    let files = find_lineage(&args.dirs)?;
    let options = AuditOptions {
        examples: if args.format == AuditFormat::Jsonl {
            0
        } else {
            args.examples
        },
        listed: args.list,
    };
    let audit = if args.format == AuditFormat::Jsonl {
        let path = policy.path.display().to_string();
        let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
        let mut failed: Option<std::io::Error> = None;
        let mut sink = |violation: &Violation| {
            if failed.is_none() {
                let line = Audit::jsonl_line(violation, &path, &policy.sha256);
                if let Err(error) = stdout.write_all(line.as_bytes()) {
                    failed = Some(error);
                }
            }
        };
        let audit = Audit::run(&files, &filters, &policy, options, Some(&mut sink))?;
        let flushed = stdout.flush();
        match failed.map_or(flushed, Err) {
            Err(error) if error.kind() != ErrorKind::BrokenPipe => {
                return Err(CliError::Write {
                    path: PathBuf::from("standard output"),
                    message: error.to_string(),
                });
            }
            _ => {}
        }
        audit
    } else {
        Audit::run(&files, &filters, &policy, options, None)?
    };
    if audit.checked_events() == 0 && !args.allow_empty {
        return Err(CliError::EmptyAudit {
            logins: if audit.checked.contains(&"logins") {
                " and 0 logins"
            } else {
                ""
            },
            files: audit.files.len(),
        });
    }
    for name in &audit.unseen {
        eprintln!(
            "cdflow: warning: {}",
            name.describe(&policy.path.display().to_string())
        );
    }
    match args.format {
        AuditFormat::Text => write_output(None, audit.render().as_bytes())?,
        AuditFormat::Json => write_json(&audit.to_json())?,
        AuditFormat::Jsonl => eprintln!(
            "cdflow: audit of {} client requests and {} logins: {} violation(s)",
            audit.requests, audit.logins, audit.violations
        ),
    }
    if args.strict && !audit.unseen.is_empty() {
        return Err(CliError::UnseenNames {
            count: audit.unseen.len(),
        });
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
    let report = cdflow_core::sink::manifest::verify_expecting(dir, &secret, &args.expect_head)?;
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
