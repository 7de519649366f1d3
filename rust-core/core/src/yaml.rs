//! Where a `serde_yaml_ng` error is: the one rule shared by the core's identity map and the CLI's
//! policies, so both name the line and column the same way.

use crate::error::printable;

/// The 1-based line and column of `error` in `text` (when it has one) and its message without the
/// location serde_yaml_ng appends, as one printable line (control characters of the input escaped). A
/// location past the end of `text` (the parser reports some errors at end of input one line further
/// than the text has) is given as the end of its last line, so a message never names a line the file
/// does not have.
pub fn located(error: &serde_yaml_ng::Error, text: &str) -> (Option<(usize, usize)>, String) {
    let mut message = error.to_string();
    let location = error.location().map(|location| {
        let at = format!(" at line {} column {}", location.line(), location.column());
        message = message.replacen(&at, "", 1);
        within(text, location.line(), location.column())
    });
    (location, printable(&message).into_owned())
}

/// Lines of a text as YAML counts them (`\r\n`, `\r`, `\n`, NEL, LS and PS each end one): 1 for an
/// empty text (errors about the whole file name line 1).
pub fn line_count(text: &str) -> usize {
    1 + text
        .replace("\r\n", "\n")
        .chars()
        .filter(|c| is_line_break(*c))
        .count()
}

fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// `(line, column)`, or the end of the last line of `text` when that is past it.
fn within(text: &str, line: usize, column: usize) -> (usize, usize) {
    let lines = line_count(text);
    if line <= lines {
        return (line.max(1), column.max(1));
    }
    let last = text
        .replace("\r\n", "\n")
        .rsplit(is_line_break)
        .next()
        .map_or(0, |last| last.chars().count());
    (lines, last + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_location_out_of_the_message() {
        let error = serde_yaml_ng::from_str::<Vec<u8>>("[1,\n  x]").unwrap_err();
        let (location, message) = located(&error, "[1,\n  x]");
        assert_eq!(location, Some((2, 3)));
        assert_eq!(message, ".[1]: invalid type: string \"x\", expected u8");
    }

    #[test]
    fn a_location_past_the_end_is_the_end_of_the_last_line() {
        // found by the identity_map fuzz target: libyaml puts this error on line 3 of a 2-line text
        let text = "roles: {}\n+o";
        let error = serde_yaml_ng::from_str::<serde_yaml_ng::Value>(text).unwrap_err();
        let (location, _) = located(&error, text);
        assert_eq!(location, Some((2, 3)));
        assert_eq!(line_count(text), 2);
        assert_eq!(line_count(""), 1);
        assert_eq!(line_count("a\r\nb\rc\u{2028}d"), 4);
    }
}
