//! SVG output through Graphviz: the DOT text is piped to `dot -Tsvg`.

use std::io::{ErrorKind, Write};
use std::process::{Command, Stdio};

use crate::error::CliError;

/// The SVG of `dot_text`, laid out by the `dot` program found on PATH.
pub fn render_svg(dot_text: &str) -> Result<Vec<u8>, CliError> {
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| match error.kind() {
            ErrorKind::NotFound => CliError::NoGraphviz,
            _ => CliError::Graphviz(error.to_string()),
        })?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = dot_text.to_owned();
    // Written from another thread so that a large output cannot block the pipe both ways.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|error| CliError::Graphviz(error.to_string()))?;
    let written = writer.join().unwrap_or(Ok(()));
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().next().unwrap_or("").trim();
        return Err(CliError::Graphviz(format!("{} {first}", output.status)));
    }
    written.map_err(|error| CliError::Graphviz(error.to_string()))?;
    Ok(output.stdout)
}
