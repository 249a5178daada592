//! The production calendar compiled into flat arrays, so that a deadline is a few array
//! lookups instead of a walk over days: recomputing the deadlines of a million open
//! appeals then takes a fraction of a second on one core.
//!
//! For each local day of the compiled range it keeps the office hours (none for a day
//! off), whether the federal data for the day are a prediction, the number of working days
//! before it and the office time before it. The range starts on 1 April 2016, after
//! Astrakhan moved to UTC+4 for good, and is cut at the first day whose UTC offset differs
//! (a future change of the zone); instants outside it are answered by the day-by-day
//! functions of [`crate::deadline`], which give the same results (a property test checks
//! the two agree).

use super::{Day, ProductionCalendar};
use crate::time::{local_date, ZONE};
use chrono::{DateTime, Duration, NaiveDate, Offset, TimeZone, Utc};

const DAY_MS: i64 = 86_400_000;

/// A production calendar with its days precomputed. Build once, share, query many times.
#[derive(Debug, Clone)]
pub struct CompiledCalendar {
    source: ProductionCalendar,
    first: NaiveDate,
    /// UTC instant (ms) of the local midnight that starts `first`.
    first_midnight: i64,
    /// Opening and closing, ms after local midnight; equal for a day off.
    hours: Vec<(i32, i32)>,
    predicted: Vec<bool>,
    /// Working days before day i (length: days + 1).
    working_before: Vec<u32>,
    /// Indices of the working days, in order.
    working_days: Vec<u32>,
    /// Office time (ms) before day i (length: days + 1).
    office_before: Vec<i64>,
}

impl CompiledCalendar {
    /// The first day compiled.
    pub const FIRST: (i32, u32, u32) = (2016, 4, 1);
    /// The last day compiled.
    pub const LAST: (i32, u32, u32) = (2045, 12, 31);

    /// Compiles `source` over [`Self::FIRST`]..=[`Self::LAST`].
    pub fn new(source: ProductionCalendar) -> CompiledCalendar {
        let (y, m, d) = Self::FIRST;
        let first = NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
        let (y, m, d) = Self::LAST;
        let last = NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
        let offset =
            |date: NaiveDate| ZONE.from_local_datetime(&date.and_hms_opt(12, 0, 0).expect("valid time")).earliest().map(|t| t.offset().fix().local_minus_utc());
        let base_offset = offset(first);
        let first_midnight = super::local(first, chrono::NaiveTime::MIN).timestamp_millis();
        let mut c = CompiledCalendar {
            source,
            first,
            first_midnight,
            hours: Vec::new(),
            predicted: Vec::new(),
            working_before: vec![0],
            working_days: Vec::new(),
            office_before: vec![0],
        };
        let mut date = first;
        while date <= last && offset(date) == base_offset {
            let info = c.source.day(date);
            let ms = |t: chrono::NaiveTime| (t - chrono::NaiveTime::MIN).num_milliseconds() as i32;
            let (opens, closes) = match info.day {
                Day::Working { opens, closes, .. } => (ms(opens), ms(closes)),
                Day::Off(_) => (0, 0),
            };
            let index = c.hours.len() as u32;
            c.hours.push((opens, closes));
            c.predicted.push(info.predicted);
            let working = closes > opens;
            if working {
                c.working_days.push(index);
            }
            c.working_before.push(c.working_days.len() as u32);
            c.office_before.push(c.office_before[index as usize] + i64::from(closes - opens));
            date += Duration::days(1);
        }
        c
    }

    /// The first and the last local day compiled.
    pub fn range(&self) -> (NaiveDate, NaiveDate) {
        (self.first, self.first + Duration::days(self.days() as i64 - 1))
    }

    /// The calendar it was compiled from.
    pub fn source(&self) -> &ProductionCalendar {
        &self.source
    }

    fn days(&self) -> usize {
        self.hours.len()
    }

    fn index(&self, t: i64) -> Option<usize> {
        let i = (t - self.first_midnight).div_euclid(DAY_MS);
        (t >= self.first_midnight && (i as usize) < self.days()).then_some(i as usize)
    }

    fn midnight(&self, i: usize) -> i64 {
        self.first_midnight + i as i64 * DAY_MS
    }

    fn closing(&self, i: usize) -> DateTime<Utc> {
        ms_to_utc(self.midnight(i) + i64::from(self.hours[i].1))
    }

    /// Office time before the instant `t` of day `i`.
    fn office_at(&self, i: usize, t: i64) -> i64 {
        let (opens, closes) = self.hours[i];
        let into = (t - self.midnight(i)).clamp(i64::from(opens), i64::from(closes)) - i64::from(opens);
        self.office_before[i] + into.max(0)
    }

    /// As [`crate::deadline::calendar_days`], without the explanation: the due instant and
    /// whether it rests on a predicted calendar.
    pub fn calendar_days(&self, start: DateTime<Utc>, days: u32) -> (DateTime<Utc>, bool) {
        let fast = self.index(start.timestamp_millis()).and_then(|i| {
            let d = i + days as usize;
            let k = *self.working_before.get(d)? as usize;
            self.working_days.get(k).map(|&w| w as usize)
        });
        match fast {
            Some(w) => (self.closing(w), self.predicted[w]),
            None => {
                let (due, _, predicted) = crate::deadline::calendar_days(&self.source, start, days);
                (due, predicted)
            }
        }
    }

    /// As [`crate::deadline::working_days`], without the explanation.
    pub fn working_days(&self, start: DateTime<Utc>, days: u32) -> (DateTime<Utc>, bool) {
        let fast = self.index(start.timestamp_millis()).and_then(|i| {
            let k = self.working_before[i + 1] as usize + days.max(1) as usize - 1;
            self.working_days.get(k).map(|&w| w as usize)
        });
        match fast {
            Some(w) => (self.closing(w), self.predicted[w]),
            None => {
                let (due, _, predicted) = crate::deadline::working_days(&self.source, start, days);
                (due, predicted)
            }
        }
    }

    /// As [`crate::deadline::working_hours`], without the explanation. `hours` must be at
    /// least 1.
    pub fn working_hours(&self, start: DateTime<Utc>, hours: u32) -> (DateTime<Utc>, bool) {
        let t = start.timestamp_millis();
        let fast = self.index(t).and_then(|i| {
            let target = self.office_at(i, t) + i64::from(hours.max(1)) * 3_600_000;
            let j = self.office_before.partition_point(|&m| m < target);
            (j >= 1 && j <= self.days()).then(|| {
                let d = j - 1;
                (d, self.midnight(d) + i64::from(self.hours[d].0) + (target - self.office_before[d]))
            })
        });
        match fast {
            Some((d, due)) => (ms_to_utc(due), self.predicted[d]),
            None => {
                let (due, _, predicted) = crate::deadline::working_hours(&self.source, start, hours.max(1));
                (due, predicted)
            }
        }
    }

    /// Office time from `a` to `b`: positive when `b` is later, negative when earlier.
    pub fn working_time_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration {
        if b < a {
            return -self.working_time_between(b, a);
        }
        let at = |t: DateTime<Utc>| {
            let ms = t.timestamp_millis();
            self.index(ms).map(|i| self.office_at(i, ms))
        };
        match (at(a), at(b)) {
            (Some(x), Some(y)) => Duration::milliseconds(y - x),
            _ => self.slow_working_time(a, b),
        }
    }

    /// Day by day, for instants outside the compiled range.
    fn slow_working_time(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration {
        let mut total = Duration::zero();
        let mut day = local_date(a);
        while day <= local_date(b) {
            if let Day::Working { opens, closes, .. } = self.source.day(day).day {
                let from = super::local(day, opens).max(a);
                let until = super::local(day, closes).min(b);
                if from < until {
                    total += until - from;
                }
            }
            day += Duration::days(1);
        }
        total
    }
}

fn ms_to_utc(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).expect("an instant within chrono's range")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn calendar() -> &'static CompiledCalendar {
        static C: std::sync::OnceLock<CompiledCalendar> = std::sync::OnceLock::new();
        C.get_or_init(|| CompiledCalendar::new(ProductionCalendar::default()))
    }

    /// Any instant from 2015 to 2047, so the edges of the compiled range are crossed too.
    fn instant() -> impl Strategy<Value = DateTime<Utc>> {
        (1_420_000_000i64..2_450_000_000).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
    }

    #[test]
    fn covers_the_whole_range_at_utc_plus_four() {
        let c = calendar();
        assert_eq!(c.range(), (NaiveDate::from_ymd_opt(2016, 4, 1).unwrap(), NaiveDate::from_ymd_opt(2045, 12, 31).unwrap()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn agrees_with_the_day_by_day_engine(start in instant(), days in 0u32..70, hours in 1u32..60) {
            let c = calendar();
            let slow = c.source();
            let (due, _, p) = crate::deadline::calendar_days(slow, start, days);
            prop_assert_eq!(c.calendar_days(start, days), (due, p));
            let (due, _, p) = crate::deadline::working_days(slow, start, days);
            prop_assert_eq!(c.working_days(start, days), (due, p));
            let (due, _, p) = crate::deadline::working_hours(slow, start, hours);
            prop_assert_eq!(c.working_hours(start, hours), (due, p));
        }

        #[test]
        fn working_time_matches_the_slow_count(a in instant(), span in 0i64..40 * 86_400) {
            let c = calendar();
            let b = a + Duration::seconds(span);
            prop_assert_eq!(c.working_time_between(a, b), c.slow_working_time(a, b));
            prop_assert_eq!(c.working_time_between(b, a), -c.slow_working_time(a, b));
        }

        #[test]
        fn working_hours_land_exactly_that_much_office_time_later(start in instant(), hours in 1u32..100) {
            let c = calendar();
            let (due, _) = c.working_hours(start, hours);
            prop_assert_eq!(c.working_time_between(start, due), Duration::hours(i64::from(hours)));
        }
    }
}
