//! The analytics commands: `tsur kpi`, `tsur rating`, `tsur screen`, `tsur problems`
//! (the register by priority), `tsur effect`, `tsur roadmaps`, `tsur chart`.

use anyhow::Context;
use clap::{Args, ValueEnum};
use tsur_api::{Api, Scope, SliceQuery};

/// Which appeals: the same options for every analytics command.
#[derive(Args, Debug, Clone, Default)]
pub struct SliceArgs {
    /// Период: 2026, 2026-03, 2026-Q1, 2026-03-15 или 2026-01-01..2026-03-31
    /// (по умолчанию — 30 дней до последнего обращения)
    #[arg(long)]
    pub period: Option<String>,
    /// Муниципалитеты (id через запятую, см. tsur reference export)
    #[arg(long, value_delimiter = ',')]
    pub municipality: Vec<String>,
    /// Отраслевые блоки (id через запятую)
    #[arg(long, value_delimiter = ',')]
    pub block: Vec<String>,
    /// Исполнители (id через запятую)
    #[arg(long, value_delimiter = ',')]
    pub agency: Vec<String>,
    /// Каналы: pos, im, fz59, regional, other
    #[arg(long, value_delimiter = ',')]
    pub channel: Vec<String>,
    /// Темы (id через запятую)
    #[arg(long, value_delimiter = ',')]
    pub topic: Vec<String>,
    /// Статусы: registered, assigned, answered, resolved, confirmed, reopened, …
    #[arg(long, value_delimiter = ',')]
    pub status: Vec<String>,
}

impl SliceArgs {
    pub fn query(&self) -> SliceQuery {
        SliceQuery {
            period: self.period.clone(),
            municipalities: self.municipality.clone(),
            blocks: self.block.clone(),
            agencies: self.agency.clone(),
            channels: self.channel.clone(),
            topics: self.topic.clone(),
            statuses: self.status.clone(),
        }
    }
}

/// Which chart `tsur chart` draws.
#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum ChartArg {
    /// Обращения по дням (по неделям за длинный период) с сигналами раннего предупреждения
    Timeline,
    /// Ответы относительно срока: сколько дней до срока или после него
    Replies,
}

/// Whom a rating ranks.
#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum RatingOfArg {
    /// Региональные органы власти (ИОГВ)
    Agencies,
    /// Муниципалитеты (по обращениям, которые отрабатывают их администрации)
    Municipalities,
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |x| format!("{:.1} %", x * 100.0).replace('.', ","))
}

fn num(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "—".to_owned(), |x| format!("{x:.digits$}").replace('.', ","))
}

/// `2026-02-02` → `02.02.2026`.
fn date_ru(iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d").map_or_else(|_| iso.to_owned(), |d| d.format("%d.%m.%Y").to_string())
}

fn share_line(name: &str, s: &tsur_api::analytics_types::Share, prev: &tsur_api::analytics_types::Share) -> String {
    format!("  {name:<34} {:>8}  [{} – {}]  n = {:<8} было {}", pct(s.value), pct(s.lo), pct(s.hi), s.n, pct(prev.value))
}

pub async fn kpi(api: &Api, slice: &SliceArgs, json: bool) -> anyhow::Result<()> {
    let r = api.kpi(&slice.query(), &Scope::local_curator()).await?;
    if json {
        out!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(());
    }
    let (k, p) = (&r.kpis, &r.previous);
    out!("Показатели за {} (в скобках — 95 % интервал; «было» — предыдущий период той же длины)", r.period_ru);
    out!("  {:<34} {:>8}  было {}", "Обращений", k.appeals, p.appeals);
    out!("  {:<34} {:>8}  было {}", "На 1000 жителей", num(k.per_1000, 2), num(p.per_1000, 2));
    out!(
        "  {:<34} {:>8}  [{} – {}]  n = {:<8} p90 {}; было {}",
        "Первый ответ, медиана, раб. ч",
        num(k.first_reply.median, 1),
        num(k.first_reply.lo, 1),
        num(k.first_reply.hi, 1),
        k.first_reply.n,
        num(k.first_reply.p90, 1),
        num(p.first_reply.median, 1)
    );
    out!("{}", share_line("Ответы в срок", &k.on_time, &p.on_time));
    out!("{}", share_line("Решено (из отвеченных)", &k.resolved, &p.resolved));
    out!("{}", share_line("Подтверждено заявителем (из решённых)", &k.confirmed, &p.confirmed));
    out!("{}", share_line("Повторно открыто (из отвеченных)", &k.reopened, &p.reopened));
    out!("{}", share_line("Отклонено модерацией (из ответов)", &k.rejected, &p.rejected));
    out!("  {:<34} {:>8}  n = {:<8} было {}", "Удовлетворённость, средняя", num(k.satisfaction_mean, 2), k.satisfaction_good.n, num(p.satisfaction_mean, 2));
    out!("{}", share_line("Оценки 4–5", &k.satisfaction_good, &p.satisfaction_good));
    Ok(())
}

pub async fn rating(api: &Api, of: RatingOfArg, slice: &SliceArgs, explain: Option<&str>, json: bool) -> anyhow::Result<()> {
    let of = match of {
        RatingOfArg::Agencies => tsur_api::RatingOf::Agencies,
        RatingOfArg::Municipalities => tsur_api::RatingOf::Municipalities,
    };
    let r = api.rating(of, &slice.query(), &Scope::local_curator()).await?;
    if let Some(id) = explain {
        let e = r.entities.iter().find(|e| e.id == id).ok_or_else(|| anyhow::anyhow!("в рейтинге нет «{id}»"))?;
        if json {
            out!("{}", serde_json::to_string_pretty(e)?);
            return Ok(());
        }
        let place = e.rank.map_or_else(|| format!("без места: меньше {} обращений", r.min_sample), |p| format!("место {p}"));
        out!(
            "{} — {place}, балл {} [{} – {}], обращений {}",
            e.name_ru,
            num(e.score.map(|s| s * 100.0), 1),
            num(e.lo.map(|s| s * 100.0), 1),
            num(e.hi.map(|s| s * 100.0), 1),
            e.appeals
        );
        out!("  {:<36} {:>6} {:>10} {:>10} {:>10} {:>10}", "компонент", "вес", "значение", "балл", "медиана", "вклад");
        for c in &e.components {
            let value = match c.component {
                tsur_api::analytics_types::RatingComponent::Speed => format!("{} ч", num(c.value, 1)),
                tsur_api::analytics_types::RatingComponent::Volume => num(c.value, 2),
                _ => pct(c.value),
            };
            out!(
                "  {:<36} {:>6} {:>10} {:>10} {:>10} {:>10}",
                c.name_ru,
                num(Some(c.weight), 2),
                value,
                num(c.score.map(|s| s * 100.0), 1),
                num(c.regional_median.map(|s| s * 100.0), 1),
                num(c.contribution.map(|s| s * 100.0), 1)
            );
        }
        out!("  (балл и вклад — в пунктах из 100; вклад — разница с медианой региона, взвешенная)");
        return Ok(());
    }
    if json {
        out!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(());
    }
    out!("  {:>5}  {:<40} {:>7} {:>16} {:>10}", "место", "", "балл", "95 % интервал", "обращений");
    for e in &r.entities {
        let place = e.rank.map_or_else(|| "—".to_owned(), |p| p.to_string());
        let score = if e.enough_data { num(e.score.map(|s| s * 100.0), 1) } else { "мало данных".to_owned() };
        out!(
            "  {:>5}  {:<40} {:>7} {:>16} {:>10}",
            place,
            e.name_ru.chars().take(40).collect::<String>(),
            score,
            format!("{} – {}", num(e.lo.map(|s| s * 100.0), 1), num(e.hi.map(|s| s * 100.0), 1)),
            e.appeals
        );
    }
    out!("  Без места — меньше {} обращений. Подробно: tsur rating --of … --explain ID", r.min_sample);
    Ok(())
}

pub async fn register(api: &Api, slice: &SliceArgs, top: usize, json: bool) -> anyhow::Result<()> {
    let items = api.problem_register(&slice.query(), top, &Scope::local_curator()).await?;
    if json {
        out!("{}", serde_json::to_string_pretty(&items)?);
    } else if items.is_empty() {
        out!("В реестре нет проблем за период");
    } else {
        for p in &items {
            out!(
                "  {:>5}  {} {} — {}: {} обращ. (было {}), каналов {}, жителей {}",
                num(Some(p.priority * 100.0), 1),
                p.problem_id,
                p.municipalities.join(","),
                p.topic_ru.as_deref().unwrap_or("без темы"),
                p.appeals,
                p.previous,
                p.channels,
                p.population
            );
        }
    }
    Ok(())
}

pub async fn screen(api: &Api, slice: &SliceArgs, top: usize) -> anyhow::Result<()> {
    let r = api.screen(&slice.query(), top, &Scope::local_curator()).await?;
    out!("{}", serde_json::to_string_pretty(&r)?);
    Ok(())
}

pub async fn effect(api: &Api, fast_track: Option<&str>, roadmap: Option<&str>, window_days: i64, json: bool) -> anyhow::Result<()> {
    let (kind, id) = match (fast_track, roadmap) {
        (Some(f), None) => ("fast_track", f),
        (None, Some(r)) => ("roadmap", r),
        _ => anyhow::bail!("укажите одно: --fast-track ID или --roadmap ID"),
    };
    let r = api.effect(kind, id, window_days).await?;
    if json {
        out!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(());
    }
    out!("{} с {}: {} дн. до и {} дн. после; контроль — {}", r.name_ru, date_ru(&r.start), r.effect.window_days, r.effect.after_days, r.effect.control_ru);
    for e in &r.effect.estimates {
        let cell = |c: &tsur_api::analytics_types::Cell| format!("{} (n={})", num(c.mean, 2), c.n);
        out!("  {}", e.name_ru);
        out!("    мера:     до {} → после {}", cell(&e.treated_before), cell(&e.treated_after));
        out!("    контроль: до {} → после {}", cell(&e.control_before), cell(&e.control_after));
        let rel = e.relative.map(|r| format!(" (изменение объёма {})", pct(Some(r)))).unwrap_or_default();
        out!("    разность разностей {} [{} – {}]{rel}", num(e.did, 3), num(e.lo, 3), num(e.hi, 3));
    }
    Ok(())
}

pub fn roadmaps(api: &Api, json: bool) -> anyhow::Result<()> {
    let list = api.roadmaps()?;
    if json {
        out!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    for r in &list {
        let area = if r.municipalities.is_empty() { "вся область".to_owned() } else { r.municipalities.join(", ") };
        out!("{} — {} (с {}, {}; отв. {})", r.id, r.title_ru, date_ru(&r.started_on.to_string()), area, r.agency_id);
        for m in &r.milestones {
            let done = m.done.map_or_else(|| "не выполнено".to_owned(), |d| format!("выполнено {}", date_ru(&d.to_string())));
            out!("    {} — срок {}, {}", m.title_ru, date_ru(&m.due.to_string()), done);
        }
    }
    Ok(())
}

pub async fn alerts(api: &Api, since: Option<&str>, eval: bool, within_hours: i64, json: bool) -> anyhow::Result<()> {
    if eval {
        let r = api.alerts_eval(within_hours).await?;
        if json {
            out!("{}", serde_json::to_string_pretty(&r)?);
        } else {
            let d = &r.detection;
            out!(
                "Инцидентов {}, обнаружено за {} ч: {} (полнота {}); задержка медиана {} мин, макс. {} мин",
                d.incidents,
                r.within_hours,
                d.detected,
                pct(Some(d.recall)),
                num(d.median_delay_minutes, 1),
                num(d.max_delay_minutes, 1)
            );
            out!("Тревог {}, ложных {} за {} нед. ({} в неделю)", d.alerts, d.false_alarms, num(Some(d.weeks), 1), num(Some(d.false_alarms_per_week), 2));
        }
        return Ok(());
    }
    let items = api.alerts(since, &Scope::local_curator()).await?;
    if json {
        out!("{}", serde_json::to_string_pretty(&items)?);
    } else if items.is_empty() {
        out!("Всплесков нет");
    } else {
        for a in &items {
            let at = tsur_api::room::instant_ru(&a.raised_at);
            out!("  {at} {} — {}: {}", a.municipality_ru, a.topic_ru, a.reason_ru);
        }
    }
    Ok(())
}

pub async fn hotspots(api: &Api, resolution: u8, slice: &SliceArgs, geojson: bool) -> anyhow::Result<()> {
    let fc = api.hotspots(resolution, &slice.query(), &Scope::local_curator()).await?;
    if geojson {
        out!("{}", serde_json::to_string(&fc)?);
        return Ok(());
    }
    let features = fc["features"].as_array().cloned().unwrap_or_default();
    let mut hot: Vec<&serde_json::Value> = features.iter().filter(|f| f["properties"]["class"].as_str().is_some_and(|c| c.starts_with("hot"))).collect();
    hot.sort_by(|a, b| b["properties"]["z"].as_f64().unwrap_or(0.0).total_cmp(&a["properties"]["z"].as_f64().unwrap_or(0.0)));
    out!("Шестиугольников {}, горячих {}", features.len(), hot.len());
    for f in hot.iter().take(20) {
        let p = &f["properties"];
        out!(
            "  {} {}: обращений {} при ожидаемых {}, z = {}",
            p["cell"].as_str().unwrap_or(""),
            p["class_ru"].as_str().unwrap_or(""),
            p["observed"],
            p["expected"],
            p["z"]
        );
    }
    out!("  Карта: tsur hotspots --geojson > hotspots.geojson");
    Ok(())
}

pub async fn chart(api: &Api, which: ChartArg, slice: &SliceArgs, out: &std::path::Path, (width, height): (u32, u32), dark: bool) -> anyhow::Result<()> {
    let frame = tsur_api::ChartFrame { width, height, theme: if dark { tsur_api::ChartTheme::Dark } else { tsur_api::ChartTheme::Light } };
    let c = api.charts(&slice.query(), &frame, &Scope::local_curator()).await?;
    let svg = match which {
        ChartArg::Timeline => &c.timeline_svg,
        ChartArg::Replies => &c.replies_svg,
    };
    std::fs::write(out, svg).with_context(|| format!("не записан файл {}", out.display()))?;
    match which {
        ChartArg::Timeline => out!("{}: обращений {}, сигналов {} за {}", out.display(), c.appeals, c.incidents, c.period_ru),
        ChartArg::Replies => out!(
            "{}: ответов в срок {}, с опозданием {}, без ответа после срока {} за {}",
            out.display(),
            c.answers_on_time,
            c.answers_late,
            c.unanswered_overdue,
            c.period_ru
        ),
    }
    Ok(())
}
