//! The production calendar and office hours in Europe/Astrakhan: which days are working,
//! how long each working day is, and how to add working days or working time.
//!
//! Federal holidays, transferred days off, working Saturdays and shortened pre-holiday days
//! come from the `holidays-ru` crate (official data through its last fact year, a
//! prediction after that: every answer says whether it rests on a prediction). The operator
//! adds regional overrides as data. Office hours are data too ([`OfficeHours`]).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use holidays_ru::{DayFlags, Federal, Resolved};
use std::collections::BTreeMap;

/// Office hours of an ordinary working day, per weekday, and how much shorter a
/// pre-holiday day is. Default: 09:00–18:00 Monday to Thursday, 09:00–16:45 Friday, a
/// working Saturday like a Friday, pre-holiday days one hour shorter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeHours {
    /// Opening and closing time, Monday (index 0) to Sunday (index 6) — the weekend entries
    /// apply only to days the calendar makes working (e.g. a transferred working Saturday).
    pub by_weekday: [(NaiveTime, NaiveTime); 7],
    /// How much earlier a shortened pre-holiday day closes.
    pub short_day_cut: Duration,
}

impl Default for OfficeHours {
    fn default() -> OfficeHours {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("valid time");
        let long = (t(9, 0), t(18, 0));
        let friday = (t(9, 0), t(16, 45));
        OfficeHours { by_weekday: [long, long, long, long, friday, friday, friday], short_day_cut: Duration::hours(1) }
    }
}

/// Why a day is not a working day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayOff {
    /// Saturday or Sunday.
    Weekend,
    /// A federal non-working holiday (ТК РФ ст. 112), with its name.
    Holiday(&'static str),
    /// A day off moved here by the government's decree on transfers.
    Transferred,
    /// A regional day off set by the operator, with its reason.
    Regional(String),
}

impl DayOff {
    /// The Russian description shown in a deadline's explanation.
    pub fn label_ru(&self) -> String {
        match self {
            DayOff::Weekend => "выходной день".into(),
            DayOff::Holiday(name) => format!("нерабочий праздничный день: {name}"),
            DayOff::Transferred => "перенесённый выходной день".into(),
            DayOff::Regional(reason) => format!("региональный выходной: {reason}"),
        }
    }
}

/// One day of the calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Day {
    /// Working, with its office hours (local) and whether it is a shortened pre-holiday day.
    Working {
        /// Opening time.
        opens: NaiveTime,
        /// Closing time.
        closes: NaiveTime,
        /// A shortened pre-holiday day.
        short: bool,
    },
    /// Not working, and why.
    Off(DayOff),
}

/// An operator's regional change to the federal calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Override {
    /// The day is off in the region.
    DayOff(String),
    /// The day is working in the region with these hours.
    Working {
        /// Opening time.
        opens: NaiveTime,
        /// Closing time.
        closes: NaiveTime,
    },
}

/// The federal name of a non-working holiday by its date (ТК РФ ст. 112).
fn holiday_name(date: NaiveDate) -> &'static str {
    match (date.month(), date.day()) {
        (1, 7) => "Рождество Христово",
        (1, _) => "Новогодние каникулы",
        (2, 23) => "День защитника Отечества",
        (3, 8) => "Международный женский день",
        (5, 1) => "Праздник Весны и Труда",
        (5, 9) => "День Победы",
        (6, 12) => "День России",
        (11, 4) => "День народного единства",
        _ => "праздничный день",
    }
}

/// The calendar in force: federal data, regional overrides, office hours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductionCalendar {
    /// Office hours.
    pub hours: OfficeHours,
    /// Regional overrides by date.
    pub overrides: BTreeMap<NaiveDate, Override>,
}

/// A day, and whether the federal part of the answer is a prediction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayInfo {
    /// The day.
    pub day: Day,
    /// True when `holidays-ru` has no official data for the year and predicted it.
    pub predicted: bool,
}

impl ProductionCalendar {
    /// What kind of day `date` is.
    pub fn day(&self, date: NaiveDate) -> DayInfo {
        let (flags, predicted) = match holidays_ru::flags_ymd::<Federal>(date.year(), date.month() as u8, date.day() as u8) {
            Some(Resolved::Fact(f)) => (Some(f), false),
            Some(Resolved::Predict(f)) => (Some(f), true),
            None => (None, true),
        };
        if let Some(o) = self.overrides.get(&date) {
            let day = match o {
                Override::DayOff(reason) => Day::Off(DayOff::Regional(reason.clone())),
                Override::Working { opens, closes } => Day::Working { opens: *opens, closes: *closes, short: false },
            };
            return DayInfo { day, predicted };
        }
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        let flags = flags.unwrap_or(if weekend { DayFlags::WEEKEND.with(DayFlags::DAY_OFF) } else { DayFlags::WORKING_DAY });
        let day = if flags.is_working_day() {
            let (opens, closes) = self.hours.by_weekday[date.weekday().num_days_from_monday() as usize];
            let short = flags.is_short_day();
            let closes = if short { closes - self.hours.short_day_cut } else { closes };
            Day::Working { opens, closes, short }
        } else if flags.is_holiday() {
            Day::Off(DayOff::Holiday(holiday_name(date)))
        } else if weekend {
            Day::Off(DayOff::Weekend)
        } else {
            Day::Off(DayOff::Transferred)
        };
        DayInfo { day, predicted }
    }

    /// The local instant at which a working day closes; `None` for a day off.
    pub fn closing(&self, date: NaiveDate) -> Option<DateTime<Utc>> {
        match self.day(date).day {
            Day::Working { closes, .. } => Some(local(date, closes)),
            Day::Off(_) => None,
        }
    }
}

/// A local date and time in Europe/Astrakhan as a UTC instant.
pub fn local(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    crate::time::ZONE.from_local_datetime(&date.and_time(time)).earliest().expect("Europe/Astrakhan has no gaps").with_timezone(&Utc)
}
