//! Periods as people write them: `2026`, `2026-03`, `2026-Q1`, `2026-03-15`, or a range of
//! days `2026-01-01..2026-03-31` (both ends included). Days are Astrakhan's.

use crate::AnalyticsError;
use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

/// A half-open range of local days `[first, last + 1 day)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    /// First day.
    pub first: NaiveDate,
    /// Last day (included).
    pub last: NaiveDate,
}

impl Period {
    /// Parses a period.
    pub fn parse(text: &str) -> Result<Period, AnalyticsError> {
        let t = text.trim();
        let bad = || AnalyticsError::Period(text.to_owned());
        if let Some((a, b)) = t.split_once("..") {
            let first = NaiveDate::parse_from_str(a.trim(), "%Y-%m-%d").map_err(|_| bad())?;
            let last = NaiveDate::parse_from_str(b.trim(), "%Y-%m-%d").map_err(|_| bad())?;
            return if first <= last { Ok(Period { first, last }) } else { Err(bad()) };
        }
        if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            return Ok(Period { first: d, last: d });
        }
        let months = |first: NaiveDate, n: u32| -> Result<Period, AnalyticsError> {
            let next = first.checked_add_months(Months::new(n)).ok_or_else(bad)?;
            Ok(Period { first, last: next.pred_opt().ok_or_else(bad)? })
        };
        let parts: Vec<&str> = t.split('-').collect();
        let year = |s: &str| s.parse::<i32>().ok().filter(|y| (1900..=2200).contains(y) && s.len() == 4);
        match parts.as_slice() {
            [y] => months(NaiveDate::from_ymd_opt(year(y).ok_or_else(bad)?, 1, 1).ok_or_else(bad)?, 12),
            [y, q] if q.len() == 2 && (q.starts_with('Q') || q.starts_with('q')) => {
                let n: u32 = q[1..].parse().ok().filter(|n| (1..=4).contains(n)).ok_or_else(bad)?;
                months(NaiveDate::from_ymd_opt(year(y).ok_or_else(bad)?, 3 * n - 2, 1).ok_or_else(bad)?, 3)
            }
            [y, m] => {
                let m: u32 = m.parse().ok().filter(|m| (1..=12).contains(m)).ok_or_else(bad)?;
                months(NaiveDate::from_ymd_opt(year(y).ok_or_else(bad)?, m, 1).ok_or_else(bad)?, 1)
            }
            _ => Err(bad()),
        }
    }

    /// The last `days` days up to and including `today`.
    pub fn last_days(today: NaiveDate, days: u32) -> Period {
        Period { first: today - chrono::Duration::days(i64::from(days.max(1)) - 1), last: today }
    }

    /// `[from, to)` in Unix ms: from the first day's local midnight to the midnight after the last.
    pub fn millis(&self) -> (i64, i64) {
        let start = tsur_core::time::day_start(self.first).timestamp_millis();
        let end = tsur_core::time::day_start(self.last.succ_opt().unwrap_or(self.last)).timestamp_millis();
        (start, end)
    }

    /// Days in the period.
    pub fn days(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }

    /// `dd.mm.yyyy–dd.mm.yyyy` for the screens.
    pub fn label_ru(&self) -> String {
        let f = |d: NaiveDate| format!("{:02}.{:02}.{}", d.day(), d.month(), d.year());
        if self.first == self.last {
            f(self.first)
        } else {
            format!("{}–{}", f(self.first), f(self.last))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_as_people_write_them() {
        let cases = [
            ("2026", d(2026, 1, 1), d(2026, 12, 31)),
            ("2026-02", d(2026, 2, 1), d(2026, 2, 28)),
            ("2024-02", d(2024, 2, 1), d(2024, 2, 29)),
            ("2026-Q1", d(2026, 1, 1), d(2026, 3, 31)),
            ("2026-q4", d(2026, 10, 1), d(2026, 12, 31)),
            ("2026-03-15", d(2026, 3, 15), d(2026, 3, 15)),
            (" 2026-01-10..2026-02-05 ", d(2026, 1, 10), d(2026, 2, 5)),
        ];
        for (text, first, last) in cases {
            assert_eq!(Period::parse(text).unwrap(), Period { first, last }, "{text}");
        }
        for bad in ["", "26", "2026-13", "2026-Q5", "2026-02-30", "2026-03-01..2026-02-01", "вчера"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Period::parse("2026-Q1").unwrap().days(), 90);
        assert_eq!(Period::parse("2026-Q1").unwrap().label_ru(), "01.01.2026–31.03.2026");
    }

    #[test]
    fn millis_follow_astrakhan_midnight() {
        let (from, to) = Period::parse("2026-03-15").unwrap().millis();
        assert_eq!(to - from, 86_400_000);
        // Astrakhan is UTC+4: local midnight is 20:00 UTC of the day before.
        assert_eq!(chrono::DateTime::from_timestamp_millis(from).unwrap().to_rfc3339(), "2026-03-14T20:00:00+00:00");
    }
}
