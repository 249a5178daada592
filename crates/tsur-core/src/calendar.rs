//! The production calendar and office hours in Europe/Astrakhan: which days are working,
//! how long each working day is, and how to add working days or working time.
//!
//! Federal holidays, transferred days off, working Saturdays and shortened pre-holiday days
//! come from the `holidays-ru` crate (official data through its last fact year, a
//! prediction after that: every answer says whether it rests on a prediction). The operator
//! adds regional overrides as data. Office hours are data too ([`OfficeHours`]).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use holidays_ru::{DayFlags, Federal, Resolved};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod compiled;
pub use compiled::CompiledCalendar;

/// Office hours of one weekday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayHours {
    /// Opening time.
    pub opens: NaiveTime,
    /// Closing time.
    pub closes: NaiveTime,
    /// How much earlier the office closes on a shortened pre-holiday day.
    pub short_day_cut: Duration,
}

/// Office hours of an ordinary working day, per weekday. Default: 09:00–18:00 Monday to
/// Thursday, 09:00–16:45 Friday, a working Saturday like a Friday, pre-holiday days one
/// hour shorter. The reference file `calendar/office_hours.csv` sets them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeHours {
    /// Monday (index 0) to Sunday (index 6) — the weekend entries apply only to days the
    /// calendar makes working (e.g. a transferred working Saturday).
    pub by_weekday: [DayHours; 7],
}

impl Default for OfficeHours {
    fn default() -> OfficeHours {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("valid time");
        let cut = Duration::hours(1);
        let long = DayHours { opens: t(9, 0), closes: t(18, 0), short_day_cut: cut };
        let friday = DayHours { opens: t(9, 0), closes: t(16, 45), short_day_cut: cut };
        OfficeHours { by_weekday: [long, long, long, long, friday, friday, friday] }
    }
}

/// A row of `calendar/office_hours.csv`: one weekday's hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeHoursRow {
    /// `mon` … `sun`.
    pub weekday: String,
    /// Opening time, `HH:MM`.
    pub opens: String,
    /// Closing time, `HH:MM`.
    pub closes: String,
    /// Minutes a shortened pre-holiday day closes earlier.
    pub pre_holiday_cut_minutes: u32,
}

/// A row of `calendar/overrides.csv`: a regional change to the federal calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideRow {
    /// The local date, `YYYY-MM-DD`.
    pub date: String,
    /// `day_off` or `working`.
    pub kind: String,
    /// Opening time of a working day, `HH:MM`.
    #[serde(default)]
    pub opens: Option<String>,
    /// Closing time of a working day, `HH:MM`.
    #[serde(default)]
    pub closes: Option<String>,
    /// Why (the regional act), shown in explanations.
    pub reason: String,
}

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn time_of(field: &str, text: &str, problems: &mut Vec<String>) -> Option<NaiveTime> {
    let parsed = NaiveTime::parse_from_str(text.trim(), "%H:%M").ok();
    if parsed.is_none() {
        problems.push(format!("{field}: «{text}» — нужно время ЧЧ:ММ"));
    }
    parsed
}

impl ProductionCalendar {
    /// Builds the calendar from the rows of the reference files; every problem in Russian.
    pub fn from_rows(hours: &[OfficeHoursRow], overrides: &[OverrideRow]) -> Result<ProductionCalendar, Vec<String>> {
        let mut problems = Vec::new();
        let mut by_weekday: [Option<DayHours>; 7] = [None; 7];
        for row in hours {
            let field = |f: &str| format!("calendar/office_hours.csv, {}: {f}", row.weekday);
            let Some(i) = WEEKDAYS.iter().position(|w| *w == row.weekday.trim()) else {
                problems.push(format!("calendar/office_hours.csv: день недели «{}» — нужен один из {}", row.weekday, WEEKDAYS.join(", ")));
                continue;
            };
            let opens = time_of(&field("opens"), &row.opens, &mut problems);
            let closes = time_of(&field("closes"), &row.closes, &mut problems);
            if let (Some(opens), Some(closes)) = (opens, closes) {
                let cut = Duration::minutes(i64::from(row.pre_holiday_cut_minutes));
                if closes - cut <= opens {
                    problems.push(format!(
                        "{}: закрытие {} (минус сокращение {} мин) не позже открытия {}",
                        field("closes"),
                        row.closes,
                        row.pre_holiday_cut_minutes,
                        row.opens
                    ));
                } else if by_weekday[i].replace(DayHours { opens, closes, short_day_cut: cut }).is_some() {
                    problems.push(format!("calendar/office_hours.csv: день «{}» указан дважды", row.weekday));
                }
            }
        }
        let missing: Vec<&str> = WEEKDAYS.iter().zip(&by_weekday).filter(|(_, h)| h.is_none()).map(|(w, _)| *w).collect();
        if !missing.is_empty() && problems.is_empty() {
            problems.push(format!("calendar/office_hours.csv: нет часов для {}", missing.join(", ")));
        }
        let mut map = BTreeMap::new();
        for row in overrides {
            let field = |f: &str| format!("calendar/overrides.csv, {}: {f}", row.date);
            let Ok(date) = NaiveDate::parse_from_str(row.date.trim(), "%Y-%m-%d") else {
                problems.push(format!("calendar/overrides.csv: дата «{}» — нужен формат ГГГГ-ММ-ДД", row.date));
                continue;
            };
            let o = match row.kind.trim() {
                "day_off" => Some(Override::DayOff(row.reason.trim().to_owned())),
                "working" => {
                    let opens = time_of(&field("opens"), row.opens.as_deref().unwrap_or(""), &mut problems);
                    let closes = time_of(&field("closes"), row.closes.as_deref().unwrap_or(""), &mut problems);
                    match (opens, closes) {
                        (Some(opens), Some(closes)) if opens < closes => Some(Override::Working { opens, closes }),
                        (Some(_), Some(_)) => {
                            problems.push(format!("{}: закрытие не позже открытия", field("closes")));
                            None
                        }
                        _ => None,
                    }
                }
                other => {
                    problems.push(format!("{}: вид «{other}» — нужен day_off или working", field("kind")));
                    None
                }
            };
            if let Some(o) = o {
                if map.insert(date, o).is_some() {
                    problems.push(format!("calendar/overrides.csv: дата {date} указана дважды"));
                }
            }
        }
        if problems.is_empty() {
            Ok(ProductionCalendar { hours: OfficeHours { by_weekday: by_weekday.map(|h| h.expect("checked above")) }, overrides: map })
        } else {
            Err(problems)
        }
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
            let hours = self.hours.by_weekday[date.weekday().num_days_from_monday() as usize];
            let short = flags.is_short_day();
            let (opens, closes) = (hours.opens, if short { hours.closes - hours.short_day_cut } else { hours.closes });
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
