//! Event histories: what each agency does with an appeal, told as events that pass the
//! state machine by construction (and are checked against it in tests).

use crate::agencies::Profiles;
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use tsur_core::deadline::{terms, Basis, Stage};
use tsur_core::reference::{Agency, Topic};
use tsur_core::rules::Rules;
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
pub fn events(appeal: &Appeal, topic: &Topic, agency: &Agency, profiles: &Profiles, rules: &Rules, as_of: DateTime<Utc>, rng: &mut ChaCha8Rng) -> Vec<Event> {
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
    // Routing: an active fast-track sends the appeal to its agency with its term.
    let on = tsur_core::time::local_date(appeal.received_at);
    let fast_track = tsur_core::fast_track::select(rules.fast_tracks(), &topic.id, &appeal.municipality, on);
    let delay = s.minutes(20, 480);
    let mut agency = agency;
    match fast_track.and_then(|f| profiles.agency(&f.agency_id).map(|a| (f, a))) {
        Some((f, routed)) => {
            s.then(delay, "оператор ЦУР", EventKind::FastTrackApplied { fast_track: f.id.clone(), agency: routed.id.clone() });
            agency = routed;
        }
        None => {
            s.then(delay, "оператор ЦУР", EventKind::Assigned { agency: agency.id.clone() });
        }
    }
    let fast_track = fast_track.filter(|_| s.events.iter().any(|e| matches!(e.kind, EventKind::FastTrackApplied { .. })));
    if fast_track.is_none() && s.chance(0.05) {
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
    // The real terms of this appeal under its regime (and fast-track): how late an answer is
    // follows from the agency's pace measured in shares of the term, and from the calendar.
    let Some(regime) = rules.regime(appeal.regime.as_str()) else {
        return s.events;
    };
    let registered_at = s.events[0].at;
    let mut basis = Basis { registered: Some(registered_at), fast_track, ..Basis::new(regime, appeal.received_at) };
    let due_of = |basis: &Basis<'_>, stage| -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let t = terms(basis).ok()?.into_iter().flatten().find(|t| t.stage == stage)?;
        Some((t.start, t.due(&rules.calendar).0))
    };
    let at_share =
        |(start, due): (DateTime<Utc>, DateTime<Utc>), share: f64| start + Duration::milliseconds(((due - start).num_milliseconds() as f64 * share) as i64);
    if let Some(term) = due_of(&basis, Stage::FirstReply) {
        let share = 0.45 * profile.slowness * s.rng.random_range(-0.6f64..0.6).exp();
        let target = at_share(term, share);
        if s.then(target - s.t, &who, EventKind::InterimAnswer { text: "Информация принята, специалисты разбираются.".into() })
        {
            basis.first_reply = Some(s.t);
        }
    }
    let Some(term) = due_of(&basis, Stage::Answer) else {
        return s.events;
    };
    let urgency = if topic.severity >= 5 { 0.6 } else { 1.0 };
    let share = 0.55 * profile.slowness * urgency * s.rng.random_range(-0.7f64..0.7).exp();
    let target = at_share(term, share);
    // A written appeal that will not be answered in time is extended, when the regime allows.
    let allowed = regime.extension_days.filter(|_| regime.max_extensions.unwrap_or(0) > 0);
    if let Some(days) = allowed.filter(|_| share > 0.9 && s.chance(0.6)) {
        let when = at_share(term, s.rng.random_range(0.5..0.85));
        s.then(when - s.t, &who, EventKind::DeadlineExtended { days, reason: "требуется дополнительная проверка".into() });
    }
    let text = ANSWERS[s.rng.random_range(0..ANSWERS.len())];
    s.then(target - s.t, &who, EventKind::Answered { text: text.into() });
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
        // Most plans are kept, some a little late (the plan date is a deadline too); a slow
        // agency breaks more of its promises.
        if deferred && s.chance(0.95 - 0.1 * profile.slowness) {
            let wait = plan - s.t + s.days(-20.0, 12.0 * profile.slowness);
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
    let closable = (!unhappy || confirmed || resolved) && (!deferred || resolved) && s.events.iter().any(|e| matches!(e.kind, EventKind::Answered { .. }));
    if closable && s.chance(0.85) {
        let delay = s.days(1.0, 7.0);
        s.then(delay, "оператор ЦУР", EventKind::Closed);
    }
    s.events
}
