//! Safe by default: loopback unless told otherwise, and then only with a token that every request
//! must carry (`Authorization: Bearer <token>` or `?token=<token>`).

use std::net::SocketAddr;
use std::path::Path;

/// Checks the listen address against the token: a non-loopback address needs one.
pub fn check_listen(listen: SocketAddr, token: Option<&str>) -> Result<(), String> {
    if listen.ip().is_loopback() || token.is_some() {
        return Ok(());
    }
    Err(format!(
        "refusing to listen on {listen} without a token: it is not a loopback address, so anybody who can reach it would see the lineage; give --token-file FILE (or --token), or listen on 127.0.0.1"
    ))
}

/// Reads a token file: its first line, trimmed; an empty token is refused.
pub fn read_token_file(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read token file {}: {error}", path.display()))?;
    let token = text.lines().next().unwrap_or("").trim().to_owned();
    check_token(&token).map_err(|why| format!("token file {}: {why}", path.display()))?;
    Ok(token)
}

/// A token must be at least 16 printable ASCII characters (it goes in headers and URLs).
pub fn check_token(token: &str) -> Result<(), String> {
    if token.len() < 16 {
        return Err(format!(
            "the token has {} characters, at least 16 are needed",
            token.len()
        ));
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) || token.contains(['&', '#', '%', '+']) {
        return Err("the token must be printable ASCII without spaces, &, #, % or +".to_owned());
    }
    Ok(())
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether a request carries `token` (its `Authorization` header value, its query string).
pub fn authorized(token: &str, authorization: Option<&str>, query: Option<&str>) -> bool {
    if let Some(bearer) = authorization.and_then(|value| value.trim().strip_prefix("Bearer "))
        && same(bearer.trim().as_bytes(), token.as_bytes())
    {
        return true;
    }
    query
        .into_iter()
        .flat_map(|query| query.split('&'))
        .filter_map(|pair| pair.strip_prefix("token="))
        .any(|value| same(value.as_bytes(), token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_loopback_needs_a_token() {
        let any: SocketAddr = "0.0.0.0:8089".parse().unwrap();
        let error = check_listen(any, None).unwrap_err();
        assert!(
            error.contains("refusing to listen on 0.0.0.0:8089 without a token"),
            "{error}"
        );
        assert!(check_listen(any, Some("0123456789abcdef")).is_ok());
        assert!(check_listen("127.0.0.1:8089".parse().unwrap(), None).is_ok());
        assert!(check_listen("[::1]:8089".parse().unwrap(), None).is_ok());
    }

    #[test]
    fn a_request_needs_the_exact_token() {
        let token = "0123456789abcdef";
        assert!(authorized(token, Some("Bearer 0123456789abcdef"), None));
        assert!(authorized(
            token,
            None,
            Some("window=10&token=0123456789abcdef")
        ));
        assert!(!authorized(token, Some("Bearer 0123456789abcdeX"), None));
        assert!(!authorized(token, None, Some("token=0123456789abcde")));
        assert!(!authorized(token, None, None));
        assert!(check_token("short").is_err());
        assert!(check_token("0123456789 abcdef").is_err());
    }
}
