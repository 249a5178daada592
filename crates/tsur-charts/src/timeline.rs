//! Appeals over time: appeals per day as a line over a shaded area, with the days of
//! early-warning incidents as red bands labelled along their height. A period longer than
//! [`WEEKLY_AFTER_DAYS`] is drawn by weeks (Monday to Sunday), each as its mean per day, so
//! the weeks cut by the period's ends read on the same scale as the whole ones.

use crate::draw::{self, anchored, font, Mark, Root, LABEL_PX, SMALL_PX};
use crate::{ChartError, Frame};
use chrono::{Datelike, Duration, NaiveDate};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Periods of more days than this are drawn by weeks.
pub const WEEKLY_AFTER_DAYS: usize = 92;

/// At most this many incidents are labelled (all are banded).
pub const MAX_LABELS: usize = 8;

/// The series of a timeline.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timeline {
    /// The period's first local day.
    pub first: NaiveDate,
    /// Appeals received on each day of the period, from `first` on.
    pub daily: Vec<u32>,
    /// Incidents to mark; those outside the period are left out.
    pub incidents: Vec<Incident>,
}

/// An early-warning incident on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// The local day it was raised.
    pub day: NaiveDate,
    /// A short label (municipality and topic); it must name no person.
    pub label: String,
    /// How strong it is (e.g. observed over expected): the strongest are labelled first.
    pub weight: f64,
}

/// How the days are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// One point a day.
    Day,
    /// One point a week (Monday to Sunday), the mean per day.
    Week,
}

/// One point of the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    /// Its first day in the period.
    pub first: NaiveDate,
    /// How many days of the period it covers.
    pub days: u32,
    /// Appeals received in those days.
    pub appeals: u64,
}

impl Bucket {
    /// Appeals per day.
    pub fn per_day(&self) -> f64 {
        self.appeals as f64 / f64::from(self.days.max(1))
    }

    /// Whether `day` falls in it.
    pub fn contains(&self, day: NaiveDate) -> bool {
        day >= self.first && (day - self.first).num_days() < i64::from(self.days)
    }
}

/// The days of `t` grouped by day, or by week when the period is long.
pub fn buckets(t: &Timeline) -> (Step, Vec<Bucket>) {
    let day = |i: usize| plus(t.first, i as i64);
    if t.daily.len() <= WEEKLY_AFTER_DAYS {
        return (Step::Day, t.daily.iter().enumerate().map(|(i, &n)| Bucket { first: day(i), days: 1, appeals: u64::from(n) }).collect());
    }
    let mut out: Vec<Bucket> = Vec::new();
    for (i, &n) in t.daily.iter().enumerate() {
        let d = day(i);
        match out.last_mut() {
            Some(b) if d.weekday() != chrono::Weekday::Mon => {
                b.days += 1;
                b.appeals += u64::from(n);
            }
            _ => out.push(Bucket { first: d, days: 1, appeals: u64::from(n) }),
        }
    }
    (Step::Week, out)
}

/// The chart's title.
pub fn title(step: Step) -> &'static str {
    match step {
        Step::Day => "Обращения по дням",
        Step::Week => "Обращения по неделям, в среднем за день",
    }
}

/// `d` plus `days`, held at the calendar's end rather than overflowing it.
fn plus(d: NaiveDate, days: i64) -> NaiveDate {
    d.checked_add_signed(Duration::days(days)).unwrap_or(NaiveDate::MAX)
}

fn date(d: NaiveDate) -> String {
    format!("{:02}.{:02}.{}", d.day(), d.month(), d.year())
}

fn short_date(d: NaiveDate) -> String {
    format!("{:02}.{:02}", d.day(), d.month())
}

/// The incidents of one day.
#[derive(Debug, Clone, PartialEq)]
struct Marked {
    day: NaiveDate,
    /// The strongest one's label.
    label: String,
    /// The strongest one's weight.
    weight: f64,
    /// How many.
    count: usize,
}

/// Incidents grouped by day (those outside the buckets left out), in order of days.
fn incidents_by_day(buckets: &[Bucket], incidents: &[Incident]) -> Vec<Marked> {
    let mut out: Vec<Marked> = Vec::new();
    for inc in incidents.iter().filter(|i| day_span(buckets, i.day).is_some()) {
        let weight = if inc.weight.is_finite() { inc.weight } else { 0.0 };
        match out.iter_mut().find(|x| x.day == inc.day) {
            Some(x) => {
                x.count += 1;
                if weight > x.weight {
                    x.label = draw::clean(&inc.label);
                    x.weight = weight;
                }
            }
            None => out.push(Marked { day: inc.day, label: draw::clean(&inc.label), weight, count: 1 }),
        }
    }
    out.sort_by_key(|x| x.day);
    out
}

/// Where `day` lies on the x axis (bucket `i` spans `[i, i + 1]`, its days in equal parts).
fn day_span(buckets: &[Bucket], day: NaiveDate) -> Option<(f64, f64)> {
    // Buckets are consecutive and sorted: the one that holds the day is the last that starts by it.
    let i = buckets.partition_point(|b| b.first <= day).checked_sub(1)?;
    let b = &buckets[i];
    if !b.contains(day) {
        return None;
    }
    let part = 1.0 / f64::from(b.days.max(1));
    let at = i as f64 + (day - b.first).num_days() as f64 * part;
    Some((at, at + part))
}

/// The timeline as SVG.
pub fn timeline_svg(t: &Timeline, frame: &Frame) -> Result<String, ChartError> {
    let (step, buckets) = buckets(t);
    let total: u64 = buckets.iter().map(|b| b.appeals).sum();
    let period = match (buckets.first(), buckets.last()) {
        (Some(a), Some(b)) => {
            let last = plus(b.first, i64::from(b.days) - 1);
            if a.first == last {
                date(a.first)
            } else {
                format!("{}–{}", date(a.first), date(last))
            }
        }
        _ => String::new(),
    };
    if total == 0 {
        return draw::empty(frame, title(step), &period);
    }
    let marked = incidents_by_day(&buckets, &t.incidents);
    let subtitle = format!("{period} · всего {}", draw::count(total));
    let mut out = String::new();
    {
        let (root, pal) = draw::background(&mut out, frame)?;
        let incidents: usize = marked.iter().map(|m| m.count).sum();
        let mut legend = vec![(Mark::Line(pal.series), "обращений в день".to_owned())];
        if incidents > 0 {
            legend.push((Mark::Square(pal.alarm, 0.35), format!("сигналы раннего предупреждения: {}", draw::count(incidents as u64))));
        }
        let top = draw::header(&root, &pal, title(step), &subtitle, &legend)?;
        draw_plot(&root, &pal, &buckets, &marked, top)?;
        root.present()?;
    }
    Ok(out)
}

fn draw_plot(root: &Root, pal: &draw::Palette, buckets: &[Bucket], marked: &[Marked], top: i32) -> Result<(), ChartError> {
    let n = buckets.len() as f64;
    let max = buckets.iter().map(Bucket::per_day).fold(0.0, f64::max);
    let y_top = draw::axis_top(max);
    let mut chart = draw::plot(root, pal, top, 4, 0.0..n, y_top)?;

    // Incidents first, under the line: a band over the day, at least 2 px wide.
    let spans: Vec<(i32, i32)> = marked
        .iter()
        .map(|m| {
            let (a, b) = day_span(buckets, m.day).unwrap_or_default();
            let (left, right) = (chart.backend_coord(&(a, 0.0)).0, chart.backend_coord(&(b, 0.0)).0);
            (left, right.max(left + 2))
        })
        .collect();
    let (x_range, y_range) = chart.plotting_area().get_pixel_range();
    for (left, right) in &spans {
        root.draw(&Rectangle::new([(*left, y_range.start), (*right, y_range.end)], pal.alarm.mix(0.22).filled()))?;
    }

    // The line through the buckets' middles, held flat to the plot's edges.
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(buckets.len() + 2);
    points.push((0.0, buckets[0].per_day()));
    points.extend(buckets.iter().enumerate().map(|(i, b)| (i as f64 + 0.5, b.per_day())));
    points.push((n, buckets[buckets.len() - 1].per_day()));
    chart.draw_series(AreaSeries::new(points.iter().copied(), 0.0, pal.series.mix(0.14)))?;
    chart.draw_series(LineSeries::new(points.iter().copied(), pal.series.stroke_width(2)))?;

    // Dates under the axis, spaced so that they do not touch.
    let bucket_px = f64::from(x_range.end - x_range.start) / n;
    let every = ((46.0 / bucket_px).ceil() as usize).max(1);
    let label_style = anchored(font(LABEL_PX, pal.muted), HPos::Center, VPos::Top);
    for (i, b) in buckets.iter().enumerate().step_by(every) {
        let (x, y) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
        root.draw(&PathElement::new(vec![(x, y), (x, y + 3)], pal.muted.stroke_width(1)))?;
        root.draw(&Text::new(short_date(b.first), (x, y + 5), label_style.clone()))?;
    }

    // Labels along the bands: the strongest first, none within 13 px of another.
    let mut order: Vec<(&Marked, &(i32, i32))> = marked.iter().zip(&spans).collect();
    order.sort_by(|(a, _), (b, _)| b.weight.total_cmp(&a.weight).then(a.day.cmp(&b.day)));
    let mut placed: Vec<i32> = Vec::new();
    let height = y_range.end - y_range.start - 8;
    let label_style = anchored(font(SMALL_PX, pal.alarm), HPos::Left, VPos::Center).transform(FontTransform::Rotate270);
    for (m, (left, right)) in order {
        if placed.len() >= MAX_LABELS {
            break;
        }
        let x = (left + right) / 2;
        if placed.iter().any(|p| (p - x).abs() < 13) {
            continue;
        }
        placed.push(x);
        let text = if m.count > 1 { format!("{} и ещё {}", m.label, m.count - 1) } else { m.label.clone() };
        root.draw(&Text::new(draw::fit(&text, SMALL_PX, height), (x, y_range.end - 4), label_style.clone()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn short_periods_by_day_long_ones_by_monday_weeks() {
        // (first day, days, step, buckets, first bucket's days, last bucket's days)
        let cases = [
            (d(2026, 3, 1), 1, Step::Day, 1, 1, 1),
            (d(2026, 3, 1), 31, Step::Day, 31, 1, 1),
            (d(2026, 1, 1), 92, Step::Day, 92, 1, 1),
            // 2026-01-01 is a Thursday: Thu–Sun, then whole weeks, then Mon 28.12–Thu 31.12.
            (d(2026, 1, 1), 365, Step::Week, 53, 4, 4),
            // 2026-03-02 is a Monday.
            (d(2026, 3, 2), 98, Step::Week, 14, 7, 7),
        ];
        for (first, days, step, count, head, tail) in cases {
            let t = Timeline { first, daily: vec![1; days], incidents: vec![] };
            let (got_step, b) = buckets(&t);
            assert_eq!((got_step, b.len(), b[0].days, b[b.len() - 1].days), (step, count, head, tail), "{first} + {days}");
            assert_eq!(b.iter().map(|b| b.appeals).sum::<u64>(), days as u64);
            assert!(b.iter().all(|b| b.per_day() == 1.0));
        }
    }

    #[test]
    fn incidents_group_by_day_and_outside_ones_are_left_out() {
        let t = Timeline { first: d(2026, 3, 1), daily: vec![5; 10], incidents: vec![] };
        let (_, b) = buckets(&t);
        let inc = |day: u32, label: &str, weight: f64| Incident { day: d(2026, 3, day), label: label.into(), weight };
        let marked = incidents_by_day(&b, &[inc(10, "последний", 2.0), inc(2, "слабый", 1.0), inc(2, "сильный", 9.0), inc(11, "после", 5.0)]);
        let m = |day: u32, label: &str, weight: f64, count: usize| Marked { day: d(2026, 3, day), label: label.into(), weight, count };
        assert_eq!(marked, vec![m(2, "сильный", 9.0, 2), m(10, "последний", 2.0, 1)]);
        let before = incidents_by_day(&b, &[Incident { day: d(2026, 2, 28), label: "до".into(), weight: 1.0 }]);
        assert!(before.is_empty());
    }

    #[test]
    fn a_day_is_its_share_of_its_bucket() {
        // 2026-01-01 is a Thursday: the first week has four days, the second seven.
        let t = Timeline { first: d(2026, 1, 1), daily: vec![1; 100], incidents: vec![] };
        let (_, b) = buckets(&t);
        let cases = [
            (d(2026, 1, 1), Some((0.0, 0.25))),
            (d(2026, 1, 4), Some((0.75, 1.0))),
            (d(2026, 1, 5), Some((1.0, 1.0 + 1.0 / 7.0))),
            (d(2025, 12, 31), None),
            (d(2026, 4, 11), None),
        ];
        for (day, span) in cases {
            assert_eq!(day_span(&b, day), span, "{day}");
        }
    }
}
