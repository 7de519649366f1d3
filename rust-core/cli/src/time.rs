//! Parsing of the `--since` / `--until` bounds: RFC 3339 timestamps (`2026-11-25T14:00:00Z`,
//! `2026-11-25T15:00:00.5+01:00`) or a bare UTC date (`2026-11-25`, meaning its midnight), into
//! microseconds since the Unix epoch — the unit of the lineage's `event_time` column.
//!
//! A timestamp without an offset is taken as UTC (lenient: RFC 3339 requires one).

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

/// Microseconds in one second.
const MICROS_PER_SECOND: i64 = 1_000_000;

/// Parses `text` into microseconds since the epoch (UTC), or says what is wrong with it.
pub fn parse_time(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (date, rest) = match text.find(['T', 't', ' ']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let days = parse_date(date)?;
    let mut micros = days * 86_400 * MICROS_PER_SECOND;
    if let Some(rest) = rest {
        micros += parse_clock_and_offset(rest)?;
    }
    Ok(micros)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
pub fn parse_date(date: &str) -> Result<i64, String> {
    let parts: Vec<&str> = date.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return Err(format!("{date:?} is not a YYYY-MM-DD date"));
    };
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return Err(format!("{date:?} is not a YYYY-MM-DD date"));
    }
    let year = number(year, "year")?;
    let month = number(month, "month")?;
    let day = number(day, "day")?;
    if !(1..=12).contains(&month) {
        return Err(format!("month {month} is out of range"));
    }
    // Four digits each way: the numbers fit, and chrono knows every date of years 0000 to 9999.
    let date = NaiveDate::from_ymd_opt(year as i32, month as u32, day as u32)
        .ok_or_else(|| format!("day {day} is out of range for {year:04}-{month:02}"))?;
    Ok(date
        .signed_duration_since(DateTime::UNIX_EPOCH.date_naive())
        .num_days())
}

/// Microseconds of `HH:MM[:SS[.fraction]][Z|±HH:MM|±HHMM]` relative to midnight UTC.
fn parse_clock_and_offset(text: &str) -> Result<i64, String> {
    let (clock, offset_micros) = split_offset(text)?;
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, fraction)) => (hms, Some(fraction)),
        None => (clock, None),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    let (hour, minute, second) = match parts.as_slice() {
        [h, m] => (two_digits(h, "hour")?, two_digits(m, "minute")?, 0),
        [h, m, s] => (
            two_digits(h, "hour")?,
            two_digits(m, "minute")?,
            two_digits(s, "second")?,
        ),
        _ => return Err(format!("{clock:?} is not a HH:MM[:SS] time")),
    };
    if hour > 23 || minute > 59 || second > 60 {
        return Err(format!("{clock:?} is not a valid time of day"));
    }
    let mut micros = ((hour * 60 + minute) * 60 + second) * MICROS_PER_SECOND;
    if let Some(fraction) = fraction {
        if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{fraction:?} is not a fraction of a second"));
        }
        let digits: String = fraction.chars().chain("000000".chars()).take(6).collect();
        micros += number(&digits, "fraction")?;
    }
    Ok(micros - offset_micros)
}

/// Splits the clock from its UTC offset (`Z`, `±HH:MM`, `±HHMM`; none = UTC), the offset in µs.
fn split_offset(text: &str) -> Result<(&str, i64), String> {
    if let Some(clock) = text.strip_suffix(['Z', 'z']) {
        return Ok((clock, 0));
    }
    let Some(at) = text.rfind(['+', '-']) else {
        return Ok((text, 0));
    };
    let (clock, offset) = (&text[..at], &text[at..]);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let digits = offset[1..].replace(':', "");
    if digits.len() != 4 {
        return Err(format!("{offset:?} is not a ±HH:MM offset"));
    }
    let hours = two_digits(&digits[..2], "offset hour")?;
    let minutes = two_digits(&digits[2..], "offset minute")?;
    Ok((
        clock,
        sign * (hours * 60 + minutes) * 60 * MICROS_PER_SECOND,
    ))
}

fn two_digits(text: &str, what: &str) -> Result<i64, String> {
    if text.len() != 2 {
        return Err(format!("{what} {text:?} must have two digits"));
    }
    number(text, what)
}

fn number(text: &str, what: &str) -> Result<i64, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{what} {text:?} is not a number"));
    }
    text.parse::<i64>()
        .map_err(|_| format!("{what} {text:?} is not a number"))
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

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-02-30",
            "2026-11-25T25:00Z",
            "2026-11-25T14:00:00.Z",
            "2026-11-25T14:00+1",
        ] {
            assert!(parse_time(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
