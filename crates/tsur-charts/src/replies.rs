//! Reply times against the deadline: a histogram of how many days before or after its own
//! deadline each answer came, the deadline a vertical line at zero, the bars past it red,
//! and the appeals still unanswered past their deadline stacked on them by how late they are
//! now.
//!
//! Days are counted against each appeal's own deadline rather than from its receipt: the
//! regimes' terms differ (8 working days on ПОС, 30 calendar days under 59-ФЗ, hours on a
//! fast-track), so one line of "the deadline" over days since receipt would be right for one
//! channel and wrong for the others. Late is what the analytics call late: an answer after
//! its due instant, or none and the due instant passed.

use crate::draw::{self, anchored, font, Mark, Root, LABEL_PX, SMALL_PX};
use crate::{ChartError, Frame};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// Answers earlier or later than this many days are counted in the edge bars.
pub const RANGE_DAYS: i32 = 30;

/// The chart's title.
pub const TITLE: &str = "Сроки ответов";

/// Bins `-RANGE_DAYS ..= RANGE_DAYS + 1`.
const BINS: usize = 2 * RANGE_DAYS as usize + 2;

/// Counts of answers and overdue appeals by day against the deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyTimes {
    answered: [u32; BINS],
    unanswered: [u32; BINS],
}

/// One day's bar: answers and still unanswered appeals `days - 1 < lateness ≤ days` days
/// after the deadline (`days ≤ 0`: on time). The edge bars hold everything beyond them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyBin {
    /// The bar's day against the deadline, `-RANGE_DAYS ..= RANGE_DAYS + 1`.
    pub days: i32,
    /// Answers.
    pub answered: u32,
    /// Appeals without an answer whose deadline passed (only when `days > 0`).
    pub unanswered: u32,
}

impl ReplyBin {
    /// Whether the bar is past the deadline.
    pub fn late(&self) -> bool {
        self.days > 0
    }
}

impl Default for ReplyTimes {
    fn default() -> ReplyTimes {
        ReplyTimes { answered: [0; BINS], unanswered: [0; BINS] }
    }
}

/// The bin of a lateness: `ceil(lateness / day)` clamped to the range.
fn bin(lateness_ms: i64) -> usize {
    let days = lateness_ms.div_euclid(DAY_MS) + i64::from(lateness_ms.rem_euclid(DAY_MS) != 0);
    (days.clamp(-i64::from(RANGE_DAYS), i64::from(RANGE_DAYS) + 1) + i64::from(RANGE_DAYS)) as usize
}

impl ReplyTimes {
    /// No answers yet.
    pub fn new() -> ReplyTimes {
        ReplyTimes::default()
    }

    /// An answer given `lateness_ms` after its deadline (negative: before it; zero is on time).
    pub fn add_answer(&mut self, lateness_ms: i64) {
        let b = &mut self.answered[bin(lateness_ms)];
        *b = b.saturating_add(1);
    }

    /// An appeal without an answer, `overdue_ms` past its deadline now (not yet due: ignored).
    pub fn add_unanswered(&mut self, overdue_ms: i64) {
        if overdue_ms > 0 {
            let b = &mut self.unanswered[bin(overdue_ms)];
            *b = b.saturating_add(1);
        }
    }

    /// Every bin, earliest first.
    pub fn bins(&self) -> Vec<ReplyBin> {
        (0..BINS).map(|i| ReplyBin { days: i as i32 - RANGE_DAYS, answered: self.answered[i], unanswered: self.unanswered[i] }).collect()
    }

    /// Answers given by their deadline.
    pub fn on_time(&self) -> u64 {
        self.bins().iter().filter(|b| !b.late()).map(|b| u64::from(b.answered)).sum()
    }

    /// Answers given after their deadline.
    pub fn late(&self) -> u64 {
        self.bins().iter().filter(|b| b.late()).map(|b| u64::from(b.answered)).sum()
    }

    /// Appeals still unanswered past their deadline.
    pub fn unanswered(&self) -> u64 {
        self.unanswered.iter().map(|&n| u64::from(n)).sum()
    }
}

/// A day against the deadline as the axis shows it: `−5`, `0`, `+5`, and `≤−30` / `≥30` at
/// the edge bars that gather everything beyond.
fn day_label(days: i32) -> String {
    match days {
        d if d <= -RANGE_DAYS => format!("≤−{RANGE_DAYS}"),
        d if d > RANGE_DAYS => format!("≥+{RANGE_DAYS}"),
        d if d < 0 => format!("−{}", -d),
        0 => "0".to_owned(),
        d => format!("+{d}"),
    }
}

/// The histogram as SVG.
pub fn replies_svg(r: &ReplyTimes, frame: &Frame) -> Result<String, ChartError> {
    let (on_time, late, unanswered) = (r.on_time(), r.late(), r.unanswered());
    let answered = on_time + late;
    if answered + unanswered == 0 {
        return draw::empty(frame, TITLE, "за период ответов нет");
    }
    // The share on time counts the unanswered past their deadline as late, as the
    // «Ответы в срок» tile does, so that the panel shows one figure, not two.
    let mut subtitle = format!("ответов {}, в срок {}", draw::count(answered), draw::percent(on_time, answered + unanswered));
    if unanswered > 0 {
        subtitle.push_str(&format!(" · без ответа после срока {}", draw::count(unanswered)));
    }
    let mut out = String::new();
    {
        let (root, pal) = draw::background(&mut out, frame)?;
        let mut legend = vec![(Mark::Square(pal.series, 0.85), "в срок".to_owned()), (Mark::Square(pal.alarm, 0.85), "с опозданием".to_owned())];
        if unanswered > 0 {
            legend.push((Mark::Square(pal.overdue, 0.85), "без ответа, срок прошёл".to_owned()));
        }
        let top = draw::header(&root, &pal, TITLE, &subtitle, &legend)?;
        draw_plot(&root, &pal, &r.bins(), top)?;
        root.present()?;
    }
    Ok(out)
}

fn draw_plot(root: &Root, pal: &draw::Palette, bins: &[ReplyBin], top: i32) -> Result<(), ChartError> {
    let filled = |b: &&ReplyBin| b.answered + b.unanswered > 0;
    // At least two days on each side of the deadline, so that it never sits on an edge.
    let first = bins.iter().find(filled).map_or(0, |b| b.days).min(-2);
    let last = bins.iter().rev().find(filled).map_or(0, |b| b.days).max(2);
    let shown: Vec<&ReplyBin> = bins.iter().filter(|b| (first..=last).contains(&b.days)).collect();
    let max = shown.iter().map(|b| f64::from(b.answered) + f64::from(b.unanswered)).fold(0.0, f64::max);
    let y_top = draw::axis_top(max);
    let (x0, x1) = (f64::from(first - 1), f64::from(last));
    let mut chart = draw::plot(root, pal, top, 16, x0..x1, y_top)?;

    // The late side, faintly; then the bars; then the deadline over them.
    chart.draw_series(std::iter::once(Rectangle::new([(0.0, 0.0), (x1, y_top)], pal.alarm.mix(0.07).filled())))?;
    let (x_range, y_range) = chart.plotting_area().get_pixel_range();
    let bar_px = f64::from(x_range.end - x_range.start) / (x1 - x0);
    let gap = if bar_px >= 5.0 { 0.12 } else { 0.0 };
    for b in &shown {
        let (left, right) = (f64::from(b.days - 1) + gap, f64::from(b.days) - gap);
        let colour = if b.late() { pal.alarm } else { pal.series };
        let answered = f64::from(b.answered);
        if b.answered > 0 {
            chart.draw_series(std::iter::once(Rectangle::new([(left, 0.0), (right, answered)], colour.mix(0.85).filled())))?;
        }
        if b.unanswered > 0 {
            let stacked = answered + f64::from(b.unanswered);
            chart.draw_series(std::iter::once(Rectangle::new([(left, answered), (right, stacked)], pal.overdue.mix(0.85).filled())))?;
        }
    }
    chart.draw_series(std::iter::once(PathElement::new(vec![(0.0, 0.0), (0.0, y_top)], pal.text.stroke_width(2))))?;
    let (dx, dy) = chart.backend_coord(&(0.0, y_top));
    root.draw(&Text::new("срок", (dx + 4, dy + 2), anchored(font(SMALL_PX, pal.text), HPos::Left, VPos::Top)))?;

    // Day labels at round steps and under the edge bars, none within 30 px of another.
    let step = [1, 2, 5, 10].into_iter().find(|s| bar_px * f64::from(*s) >= 30.0).unwrap_or(15);
    let label_style = anchored(font(LABEL_PX, pal.muted), HPos::Center, VPos::Top);
    let edges = [first, last].into_iter().filter(|d| *d <= -RANGE_DAYS || *d > RANGE_DAYS);
    let round = (first..=last).filter(|d| d % step == 0);
    let mut placed: Vec<i32> = Vec::new();
    for day in edges.chain(round) {
        let edge = day <= -RANGE_DAYS || day > RANGE_DAYS;
        // A bar's label sits under its right end (its day), an edge bar's under its middle.
        let at = if edge { f64::from(day) - 0.5 } else { f64::from(day) };
        let (x, y) = chart.backend_coord(&(at, 0.0));
        if placed.iter().any(|p| (p - x).abs() < 30) {
            continue;
        }
        placed.push(x);
        root.draw(&PathElement::new(vec![(x, y), (x, y + 3)], pal.muted.stroke_width(1)))?;
        root.draw(&Text::new(day_label(day), (x, y + 5), label_style.clone()))?;
    }
    let middle = (x_range.start + x_range.end) / 2;
    let caption = anchored(font(SMALL_PX, pal.muted), HPos::Center, VPos::Top);
    root.draw(&Text::new("дней до срока (−) и после него (+)", (middle, y_range.end + 22), caption))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lateness_goes_to_the_day_it_ends_in() {
        let h = 3_600_000;
        // (lateness, bin's day)
        let cases = [
            (0, 0),
            (-1, 0),
            (-DAY_MS, -1),
            (-DAY_MS - 1, -1),
            (-3 * h, 0),
            (1, 1),
            (3 * h, 1),
            (DAY_MS, 1),
            (DAY_MS + 1, 2),
            (-29 * DAY_MS - h, -29),
            (-30 * DAY_MS - h, -RANGE_DAYS),
            (-400 * DAY_MS, -RANGE_DAYS),
            (31 * DAY_MS, RANGE_DAYS + 1),
            (i64::MAX, RANGE_DAYS + 1),
            (i64::MIN, -RANGE_DAYS),
        ];
        for (lateness, day) in cases {
            let mut r = ReplyTimes::new();
            r.add_answer(lateness);
            let bins = r.bins();
            let got: Vec<i32> = bins.iter().filter(|b| b.answered > 0).map(|b| b.days).collect();
            assert_eq!(got, vec![day], "{lateness}");
            assert_eq!((r.on_time(), r.late()), if day <= 0 { (1, 0) } else { (0, 1) }, "{lateness}");
        }
    }

    #[test]
    fn unanswered_counts_only_past_the_deadline() {
        let mut r = ReplyTimes::new();
        for overdue in [-5 * DAY_MS, 0, 1, 2 * DAY_MS] {
            r.add_unanswered(overdue);
        }
        assert_eq!(r.unanswered(), 2);
        assert_eq!(r.bins().iter().filter(|b| b.unanswered > 0).map(|b| b.days).collect::<Vec<_>>(), vec![1, 2]);
    }

    #[test]
    fn day_labels() {
        for (days, text) in [(-30, "≤−30"), (-31, "≤−30"), (-5, "−5"), (0, "0"), (7, "+7"), (30, "+30"), (31, "≥+30")] {
            assert_eq!(day_label(days), text);
        }
    }
}
