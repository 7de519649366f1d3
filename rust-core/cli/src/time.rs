//! Parsing of the `--since` / `--until` bounds with chrono: RFC 3339 timestamps (`2026-11-25T14:00:00Z`,
//! `2026-11-25T15:00:00.5+01:00`) or a bare UTC date (`2026-11-25`, meaning its midnight), into
//! microseconds since the Unix epoch — the unit of the lineage's `event_time` column.
//!
//! Accepted (each form is a test below): a `YYYY-MM-DD` date, then optionally `T`, `t` or a space and a
//! time `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fraction` (up to nanoseconds; truncated to µs; `:60` is a leap
//! second), then optionally a UTC offset `Z`, `z`, `±HH:MM`, `±HHMM` or `±HH`. A time without an offset
//! is taken as UTC (lenient: RFC 3339 requires one). Surrounding whitespace is ignored.

use chrono::format::{Parsed, StrftimeItems, parse};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc};

/// Microseconds in one second.
const MICROS_PER_SECOND: i64 = 1_000_000;

/// The date every accepted form starts with.
const DATE: &str = "%Y-%m-%d";

/// What may follow the date: a separator and a time, longest first (`%.f`: an optional fraction).
const CLOCKS: [&str; 6] = [
    "T%H:%M:%S%.f",
    "T%H:%M",
    "t%H:%M:%S%.f",
    "t%H:%M",
    " %H:%M:%S%.f",
    " %H:%M",
];

/// What may follow the time: a UTC offset (`Z`, `z`, `±HH:MM`, `±HHMM`, `±HH`).
const OFFSET: &str = "%#z";

/// Parses `text` into microseconds since the epoch (UTC), or says what is wrong with it.
pub fn parse_time(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (date, rest) = NaiveDate::parse_and_remainder(text, DATE)
        .map_err(|error| format!("it does not start with a YYYY-MM-DD date ({error})"))?;
    if rest.is_empty() {
        return Ok(micros_of(date, NaiveTime::MIN, 0));
    }
    for clock in CLOCKS {
        if let Ok((time, offset)) = NaiveTime::parse_and_remainder(rest, clock)
            && let Some(offset_seconds) = utc_offset(offset)
        {
            return Ok(micros_of(date, time, offset_seconds));
        }
    }
    Err(format!(
        "{rest:?} after the date is not T (or a space) and a time HH:MM[:SS[.fraction]] with an \
         optional offset Z, ±HH:MM or ±HHMM"
    ))
}

/// Seconds east of UTC of an offset (`""`: UTC), `None` when `text` is not one.
fn utc_offset(text: &str) -> Option<i64> {
    if text.is_empty() {
        return Some(0);
    }
    let mut parsed = Parsed::new();
    parse(&mut parsed, text, StrftimeItems::new(OFFSET)).ok()?;
    parsed.offset().map(i64::from)
}

/// Microseconds since the epoch of a local date and time at `offset_seconds` east of UTC.
fn micros_of(date: NaiveDate, time: NaiveTime, offset_seconds: i64) -> i64 {
    date.and_time(time).and_utc().timestamp_micros() - offset_seconds * MICROS_PER_SECOND
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
pub fn parse_date(date: &str) -> Result<i64, String> {
    let date = NaiveDate::parse_from_str(date, DATE)
        .map_err(|error| format!("{date:?} is not a YYYY-MM-DD date ({error})"))?;
    Ok(date
        .signed_duration_since(DateTime::UNIX_EPOCH.date_naive())
        .num_days())
}

/// Formats microseconds since the epoch as RFC 3339 UTC with microseconds
/// (`2026-11-25T14:27:29.500000Z`).
pub fn format_time(micros: i64) -> String {
    // Outside chrono's range (years ±262,142; `i64` µs reach 294,247) the first or last instant it knows.
    let time = DateTime::from_timestamp_micros(micros).unwrap_or(if micros < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    });
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        time.year(),
        time.month(),
        time.day(),
        time.hour(),
        time.minute(),
        time.second(),
        time.timestamp_subsec_micros()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leap_days_and_the_bounds_of_four_digit_years() {
        // Compared with the hand-written math chrono replaced, every YYYY-MM-DD of 0000..9999 (commit
        // e34b818); these are its answers at the edges.
        assert_eq!(parse_date("0000-01-01"), Ok(-719_528));
        assert_eq!(parse_date("0000-02-29"), Ok(-719_469));
        assert_eq!(parse_date("9999-12-31"), Ok(2_932_896));
        assert!(parse_date("1900-02-29").is_err());
        assert_eq!(parse_date("2000-02-29"), Ok(11_016));
        assert_eq!(
            format_time(253_402_300_799_999_999),
            "9999-12-31T23:59:59.999999Z"
        );
        assert_eq!(
            format_time(-62_135_596_800_000_001),
            "0000-12-31T23:59:59.999999Z"
        );
        assert_eq!(format_time(-1), "1969-12-31T23:59:59.999999Z");
    }

    #[test]
    fn formats_round_trip() {
        for text in [
            "1970-01-01T00:00:00.000000Z",
            "2000-02-29T23:59:59.999999Z",
            "2026-11-25T14:27:29.500000Z",
            "1969-12-31T23:59:59.000001Z",
        ] {
            assert_eq!(format_time(parse_time(text).unwrap()), text);
        }
    }

    #[test]
    fn dates_and_timestamps() {
        assert_eq!(parse_time("1970-01-01"), Ok(0));
        assert_eq!(parse_time("1970-01-02"), Ok(86_400_000_000));
        assert_eq!(parse_time("2000-03-01T00:00:00Z"), Ok(951_868_800_000_000));
        assert_eq!(
            parse_time("2026-11-25T14:27:29.5Z"),
            Ok(1_795_616_849_500_000)
        );
        assert_eq!(
            parse_time("2026-11-25T15:27:29.5+01:00"),
            parse_time("2026-11-25T14:27:29.5Z")
        );
        assert_eq!(
            parse_time("2026-11-25T13:27:29.5-0100"),
            parse_time("2026-11-25T14:27:29.5Z")
        );
        assert_eq!(
            parse_time("2026-11-25 14:27"),
            parse_time("2026-11-25T14:27:00Z")
        );
    }

    /// Every form the hand-written parser accepted before chrono parsed them, with its value.
    #[test]
    fn every_accepted_form() {
        let at = 1_795_616_849_000_000; // 2026-11-25T14:27:29Z
        let midnight = 1_795_564_800_000_000; // 2026-11-25T00:00:00Z
        for (text, micros) in [
            ("2026-11-25", midnight),
            ("  2026-11-25\t", midnight),
            ("2026-11-25T14:27:29Z", at),
            ("2026-11-25t14:27:29z", at),
            ("2026-11-25 14:27:29", at),
            ("2026-11-25T14:27:29", at),
            ("2026-11-25T14:27Z", at - 29_000_000),
            ("2026-11-25 14:27", at - 29_000_000),
            ("2026-11-25T14:27:29.5Z", at + 500_000),
            ("2026-11-25T14:27:29.000001Z", at + 1),
            ("2026-11-25T14:27:29.1234567Z", at + 123_456),
            ("2026-11-25T14:27:29.123456789Z", at + 123_456),
            ("2026-11-25T15:27:29+01:00", at),
            ("2026-11-25T15:27:29+0100", at),
            ("2026-11-25T13:27:29-01:00", at),
            ("2026-11-25T13:27:29-0100", at),
            ("2026-11-25T19:57:29.5+05:30", at + 500_000),
            ("2026-11-25T14:27:29+00:00", at),
            ("2026-11-25T14:27:29-00:00", at),
            ("2026-11-25T23:59:60Z", midnight + 86_400_000_000),
            ("1969-12-31T23:59:59.999999Z", -1),
        ] {
            assert_eq!(parse_time(text), Ok(micros), "{text:?}");
        }
    }

    #[test]
    fn rejects_garbage_and_says_what_is_wrong() {
        for (bad, says) in [
            (
                "",
                "it does not start with a YYYY-MM-DD date (premature end of input)",
            ),
            (
                "yesterday",
                "it does not start with a YYYY-MM-DD date (input contains invalid characters)",
            ),
            (
                "2026-13-01",
                "it does not start with a YYYY-MM-DD date (input is out of range)",
            ),
            (
                "2026-02-30",
                "it does not start with a YYYY-MM-DD date (input is out of range)",
            ),
            (
                "2026-11-25T25:00Z",
                "\"T25:00Z\" after the date is not T (or a space) and a time",
            ),
            (
                "2026-11-25T14:00:00.Z",
                "\"T14:00:00.Z\" after the date is not T",
            ),
            ("2026-11-25T14:00+1", "\"T14:00+1\" after the date is not T"),
            (
                "2026-11-25T14:00:00 UTC",
                "\"T14:00:00 UTC\" after the date is not T",
            ),
            ("2026-11-25X14:00", "\"X14:00\" after the date is not T"),
            ("2026-11-25T14", "\"T14\" after the date is not T"),
        ] {
            let error = parse_time(bad).expect_err(bad);
            assert!(error.starts_with(says), "{bad:?}: {error}");
        }
    }

    #[test]
    fn partition_dates() {
        assert_eq!(parse_date("2026-11-25"), Ok(20_782));
        assert_eq!(
            parse_date("2026-11-xx"),
            Err(
                "\"2026-11-xx\" is not a YYYY-MM-DD date (input contains invalid characters)"
                    .into()
            )
        );
    }
}
