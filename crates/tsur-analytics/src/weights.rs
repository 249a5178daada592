//! The weights of the ratings and of the problems' priority: the reference file
//! `analytics/weights.csv`, which the operator reads and edits like the other books.

use crate::AnalyticsError;
use serde::Serialize;

/// The file name in the reference folder.
pub const FILE: &str = "analytics/weights.csv";

/// A component of the ratings' composite score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingComponent {
    /// Answers given by their due.
    OnTime,
    /// Median office time to the first reply against a norm.
    Speed,
    /// Resolved among answered.
    Resolved,
    /// Confirmed by the citizen among resolved.
    Confirmed,
    /// Not reopened among answered.
    NotReopened,
    /// Answers not rejected by moderation.
    NotRejected,
    /// Scores of 4–5.
    Satisfaction,
    /// Appeals per 1,000 residents (informational: more appeals may mean more trust in the
    /// channel, not worse work).
    Volume,
}

impl RatingComponent {
    /// All components, in the order the explanation lists them.
    pub const ALL: [RatingComponent; 8] = [
        RatingComponent::OnTime,
        RatingComponent::Speed,
        RatingComponent::Resolved,
        RatingComponent::Confirmed,
        RatingComponent::NotReopened,
        RatingComponent::NotRejected,
        RatingComponent::Satisfaction,
        RatingComponent::Volume,
    ];

    /// The key in the weights file.
    pub fn key(self) -> &'static str {
        match self {
            RatingComponent::OnTime => "on_time",
            RatingComponent::Speed => "speed",
            RatingComponent::Resolved => "resolved",
            RatingComponent::Confirmed => "confirmed",
            RatingComponent::NotReopened => "not_reopened",
            RatingComponent::NotRejected => "not_rejected",
            RatingComponent::Satisfaction => "satisfaction",
            RatingComponent::Volume => "volume",
        }
    }
}

/// A component of a problem's priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorityComponent {
    /// Appeals in the period.
    Volume,
    /// Growth against the previous period.
    Growth,
    /// The topic's severity.
    Severity,
    /// Reopenings by citizens.
    Recurrence,
    /// Share answered late or overdue.
    Overdue,
    /// Residents of the settlements the appeals come from.
    Population,
}

impl PriorityComponent {
    /// All components.
    pub const ALL: [PriorityComponent; 6] = [
        PriorityComponent::Volume,
        PriorityComponent::Growth,
        PriorityComponent::Severity,
        PriorityComponent::Recurrence,
        PriorityComponent::Overdue,
        PriorityComponent::Population,
    ];

    /// The key in the weights file.
    pub fn key(self) -> &'static str {
        match self {
            PriorityComponent::Volume => "volume",
            PriorityComponent::Growth => "growth",
            PriorityComponent::Severity => "severity",
            PriorityComponent::Recurrence => "recurrence",
            PriorityComponent::Overdue => "overdue",
            PriorityComponent::Population => "population",
        }
    }
}

/// One component's weight, parameter and Russian name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Weight<C> {
    /// Which component.
    pub component: C,
    /// Its weight (≥ 0).
    pub weight: f64,
    /// Its parameter, where it has one.
    pub param: Option<f64>,
    /// Russian name for the screens.
    pub name_ru: String,
}

/// The parsed file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Weights {
    /// Rating components (every component listed once).
    pub rating: Vec<Weight<RatingComponent>>,
    /// Priority components (every component listed once).
    pub priority: Vec<Weight<PriorityComponent>>,
    /// Appeals an entity needs to be ranked.
    pub min_sample: u64,
}

impl Weights {
    /// Parses the file's text; every problem names the line.
    pub fn parse(text: &str) -> Result<Weights, AnalyticsError> {
        let err = |line: u64, message: String| AnalyticsError::Weights { line, message };
        let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).trim(csv::Trim::All).from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|e| err(0, e.to_string()))?.clone();
        let want = ["scope", "key", "weight", "param", "name_ru"];
        if headers.iter().collect::<Vec<_>>() != want {
            return Err(err(1, format!("ожидались столбцы {}", want.join(","))));
        }
        let mut rating = Vec::new();
        let mut priority = Vec::new();
        let mut min_sample = None;
        for record in reader.records() {
            let record = record.map_err(|e| err(e.position().map_or(0, |p| p.line()), e.to_string()))?;
            let line = record.position().map_or(0, |p| p.line());
            let number = |i: usize, what: &str| -> Result<Option<f64>, AnalyticsError> {
                let v = &record[i];
                if v.is_empty() {
                    return Ok(None);
                }
                match v.replace(',', ".").parse::<f64>() {
                    Ok(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
                    _ => Err(err(line, format!("{what} «{v}» — не неотрицательное число"))),
                }
            };
            let weight = number(2, "вес")?;
            let param = number(3, "параметр")?;
            let name_ru = record[4].to_owned();
            let key = &record[1];
            match &record[0] {
                "rating" => {
                    let component = RatingComponent::ALL
                        .into_iter()
                        .find(|c| c.key() == key)
                        .ok_or_else(|| err(line, format!("неизвестный компонент рейтинга «{key}»")))?;
                    if rating.iter().any(|w: &Weight<RatingComponent>| w.component == component) {
                        return Err(err(line, format!("компонент рейтинга «{key}» указан дважды")));
                    }
                    rating.push(Weight { component, weight: weight.unwrap_or(0.0), param, name_ru });
                }
                "priority" => {
                    let component = PriorityComponent::ALL
                        .into_iter()
                        .find(|c| c.key() == key)
                        .ok_or_else(|| err(line, format!("неизвестный компонент приоритета «{key}»")))?;
                    if priority.iter().any(|w: &Weight<PriorityComponent>| w.component == component) {
                        return Err(err(line, format!("компонент приоритета «{key}» указан дважды")));
                    }
                    priority.push(Weight { component, weight: weight.unwrap_or(0.0), param, name_ru });
                }
                "setting" if key == "min_sample" => {
                    let v = param.ok_or_else(|| err(line, "min_sample: нужен param".to_owned()))?;
                    min_sample = Some(v.round() as u64);
                }
                other => return Err(err(line, format!("неизвестная строка «{other},{key}»"))),
            }
        }
        for c in RatingComponent::ALL {
            if !rating.iter().any(|w| w.component == c) {
                return Err(err(0, format!("нет компонента рейтинга «{}»", c.key())));
            }
        }
        for c in PriorityComponent::ALL {
            if !priority.iter().any(|w| w.component == c) {
                return Err(err(0, format!("нет компонента приоритета «{}»", c.key())));
            }
        }
        let needs_param = |w: &Weight<RatingComponent>| w.component == RatingComponent::Speed && w.param.is_none_or(|p| p <= 0.0);
        if rating.iter().any(needs_param) {
            return Err(err(0, "speed: нужен норматив первого ответа (param > 0, рабочих часов)".to_owned()));
        }
        for c in [PriorityComponent::Volume, PriorityComponent::Population] {
            if priority.iter().any(|w| w.component == c && w.param.is_none_or(|p| p <= 0.0)) {
                return Err(err(0, format!("{}: нужен param > 0", c.key())));
            }
        }
        if rating.iter().all(|w| w.weight == 0.0) || priority.iter().all(|w| w.weight == 0.0) {
            return Err(err(0, "все веса нулевые".to_owned()));
        }
        Ok(Weights { rating, priority, min_sample: min_sample.unwrap_or(30) })
    }

    /// A rating component's weight record.
    pub fn rating(&self, c: RatingComponent) -> &Weight<RatingComponent> {
        self.rating.iter().find(|w| w.component == c).expect("parse checks every component is present")
    }

    /// A priority component's weight record.
    pub fn priority(&self, c: PriorityComponent) -> &Weight<PriorityComponent> {
        self.priority.iter().find(|w| w.component == c).expect("parse checks every component is present")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../../data/reference/analytics/weights.csv");

    #[test]
    fn the_shipped_file_parses() {
        let w = Weights::parse(SHIPPED).unwrap();
        assert_eq!(w.min_sample, 30);
        assert_eq!(w.rating(RatingComponent::Speed).param, Some(8.0));
        let total: f64 = w.rating.iter().map(|w| w.weight).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        let total: f64 = w.priority.iter().map(|w| w.weight).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
    }

    #[test]
    fn bad_files_name_the_line() {
        let head = "scope,key,weight,param,name_ru\n";
        let cases = [
            (format!("{head}rating,bogus,1,,x\n"), "неизвестный компонент рейтинга «bogus»"),
            (format!("{head}rating,on_time,-1,,x\n"), "не неотрицательное число"),
            (SHIPPED.replace("rating,on_time,0.25", "rating,speed,0.25"), "указан дважды"),
            (SHIPPED.replace("rating,speed,0.15,8", "rating,speed,0.15,"), "норматив"),
            ("a,b\n".to_owned(), "ожидались столбцы"),
        ];
        for (text, want) in cases {
            let e = Weights::parse(&text).unwrap_err().to_string();
            assert!(e.contains(want), "{e}");
        }
    }
}
