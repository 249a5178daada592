//! `tsur`: the command line of the situation-room software — demo data, statistics and the
//! reference books. Glue only: every command is a call into `tsur-api`.

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use tsur_api::{db_path, Api, DeadlineQuery, DemoParams, ImportRequest, Period, Scope};

/// Prints a line to stdout; a closed pipe (`tsur stats | head -1`) ends the program quietly
/// instead of a panic.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

mod analytics;
mod case;

/// The allocator of the app as well (see the workspace's Cargo.toml): a fifth of an import's
/// time went to glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "tsur", version, about = "ЦУР Астраханской области: обращения граждан — демо-данные, статистика, справочники")]
struct Cli {
    /// Файл базы (по умолчанию $TSUR_DB или ~/.local/share/tsur/tsur.db)
    #[arg(long, global = true)]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Центральная база PostgreSQL
    #[command(subcommand)]
    Central(CentralCommand),
    #[command(flatten)]
    Local(Box<LocalCommand>),
}

/// The commands that work on this node's store.
#[derive(Subcommand)]
enum LocalCommand {
    /// Войти в центральную базу: проверить роль и запомнить сервер (пароль — в хранилище паролей ОС)
    Login {
        /// Адрес без пароля: postgres://сервер:5432/база (TLS: ?sslmode=verify-full&sslrootcert=ca.pem)
        #[arg(long)]
        central: String,
        /// Имя пользователя центральной базы
        #[arg(long)]
        user: String,
        /// Прочитать пароль из стандартного ввода (для сценариев), а не спрашивать
        #[arg(long)]
        password_stdin: bool,
        /// Сервер не спрашивает пароль (вход по сертификату или доверию): не спрашивать и не хранить
        #[arg(long, conflicts_with = "password_stdin")]
        no_password: bool,
        /// Итог в JSON
        #[arg(long)]
        json: bool,
    },
    /// Выйти: забыть сервер и удалить пароль из хранилища ОС
    Logout,
    /// Синхронизировать с центральной базой: отправить новое, получить изменения своей области
    Sync {
        /// Итог в JSON
        #[arg(long)]
        json: bool,
        /// Только показать состояние: последняя синхронизация, ожидают отправки
        #[arg(long)]
        status: bool,
        /// Показать отклонённое при синхронизации
        #[arg(long)]
        rejected: bool,
    },
    /// Заполнить пустую базу реалистичным годом обращений по Астраханской области
    Demo {
        /// Число обращений
        #[arg(long, default_value_t = 100_000)]
        appeals: u64,
        /// Зерно генератора (одно зерно — одни и те же данные)
        #[arg(long, default_value_t = 2020)]
        seed: u32,
        /// Первый день года данных (ГГГГ-ММ-ДД)
        #[arg(long, default_value = "2025-11-01")]
        from: String,
        /// Итог в JSON
        #[arg(long)]
        json: bool,
    },
    /// Итоги по муниципалитетам, блокам, каналам и статусам
    Stats {
        /// Начало периода (ГГГГ-ММ-ДД), по умолчанию — всё время
        #[arg(long, requires = "to")]
        from: Option<String>,
        /// Конец периода включительно (ГГГГ-ММ-ДД)
        #[arg(long, requires = "from")]
        to: Option<String>,
        /// Вывод в JSON (формат описан в docs/stats-json.md)
        #[arg(long)]
        json: bool,
    },
    /// Сроки каждого этапа по правовому режиму, с объяснением
    Deadline {
        /// Режим: fz59 (59fz), pos, im, regional (hotline), other
        #[arg(long)]
        regime: String,
        /// Момент поступления, RFC 3339 с часовым поясом (2026-03-02T10:00:00+04:00)
        #[arg(long)]
        received: String,
        /// Момент регистрации, если отличается от поступления
        #[arg(long)]
        registered: Option<String>,
        /// Продление срока ответа, дней
        #[arg(long, default_value_t = 0)]
        extended_days: u32,
        /// Фаст-трек, чей срок заменяет срок ответа (см. tsur fast-tracks)
        #[arg(long)]
        fast_track: Option<String>,
        /// Насколько момент поступления может быть в будущем, минут (расхождение часов систем)
        #[arg(long, default_value_t = 10)]
        future_tolerance_min: u32,
        /// Вывод в JSON
        #[arg(long)]
        json: bool,
    },
    /// Фаст-треки: ускоренные сроки и маршруты по темам
    FastTracks {
        /// Вывод в JSON
        #[arg(long)]
        json: bool,
    },
    /// Просроченные и находящиеся под угрозой просрочки обращения
    Overdue {
        /// Момент проверки, RFC 3339 (по умолчанию — сейчас)
        #[arg(long)]
        at: Option<String>,
        /// Только этот блок (например, roads)
        #[arg(long)]
        block: Option<String>,
        /// Только этот муниципалитет (например, kamyzyaksky)
        #[arg(long)]
        municipality: Option<String>,
        /// Сколько обращений показать (в JSON — все)
        #[arg(long, default_value_t = 30)]
        limit: usize,
        /// Вывод в JSON
        #[arg(long)]
        json: bool,
    },
    /// Загрузить обращения из выгрузки канала (CSV в UTF-8 или Windows-1251, XLSX, JSON Lines, Open311)
    Import {
        /// Файл
        file: PathBuf,
        /// Формат: csv, xlsx, jsonl, open311 (по умолчанию — по расширению файла)
        #[arg(long)]
        format: Option<String>,
        /// Канал всех строк: fz59, pos, im, regional, other
        #[arg(long)]
        channel: Option<String>,
        /// Сопоставление колонок: пресет (generic, pos, im, open311) или путь к файлу TOML
        #[arg(long)]
        mapping: Option<String>,
        /// Итог в JSON
        #[arg(long)]
        json: bool,
    },
    /// Карантин: строки, которые не удалось загрузить
    #[command(subcommand)]
    Quarantine(QuarantineCommand),
    /// Классификация текстов обращений по блокам и темам
    #[command(subcommand)]
    Classify(ClassifyCommand),
    /// Очередь проверки классификации: обращения без темы или с низкой уверенностью
    #[command(subcommand)]
    Review(ReviewCommand),
    /// Радар конфликтов: повторные обращения, «не решено», отписки, признаки эскалации
    Radar {
        /// С какой даты (ГГГГ-ММ-ДД), по умолчанию — за 90 дней до последнего обращения
        #[arg(long)]
        since: Option<String>,
        /// Сколько показать
        #[arg(long, default_value_t = 30)]
        limit: usize,
        /// Вывод в JSON
        #[arg(long)]
        json: bool,
    },
    /// Реестр проблем по приоритету (без подкоманды), связывание обращений, оценка связывания
    Problems(ProblemsArgs),
    /// Карточка обращения: текст, история событий, сроки с объяснением, ответы, связанные обращения
    Case {
        /// Идентификатор обращения (UUID)
        id: String,
        /// Вывод в JSON
        #[arg(long)]
        json: bool,
    },
    /// Поиск обращений по словам текста и адреса (в любой форме слова), новые сверху
    Search {
        /// Слова для поиска, например «прорвало трубу»
        query: String,
        /// Сколько обращений показать
        #[arg(long, default_value_t = 20)]
        limit: i64,
        /// Вывод в JSON
        #[arg(long)]
        json: bool,
    },
    /// Показатели любого среза: число, скорость первого ответа, доли в срок / решено / подтверждено, оценки
    Kpi {
        #[command(flatten)]
        slice: analytics::SliceArgs,
        /// Вывод в JSON
        #[arg(long)]
        json: bool,
    },
    /// Рейтинг исполнителей (ИОГВ) или муниципалитетов с интервалами и «мало данных»
    Rating {
        /// Кого: agencies | municipalities
        #[arg(long, value_enum)]
        of: analytics::RatingOfArg,
        #[command(flatten)]
        slice: analytics::SliceArgs,
        /// Объяснить место одного участника (id)
        #[arg(long)]
        explain: Option<String>,
        /// Вывод в JSON
        #[arg(long)]
        json: bool,
    },
    /// Всё для одного экрана ситуационного центра (JSON): показатели, карта, проблемы, рейтинги
    Screen {
        #[command(flatten)]
        slice: analytics::SliceArgs,
        /// Сколько проблем
        #[arg(long, default_value_t = 10)]
        top: usize,
    },
    /// Работают ли фаст-треки и дорожные карты: «разность разностей» с контрольной группой
    Effect {
        /// Фаст-трек (см. tsur fast-tracks)
        #[arg(long, conflicts_with = "roadmap")]
        fast_track: Option<String>,
        /// Дорожная карта (см. tsur roadmaps)
        #[arg(long)]
        roadmap: Option<String>,
        /// Дней до и после начала меры
        #[arg(long, default_value_t = 90)]
        window_days: i64,
        /// Вывод в JSON
        #[arg(long)]
        json: bool,
    },
    /// Раннее предупреждение: всплески обращений по муниципалитету и теме
    Alerts {
        /// С какой даты (ГГГГ-ММ-ДД), по умолчанию — 7 дней до последнего обращения
        #[arg(long)]
        since: Option<String>,
        /// Оценить обнаружение по эталону демо-инцидентов (полнота, ложные тревоги в неделю)
        #[arg(long)]
        eval: bool,
        /// Для --eval: допустимая задержка, часов
        #[arg(long, default_value_t = 2)]
        within_hours: i64,
        /// Вывод в JSON
        #[arg(long)]
        json: bool,
    },
    /// Горячие точки: шестиугольники H3 с Gi* — где обращений больше, чем ожидается по населению
    Hotspots {
        /// Разрешение H3 (5–9; 7 — около 5 км²)
        #[arg(long, default_value_t = 7)]
        resolution: u8,
        #[command(flatten)]
        slice: analytics::SliceArgs,
        /// Вывести GeoJSON (FeatureCollection для карты)
        #[arg(long)]
        geojson: bool,
    },
    /// График в SVG для отчёта: динамика обращений с сигналами или сроки ответов (тот же, что в окне)
    Chart {
        /// Какой: timeline (обращения по дням и сигналы) | replies (ответы относительно срока)
        #[arg(value_enum)]
        which: analytics::ChartArg,
        #[command(flatten)]
        slice: analytics::SliceArgs,
        /// Куда записать SVG
        #[arg(long)]
        out: PathBuf,
        /// Ширина, пикселей
        #[arg(long, default_value_t = 840)]
        width: u32,
        /// Высота, пикселей
        #[arg(long, default_value_t = 420)]
        height: u32,
        /// Тёмная тема (как на стене)
        #[arg(long)]
        dark: bool,
    },
    /// Дорожные карты и их вехи
    Roadmaps {
        /// Вывод в JSON
        #[arg(long)]
        json: bool,
    },
    /// Справочники: выгрузить для правки и загрузить обратно
    #[command(subcommand)]
    Reference(ReferenceCommand),
}

#[derive(Subcommand)]
enum ClassifyCommand {
    /// Обучить модель на размеченной истории региона (или на решениях людей в базе) и сохранить её
    Train {
        /// CSV с текстами и метками
        #[arg(long, required_unless_present = "from_store")]
        labeled: Option<PathBuf>,
        /// Колонка текста
        #[arg(long, required_unless_present = "from_store")]
        text_col: Option<String>,
        /// Колонка метки
        #[arg(long, required_unless_present = "from_store")]
        label_col: Option<String>,
        /// Обучить на обращениях, классифицированных людьми (очередь проверки, исправления)
        #[arg(long, conflicts_with = "labeled")]
        from_store: bool,
        /// CSV «label,block»: метки источника → наши блоки (пустой блок — строку пропустить)
        #[arg(long)]
        map: Option<PathBuf>,
        /// Учить метки источника (по классу на метку) и отвечать блоками по --map
        #[arg(long, requires = "map")]
        keep_labels: bool,
        /// Архив векторов слов navec (scripts/fetch-vectors.sh): помогает при нескольких сотнях
        /// размеченных текстов, при тысяче — нет, и вдвое замедляет классификацию
        #[arg(long, requires = "labeled")]
        vectors: Option<PathBuf>,
        /// Итог в JSON
        #[arg(long)]
        json: bool,
    },
    /// Классифицировать тексты файла: блок, тема, уверенность
    Predict {
        /// CSV с текстами
        #[arg(long = "in")]
        input: PathBuf,
        /// Колонка текста
        #[arg(long)]
        text_col: String,
        /// Колонка идентификатора (по умолчанию — номер строки)
        #[arg(long)]
        id_col: Option<String>,
        /// По строке JSON на текст
        #[arg(long)]
        json: bool,
    },
    /// Перекрёстная проверка модели: точность, полнота и F1 по блокам, macro-F1
    Eval {
        /// CSV с текстами и метками
        #[arg(long)]
        labeled: PathBuf,
        /// Колонка текста
        #[arg(long)]
        text_col: String,
        /// Колонка метки
        #[arg(long)]
        label_col: String,
        /// CSV «label,block»
        #[arg(long)]
        map: Option<PathBuf>,
        /// Учить метки источника и отвечать блоками по --map (как train --keep-labels)
        #[arg(long, requires = "map")]
        keep_labels: bool,
        /// Число блоков перекрёстной проверки
        #[arg(long, default_value_t = 5)]
        folds: usize,
        /// Архив векторов слов navec (scripts/fetch-vectors.sh), как train --vectors
        #[arg(long)]
        vectors: Option<PathBuf>,
        /// Вывод в JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ReviewCommand {
    /// Показать очередь
    List {
        /// Сколько показать
        #[arg(long, default_value_t = 30)]
        limit: i64,
        /// Вывод в JSON
        #[arg(long)]
        json: bool,
    },
    /// Установить тему обращения (решение человека)
    Set {
        /// Идентификатор обращения
        appeal: String,
        /// Тема (см. data/reference/catalog/topics.csv)
        #[arg(long)]
        topic: String,
        /// Кто решил
        #[arg(long, default_value = "оператор ЦУР")]
        by: String,
    },
}

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
struct ProblemsArgs {
    #[command(subcommand)]
    command: Option<ProblemsCommand>,
    #[command(flatten)]
    register: RegisterArgs,
}

#[derive(clap::Args)]
struct RegisterArgs {
    #[command(flatten)]
    slice: analytics::SliceArgs,
    /// Сколько показать
    #[arg(long, default_value_t = 20)]
    top: usize,
    /// Вывод в JSON
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum ProblemsCommand {
    /// Реестр по приоритету (то же, что tsur problems без подкоманды)
    List(RegisterArgs),
    /// Обращения одной проблемы, новые сначала
    Appeals {
        /// Идентификатор проблемы (UUID)
        id: String,
        /// Сколько показать
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Вывод в JSON
        #[arg(long)]
        json: bool,
    },
    /// Связать новые обращения с проблемами (обычно делается само после загрузки)
    Link {
        /// Вывод в JSON
        #[arg(long)]
        json: bool,
    },
    /// Оценить связывание по эталону демо-инцидентов (точность и полнота по парам обращений)
    Eval {
        /// Радиус, км
        #[arg(long, default_value_t = 4.0)]
        radius_km: f64,
        /// Окно времени после последнего обращения проблемы, часов
        #[arg(long, default_value_t = 2)]
        window_hours: i64,
        /// Порог оценки сходства (0–1)
        #[arg(long, default_value_t = 0.2)]
        threshold: f64,
        /// Сколько обращений делают группу проблемой реестра
        #[arg(long, default_value_t = 6)]
        min_size: u32,
        /// …если они пришли в пределах стольких часов (всплеск)
        #[arg(long, default_value_t = 1)]
        burst_hours: i64,
        /// Вывод в JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum QuarantineCommand {
    /// Показать строки в карантине
    List {
        /// Сколько строк показать
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Вывод в JSON
        #[arg(long)]
        json: bool,
    },
    /// Повторить загрузку строк из карантина (например, после исправления сопоставления)
    Retry {
        /// Сопоставление колонок: пресет или путь к файлу TOML
        #[arg(long)]
        mapping: Option<String>,
        /// Итог в JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum CentralCommand {
    /// Применить схему центральной базы (повторное применение ничего не меняет)
    Migrate {
        /// Адрес: postgres://логин@сервер/база (пароль — из PGPASSWORD)
        #[arg(long, env = "TSUR_CENTRAL_URL")]
        url: String,
    },
}

#[derive(Subcommand)]
enum ReferenceCommand {
    /// Выгрузить действующие справочники в папку
    Export {
        /// Папка
        dir: PathBuf,
    },
    /// Проверить и загрузить справочники из папки (недостающие файлы остаются прежними)
    Import {
        /// Папка
        dir: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ошибка: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    // The central database needs no local store.
    let command = match cli.command {
        Command::Central(CentralCommand::Migrate { url }) => {
            tsur_api::central_migrate(&url).await?;
            out!("Схема центральной базы применена");
            return Ok(());
        }
        Command::Local(command) => *command,
    };
    let path = db_path(cli.db);
    let mut api = Api::open(&path).await?;
    match command {
        LocalCommand::Demo { appeals, seed, from, json } => {
            let from = from.parse().with_context(|| format!("--from «{from}»: не дата ГГГГ-ММ-ДД"))?;
            let params = DemoParams { appeals, seed: u64::from(seed), from, days: 365 };
            let bar = if json || !std::io::stderr().is_terminal() { ProgressBar::hidden() } else { ProgressBar::new(appeals) };
            bar.set_style(
                ProgressStyle::with_template("{msg} [{bar:40}] {human_pos}/{human_len} ({per_sec}, осталось {eta})")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            bar.set_message("Генерация обращений");
            let summary = api.seed_demo(params, |done, _| bar.set_position(done)).await?;
            bar.finish_and_clear();
            if json {
                out!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                out!(
                    "Записано {} обращений и {} событий ({} инцидентов, {} проблем в реестре) в {} за {:.1} с",
                    summary.appeals,
                    summary.events,
                    summary.incidents,
                    summary.problems,
                    path.display(),
                    summary.seconds
                );
            }
        }
        LocalCommand::Login { central, user, password_stdin, no_password, json } => {
            let password = if no_password {
                None
            } else if password_stdin || !std::io::stdin().is_terminal() {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).context("пароль не прочитан из стандартного ввода")?;
                Some(line.trim_end_matches(['\r', '\n']).to_owned())
            } else {
                Some(rpassword::prompt_password(format!("Пароль {user}: ")).context("пароль не прочитан")?)
            };
            let report = api.login(&central, &user, password.as_deref()).await?;
            if json {
                out!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                let all = |v: &Option<Vec<String>>| v.as_ref().map(|v| v.join(", ")).unwrap_or_else(|| "все".into());
                out!("Вход выполнен: {} на {}, роль {}", report.login, report.server, report.role);
                out!("  блоки: {}; муниципалитеты: {}", all(&report.blocks), all(&report.municipalities));
                out!(
                    "  {}",
                    if report.password_saved {
                        "пароль сохранён в хранилище паролей ОС"
                    } else {
                        "пароль не хранится"
                    }
                );
            }
        }
        LocalCommand::Logout => {
            api.logout().await?;
            out!("Выход выполнен: сервер забыт, пароль удалён из хранилища ОС");
        }
        LocalCommand::Sync { json, status, rejected } => {
            if rejected {
                let items = api.sync_rejections(100).await?;
                if items.is_empty() {
                    out!("Отклонённого нет");
                }
                for r in items {
                    out!("{} {} {}: {}", r.at.format("%d.%m.%Y %H:%M"), if r.direction == "pull" { "получение" } else { "отправка" }, r.object, r.reason);
                }
                return Ok(());
            }
            if status {
                let s = api.sync_status().await?;
                if json {
                    out!("{}", serde_json::to_string_pretty(&s)?);
                } else if !s.configured {
                    out!("Центральная база не настроена: tsur login --central АДРЕС --user ИМЯ");
                } else {
                    out!("Сервер {} , пользователь {}", s.server.unwrap_or_default(), s.login.unwrap_or_default());
                    out!("  последняя успешная синхронизация: {}", s.last_success.unwrap_or_else(|| "не было".into()));
                    out!("  ожидают отправки событий: {}{}", if s.pending_more { "более " } else { "" }, s.pending);
                    if let Some(e) = s.last_error {
                        out!("  последняя ошибка: {e}");
                    }
                }
                return Ok(());
            }
            let bar = if json || !std::io::stderr().is_terminal() { ProgressBar::hidden() } else { ProgressBar::new_spinner() };
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar.set_message("Подключение к центральной базе");
            let report = api
                .sync(&mut |step| match step {
                    tsur_api::SyncStep::Reference => bar.set_message("Справочники проверены"),
                    tsur_api::SyncStep::Pushed(n) => bar.set_message(format!("Отправлено событий: {n}")),
                    tsur_api::SyncStep::Pulled(n) => bar.set_message(format!("Получено обращений: {n}")),
                })
                .await?;
            bar.finish_and_clear();
            if json {
                out!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                out!(
                    "Отправлено: обращений {}, событий {}. Получено: обращений {}, событий {}{}. За {:.1} с",
                    report.pushed_appeals,
                    report.pushed_events,
                    report.pulled_appeals,
                    report.pulled_events,
                    if report.reference_updated { "; справочники обновлены" } else { "" },
                    report.seconds
                );
                if report.conflicts > 0 {
                    out!("  обращений с конфликтующими правками узлов: {} (действует более раннее по времени)", report.conflicts);
                }
                if report.rejected > 0 {
                    out!("  отклонено как некорректное: {} (tsur sync --rejected)", report.rejected);
                }
            }
        }
        LocalCommand::Stats { from, to, json } => {
            let period = from.zip(to).map(|(from, to)| Period { from, to });
            let stats = api.stats(period.as_ref(), &Scope::local_curator()).await?;
            if json {
                out!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                print_stats(&stats);
            }
        }
        LocalCommand::Deadline { regime, received, registered, extended_days, fast_track, future_tolerance_min, json } => {
            let query = DeadlineQuery {
                registered,
                extension_days: extended_days,
                fast_track,
                future_tolerance: chrono::Duration::minutes(i64::from(future_tolerance_min)),
                ..DeadlineQuery::new(&regime, &received)
            };
            let all = api.deadlines(&query, chrono_now())?;
            if json {
                out!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                for d in &all {
                    out!("{}: до {}{}", d.stage_ru, d.due, if d.predicted { " (по прогнозу календаря)" } else { "" });
                    out!("  правило: {} ({}); отсчёт от {}", d.rule, d.regime_ru, d.start);
                    for s in &d.skipped {
                        out!("  не считается {}: {}", s.date, s.reason);
                    }
                }
            }
        }
        LocalCommand::Overdue { at, block, municipality, limit, json } => {
            let report = api.overdue(at.as_deref(), block.as_deref(), municipality.as_deref(), &Scope::local_curator(), chrono_now(), None).await?;
            if json {
                out!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                out!(
                    "На {}: открытых обращений {}; в срок {}, под угрозой {}, просрочено {}",
                    report.at,
                    report.open,
                    report.on_time,
                    report.at_risk,
                    report.overdue
                );
                for i in report.items.iter().take(limit) {
                    let what = if i.status == "overdue" { "просрочено на" } else { "осталось" };
                    out!(
                        "  {:<8} {:<14} {:<14} {:<30} {:<26} {} {} (срок {}) — {}",
                        i.channel,
                        i.external_id,
                        i.municipality,
                        i.topic.as_deref().unwrap_or("—"),
                        i.agency_ru.as_deref().or(i.agency.as_deref()).unwrap_or("—"),
                        what,
                        span(i.hours),
                        i.due,
                        i.reason_ru
                    );
                }
                if report.items.len() > limit {
                    out!("  … и ещё {} (все — в --json или с --limit)", report.items.len() - limit);
                }
            }
        }
        LocalCommand::FastTracks { json } => {
            let tracks = api.fast_tracks();
            if json {
                out!("{}", serde_json::to_string_pretty(&tracks)?);
            } else {
                for t in &tracks {
                    out!("{} — {}: {} → {}", t.id, t.name_ru, t.term_ru, t.agency_ru);
                    out!(
                        "  темы: {}; территория: {}",
                        t.topics.join(", "),
                        if t.municipalities.is_empty() { "вся область".into() } else { t.municipalities.join(", ") }
                    );
                    out!("  утвердил {} {}; действует {} — {}", t.approved_by, t.approved_at, t.valid_from, t.valid_until.as_deref().unwrap_or("бессрочно"));
                }
            }
        }
        LocalCommand::Import { file, format, channel, mapping, json } => {
            let req = ImportRequest { path: file, format, channel, mapping };
            let bar = if json || !std::io::stderr().is_terminal() { ProgressBar::hidden() } else { ProgressBar::new(1) };
            bar.set_style(
                ProgressStyle::with_template("Загрузка [{bar:40}] {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec}, осталось {eta})")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            let summary = api
                .import(&req, chrono_now(), |done, total| {
                    bar.set_length(total.max(1));
                    bar.set_position(done);
                })
                .await?;
            bar.finish_and_clear();
            print_import(&summary, json)?;
        }
        LocalCommand::Quarantine(QuarantineCommand::List { limit, json }) => {
            let items = api.quarantine_list(limit).await?;
            if json {
                out!("{}", serde_json::to_string_pretty(&items)?);
            } else if items.is_empty() {
                out!("Карантин пуст");
            } else {
                for q in &items {
                    let column = if q.column.is_empty() { "—" } else { q.column.as_str() };
                    out!(
                        "  №{} {}:{} [{}] «{}» — {}{}",
                        q.id,
                        q.file,
                        q.line,
                        column,
                        q.raw_value,
                        q.reason,
                        if q.retryable { "" } else { " (не читается: исправьте файл)" }
                    );
                }
            }
        }
        LocalCommand::Quarantine(QuarantineCommand::Retry { mapping, json }) => {
            let summary = api.quarantine_retry(mapping.as_deref(), chrono_now()).await?;
            print_import(&summary, json)?;
        }
        LocalCommand::Classify(ClassifyCommand::Train { labeled, text_col, label_col, from_store, map, keep_labels, vectors, json }) => {
            let s = match (labeled, text_col, label_col) {
                (Some(file), Some(t), Some(l)) if !from_store => {
                    api.classify_train(&file, &t, &l, map.as_deref(), keep_labels, vectors.as_deref(), chrono_now()).await?
                }
                _ => api.classify_train_from_store(chrono_now()).await?,
            };
            if json {
                out!("{}", serde_json::to_string_pretty(&s)?);
            } else {
                let classes: Vec<String> = s.classes.iter().map(|(c, n)| format!("{c} {n}")).collect();
                out!("Модель №{} обучена на {} текстах (пропущено {}): {}", s.model_id, s.texts, s.dropped, classes.join(", "));
                if !s.labels.is_empty() {
                    let labels: Vec<String> = s.labels.iter().map(|(c, n)| format!("{c} {n}")).collect();
                    out!("Метки источника ({}): {}", s.labels.len(), labels.join(", "));
                }
            }
        }
        LocalCommand::Classify(ClassifyCommand::Predict { input, text_col, id_col, json }) => {
            for r in api.classify_predict(&input, &text_col, id_col.as_deref()).await? {
                if json {
                    out!("{}", serde_json::to_string(&r)?);
                } else {
                    out!("{}\t{}\t{}\t{:.2}\t{}", r.id, r.block.as_deref().unwrap_or("—"), r.topic.as_deref().unwrap_or("—"), r.confidence, r.model);
                }
            }
        }
        LocalCommand::Classify(ClassifyCommand::Eval { labeled, text_col, label_col, map, keep_labels, folds, vectors, json }) => {
            let cv = api.classify_eval(&labeled, &text_col, &label_col, map.as_deref(), keep_labels, folds, vectors.as_deref())?;
            if json {
                out!("{}", serde_json::to_string_pretty(&cv)?);
            } else {
                let r = &cv.report;
                out!("Перекрёстная проверка, блоков {}: macro-F1 {:.3}, доля верных {:.3}", cv.folds, r.macro_f1, r.accuracy);
                out!("  {:<12} {:>9} {:>9} {:>9} {:>8}", "класс", "точность", "полнота", "F1", "текстов");
                for c in &r.per_class {
                    out!("  {:<12} {:>9.3} {:>9.3} {:>9.3} {:>8}", c.label, c.precision, c.recall, c.f1, c.support);
                }
            }
        }
        LocalCommand::Radar { since, limit, json } => {
            let items = api.radar(since.as_deref(), limit, &Scope::local_curator(), chrono_now()).await?;
            if json {
                out!("{}", serde_json::to_string_pretty(&items)?);
            } else if items.is_empty() {
                out!("Сигналов конфликта нет");
            } else {
                for i in &items {
                    out!(
                        "  [{}] {} {} {} {}: {}",
                        i.score,
                        i.channel,
                        i.external_id,
                        i.municipality,
                        i.topic.as_deref().unwrap_or("без темы"),
                        i.reasons.join("; ")
                    );
                }
            }
        }
        LocalCommand::Review(ReviewCommand::List { limit, json }) => {
            let items = api.review_list(limit, &Scope::local_curator()).await?;
            if json {
                out!("{}", serde_json::to_string_pretty(&items)?);
            } else if items.is_empty() {
                out!("Очередь проверки пуста");
            } else {
                for i in &items {
                    let conf = i.confidence.map_or_else(|| "—".to_owned(), |c| format!("{c:.2}"));
                    out!(
                        "  {} {} {} {} → {} ({}): {}",
                        i.appeal_id,
                        i.channel,
                        i.external_id,
                        i.municipality,
                        i.topic.as_deref().unwrap_or("без темы"),
                        conf,
                        i.text
                    );
                }
            }
        }
        LocalCommand::Review(ReviewCommand::Set { appeal, topic, by }) => {
            api.review_set(&appeal, &topic, &by, &Scope::local_curator(), chrono_now()).await?;
            out!("Тема обращения {appeal}: {topic} (решение: {by})");
        }
        LocalCommand::Problems(ProblemsArgs { command: None, register: RegisterArgs { slice, top, json } })
        | LocalCommand::Problems(ProblemsArgs { command: Some(ProblemsCommand::List(RegisterArgs { slice, top, json })), .. }) => {
            analytics::register(&api, &slice, top, json).await?;
        }
        LocalCommand::Kpi { slice, json } => analytics::kpi(&api, &slice, json).await?,
        LocalCommand::Rating { of, slice, explain, json } => analytics::rating(&api, of, &slice, explain.as_deref(), json).await?,
        LocalCommand::Screen { slice, top } => analytics::screen(&api, &slice, top).await?,
        LocalCommand::Effect { fast_track, roadmap, window_days, json } => {
            analytics::effect(&api, fast_track.as_deref(), roadmap.as_deref(), window_days, json).await?
        }
        LocalCommand::Roadmaps { json } => analytics::roadmaps(&api, json)?,
        LocalCommand::Alerts { since, eval, within_hours, json } => analytics::alerts(&api, since.as_deref(), eval, within_hours, json).await?,
        LocalCommand::Hotspots { resolution, slice, geojson } => analytics::hotspots(&api, resolution, &slice, geojson).await?,
        LocalCommand::Chart { which, slice, out, width, height, dark } => analytics::chart(&api, which, &slice, &out, (width, height), dark).await?,
        LocalCommand::Case { id, json } => case::case(&api, &id, json).await?,
        LocalCommand::Search { query, limit, json } => case::search(&api, &query, limit, json).await?,
        LocalCommand::Problems(ProblemsArgs { command: Some(ProblemsCommand::Appeals { id, limit, json }), .. }) => {
            case::problem_appeals(&api, &id, limit, json).await?
        }
        LocalCommand::Problems(ProblemsArgs { command: Some(ProblemsCommand::Link { json }), .. }) => {
            let s = api.link_problems(tsur_api::LinkParams::default()).await?;
            if json {
                out!("{}", serde_json::to_string_pretty(&s)?);
            } else {
                out!("Просмотрено обращений {}; связано {} с {} проблемами", s.offered, s.linked, s.problems);
            }
        }
        LocalCommand::Problems(ProblemsArgs {
            command: Some(ProblemsCommand::Eval { radius_km, window_hours, threshold, min_size, burst_hours, json }),
            ..
        }) => {
            let params = tsur_api::LinkParams {
                radius_km,
                window: chrono::Duration::hours(window_hours),
                threshold,
                min_size,
                burst: chrono::Duration::hours(burst_hours),
            };
            let r = api.link_eval(params).await?;
            if json {
                out!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                out!(
                    "Обращений {}; проблем {} ({} обращений); инцидентов в эталоне {}; точность {:.3}, полнота {:.3} ({:.2} с)",
                    r.appeals,
                    r.problems,
                    r.linked,
                    r.incidents,
                    r.precision,
                    r.recall,
                    r.seconds
                );
            }
        }
        LocalCommand::Reference(ReferenceCommand::Export { dir }) => {
            let n = api.reference_export(&dir)?;
            out!("Выгружено файлов справочников: {n} → {}", dir.display());
        }
        LocalCommand::Reference(ReferenceCommand::Import { dir }) => {
            let n = api.reference_import(&dir).await?;
            out!("Справочники проверены и загружены (прочитано файлов: {n})");
        }
    }
    Ok(())
}

fn print_import(s: &tsur_api::ImportSummary, json: bool) -> anyhow::Result<()> {
    if json {
        out!("{}", serde_json::to_string_pretty(s)?);
    } else {
        out!(
            "Прочитано строк: {} — новых обращений {}, обновлено {}, уже были {}, в карантине {} ({}, {}{}, за {:.1} с)",
            s.rows_read,
            s.accepted,
            s.updated,
            s.duplicate,
            s.quarantined,
            s.mapping,
            s.format,
            if s.encoding.is_empty() { String::new() } else { format!(", {}", s.encoding) },
            s.seconds
        );
        if s.linked_to_problems > 0 {
            out!("Связано с проблемами реестра: {} обращений (tsur problems list)", s.linked_to_problems);
        }
        if s.quarantined > 0 {
            out!("Строки в карантине: tsur quarantine list; после исправления сопоставления: tsur quarantine retry --mapping ФАЙЛ");
        }
    }
    Ok(())
}

/// Hours as a person reads them: hours up to two days, days beyond.
fn span(hours: f64) -> String {
    if hours < 48.0 {
        format!("{hours} ч")
    } else {
        format!("{:.0} дн.", hours / 24.0)
    }
}

/// The clock is read here, at the edge, and passed in.
fn chrono_now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

fn print_stats(stats: &tsur_api::Stats) {
    match &stats.period {
        Some(p) => out!("Обращений за {} — {}: {}", p.from, p.to, stats.total),
        None => out!("Обращений всего: {}", stats.total),
    }
    for (title, rows) in [("Муниципалитеты", &stats.by_municipality), ("Блоки", &stats.by_block), ("Каналы", &stats.by_channel), ("Статусы", &stats.by_status)]
    {
        out!("\n{title}:");
        for r in rows {
            out!("  {:<40} {:>9}", r.label_ru, r.count);
        }
    }
}
