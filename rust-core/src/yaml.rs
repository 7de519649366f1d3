//! Where a `serde_yaml_ng` error is: the one rule shared by the core's identity map and the CLI's
//! policies, so both name the line and column the same way.

use crate::error::printable;

/// The 1-based line and column of `error` (when it has one) and its message without the location
/// serde_yaml_ng appends, as one printable line (control characters of the input escaped).
pub fn located(error: &serde_yaml_ng::Error) -> (Option<(usize, usize)>, String) {
    let mut message = error.to_string();
    let location = error.location().map(|location| {
        let at = format!(" at line {} column {}", location.line(), location.column());
        message = message.replacen(&at, "", 1);
        (location.line(), location.column())
    });
    (location, printable(&message).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_location_out_of_the_message() {
        let error = serde_yaml_ng::from_str::<Vec<u8>>("[1,\n  x]").unwrap_err();
        let (location, message) = located(&error);
        assert_eq!(location, Some((2, 3)));
        assert_eq!(message, ".[1]: invalid type: string \"x\", expected u8");
    }
}
