//! Running the commands: argument checks, reading, rendering, writing the output.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use crate::args::{Cli, Command, Format, GraphArgs, SummaryArgs};
use crate::discover::discover;
use crate::error::CliError;
use crate::graph::FlowGraph;
use crate::render_dot::render_dot;
use crate::render_mermaid::render_mermaid;
use crate::render_svg::render_svg;
use crate::summary::Summary;

/// Runs the command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Graph(args) => graph(&args),
        Command::Summary(args) => summary(&args),
    }
}

fn graph(args: &GraphArgs) -> Result<(), CliError> {
    let filters = args.filters.to_filters()?;
    let files = discover(&args.dirs)?;
    let flow = FlowGraph::build(&files, &filters, args.max_vertices as usize)?;
    if flow.is_empty() {
        eprintln!(
            "cdflow: warning: no lineage rows matched (read {} files); the graph is empty",
            files.len()
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
    let files = discover(&args.dirs)?;
    let summary = Summary::build(&files, &filters)?;
    write_output(None, summary.render(args.max_rows as usize).as_bytes())
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
