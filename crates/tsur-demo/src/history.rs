//! Event histories: what each agency does with an appeal, told as events that pass the
//! state machine by construction (and are checked against it in tests).

use crate::agencies::Profiles;
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use tsur_core::reference::{Agency, ReferenceData, Topic};
use tsur_core::{Appeal, AppealId, Channel, Event, EventId, EventKind};
use uuid::Uuid;

/// A UUID v7 for an instant, with random bits from the generator's stream.
pub fn uuid_v7(at: DateTime<Utc>, rng: &mut ChaCha8Rng) -> Uuid {
    let bytes: [u8; 10] = rng.random();
    uuid::Builder::from_unix_timestamp_millis(at.timestamp_millis().max(0) as u64, &bytes).into_uuid()
}

struct Story<'r> {
    appeal: AppealId,
    events: Vec<Event>,
    t: DateTime<Utc>,
    as_of: DateTime<Utc>,
    over: bool,
    rng: &'r mut ChaCha8Rng,
}

impl Story<'_> {
    /// Moves the clock on by `delay` and records the event, unless that is after the
    /// "as of" instant: then the story stops there (the appeal is still in progress).
    fn then(&mut self, delay: Duration, actor: &str, kind: EventKind) -> bool {
        if self.over {
            return false;
        }
        self.t += delay.max(Duration::seconds(1));
        if self.t >= self.as_of {
            self.over = true;
            return false;
        }
        let id = EventId(uuid_v7(self.t, self.rng));
        self.events.push(Event { id, appeal_id: self.appeal, at: self.t, actor: actor.to_owned(), node: "demo".into(), kind });
        true
    }

    fn minutes(&mut self, lo: i64, hi: i64) -> Duration {
        Duration::minutes(self.rng.random_range(lo..=hi))
    }

    fn days(&mut self, lo: f64, hi: f64) -> Duration {
        Duration::seconds((self.rng.random_range(lo..hi) * 86_400.0) as i64)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }
}

const ANSWERS: [&str; 6] = [
    "Ваше обращение рассмотрено. Информация передана в подрядную организацию, работы будут выполнены.",
    "По вашему обращению проведена проверка, выявленные нарушения устранены.",
    "Сообщаем, что вопрос включён в план работ; о сроках вы будете проинформированы дополнительно.",
    "Специалисты выехали на место, проблема устранена.",
    "Разъясняем порядок решения вопроса: необходимо обратиться с заявлением в уполномоченный орган.",
    "Обращение рассмотрено, даны разъяснения по существу поставленных вопросов.",
];

/// The history of one appeal up to `as_of`.
pub fn events(
    appeal: &Appeal,
    topic: &Topic,
    agency: &Agency,
    profiles: &Profiles,
    _reference: &ReferenceData,
    as_of: DateTime<Utc>,
    rng: &mut ChaCha8Rng,
) -> Vec<Event> {
    let mut s = Story { appeal: appeal.id, events: Vec::with_capacity(12), t: appeal.received_at, as_of, over: false, rng };
    let written = matches!(appeal.channel, Channel::Fz59 | Channel::Other);
    let lag = if written { s.days(0.2, 2.5) } else { s.minutes(1, 40) };
    // Every generated appeal is registered by the "as of" instant, however late it came.
    let lag = lag.min(as_of - appeal.received_at - Duration::seconds(2));
    let registered = s.then(lag, "регистратор", EventKind::Registered);
    debug_assert!(registered, "received before as_of, so registered before it");
    let delay = s.minutes(3, 180);
    let confidence = (s.rng.random_range(0.55f32..0.99) * 100.0).round() / 100.0;
    s.then(delay, "классификатор", EventKind::Classified { block: topic.block_id.clone(), topic: topic.id.clone(), confidence: Some(confidence) });
    let delay = s.minutes(20, 480);
    s.then(delay, "оператор ЦУР", EventKind::Assigned { agency: agency.id.clone() });
    let mut agency = agency;
    if s.chance(0.05) {
        if let Some(target) = profiles.redirect_target(topic, &appeal.municipality, agency) {
            let delay = s.days(0.5, 3.0);
            s.then(delay, agency.id.as_str(), EventKind::Redirected { to: target.id.clone(), reason: "вопрос не относится к компетенции".into() });
            agency = target;
        }
    }
    if s.chance(0.04) {
        let delay = s.minutes(10, 600);
        s.then(delay, "оператор ЦУР", EventKind::Comment { text: "Взято на особый контроль ЦУР".into() });
    }
    let profile = profiles.profile(agency).clone();
    let who = agency.id.0.clone();
    if appeal.channel == Channel::Im {
        let hours = s.rng.random_range(0.5..9.0) * profile.slowness;
        s.then(Duration::minutes((hours * 60.0) as i64), &who, EventKind::InterimAnswer { text: "Информация принята, специалисты разбираются.".into() });
    }
    let term_days = if written { 30.0 } else { 11.0 };
    if written && s.chance(0.07) {
        let delay = s.days(10.0, 25.0);
        s.then(delay, &who, EventKind::DeadlineExtended { days: 30, reason: "требуется дополнительная проверка".into() });
    }
    let urgency = if topic.severity >= 5 { 0.4 } else { 1.0 };
    let noise: f64 = s.rng.random_range(-0.7f64..0.7).exp();
    let answer_days = term_days * 0.5 * profile.slowness * urgency * noise;
    let delay = Duration::seconds((answer_days * 86_400.0) as i64);
    let text = ANSWERS[s.rng.random_range(0..ANSWERS.len())];
    s.then(delay, &who, EventKind::Answered { text: text.into() });
    let mut rejections = 0;
    while rejections < 2 && s.chance(profile.formal_reply / f64::from(rejections + 1)) {
        rejections += 1;
        let delay = s.days(0.5, 3.0);
        s.then(delay, "модератор ЦУР", EventKind::AnswerRejected { reason: "формальный ответ (отписка): не указаны меры и сроки".into() });
        let delay = s.days(2.0, 8.0) * (profile.slowness.ceil() as i32);
        s.then(
            delay,
            &who,
            EventKind::Answered {
                text: "Дополнительно сообщаем о принятых мерах и сроках их выполнения.".into()
            },
        );
    }
    // What really happens to the problem.
    let deferrable = matches!(topic.block_id.as_str(), "roads" | "housing" | "education");
    let mut resolved = false;
    let mut deferred = false;
    if deferrable && s.chance(0.12) {
        let plan = s.t + s.days(30.0, 180.0);
        let delay = s.minutes(60, 2880);
        deferred = s.then(delay, &who, EventKind::Deferred { plan_date: plan.date_naive(), plan: "включено в план работ".into() });
        if deferred && s.chance(0.6) {
            let wait = plan - s.t + s.days(0.0, 20.0);
            resolved = s.then(wait, &who, EventKind::Resolved { note: "работы выполнены по плану".into() });
        }
    } else if s.chance(profile.solves) {
        let delay = s.days(0.1, 7.0);
        resolved = s.then(delay, &who, EventKind::Resolved { note: "проблема устранена".into() });
    }
    // The citizen's word.
    let mut confirmed = false;
    let mut unhappy = false;
    if s.chance(0.6) {
        let delay = s.days(0.5, 6.0);
        if resolved && s.chance(0.85) {
            confirmed = s.then(delay, "заявитель", EventKind::CitizenConfirmed);
        } else if (resolved || s.chance(0.45)) && s.then(delay, "заявитель", EventKind::CitizenNotSolved { comment: "проблема не решена".into() })
        {
            unhappy = true;
            let delay = s.days(3.0, 12.0) * (profile.slowness.ceil() as i32);
            s.then(delay, &who, EventKind::Answered { text: "Повторно рассмотрено, приняты дополнительные меры.".into() });
            if s.chance(0.6) {
                let delay = s.days(0.5, 10.0);
                resolved = s.then(delay, &who, EventKind::Resolved { note: "устранено после повторной проверки".into() });
                unhappy = !resolved;
                if resolved && s.chance(0.5) {
                    let delay = s.days(0.5, 5.0);
                    confirmed = s.then(delay, "заявитель", EventKind::CitizenConfirmed);
                }
            } else {
                resolved = false;
            }
        }
    }
    if s.events.iter().any(|e| matches!(e.kind, EventKind::Answered { .. })) && s.chance(0.5) {
        let weights: [u32; 5] = if confirmed {
            [0, 1, 2, 12, 20]
        } else if resolved {
            [1, 2, 6, 10, 8]
        } else if unhappy {
            [14, 8, 2, 1, 0]
        } else if deferred {
            [3, 6, 8, 4, 2]
        } else {
            [8, 9, 6, 2, 1]
        };
        let total: u32 = weights.iter().sum();
        let mut x = s.rng.random_range(0..total);
        let mut score = 1u8;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                score = i as u8 + 1;
                break;
            }
            x -= w;
        }
        let delay = s.minutes(5, 3000);
        s.then(delay, "заявитель", EventKind::Satisfaction { score });
    }
    let closable = (resolved || confirmed || !unhappy) && !(deferred && !resolved) && s.events.iter().any(|e| matches!(e.kind, EventKind::Answered { .. }));
    if closable && s.chance(0.85) {
        let delay = s.days(1.0, 7.0);
        s.then(delay, "оператор ЦУР", EventKind::Closed);
    }
    s.events
}
