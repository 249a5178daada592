//! Do fast-tracks and roadmaps work? Difference-in-differences.
//!
//! The **treated** group is the appeals a measure covers (its topics, in its municipalities
//! or region-wide); the **control** is the same topics in the other municipalities when the
//! measure is local, otherwise the other topics of the same blocks (the same agencies' work
//! that the measure did not touch). Each group is compared over `window` days before the
//! measure's start and `window` days after it (cut at `now`). For an outcome `y`:
//!
//! `DiD = (ȳ_T,after − ȳ_T,before) − (ȳ_C,after − ȳ_C,before)`,
//!
//! with the 95 % interval `DiD ± 1.96 · √(Σ s²/n)` over the four cells (independent
//! samples). Outcomes: office hours to the first reply and the share resolved among the
//! answered, per appeal; and the weekly volume on the log scale (`ln` of the mean weekly
//! count, its variance by the delta method `var(x̄)/x̄²`), so the effect on volume is a
//! relative change `exp(DiD) − 1` and a big control does not swamp a small treated group.

use crate::kpi::Filter;
use crate::snapshot::{Snapshot, ANSWERED, NONE32, RESOLVED};
use crate::stats::Z95;
use crate::AnalyticsError;
use chrono::NaiveDate;
use serde::Serialize;

/// What a measure covers and from when.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    /// Topics (`topics[code]`).
    pub topics: Vec<bool>,
    /// Municipalities (bit mask); `None` for the whole region.
    pub municipalities: Option<u128>,
    /// Blocks of the topics (bit mask), for a region-wide measure's control.
    pub blocks: u128,
    /// The first instant it applies, Unix ms.
    pub start: i64,
}

/// One outcome's four cells and the estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// `first_reply_hours`, `resolved_share` or `log_weekly_volume`.
    pub outcome: &'static str,
    /// Russian name.
    pub name_ru: &'static str,
    /// Treated, before: mean and n.
    pub treated_before: Cell,
    /// Treated, after.
    pub treated_after: Cell,
    /// Control, before.
    pub control_before: Cell,
    /// Control, after.
    pub control_after: Cell,
    /// The difference in differences (`None` when a cell is empty).
    pub did: Option<f64>,
    /// 95 % interval.
    pub lo: Option<f64>,
    /// 95 % interval.
    pub hi: Option<f64>,
    /// For the volume: the relative change `exp(DiD) − 1`.
    pub relative: Option<f64>,
}

/// Mean, variance of the mean and sample size of one cell.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Cell {
    /// Observations (appeals, or weeks for the volume).
    pub n: u64,
    /// Mean.
    pub mean: Option<f64>,
    /// Variance of the mean.
    pub var_mean: Option<f64>,
}

/// The effect of one measure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Effect {
    /// Days before and after compared.
    pub window_days: i64,
    /// Days of the "after" window actually observed (cut at `now`).
    pub after_days: i64,
    /// How the control group was chosen, in Russian.
    pub control_ru: String,
    /// One estimate per outcome.
    pub estimates: Vec<Estimate>,
}

#[derive(Default, Clone)]
struct Moments {
    n: u64,
    sum: f64,
    sum2: f64,
}

impl Moments {
    fn push(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
        self.sum2 += x * x;
    }
    fn cell(&self) -> Cell {
        if self.n == 0 {
            return Cell::default();
        }
        let n = self.n as f64;
        let mean = self.sum / n;
        let var = if self.n > 1 { ((self.sum2 - n * mean * mean) / (n - 1.0)).max(0.0) } else { 0.0 };
        Cell { n: self.n, mean: Some(mean), var_mean: Some(var / n) }
    }
}

fn did(name: (&'static str, &'static str), c: [Cell; 4]) -> Estimate {
    let [tb, ta, cb, ca] = c;
    let (did, lo, hi) = match (tb.mean, ta.mean, cb.mean, ca.mean) {
        (Some(a), Some(b), Some(c), Some(d)) => {
            let d = (b - a) - (d - c);
            let se = [tb, ta, cb, ca].iter().map(|x| x.var_mean.unwrap_or(0.0)).sum::<f64>().sqrt();
            (Some(d), Some(d - Z95 * se), Some(d + Z95 * se))
        }
        _ => (None, None, None),
    };
    Estimate { outcome: name.0, name_ru: name.1, treated_before: tb, treated_after: ta, control_before: cb, control_after: ca, did, lo, hi, relative: None }
}

/// Estimates the effect of a measure on the snapshot at `now`, comparing `window_days`
/// before and after its start.
pub fn effect(s: &Snapshot, topic_block: &[u8], scope: &Scope, window_days: i64, now: i64) -> Result<Effect, AnalyticsError> {
    const DAY: i64 = 86_400_000;
    const WEEK: i64 = 7 * DAY;
    if scope.start >= now {
        return Err(AnalyticsError::Effect("мера ещё не начала действовать: сравнивать «после» не с чем".to_owned()));
    }
    let window = window_days.max(7) * DAY;
    let before = (scope.start - window, scope.start);
    let after = (scope.start, (scope.start + window).min(now));
    let after_days = (after.1 - after.0) / DAY;
    if after.1 - after.0 < WEEK {
        return Err(AnalyticsError::Effect(format!("после начала меры прошло {after_days} дн.: нужна хотя бы неделя")));
    }
    let local = scope.municipalities.is_some();
    let in_topics = |t: u16| scope.topics.get(t as usize).copied().unwrap_or(false);
    // Group of row i: Some(true) treated, Some(false) control, None neither.
    let group = |i: usize| -> Option<bool> {
        let t = s.topic[i];
        if t == crate::snapshot::NONE16 {
            return None;
        }
        let m_in = scope.municipalities.is_none_or(|m| m & (1u128 << s.municipality[i]) != 0);
        if local {
            in_topics(t).then_some(m_in)
        } else if in_topics(t) {
            Some(true)
        } else {
            let b = topic_block.get(t as usize).copied().unwrap_or(crate::snapshot::NONE8);
            (b != crate::snapshot::NONE8 && scope.blocks & (1u128 << b) != 0).then_some(false)
        }
    };
    let weeks_before = ((before.1 - before.0) / WEEK) as usize;
    let weeks_after = ((after.1 - after.0) / WEEK) as usize;
    let mut reply = vec![Moments::default(); 4];
    let mut resolved = vec![Moments::default(); 4];
    let mut weekly = [vec![0u64; weeks_before], vec![0u64; weeks_after], vec![0u64; weeks_before], vec![0u64; weeks_after]];
    for i in 0..s.len() {
        let at = s.at_ms(i);
        let (cell_after, start) = if at >= before.0 && at < before.1 {
            (false, before.0)
        } else if at >= after.0 && at < after.1 {
            (true, after.0)
        } else {
            continue;
        };
        let Some(treated) = group(i) else { continue };
        let k = usize::from(!treated) * 2 + usize::from(cell_after);
        if s.reply_minutes[i] != NONE32 {
            reply[k].push(f64::from(s.reply_minutes[i]) / 60.0);
        }
        if s.flags[i] & ANSWERED != 0 {
            resolved[k].push(if s.flags[i] & RESOLVED != 0 { 1.0 } else { 0.0 });
        }
        // Whole weeks only (a partial last week would read as a drop in volume).
        let w = ((at - start) / WEEK) as usize;
        if let Some(c) = weekly[k].get_mut(w) {
            *c += 1;
        }
    }
    let cells = |m: &[Moments]| [m[0].cell(), m[1].cell(), m[2].cell(), m[3].cell()];
    let log_cell = |counts: &[u64]| {
        let mut m = Moments::default();
        for c in counts {
            m.push(*c as f64);
        }
        let c = m.cell();
        match (c.mean, c.var_mean) {
            (Some(mean), Some(v)) if mean > 0.0 => Cell { n: c.n, mean: Some(mean.ln()), var_mean: Some(v / (mean * mean)) },
            _ => Cell { n: c.n, mean: None, var_mean: None },
        }
    };
    let mut volume =
        did(("log_weekly_volume", "Обращений в неделю (лог. шкала)"), [log_cell(&weekly[0]), log_cell(&weekly[1]), log_cell(&weekly[2]), log_cell(&weekly[3])]);
    volume.relative = volume.did.map(|d| d.exp() - 1.0);
    let control_ru = if local {
        "те же темы в других муниципалитетах"
    } else {
        "другие темы тех же отраслевых блоков"
    }
    .to_owned();
    Ok(Effect {
        window_days: window / DAY,
        after_days,
        control_ru,
        estimates: vec![
            did(("first_reply_hours", "Время первого ответа, рабочих часов"), cells(&reply)),
            did(("resolved_share", "Доля решённых среди отвеченных"), cells(&resolved)),
            volume,
        ],
    })
}

/// A slice filter for the treated group (for showing its KPIs).
pub fn treated_filter(scope: &Scope, from: i64, to: i64) -> Filter {
    Filter { from, to, municipalities: scope.municipalities, topics: Some(scope.topics.clone()), ..Filter::default() }
}

/// A roadmap: a planned set of measures against a problem or a topic scope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Roadmap {
    /// Slug.
    pub id: String,
    /// Russian title.
    pub title_ru: String,
    /// Topic ids it attacks.
    pub topics: Vec<String>,
    /// Municipality ids (empty: the whole region).
    pub municipalities: Vec<String>,
    /// A problem of the register it attacks, if one.
    pub problem_id: Option<String>,
    /// The owner agency.
    pub agency_id: String,
    /// The day it started.
    pub started_on: NaiveDate,
    /// Milestones in order.
    pub milestones: Vec<Milestone>,
}

/// A milestone of a roadmap.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Milestone {
    /// Russian title.
    pub title_ru: String,
    /// Due day.
    pub due: NaiveDate,
    /// Day done, if done.
    pub done: Option<NaiveDate>,
}

/// File of the roadmaps.
pub const ROADMAPS_FILE: &str = "catalog/roadmaps.csv";
/// File of their milestones.
pub const MILESTONES_FILE: &str = "catalog/roadmap_milestones.csv";

/// Parses the two roadmap files. Topics, municipalities and agencies are checked by the
/// caller against the reference books (`known`: returns an error text for an unknown id).
pub fn parse_roadmaps(roadmaps: &str, milestones: &str, known: impl Fn(&str, &str) -> Option<String>) -> Result<Vec<Roadmap>, AnalyticsError> {
    let err = |file: &'static str, line: u64, message: String| AnalyticsError::Roadmaps { file, line, message };
    let date = |file: &'static str, line: u64, v: &str| {
        NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| err(file, line, format!("дата «{v}» не в виде ГГГГ-ММ-ДД")))
    };
    let mut list: Vec<Roadmap> = Vec::new();
    let mut r = csv::ReaderBuilder::new().comment(Some(b'#')).trim(csv::Trim::All).from_reader(roadmaps.as_bytes());
    let want = ["id", "title_ru", "topics", "municipalities", "problem_id", "agency_id", "started_on"];
    if r.headers().map_err(|e| err(ROADMAPS_FILE, 1, e.to_string()))?.iter().collect::<Vec<_>>() != want {
        return Err(err(ROADMAPS_FILE, 1, format!("ожидались столбцы {}", want.join(","))));
    }
    for rec in r.records() {
        let rec = rec.map_err(|e| err(ROADMAPS_FILE, e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let split = |v: &str| v.split(';').map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect::<Vec<_>>();
        let map = Roadmap {
            id: rec[0].to_owned(),
            title_ru: rec[1].to_owned(),
            topics: split(&rec[2]),
            municipalities: split(&rec[3]),
            problem_id: Some(rec[4].to_owned()).filter(|p| !p.is_empty()),
            agency_id: rec[5].to_owned(),
            started_on: date(ROADMAPS_FILE, line, &rec[6])?,
            milestones: Vec::new(),
        };
        if map.id.is_empty() || map.title_ru.is_empty() {
            return Err(err(ROADMAPS_FILE, line, "пустой id или название".to_owned()));
        }
        if list.iter().any(|x| x.id == map.id) {
            return Err(err(ROADMAPS_FILE, line, format!("дорожная карта «{}» указана дважды", map.id)));
        }
        if map.topics.is_empty() && map.problem_id.is_none() {
            return Err(err(ROADMAPS_FILE, line, "нужны темы или проблема".to_owned()));
        }
        for t in &map.topics {
            if let Some(e) = known("topic", t) {
                return Err(err(ROADMAPS_FILE, line, e));
            }
        }
        for m in &map.municipalities {
            if let Some(e) = known("municipality", m) {
                return Err(err(ROADMAPS_FILE, line, e));
            }
        }
        if let Some(e) = known("agency", &map.agency_id) {
            return Err(err(ROADMAPS_FILE, line, e));
        }
        list.push(map);
    }
    let mut r = csv::ReaderBuilder::new().comment(Some(b'#')).trim(csv::Trim::All).from_reader(milestones.as_bytes());
    let want = ["roadmap_id", "title_ru", "due", "done"];
    if r.headers().map_err(|e| err(MILESTONES_FILE, 1, e.to_string()))?.iter().collect::<Vec<_>>() != want {
        return Err(err(MILESTONES_FILE, 1, format!("ожидались столбцы {}", want.join(","))));
    }
    for rec in r.records() {
        let rec = rec.map_err(|e| err(MILESTONES_FILE, e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let Some(map) = list.iter_mut().find(|m| m.id == rec[0]) else {
            return Err(err(MILESTONES_FILE, line, format!("неизвестная дорожная карта «{}»", &rec[0])));
        };
        let done = if rec[3].is_empty() { None } else { Some(date(MILESTONES_FILE, line, &rec[3])?) };
        map.milestones.push(Milestone { title_ru: rec[1].to_owned(), due: date(MILESTONES_FILE, line, &rec[2])?, done });
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{ANSWERED, NONE16, NONE8, NO_DUE};

    /// A snapshot of hand-made rows: (day, municipality, topic, reply hours, resolved?).
    fn snapshot(rows: &[(i64, u8, u16, u32, bool)]) -> Snapshot {
        let mut s = Snapshot::default();
        for &(day, m, t, reply_h, resolved) in rows {
            s.id.push(s.id.len() as u128);
            s.at.push((day * 86_400 + 3_600) as u32);
            s.municipality.push(m);
            s.settlement.push(NONE16);
            s.channel.push(0);
            s.block.push(0);
            s.topic.push(t);
            s.agency.push(NONE8);
            s.status.push(0);
            s.problem.push(NONE32);
            s.fast_track.push(NONE8);
            s.reply_minutes.push(reply_h * 60);
            s.answer_due.push(NO_DUE);
            s.answer_after.push(0);
            s.flags.push(ANSWERED | if resolved { RESOLVED } else { 0 });
            s.answers.push(1);
            s.rejected.push(0);
            s.satisfaction.push(0);
            s.cell.push(NONE32);
        }
        s
    }

    #[test]
    fn a_constructed_effect_is_recovered() {
        // Treated: topic 0 in municipality 0; control: topic 0 in municipality 1.
        // Before (days 0–27): treated replies take 20 h, control 10 h. After (days 28–55):
        // treated 8 h, control 7 h. DiD = (8 − 20) − (7 − 10) = −9 hours.
        // Resolved share: treated 0.5 → 1.0, control 0.5 → 0.5: DiD = +0.5.
        // Volume: treated 2 a day → 4 a day, control 3 a day before and after: ln 2.
        let mut rows = Vec::new();
        for day in 0..56 {
            let after = day >= 28;
            let treated_n = if after { 4 } else { 2 };
            for k in 0..treated_n {
                rows.push((day, 0, 0, if after { 8 } else { 20 }, after || k % 2 == 0));
            }
            for k in 0..3 {
                rows.push((day, 1, 0, if after { 7 } else { 10 }, k == 0 || (k == 1 && day % 2 == 0)));
            }
        }
        let s = snapshot(&rows);
        let scope = Scope { topics: vec![true], municipalities: Some(1), blocks: 1, start: 28 * 86_400_000 };
        let e = effect(&s, &[0], &scope, 28, 100 * 86_400_000).unwrap();
        let reply = &e.estimates[0];
        assert!((reply.did.unwrap() + 9.0).abs() < 1e-9, "{reply:?}");
        // No variance inside the cells: the interval collapses onto the estimate.
        assert!((reply.lo.unwrap() - reply.hi.unwrap()).abs() < 1e-9);
        let resolved = &e.estimates[1];
        assert!((resolved.did.unwrap() - 0.5).abs() < 0.02, "{resolved:?}");
        assert!(resolved.lo.unwrap() < resolved.did.unwrap() && resolved.hi.unwrap() > resolved.did.unwrap());
        let volume = &e.estimates[2];
        assert!((volume.did.unwrap() - 2f64.ln()).abs() < 1e-9, "{volume:?}");
        assert!((volume.relative.unwrap() - 1.0).abs() < 1e-9);
        assert_eq!(e.control_ru, "те же темы в других муниципалитетах");
    }

    #[test]
    fn refuses_a_measure_too_fresh_to_judge() {
        let s = snapshot(&[(0, 0, 0, 1, true)]);
        let scope = Scope { topics: vec![true], municipalities: None, blocks: 1, start: 10 * 86_400_000 };
        assert!(effect(&s, &[0], &scope, 28, 12 * 86_400_000).unwrap_err().to_string().contains("неделя"));
        assert!(effect(&s, &[0], &scope, 28, 5 * 86_400_000).unwrap_err().to_string().contains("ещё не начала"));
    }

    #[test]
    fn roadmaps_parse_and_refuse_nonsense() {
        let maps = "id,title_ru,topics,municipalities,problem_id,agency_id,started_on\nrm-1,Дороги,road_potholes,astrakhan,,omsu-astrakhan,2026-05-01\n";
        let ms = "roadmap_id,title_ru,due,done\nrm-1,Ямочный ремонт,2026-06-01,2026-05-28\nrm-1,Капремонт,2026-09-01,\n";
        let list = parse_roadmaps(maps, ms, |_, _| None).unwrap();
        assert_eq!(list[0].milestones.len(), 2);
        assert_eq!(list[0].milestones[1].done, None);
        let e = parse_roadmaps(maps, "roadmap_id,title_ru,due,done\nrm-2,x,2026-01-01,\n", |_, _| None).unwrap_err();
        assert!(e.to_string().contains("неизвестная дорожная карта «rm-2»"), "{e}");
        let e = parse_roadmaps(maps, ms, |kind, id| (kind == "topic").then(|| format!("неизвестная тематика «{id}»"))).unwrap_err();
        assert!(e.to_string().contains("строка 2: неизвестная тематика «road_potholes»"), "{e}");
    }
}
