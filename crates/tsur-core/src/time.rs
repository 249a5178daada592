//! Time in the centre's zone. Instants are UTC inside; days and hours people see are
//! Europe/Astrakhan (UTC+4, no daylight saving since 2016).

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The zone of the Astrakhan oblast.
pub const ZONE: Tz = chrono_tz::Europe::Astrakhan;

/// The local calendar day of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&ZONE).date_naive()
}

/// The instant at which a local day starts.
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    ZONE.from_local_datetime(&day.and_time(NaiveTime::MIN)).earliest().expect("Europe/Astrakhan has no gaps at midnight").with_timezone(&Utc)
}

/// The half-open UTC interval `[from 00:00, to+1 00:00)` covering local days `from..=to`.
pub fn days_interval(from: NaiveDate, to: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    (day_start(from), day_start(to.succ_opt().unwrap_or(to)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn astrakhan_is_utc_plus_four() {
        let at = Utc.with_ymd_and_hms(2026, 1, 15, 20, 30, 0).unwrap();
        assert_eq!(local_date(at), NaiveDate::from_ymd_opt(2026, 1, 16).unwrap());
        let start = day_start(NaiveDate::from_ymd_opt(2026, 7, 1).unwrap());
        assert_eq!(start, Utc.with_ymd_and_hms(2026, 6, 30, 20, 0, 0).unwrap());
    }
}
