//! The row filters shared by every command: time range, keyspace, table and role.

use crate::discover::LineageFile;
use crate::time::format_time;

/// Microseconds in one day.
const DAY_MICROS: i64 = 86_400_000_000;

/// Which rows a command looks at. `None` = no restriction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Keep rows with `event_time >= since` (µs since the epoch).
    pub since: Option<i64>,
    /// Keep rows with `event_time < until` (µs since the epoch).
    pub until: Option<i64>,
    /// Keep rows of this keyspace.
    pub keyspace: Option<String>,
    /// Keep rows of this table: `table` (any keyspace) or `keyspace.table`.
    pub table: Option<String>,
    /// Keep the flow of this role (`user_name`); see [`crate::census`] for how replica rows, which
    /// carry no role, are attributed.
    pub role: Option<String>,
}

impl Filters {
    /// Whether a row with this time, keyspace and table passes the time and table filters (the role
    /// filter is applied by the callers, who know how to attribute a row to a role).
    pub fn keeps(&self, time: Option<i64>, keyspace: Option<&str>, table: Option<&str>) -> bool {
        if self.since.is_some() || self.until.is_some() {
            let Some(time) = time else {
                return false;
            };
            if self.since.is_some_and(|since| time < since)
                || self.until.is_some_and(|until| time >= until)
            {
                return false;
            }
        }
        if let Some(wanted) = &self.keyspace
            && keyspace != Some(wanted.as_str())
        {
            return false;
        }
        if let Some(wanted) = &self.table {
            let matches = match wanted.split_once('.') {
                Some((wanted_keyspace, wanted_table)) => {
                    keyspace == Some(wanted_keyspace) && table == Some(wanted_table)
                }
                None => table == Some(wanted.as_str()),
            };
            if !matches {
                return false;
            }
        }
        true
    }

    /// The filters as command-line options (`--keyspace shop --since …`), empty without any.
    pub fn describe(&self) -> String {
        let mut options = Vec::new();
        if let Some(since) = self.since {
            options.push(format!("--since {}", format_time(since)));
        }
        if let Some(until) = self.until {
            options.push(format!("--until {}", format_time(until)));
        }
        for (option, value) in [
            ("--keyspace", &self.keyspace),
            ("--table", &self.table),
            ("--role", &self.role),
        ] {
            if let Some(value) = value {
                options.push(format!("{option} {value}"));
            }
        }
        options.join(" ")
    }

    /// The one-line warning of a command that found no row: which filters matched nothing in how many
    /// files, or that the files hold no row.
    pub fn nothing_matched(&self, what: &str, files: usize) -> String {
        let filters = self.describe();
        if filters.is_empty() {
            format!("cdflow: warning: no lineage rows in the {files} file(s) read; {what}")
        } else {
            format!(
                "cdflow: warning: no lineage rows matched {filters} in the {files} file(s) read; {what}"
            )
        }
    }

    /// Whether a whole file can be skipped: its `date=` partition (the day of its first row) starts a
    /// full day after `until` (a day of margin for rows observed slightly out of order).
    pub fn skips_file(&self, file: &LineageFile) -> bool {
        match (self.until, file.date_days) {
            (Some(until), Some(days)) => {
                days.saturating_mul(DAY_MICROS) >= until.saturating_add(DAY_MICROS)
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_filter_with_and_without_keyspace() {
        let filters = Filters {
            table: Some("ks.t".into()),
            ..Filters::default()
        };
        assert!(filters.keeps(None, Some("ks"), Some("t")));
        assert!(!filters.keeps(None, Some("other"), Some("t")));
        let filters = Filters {
            table: Some("t".into()),
            ..Filters::default()
        };
        assert!(filters.keeps(None, Some("other"), Some("t")));
        assert!(!filters.keeps(None, Some("ks"), Some("u")));
    }

    #[test]
    fn the_warning_names_the_filters() {
        let filters = Filters {
            since: Some(1_795_615_200_000_000),
            keyspace: Some("shop".into()),
            role: Some("alcie".into()),
            ..Filters::default()
        };
        assert_eq!(
            filters.nothing_matched("the summary is empty", 3),
            "cdflow: warning: no lineage rows matched --since 2026-11-25T14:00:00.000000Z --keyspace shop --role alcie in the 3 file(s) read; the summary is empty"
        );
        assert_eq!(
            Filters::default().nothing_matched("the graph is empty", 0),
            "cdflow: warning: no lineage rows in the 0 file(s) read; the graph is empty"
        );
    }

    #[test]
    fn time_range_is_half_open_and_needs_a_time() {
        let filters = Filters {
            since: Some(10),
            until: Some(20),
            ..Filters::default()
        };
        assert!(filters.keeps(Some(10), None, None));
        assert!(!filters.keeps(Some(20), None, None));
        assert!(!filters.keeps(Some(9), None, None));
        assert!(!filters.keeps(None, None, None));
    }
}
