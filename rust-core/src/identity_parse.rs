//! A strict parser for the identity map file: the small subset of YAML it needs, nothing more.
//!
//! ```yaml
//! # comments anywhere (a `#` at the start of a line or after a space, outside quotes)
//! ---                                   # optional document marker, before `roles:`
//! roles:                                # the only top-level key (`roles: {}` for none)
//!   svc_orders: {owner: orders-service, team: commerce, kind: service, external_identity: "arn:…"}
//!   alice:                              # block style: one `key: value` per line, deeper indented
//!     owner: Alice Example
//!     kind: person
//! ```
//!
//! Keys of a role: `owner`, `team`, `kind` (`service` or `person`), `external_identity`; each optional,
//! each at most once; a plain `null` or `~` means absent. Scalars are plain, `"double-quoted"` (escapes
//! `\" \\ \/ \n \r \t \0 \uXXXX`) or `'single-quoted'` (`''` is a quote).
//!
//! Invariants: never panics; anything outside this subset (tabs in indentation, lists, anchors, aliases,
//! tags, block scalars, nested or multi-line mappings, other top-level keys), an unknown key, a duplicate
//! role or key, an empty value, a role without entries or a bad `kind` is a [`ParseError`] naming the
//! 1-based line, its message one printable line (control characters of the input escaped).

use std::collections::HashMap;

use crate::error::printable;
use crate::identity::{Identity, IdentityKind};

/// What is wrong, and on which line (1-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The keys a role may have.
const KEYS: [&str; 4] = ["owner", "team", "kind", "external_identity"];

/// Parses the whole file into role → identity.
pub fn parse_roles(text: &str) -> Result<HashMap<String, Identity>, ParseError> {
    // Messages quote role names, keys and values: escaped, they stay one printable line.
    parse(text).map_err(|error| ParseError {
        message: printable(&error.message).into_owned(),
        ..error
    })
}

fn parse(text: &str) -> Result<HashMap<String, Identity>, ParseError> {
    let mut parser = Parser::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut last_line = 0;
    for (index, raw) in text.split('\n').enumerate() {
        last_line = index + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        parser.line(raw).map_err(|message| ParseError {
            line: last_line,
            message,
        })?;
    }
    parser.finish(last_line.max(1))
}

/// Where the parser is.
#[derive(Debug, Default, PartialEq, Eq)]
enum State {
    /// Before `roles:`.
    #[default]
    Start,
    /// After `roles:`.
    Roles,
    /// After `roles: {}`.
    Empty,
}

/// A block-style role being read.
#[derive(Debug)]
struct BlockRole {
    name: String,
    line: usize,
    field_indent: Option<usize>,
    entries: Entries,
}

#[derive(Debug, Default)]
struct Parser {
    state: State,
    line: usize,
    seen_content: bool,
    role_indent: Option<usize>,
    block: Option<BlockRole>,
    roles: HashMap<String, (usize, Identity)>,
}

impl Parser {
    fn line(&mut self, raw: &str) -> Result<(), String> {
        self.line += 1;
        let indent_end = raw
            .find(|c: char| c != ' ' && c != '\t')
            .unwrap_or(raw.len());
        let tokens = tokenize(&raw[indent_end..])?;
        if tokens.is_empty() {
            return Ok(()); // blank or comment
        }
        if raw[..indent_end].contains('\t') {
            return Err("tab in indentation (indent with spaces)".to_owned());
        }
        let first_content = !self.seen_content;
        self.seen_content = true;
        if indent_end == 0 {
            return self.top_level(&tokens, first_content);
        }
        match self.state {
            State::Start => Err("indented line before `roles:`".to_owned()),
            State::Empty => Err("`roles: {}` is empty: remove `{}` to list roles".to_owned()),
            State::Roles => self.indented(indent_end, &tokens),
        }
    }

    fn top_level(&mut self, tokens: &[Token], first_content: bool) -> Result<(), String> {
        match tokens {
            [
                Token::Scalar {
                    text,
                    quoted: false,
                },
            ] if text == "---" && first_content => {
                self.seen_content = false;
                Ok(())
            }
            [Token::Scalar { text, .. }, Token::Colon, rest @ ..] if text == "roles" => {
                if self.state != State::Start {
                    return Err("`roles` given twice".to_owned());
                }
                match rest {
                    [] => self.state = State::Roles,
                    [Token::Open, Token::Close] => self.state = State::Empty,
                    _ => {
                        return Err(
                            "`roles:` must be followed by indented roles (or be `roles: {}`)"
                                .to_owned(),
                        );
                    }
                }
                Ok(())
            }
            [Token::Scalar { text, .. }, Token::Colon, ..] => Err(format!(
                "unknown top-level key `{text}` (only `roles` is supported)"
            )),
            _ => Err("expected `roles:` at the top level".to_owned()),
        }
    }

    fn indented(&mut self, indent: usize, tokens: &[Token]) -> Result<(), String> {
        let role_indent = *self.role_indent.get_or_insert(indent);
        if indent == role_indent {
            self.end_block()?;
            return self.role_line(tokens);
        }
        if indent < role_indent {
            return Err(format!(
                "indented by {indent} spaces, but roles are indented by {role_indent}"
            ));
        }
        let Some(block) = self.block.as_mut() else {
            return Err(
                "unexpected indentation (entries of a {…} role stay on its line)".to_owned(),
            );
        };
        let field_indent = *block.field_indent.get_or_insert(indent);
        if indent != field_indent {
            return Err(format!(
                "indented by {indent} spaces, but the entries of role `{}` are indented by {field_indent}",
                block.name
            ));
        }
        match tokens {
            [
                Token::Scalar { text: key, .. },
                Token::Colon,
                Token::Scalar { text, quoted },
            ] => block.entries.set(&block.name, key, text, *quoted),
            [Token::Scalar { text: key, .. }, Token::Colon] => Err(format!(
                "missing value for `{key}` of role `{}` (nested mappings are not supported)",
                block.name
            )),
            _ => Err(format!("expected `key: value` in role `{}`", block.name)),
        }
    }

    fn role_line(&mut self, tokens: &[Token]) -> Result<(), String> {
        let [Token::Scalar { text: name, .. }, Token::Colon, rest @ ..] = tokens else {
            return Err(
                "expected `<role>:` followed by a {…} mapping or an indented block".to_owned(),
            );
        };
        if name.is_empty() {
            return Err("empty role name".to_owned());
        }
        if let Some((first, _)) = self.roles.get(name) {
            return Err(format!(
                "role `{name}` is defined twice (first on line {first})"
            ));
        }
        match rest {
            [] => {
                self.block = Some(BlockRole {
                    name: name.clone(),
                    line: self.line,
                    field_indent: None,
                    entries: Entries::default(),
                });
                Ok(())
            }
            [Token::Open, inner @ .., Token::Close] => {
                let mut entries = Entries::default();
                for entry in split_entries(inner) {
                    match entry {
                        [
                            Token::Scalar { text: key, .. },
                            Token::Colon,
                            Token::Scalar { text, quoted },
                        ] => entries.set(name, key, text, *quoted)?,
                        [] => return Err(format!("empty entry in role `{name}`")),
                        _ => return Err(format!("expected `key: value` entries in role `{name}`")),
                    }
                }
                self.add(name.clone(), self.line, entries)
            }
            _ => Err(format!(
                "role `{name}`: expected a {{…}} mapping or an indented block"
            )),
        }
    }

    /// Adds the block role being read, if any.
    fn end_block(&mut self) -> Result<(), String> {
        match self.block.take() {
            Some(block) => self.add(block.name, block.line, block.entries),
            None => Ok(()),
        }
    }

    fn add(&mut self, name: String, line: usize, entries: Entries) -> Result<(), String> {
        if entries.count == 0 {
            return Err(format!(
                "role `{name}` has no entries (give {})",
                KEYS.join(", ")
            ));
        }
        self.roles.insert(name, (line, entries.identity));
        Ok(())
    }

    fn finish(mut self, last_line: usize) -> Result<HashMap<String, Identity>, ParseError> {
        if let Some(block) = &self.block {
            let line = block.line;
            self.end_block()
                .map_err(|message| ParseError { line, message })?;
        }
        if self.state == State::Start {
            return Err(ParseError {
                line: last_line,
                message: "no `roles:` mapping in the file".to_owned(),
            });
        }
        Ok(self
            .roles
            .into_iter()
            .map(|(name, (_, identity))| (name, identity))
            .collect())
    }
}

/// The entries of one role, as they are read.
#[derive(Debug, Default)]
struct Entries {
    identity: Identity,
    seen: [bool; KEYS.len()],
    count: usize,
}

impl Entries {
    fn set(&mut self, role: &str, key: &str, text: &str, quoted: bool) -> Result<(), String> {
        let Some(slot) = KEYS.iter().position(|known| *known == key) else {
            return Err(format!(
                "unknown key `{key}` in role `{role}` (expected {})",
                KEYS.join(", ")
            ));
        };
        if std::mem::replace(&mut self.seen[slot], true) {
            return Err(format!("key `{key}` given twice in role `{role}`"));
        }
        self.count += 1;
        if !quoted && (text == "null" || text == "~") {
            return Ok(());
        }
        if text.is_empty() {
            return Err(format!("empty value for `{key}` of role `{role}`"));
        }
        let identity = &mut self.identity;
        match slot {
            0 => identity.owner = Some(text.to_owned()),
            1 => identity.team = Some(text.to_owned()),
            2 => {
                identity.kind = Some(IdentityKind::parse(text).ok_or_else(|| {
                    format!("kind of role `{role}` must be `service` or `person`, got {text:?}")
                })?)
            }
            _ => identity.external_identity = Some(text.to_owned()),
        }
        Ok(())
    }
}

/// The entries of a flow mapping, split at commas (a trailing comma is allowed).
fn split_entries(inner: &[Token]) -> Vec<&[Token]> {
    if inner.is_empty() {
        return Vec::new();
    }
    let mut entries: Vec<&[Token]> = inner.split(|token| *token == Token::Comma).collect();
    if entries.len() > 1 && entries.last().is_some_and(|last| last.is_empty()) {
        entries.pop();
    }
    entries
}

/// One token of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A plain or quoted scalar.
    Scalar {
        /// Its text (quotes and escapes resolved).
        text: String,
        /// Whether it was quoted (a quoted `null` is text).
        quoted: bool,
    },
    /// `:` as a key/value separator.
    Colon,
    /// `{`.
    Open,
    /// `}`.
    Close,
    /// `,` inside `{…}`.
    Comma,
}

/// Splits the content of one line (after its indentation) into tokens; comments are dropped.
fn tokenize(content: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = content.chars().collect();
    let mut tokens = Vec::new();
    let mut in_flow = false;
    let mut index = 0;
    while let Some(&c) = chars.get(index) {
        let next = chars.get(index + 1).copied();
        let after_space = index == 0 || chars.get(index - 1).is_some_and(|p| p.is_whitespace());
        match c {
            ' ' | '\t' => index += 1,
            '#' if after_space => break,
            ':' if is_separator(next, in_flow)
                || matches!(tokens.last(), Some(Token::Scalar { quoted: true, .. })) =>
            {
                tokens.push(Token::Colon);
                index += 1;
            }
            '{' if in_flow => return Err("nested {…} mappings are not supported".to_owned()),
            '{' => {
                in_flow = true;
                tokens.push(Token::Open);
                index += 1;
            }
            '}' if in_flow => {
                in_flow = false;
                tokens.push(Token::Close);
                index += 1;
                if !rest_is_comment(chars.get(index..).unwrap_or_default()) {
                    return Err("unexpected text after `}`".to_owned());
                }
            }
            ',' if in_flow => {
                tokens.push(Token::Comma);
                index += 1;
            }
            '"' | '\'' => {
                let (text, end) = quoted(&chars, index)?;
                match chars.get(end) {
                    None | Some(' ' | '\t' | ':') => {}
                    Some(',' | '}') if in_flow => {}
                    Some(_) => return Err("unexpected text after a quoted string".to_owned()),
                }
                tokens.push(Token::Scalar { text, quoted: true });
                index = end;
            }
            '}' | ']' | '[' => {
                return Err(format!(
                    "unexpected `{c}` (lists and nested mappings are not supported)"
                ));
            }
            '&' | '*' | '!' => {
                return Err("anchors, aliases and tags are not supported".to_owned());
            }
            '|' | '>' => return Err("block scalars (| and >) are not supported".to_owned()),
            '%' | '@' | '`' => {
                return Err(format!("a plain value cannot start with `{c}` (quote it)"));
            }
            '-' | '?' if next.is_none_or(char::is_whitespace) => {
                return Err("lists and complex keys are not supported".to_owned());
            }
            _ => {
                let (text, end) = plain(&chars, index, in_flow);
                tokens.push(Token::Scalar {
                    text,
                    quoted: false,
                });
                index = end;
            }
        }
    }
    if in_flow {
        return Err("a {…} mapping must be closed on the same line".to_owned());
    }
    Ok(tokens)
}

/// True if a `:` followed by `next` separates a key from its value.
fn is_separator(next: Option<char>, in_flow: bool) -> bool {
    match next {
        None => true,
        Some(c) if c.is_whitespace() => true,
        Some(',' | '}') => in_flow,
        Some(_) => false,
    }
}

/// True if `rest` is blank or a comment.
fn rest_is_comment(rest: &[char]) -> bool {
    let mut after_space = false;
    for c in rest {
        if c.is_whitespace() {
            after_space = true;
        } else {
            return *c == '#' && after_space;
        }
    }
    true
}

/// A plain scalar starting at `start`: its trimmed text and the index after it.
fn plain(chars: &[char], start: usize, in_flow: bool) -> (String, usize) {
    let mut end = start;
    while let Some(&c) = chars.get(end) {
        let next = chars.get(end + 1).copied();
        let ends = match c {
            ':' => is_separator(next, in_flow),
            '#' => chars
                .get(end.wrapping_sub(1))
                .is_some_and(|p| p.is_whitespace()),
            ',' | '{' | '}' | '[' | ']' => in_flow,
            _ => false,
        };
        if ends {
            break;
        }
        end += 1;
    }
    let end = end.max(start + 1); // always progress (the caller never starts at a terminator)
    let text: String = chars.get(start..end).unwrap_or_default().iter().collect();
    (text.trim_end().to_owned(), end)
}

/// A quoted scalar whose opening quote is at `start`: its text and the index after the closing quote.
fn quoted(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let quote = chars.get(start).copied().unwrap_or('"');
    let mut text = String::new();
    let mut index = start + 1;
    loop {
        let Some(&c) = chars.get(index) else {
            return Err("unterminated quoted string (quoted values end on their line)".to_owned());
        };
        index += 1;
        match (quote, c) {
            ('\'', '\'') if chars.get(index) == Some(&'\'') => {
                text.push('\'');
                index += 1;
            }
            ('\'', '\'') | ('"', '"') => return Ok((text, index)),
            ('"', '\\') => {
                let escape = chars.get(index).copied();
                index += 1;
                match escape {
                    Some('"') => text.push('"'),
                    Some('\\') => text.push('\\'),
                    Some('/') => text.push('/'),
                    Some('n') => text.push('\n'),
                    Some('r') => text.push('\r'),
                    Some('t') => text.push('\t'),
                    Some('0') => text.push('\0'),
                    Some('u') => {
                        let hex: String = chars
                            .get(index..index + 4)
                            .unwrap_or_default()
                            .iter()
                            .collect();
                        let code = u32::from_str_radix(&hex, 16)
                            .ok()
                            .filter(|_| hex.len() == 4)
                            .and_then(char::from_u32)
                            .ok_or_else(|| format!("bad escape \\u{hex}"))?;
                        text.push(code);
                        index += 4;
                    }
                    Some(other) => return Err(format!("unknown escape \\{other}")),
                    None => return Err("unterminated quoted string".to_owned()),
                }
            }
            _ => text.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"roles:
  svc_orders: {owner: orders-service, team: commerce, kind: service, external_identity: "arn:aws:iam::123456789012:role/orders"}
  alice:
    owner: Alice Example
    team: commerce
    kind: person
    external_identity: okta|00u1abcd
"#;

    fn error(text: &str) -> (usize, String) {
        let error = parse_roles(text).unwrap_err();
        (error.line, error.message)
    }

    #[test]
    fn parses_the_documented_example() {
        let roles = parse_roles(EXAMPLE).unwrap();
        assert_eq!(roles.len(), 2);
        assert_eq!(
            roles["svc_orders"],
            Identity {
                owner: Some("orders-service".into()),
                team: Some("commerce".into()),
                kind: Some(IdentityKind::Service),
                external_identity: Some("arn:aws:iam::123456789012:role/orders".into()),
            }
        );
        assert_eq!(
            roles["alice"],
            Identity {
                owner: Some("Alice Example".into()),
                team: Some("commerce".into()),
                kind: Some(IdentityKind::Person),
                external_identity: Some("okta|00u1abcd".into()),
            }
        );
    }

    #[test]
    fn comments_quotes_nulls_and_markers() {
        let text = "\u{feff}# who is who\r\n---\nroles:   # all of them\n\n  \"svc:x\": {owner: 'O''Brien', kind: ~,}\n  bob:\n      owner: Dan O'Brien # a comment\n      team: \"a#b \\\"c\\\" \\u00e9\"\n      external_identity: null\n  carol: {team: x#y, owner: \"null\"}\n";
        let roles = parse_roles(text).unwrap();
        assert_eq!(roles["svc:x"].owner.as_deref(), Some("O'Brien"));
        assert_eq!(roles["svc:x"].kind, None);
        assert_eq!(roles["bob"].owner.as_deref(), Some("Dan O'Brien"));
        assert_eq!(roles["bob"].team.as_deref(), Some("a#b \"c\" é"));
        assert_eq!(roles["bob"].external_identity, None);
        assert_eq!(roles["carol"].team.as_deref(), Some("x#y"));
        assert_eq!(roles["carol"].owner.as_deref(), Some("null"));
        assert!(parse_roles("roles: {}\n").unwrap().is_empty());
        assert!(parse_roles("roles:\n# none yet\n").unwrap().is_empty());
    }

    fn identity(
        owner: Option<&str>,
        team: Option<&str>,
        kind: Option<IdentityKind>,
        external_identity: Option<&str>,
    ) -> Identity {
        Identity {
            owner: owner.map(str::to_owned),
            team: team.map(str::to_owned),
            kind,
            external_identity: external_identity.map(str::to_owned),
        }
    }

    /// Every document the hand-written parser accepted (its unit tests, the integration tests, the e2e
    /// tests, the demo, and the corners of its syntax) parses to exactly these roles.
    #[test]
    fn documents_accepted_by_the_first_parser_keep_their_meaning() {
        use IdentityKind::{Person, Service};
        let arn = "arn:aws:iam::123456789012:role/orders";
        let example = vec![
            (
                "alice",
                identity(
                    Some("Alice Example"),
                    Some("commerce"),
                    Some(Person),
                    Some("okta|00u1abcd"),
                ),
            ),
            (
                "svc_orders",
                identity(
                    Some("orders-service"),
                    Some("commerce"),
                    Some(Service),
                    Some(arn),
                ),
            ),
        ];
        let cases: Vec<(String, Vec<(&str, Identity)>)> = vec![
            (EXAMPLE.to_owned(), example.clone()),
            (format!("# who is behind each role\n{EXAMPLE}"), example),
            (
                "roles:\n  svc_app: {owner: app-service, team: commerce, kind: service}\n  bob: {owner: Bob Example, team: analytics, kind: person}\n".to_owned(),
                vec![
                    ("bob", identity(Some("Bob Example"), Some("analytics"), Some(Person), None)),
                    ("svc_app", identity(Some("app-service"), Some("commerce"), Some(Service), None)),
                ],
            ),
            (
                "roles:\n  alice: {team: t1, kind: person}\n".to_owned(),
                vec![("alice", identity(None, Some("t1"), Some(Person), None))],
            ),
            (
                "roles:\n  alice:\n    owner: Alice\n".to_owned(),
                vec![("alice", identity(Some("Alice"), None, None, None))],
            ),
            ("roles: {}\n".to_owned(), vec![]),
            ("roles:\n# none yet\n".to_owned(), vec![]),
            ("roles:".to_owned(), vec![]),
            (
                "\u{feff}# who is who\r\n---\nroles:   # all of them\n\n  \"svc:x\": {owner: 'O''Brien', kind: ~,}\n  bob:\n      owner: Dan O'Brien # a comment\n      team: \"a#b \\\"c\\\" \\u00e9\"\n      external_identity: null\n  carol: {team: x#y, owner: \"null\"}\n".to_owned(),
                vec![
                    ("bob", identity(Some("Dan O'Brien"), Some("a#b \"c\" é"), None, None)),
                    ("carol", identity(Some("null"), Some("x#y"), None, None)),
                    ("svc:x", identity(Some("O'Brien"), None, None, None)),
                ],
            ),
            (
                // Plain scalars are text, whatever they look like; only `null` and `~` are absent.
                "roles:\n    123: {owner: 123, team: true, external_identity: 1e3}\n    'x y':\n        kind: service\n        team: '~'\n        owner: a:b\n    z: {kind: ~}\n    \"t\\tab\": {owner: \"\\/\\0\"}\n".to_owned(),
                vec![
                    ("123", identity(Some("123"), Some("true"), None, Some("1e3"))),
                    ("t\tab", identity(Some("/\0"), None, None, None)),
                    ("x y", identity(Some("a:b"), Some("~"), Some(Service), None)),
                    ("z", identity(None, None, None, None)),
                ],
            ),
        ];
        for (text, expected) in cases {
            let roles = parse_roles(&text).unwrap_or_else(|error| panic!("{text:?}: {error}"));
            let mut roles: Vec<(String, Identity)> = roles.into_iter().collect();
            roles.sort_by(|a, b| a.0.cmp(&b.0));
            let expected: Vec<(String, Identity)> = expected
                .into_iter()
                .map(|(name, identity)| (name.to_owned(), identity))
                .collect();
            assert_eq!(roles, expected, "{text:?}");
        }
    }

    #[test]
    fn messages_quoting_the_input_stay_one_printable_line() {
        // Found by the identity_map fuzz target (inputs in rust-core/fuzz/regressions/identity_map/): a
        // carriage return, NUL or escaped line break of the input went into the message raw.
        assert_eq!(
            error("\r\0:"),
            (
                1,
                "unknown top-level key `\\r\\u{0}` (only `roles` is supported)".to_owned()
            )
        );
        assert_eq!(
            error("roles:\n  \"a\\nb\\u001b[2J\": {}\n"),
            (
                2,
                "role `a\\nb\\u{1b}[2J` has no entries (give owner, team, kind, external_identity)"
                    .to_owned()
            )
        );
    }

    #[test]
    fn errors_name_the_line() {
        let cases: [(&str, usize, &str); 19] = [
            ("", 1, "no `roles:` mapping"),
            ("users:\n", 1, "unknown top-level key `users`"),
            ("roles:\nroles:\n", 2, "`roles` given twice"),
            (
                "roles:\n  a: {kind: robot}\n",
                2,
                "must be `service` or `person`, got \"robot\"",
            ),
            (
                "roles:\n  a:\n    kind: robot\n",
                3,
                "must be `service` or `person`",
            ),
            (
                "roles:\n  a: {owner: x, colour: blue}\n",
                2,
                "unknown key `colour` in role `a`",
            ),
            (
                "roles:\n  a: {owner: x}\n  b: {owner: y}\n  a: {team: z}\n",
                4,
                "role `a` is defined twice (first on line 2)",
            ),
            (
                "roles:\n  a:\n    owner: x\n    owner: y\n",
                4,
                "key `owner` given twice",
            ),
            (
                "roles:\n  a:\n    owner: x\n  b:\n\n",
                4,
                "role `b` has no entries",
            ),
            ("roles:\n  a: {}\n", 2, "role `a` has no entries"),
            ("roles:\n\ta: {owner: x}\n", 2, "tab in indentation"),
            ("roles:\n  a: {owner: x\n", 2, "closed on the same line"),
            (
                "roles:\n  a:\n    owner: \"x\n",
                3,
                "unterminated quoted string",
            ),
            ("roles:\n  a:\n    owner:\n", 3, "missing value for `owner`"),
            ("roles:\n  - a\n", 2, "lists"),
            ("roles:\n  a: &x {owner: y}\n", 2, "anchors"),
            (
                "roles:\n  a:\n    owner: x\n   team: y\n",
                4,
                "indented by 3 spaces",
            ),
            ("roles:\n  a: {owner: \"\"}\n", 2, "empty value for `owner`"),
            ("  roles:\n", 1, "indented line before `roles:`"),
        ];
        for (text, line, message) in cases {
            let (found_line, found) = error(text);
            assert!(
                found_line == line && found.contains(message),
                "{text:?}: line {found_line}: {found}"
            );
        }
    }
}
