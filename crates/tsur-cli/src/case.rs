//! `tsur case`, `tsur problems appeals` and `tsur search`: the drill-down's last steps in the
//! terminal.

use tsur_api::{Api, AppealBriefDto, CaseView, Scope};

fn brief_line(b: &AppealBriefDto) -> String {
    let late = if b.overdue { " ПРОСРОЧЕНО" } else { "" };
    format!(
        "  {} {} {} {} · {} · {} · {}{late}",
        b.received,
        b.channel_ru,
        b.external_id,
        b.municipality_ru,
        b.topic_ru.as_deref().unwrap_or("без темы"),
        b.status_ru,
        b.id
    )
}

fn print_case(c: &CaseView) {
    out!("Обращение {} ({} {}), {}", c.id, c.channel_ru, c.external_id, c.regime_ru);
    out!("Поступило {} · {}{}", c.received, c.municipality_ru, c.settlement_ru.as_deref().map(|s| format!(", {s}")).unwrap_or_default());
    if !c.address.is_empty() {
        out!("Адрес: {}", c.address);
    }
    out!(
        "Статус: {} · {} / {} · исполнитель: {}",
        c.status_ru,
        c.block_ru.as_deref().unwrap_or("блок не определён"),
        c.topic_ru.as_deref().unwrap_or("тема не определена"),
        c.agency_ru.as_deref().unwrap_or("не назначен")
    );
    match (&c.author, c.author_hidden) {
        (Some(a), _) => out!(
            "Заявитель: {}{}{}",
            a.full_name,
            a.phone.as_deref().map(|p| format!(", {p}")).unwrap_or_default(),
            a.email.as_deref().map(|e| format!(", {e}")).unwrap_or_default()
        ),
        (None, true) => out!("Заявитель: скрыт (ваша роль не допускает персональные данные)"),
        (None, false) => {}
    }
    out!("\n{}\n", c.text);
    out!("Сроки:");
    for d in &c.deadlines {
        out!("  {:<22} до {} — {}{}", d.deadline.stage_ru, d.due_ru, d.state_ru, d.done.as_deref().map(|t| format!(" ({t})")).unwrap_or_default());
        out!("  {:<22} {}", "", d.deadline.rule);
    }
    out!("История:");
    for e in &c.timeline {
        let detail = if e.detail.is_empty() { String::new() } else { format!(": {}", e.detail) };
        out!("  {} {} — {}{detail}", e.at, e.actor, e.kind_ru);
    }
    if !c.answers.is_empty() {
        out!("Ответы:");
        for a in &c.answers {
            out!("  {} {}: {}", a.at, a.kind_ru, a.text);
            if let Some(why) = &a.rejected_because {
                out!("    отклонён модерацией: {why}");
            }
        }
    }
    if let Some(s) = c.satisfaction {
        out!("Оценка заявителя: {s} из 5");
    }
    for cover in &c.covered_by {
        let kind = if cover.kind == "roadmap" { "Дорожная карта" } else { "Фаст-трек" };
        out!("{kind} «{}» ({}): {}", cover.name_ru, cover.agency_ru, cover.detail);
    }
    if let Some(p) = &c.problem_id {
        out!("Проблема {p}: ещё обращений {}", c.linked_total);
        for b in &c.linked {
            out!("{}", brief_line(b));
        }
    }
}

/// `tsur case ID`.
pub async fn case(api: &Api, id: &str, json: bool) -> anyhow::Result<()> {
    let c = api.case(id, &Scope::local_curator(), chrono::Utc::now()).await?;
    if json {
        out!("{}", serde_json::to_string_pretty(&c)?);
    } else {
        print_case(&c);
    }
    Ok(())
}

/// `tsur problems appeals ID`.
pub async fn problem_appeals(api: &Api, id: &str, limit: i64, json: bool) -> anyhow::Result<()> {
    let p = api.problem_appeals(id, limit, &Scope::local_curator(), chrono::Utc::now()).await?;
    if json {
        out!("{}", serde_json::to_string_pretty(&p)?);
    } else {
        out!("Проблема {} ({}): обращений {}", p.problem_id, p.topic_ru.as_deref().unwrap_or("без темы"), p.total);
        for b in &p.appeals {
            out!("{}", brief_line(b));
        }
    }
    Ok(())
}

/// `tsur search QUERY`.
pub async fn search(api: &Api, query: &str, limit: i64, json: bool) -> anyhow::Result<()> {
    let found = api.search(query, limit, &Scope::local_curator(), chrono::Utc::now()).await?;
    if json {
        out!("{}", serde_json::to_string_pretty(&found)?);
    } else {
        out!("«{}» (ищу слова, начинающиеся с: {}): найдено {}", found.query, found.stems.join(", "), found.total);
        for b in &found.appeals {
            out!("{}", brief_line(b));
        }
    }
    Ok(())
}
