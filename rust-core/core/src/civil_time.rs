//! UTC calendar arithmetic for partition dates and file names, on chrono (proleptic Gregorian).
//!
//! Invariants: all functions are total over `i64` inputs (floor division, so instants before 1970 map to
//! the right earlier day, and no overflow panics); dates outside chrono's range (years ±262,142) are
//! clamped to its first or last day (no lineage timestamp is near them: `i64` microseconds end in
//! year 294,247).

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

const MICROS_PER_SECOND: i64 = 1_000_000;
const SECONDS_PER_DAY: i64 = 86_400;
const MICROS_PER_DAY: i64 = MICROS_PER_SECOND * SECONDS_PER_DAY;
/// `NaiveDate::num_days_from_ce` of 1970-01-01.
const UNIX_EPOCH_FROM_CE: i64 = 719_163;

/// A UTC calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDate {
    /// Year (proleptic Gregorian, may be ≤ 0 for absurd timestamps).
    pub year: i64,
    /// Month 1..=12.
    pub month: u32,
    /// Day 1..=31.
    pub day: u32,
}

impl CivilDate {
    /// `YYYY-MM-DD` (the Hive `date=` value).
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// The date of a chrono date.
    pub fn of(date: NaiveDate) -> CivilDate {
        CivilDate {
            year: i64::from(date.year()),
            month: date.month(),
            day: date.day(),
        }
    }
}

/// Days since 1970-01-01 of the UTC day containing `micros` (floor).
pub fn day_of_unix_micros(micros: i64) -> i64 {
    micros.div_euclid(MICROS_PER_DAY)
}

/// Calendar date of a day number (days since 1970-01-01).
pub fn civil_from_days(days: i64) -> CivilDate {
    let date = days
        .checked_add(UNIX_EPOCH_FROM_CE)
        .and_then(|from_ce| i32::try_from(from_ce).ok())
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .unwrap_or(if days < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        });
    CivilDate::of(date)
}

/// The UTC date and time of a Unix time in seconds (clamped to chrono's range).
pub fn utc_of_unix_seconds(unix_seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(unix_seconds, 0).unwrap_or(if unix_seconds < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

/// Compact UTC timestamp `yyyymmddThhmmssZ` of a Unix time in seconds (used in file names).
pub fn compact_utc(unix_seconds: i64) -> String {
    let time = utc_of_unix_seconds(unix_seconds);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        time.year(),
        time.month(),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    )
}

/// Now, in microseconds since the Unix epoch (0 if the clock is before 1970).
pub fn now_unix_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_of_years_and_of_chrono() {
        // Compared with the hand-written math chrono replaced, every day of years -2000..12000 (commit
        // e34b818); these are its answers at the edges.
        assert_eq!(civil_from_days(2_932_896).iso(), "9999-12-31");
        assert_eq!(civil_from_days(2_932_897).iso(), "10000-01-01");
        assert_eq!(civil_from_days(-719_528).iso(), "0000-01-01");
        assert_eq!(civil_from_days(-719_529).iso(), "-001-12-31");
        assert_eq!(compact_utc(253_402_300_799), "99991231T235959Z");
        assert_eq!(compact_utc(951_782_400), "20000229T000000Z");
        assert_eq!(compact_utc(-62_135_596_801), "00001231T235959Z");
        // Outside chrono's range: clamped to its first and last day.
        assert_eq!(civil_from_days(i64::MIN), CivilDate::of(NaiveDate::MIN));
        assert_eq!(civil_from_days(i64::MAX), CivilDate::of(NaiveDate::MAX));
    }

    #[test]
    fn known_dates() {
        assert_eq!(civil_from_days(0).iso(), "1970-01-01");
        assert_eq!(civil_from_days(-1).iso(), "1969-12-31");
        assert_eq!(civil_from_days(11_016).iso(), "2000-02-29");
        assert_eq!(civil_from_days(11_017).iso(), "2000-03-01");
        assert_eq!(civil_from_days(20_416).iso(), "2025-11-24");
        assert_eq!(day_of_unix_micros(1_764_000_000_123_456), 20_416);
        assert_eq!(day_of_unix_micros(-1), -1);
        assert_eq!(day_of_unix_micros(0), 0);
    }

    #[test]
    fn round_trips_day_by_day_across_centuries() {
        let mut expected = CivilDate {
            year: 1600,
            month: 3,
            day: 1,
        };
        let start = -135_080; // 1600-03-01
        assert_eq!(civil_from_days(start), expected);
        for days in start + 1..start + 200_000 {
            let date = civil_from_days(days);
            let leap =
                expected.year % 4 == 0 && (expected.year % 100 != 0 || expected.year % 400 == 0);
            let month_len = match expected.month {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            expected = if expected.day < month_len {
                CivilDate {
                    day: expected.day + 1,
                    ..expected
                }
            } else if expected.month < 12 {
                CivilDate {
                    month: expected.month + 1,
                    day: 1,
                    ..expected
                }
            } else {
                CivilDate {
                    year: expected.year + 1,
                    month: 1,
                    day: 1,
                }
            };
            assert_eq!(date, expected, "day {days}");
        }
    }

    #[test]
    fn extremes_do_not_panic() {
        let _ = civil_from_days(day_of_unix_micros(i64::MIN));
        let _ = civil_from_days(day_of_unix_micros(i64::MAX));
        let _ = civil_from_days(i64::MIN);
        let _ = compact_utc(i64::MIN);
        let _ = compact_utc(i64::MAX);
    }

    #[test]
    fn compact_timestamps() {
        assert_eq!(compact_utc(0), "19700101T000000Z");
        assert_eq!(compact_utc(1_764_000_000), "20251124T160000Z");
        assert_eq!(compact_utc(-1), "19691231T235959Z");
    }
}
