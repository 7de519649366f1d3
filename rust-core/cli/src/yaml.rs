//! A strict subset of YAML, enough for `cdflow audit` policies: block mappings and block sequences by
//! indentation (spaces only), sequences of mappings (`- key: value`), flow sequences of scalars
//! (`[a, b]`), and scalars plain, `"double-quoted"` (with `\"` and `\\`) or `'single-quoted'` (with
//! `''`) on one line; `#` starts a comment. Everything else — tabs in indentation, anchors and aliases,
//! flow mappings, multi-line scalars, duplicate keys — is an error naming the line, its message one printable
//! line (control characters of the input escaped).

use cdflow_core::error::printable;

/// A parsed value and the line (1-based) it starts on.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A scalar (quotes removed).
    Scalar(String, usize),
    /// A sequence.
    List(Vec<Node>, usize),
    /// A mapping, in file order.
    Map(Vec<(String, Node)>, usize),
}

impl Node {
    /// The line the value starts on.
    pub fn line(&self) -> usize {
        match self {
            Node::Scalar(_, line) | Node::List(_, line) | Node::Map(_, line) => *line,
        }
    }
}

/// A syntax error: the line (1-based) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// Line of the error.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Messages quote the input: escaped, they stay one printable line.
fn error<T>(line: usize, message: impl Into<String>) -> Result<T, YamlError> {
    Err(YamlError {
        line,
        message: printable(&message.into()).into_owned(),
    })
}

/// One meaningful line: its number, indentation and content without the comment.
#[derive(Debug, Clone)]
struct Line {
    number: usize,
    indent: usize,
    text: String,
}

/// Parses a document whose top level is a mapping (an empty document is an empty mapping).
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let mut lines = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let content = strip_comment(raw);
        if content.trim().is_empty() {
            continue;
        }
        let indent = content.len() - content.trim_start_matches([' ', '\t']).len();
        if content[..indent].contains('\t') {
            return error(number, "tabs are not allowed in indentation; use spaces");
        }
        if content.trim() == "---" && lines.is_empty() {
            continue;
        }
        lines.push(Line {
            number,
            indent,
            text: content.trim().to_string(),
        });
    }
    if lines.is_empty() {
        return Ok(Node::Map(Vec::new(), 1));
    }
    if lines[0].indent != 0 {
        return error(lines[0].number, "the document must start at column 1");
    }
    let mut at = 0;
    let node = block(&mut lines, &mut at, 0)?;
    if let Some(line) = lines.get(at) {
        return error(line.number, "unexpected indentation");
    }
    match node {
        Node::Map(..) => Ok(node),
        other => error(other.line(), "the document must be a mapping (key: value)"),
    }
}

/// The block (mapping or sequence) whose lines start at `lines[*at]` with exactly `indent`.
fn block(lines: &mut [Line], at: &mut usize, indent: usize) -> Result<Node, YamlError> {
    let first = lines[*at].clone();
    if is_item(&first.text) {
        sequence(lines, at, indent)
    } else {
        mapping(lines, at, indent)
    }
}

fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

fn sequence(lines: &mut [Line], at: &mut usize, indent: usize) -> Result<Node, YamlError> {
    let start = lines[*at].number;
    let mut items = Vec::new();
    while let Some(line) = lines.get(*at).cloned() {
        if line.indent < indent || (line.indent == indent && !is_item(&line.text)) {
            break;
        }
        if line.indent > indent {
            return error(line.number, "unexpected indentation");
        }
        let rest = line.text[1..].trim_start();
        if rest.is_empty() {
            *at += 1;
            items.push(nested(lines, at, indent, line.number)?);
        } else if split_key(rest).is_some() {
            // `- key: value`: a mapping whose first key sits after the dash.
            let inner = indent + (line.text.len() - rest.len());
            lines[*at] = Line {
                number: line.number,
                indent: inner,
                text: rest.to_string(),
            };
            items.push(mapping(lines, at, inner)?);
        } else {
            items.push(value(rest, line.number)?);
            *at += 1;
        }
    }
    Ok(Node::List(items, start))
}

fn mapping(lines: &mut [Line], at: &mut usize, indent: usize) -> Result<Node, YamlError> {
    let start = lines[*at].number;
    let mut entries: Vec<(String, Node)> = Vec::new();
    while let Some(line) = lines.get(*at).cloned() {
        if line.indent < indent {
            break;
        }
        if line.indent > indent {
            return error(line.number, "unexpected indentation");
        }
        if is_item(&line.text) {
            return error(line.number, "a list item where a key was expected");
        }
        let Some((key, rest)) = split_key(&line.text) else {
            return error(
                line.number,
                format!("expected `key: value`, found {:?}", line.text),
            );
        };
        if entries.iter().any(|(known, _)| *known == key) {
            return error(line.number, format!("duplicate key `{key}`"));
        }
        *at += 1;
        let node = if rest.is_empty() {
            nested(lines, at, indent, line.number)?
        } else {
            value(rest, line.number)?
        };
        entries.push((key, node));
    }
    Ok(Node::Map(entries, start))
}

/// The block under a `key:` or `-` that has nothing after it: deeper lines, or a sequence at the same
/// indentation as the key (YAML allows `key:` followed by `- item` lines at its own level).
fn nested(
    lines: &mut [Line],
    at: &mut usize,
    indent: usize,
    number: usize,
) -> Result<Node, YamlError> {
    match lines.get(*at) {
        Some(next) if next.indent > indent => {
            let inner = next.indent;
            block(lines, at, inner)
        }
        Some(next) if next.indent == indent && is_item(&next.text) => sequence(lines, at, indent),
        _ => error(number, "a key without a value (write `key: ~` for none)"),
    }
}

/// `key: rest` with a plain key of letters, digits, `_` and `-`.
fn split_key(text: &str) -> Option<(String, &str)> {
    let (key, rest) = match text.split_once(": ") {
        Some((key, rest)) => (key, rest.trim()),
        None => (text.strip_suffix(':')?, ""),
    };
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    plain.then(|| (key.to_string(), rest))
}

/// A scalar or a flow sequence on one line.
fn value(text: &str, line: usize) -> Result<Node, YamlError> {
    if let Some(inner) = text.strip_prefix('[') {
        let Some(inner) = inner.strip_suffix(']') else {
            return error(line, "a flow list must end with `]` on the same line");
        };
        let mut items = Vec::new();
        for part in split_flow(inner, line)? {
            if part.starts_with('[') {
                return error(line, "nested lists are not supported");
            }
            items.push(Node::Scalar(scalar(&part, line)?, line));
        }
        return Ok(Node::List(items, line));
    }
    Ok(Node::Scalar(scalar(text, line)?, line))
}

/// The items of a flow list (commas outside quotes), trimmed; `[]` has none.
fn split_flow(text: &str, line: usize) -> Result<Vec<String>, YamlError> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some('"'), '\\') => {
                current.push(c);
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            (Some(open), _) if c == open => {
                current.push(c);
                quote = None;
            }
            (None, '"' | '\'') => {
                current.push(c);
                quote = Some(c);
            }
            (None, ',') => items.push(std::mem::take(&mut current).trim().to_string()),
            _ => current.push(c),
        }
    }
    if quote.is_some() {
        return error(line, "unterminated quote");
    }
    let last = current.trim().to_string();
    if !last.is_empty() || !items.is_empty() {
        items.push(last);
    }
    if items.iter().any(String::is_empty) {
        return error(line, "an empty item in a flow list");
    }
    Ok(items)
}

/// A one-line scalar without its quotes.
fn scalar(text: &str, line: usize) -> Result<String, YamlError> {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix('"') {
        let Some(inner) = inner.strip_suffix('"') else {
            return error(line, "unterminated double-quoted string");
        };
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('"') => out.push('"'),
                    Some('\\') => out.push('\\'),
                    other => {
                        return error(
                            line,
                            format!("unsupported escape \\{}", other.unwrap_or(' ')),
                        );
                    }
                },
                '"' => return error(line, "a double quote inside a double-quoted string"),
                _ => out.push(c),
            }
        }
        return Ok(out);
    }
    if let Some(inner) = text.strip_prefix('\'') {
        let Some(inner) = inner.strip_suffix('\'') else {
            return error(line, "unterminated single-quoted string");
        };
        return Ok(inner.replace("''", "'"));
    }
    match text.chars().next() {
        Some('&' | '*' | '!' | '{' | '|' | '>' | '%' | '@' | '`') => error(
            line,
            format!(
                "{text:?}: anchors, aliases, tags, flow mappings and multi-line scalars are not supported"
            ),
        ),
        _ => Ok(text.to_string()),
    }
}

/// The line without its comment (`#` at the start or after a space, outside quotes).
fn strip_comment(raw: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (at, c) in raw.char_indices() {
        match quote {
            Some(open) if c == open => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'') && [' ', '[', ',', '-'].contains(&previous) => {
                quote = Some(c);
            }
            None if c == '#' && (previous == ' ' || previous == '\t') => {
                return &raw[..at];
            }
            None => {}
        }
        previous = c;
    }
    if raw.trim_start().starts_with('#') {
        return "";
    }
    raw
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar_of(node: &Node) -> &str {
        match node {
            Node::Scalar(text, _) => text,
            other => panic!("not a scalar: {other:?}"),
        }
    }

    #[test]
    fn mappings_sequences_and_flow_lists() {
        let doc = parse(
            "# policy\ndefault: deny   # comment\nrules:\n  - name: \"a # b\"\n    roles: [x, 'y z']\n    tables:\n      - ks.t\n  - name: second\nother:\n- 1\n- '2'\n",
        )
        .unwrap();
        let Node::Map(entries, _) = doc else { panic!() };
        assert_eq!(entries[0].0, "default");
        assert_eq!(scalar_of(&entries[0].1), "deny");
        let Node::List(rules, _) = &entries[1].1 else {
            panic!()
        };
        assert_eq!(rules.len(), 2);
        let Node::Map(rule, line) = &rules[0] else {
            panic!()
        };
        assert_eq!(*line, 4);
        assert_eq!(scalar_of(&rule[0].1), "a # b");
        let Node::List(roles, _) = &rule[1].1 else {
            panic!()
        };
        assert_eq!(scalar_of(&roles[1]), "y z");
        let Node::List(tables, _) = &rule[2].1 else {
            panic!()
        };
        assert_eq!((scalar_of(&tables[0]), tables[0].line()), ("ks.t", 7));
        let Node::List(other, _) = &entries[2].1 else {
            panic!()
        };
        assert_eq!(scalar_of(&other[1]), "2");
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            ("a: 1\na: 2\n", 2, "duplicate key"),
            ("a:\n\t- 1\n", 2, "tabs"),
            ("a: &anchor 1\n", 1, "anchors"),
            ("a: {b: 1}\n", 1, "flow mappings"),
            ("a: |\n  x\n", 1, "multi-line"),
            ("a: 1\n   b: 2\n", 2, "unexpected indentation"),
            ("a: [1, 2\n", 1, "must end with"),
            ("a: \"x\n", 1, "unterminated"),
            ("just text\n", 1, "expected `key: value`"),
            ("a:\nb: 1\n", 1, "without a value"),
        ];
        for (text, line, needle) in cases {
            let error = parse(text).unwrap_err();
            assert_eq!(error.line, line, "{text:?}: {error:?}");
            assert!(error.message.contains(needle), "{text:?}: {error:?}");
        }
    }
}
