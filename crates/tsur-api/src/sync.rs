//! The sync of this node with the central database: `tsur login`, `tsur sync`, the app's
//! background sync and its status line. The protocol is in docs/sync.md; the central side
//! is `tsur_store_postgres::sync`, the local side `tsur_store_sqlite::sync`, and this module
//! drives them: reference books first, then push, then pull, each step resumable.
//!
//! The password is kept in the OS keyring (Secret Service on Linux, through `keyring`),
//! under the service `tsur` and the account `login@host:port/database`; it is never written
//! to the store, a file, a log, or a command line. The store keeps only the server address
//! (without the password) and the login.

use crate::{Api, ApiError, ErrorCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::str::FromStr;
use tsur_core::reference::ReferenceData;
use tsur_core::{Role, Scope};
use tsur_store_postgres::{role_name, CentralError, CentralStore, FeedCursor, PgConnectOptions, PullPage, PulledEvent, Registration};
use tsur_store_sqlite::PulledAppeal;

/// The service name of the keyring entries.
const KEYRING_SERVICE: &str = "tsur";

/// Events per push batch, and appeals per pull page: a batch is one transaction on each
/// side, large enough that round trips do not dominate, small enough that an interrupted
/// one costs little.
pub const PUSH_BATCH: i64 = 20_000;
/// See [`PUSH_BATCH`].
pub const PULL_PAGE: i64 = 5_000;
/// The pull's page size: [`PULL_PAGE`], or `TSUR_SYNC_PULL_PAGE` (smaller pages for a slow
/// or unreliable link: less to fetch again after a cut).
fn pull_page_size() -> i64 {
    std::env::var("TSUR_SYNC_PULL_PAGE").ok().and_then(|v| v.parse().ok()).filter(|&n: &i64| n > 0).unwrap_or(PULL_PAGE)
}

/// Pulled pages written per local transaction, at most (see [`Api::sync_with`]).
pub const PAGES_PER_COMMIT: usize = 8;
/// A group of pulled pages is committed after this long even if it is not full, so that a
/// slow link or a slow disk still shows progress and loses little when cut.
const GROUP_TIME: std::time::Duration = std::time::Duration::from_secs(2);

/// How long a pull waits for running transactions that hold committed changes back, and
/// how often it looks again.
const HORIZON_WAIT: std::time::Duration = std::time::Duration::from_secs(30);
const HORIZON_POLL: std::time::Duration = std::time::Duration::from_millis(50);

const CENTRAL_URL: &str = "central_url";
const CENTRAL_LOGIN: &str = "central_login";
const PULL_CURSOR: &str = "pull_cursor";
const REFERENCE_CURSOR: &str = "reference_cursor";
const LAST_SUCCESS: &str = "last_success_at";
const LAST_ERROR: &str = "last_error";

/// What one sync did: `tsur sync --json` prints it, the app shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
pub struct SyncReport {
    /// Appeals the server got from this node.
    pub pushed_appeals: u64,
    /// Events the server got from this node.
    pub pushed_events: u64,
    /// Appeals this node got from the server.
    pub pulled_appeals: u64,
    /// Events this node got from the server.
    pub pulled_events: u64,
    /// Appeals whose merged history holds an event without effect (two nodes did
    /// incompatible things offline; the earlier one in the common order won).
    pub conflicts: u64,
    /// Appeals refused from the server as malformed (see `tsur sync --rejected`).
    pub rejected: u64,
    /// Whether new reference books were pulled and put in force.
    pub reference_updated: bool,
    /// The node's events still waiting to be pushed (0 after a full sync).
    pub pending: i64,
    /// Whether changes remain on the server that a long-running transaction there held
    /// back; the next sync gets them.
    pub behind: bool,
    /// How long it took, in seconds.
    pub seconds: f64,
    /// Of which writing pulled pages into the local store, in seconds (the rest is the
    /// server, the network and the push, partly overlapping it).
    pub apply_seconds: f64,
}

/// Where the sync stands, for the status line of the app and `tsur sync --status`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
pub struct SyncStatus {
    /// Whether `tsur login` was done on this node.
    pub configured: bool,
    /// The central server (`host:port/database`), without any password.
    pub server: Option<String>,
    /// The login.
    pub login: Option<String>,
    /// When the last sync succeeded (RFC 3339, UTC).
    pub last_success: Option<String>,
    /// The error of the last sync, if it failed.
    pub last_error: Option<String>,
    /// The node's events waiting to be pushed, counted up to [`PENDING_COUNTED`] and only where a
    /// central database is configured (0 elsewhere).
    pub pending: u32,
    /// Whether more than `pending` events are waiting.
    pub pending_more: bool,
}

/// How many waiting events the sync status counts at most: the window asks every 30 s, and
/// counting reads each waiting event (a node that took in a million appeals before its first
/// sync has millions: a full read of its events, 1–2 s of a core each time).
pub const PENDING_COUNTED: u32 = 100_000;

/// Who the server says the login is.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct LoginReport {
    /// The server (`host:port/database`).
    pub server: String,
    /// The login.
    pub login: String,
    /// The decree role (`curator`, `block_head`, …).
    pub role: String,
    /// The blocks of the grant (`None` = all).
    pub blocks: Option<Vec<String>>,
    /// The municipalities of the grant (`None` = all).
    pub municipalities: Option<Vec<String>>,
    /// Whether a password was stored in the OS keyring.
    pub password_saved: bool,
}

/// A step of a sync, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncStep {
    /// Reference books checked.
    Reference,
    /// Pushed so far: events.
    Pushed(u64),
    /// Pulled so far: appeals.
    Pulled(u64),
}

fn central_error(e: CentralError) -> ApiError {
    match e {
        CentralError::BadUrl(_) => ApiError::invalid(e.to_string()),
        CentralError::Connect(_) => ApiError::new(ErrorCode::Offline, e.to_string()),
        ref other if other.is_connection_lost() => ApiError::new(ErrorCode::Offline, e.to_string()),
        CentralError::Forbidden(_) | CentralError::Refused(_) | CentralError::AppendOnly(_) => ApiError::invalid(e.to_string()),
        _ => ApiError::new(ErrorCode::StoreUnavailable, e.to_string()),
    }
}

/// `host:port/database` of connection options: how the server is named to people and in
/// the keyring (never with a password).
fn server_name(options: &PgConnectOptions) -> String {
    format!("{}:{}/{}", options.get_host(), options.get_port(), options.get_database().unwrap_or(options.get_username()))
}

fn keyring_entry(login: &str, server: &str) -> Result<keyring::Entry, ApiError> {
    keyring::Entry::new(KEYRING_SERVICE, &format!("{login}@{server}")).map_err(|e| ApiError::internal(format!("хранилище паролей ОС: {e}")))
}

/// Options from a URL, refusing a password written into it (it would end up in the shell's
/// history and the process list).
fn options_from_url(url: &str) -> Result<PgConnectOptions, ApiError> {
    if let Some(rest) = url.split_once("://").map(|(_, rest)| rest) {
        let authority = rest.split(['/', '?']).next().unwrap_or("");
        if authority.rsplit_once('@').is_some_and(|(userinfo, _)| userinfo.contains(':')) {
            return Err(ApiError::invalid(
                "пароль в адресе сервера не принимается: он попал бы в историю команд и список процессов; tsur login спросит его сам",
            ));
        }
    }
    PgConnectOptions::from_str(url).map_err(|e| ApiError::invalid(format!("неверный адрес центральной базы: {e}")))
}

fn now_text(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Api {
    /// Signs this node in to the central database at `url` as `login`: connects (with the
    /// password when given), asks the server for the login's role and scope, and only if it
    /// has one remembers the server and login in the store and the password in the OS
    /// keyring. TLS is as the URL says (`sslmode=verify-full&sslrootcert=…` checks the
    /// server's certificate and name).
    pub async fn login(&self, url: &str, login: &str, password: Option<&str>) -> Result<LoginReport, ApiError> {
        let options = options_from_url(url)?.username(login);
        let server = server_name(&options);
        let with_password = match password {
            Some(p) => options.clone().password(p),
            None => options.clone(),
        };
        let central = CentralStore::connect_with(with_password).await.map_err(central_error)?;
        let scope = session_scope(&central).await;
        central.close().await;
        let scope = scope?;
        let role = scope.role;
        let mut password_saved = false;
        if let Some(p) = password {
            keyring_entry(login, &server)?.set_password(p).map_err(|e| ApiError::internal(format!("не удалось сохранить пароль в хранилище ОС: {e}")))?;
            password_saved = true;
        }
        // The URL holds no password (refused above), so it may be kept in the store.
        self.store.set_sync_meta(&[(CENTRAL_URL, Some(url)), (CENTRAL_LOGIN, Some(login)), (LAST_ERROR, None)]).await?;
        Ok(LoginReport {
            server,
            login: login.to_owned(),
            role: role_name(role).to_owned(),
            blocks: scope.blocks.map(|b| b.into_iter().map(|x| x.0).collect()),
            municipalities: scope.municipalities.map(|m| m.into_iter().map(|x| x.0).collect()),
            password_saved,
        })
    }

    /// Forgets the server and login, and removes the password from the keyring.
    pub async fn logout(&self) -> Result<(), ApiError> {
        if let Some((_, server, login)) = self.central_settings().await? {
            match keyring_entry(&login, &server)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => {}
                Err(e) => return Err(ApiError::internal(format!("не удалось удалить пароль из хранилища ОС: {e}"))),
            }
        }
        self.store.set_sync_meta(&[(CENTRAL_URL, None), (CENTRAL_LOGIN, None)]).await?;
        Ok(())
    }

    /// Connects to the central database as `tsur login` configured it, with the password
    /// from the keyring (or none, for servers that authenticate otherwise).
    pub async fn connect_central(&self) -> Result<CentralStore, ApiError> {
        let Some((options, server, login)) = self.central_settings().await? else {
            return Err(ApiError::invalid("центральная база не настроена: выполните tsur login --central АДРЕС --user ИМЯ"));
        };
        let options = match keyring_entry(&login, &server).and_then(|e| match e.get_password() {
            Ok(p) => Ok(Some(p)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(ApiError::internal(format!("хранилище паролей ОС недоступно: {e}"))),
        }) {
            Ok(Some(password)) => options.password(&password),
            Ok(None) => options,
            // No keyring service (a headless machine): try without; the server will say if
            // it needs a password.
            Err(_) => options,
        };
        CentralStore::connect_with(options).await.map_err(central_error)
    }

    /// Where the sync stands.
    pub async fn sync_status(&self) -> Result<SyncStatus, ApiError> {
        let settings = self.central_settings().await.ok().flatten();
        // Without a central database nothing is sent, and nobody is shown what waits.
        let counted = if settings.is_some() { self.store.pending_events(i64::from(PENDING_COUNTED) + 1).await? } else { 0 };
        let pending = u32::try_from(counted).unwrap_or(u32::MAX);
        Ok(SyncStatus {
            configured: settings.is_some(),
            server: settings.as_ref().map(|(_, server, _)| server.clone()),
            login: settings.map(|(_, _, login)| login),
            last_success: self.store.sync_meta(LAST_SUCCESS).await?,
            last_error: self.store.sync_meta(LAST_ERROR).await?,
            pending: pending.min(PENDING_COUNTED),
            pending_more: pending > PENDING_COUNTED,
        })
    }

    /// The newest refusals of the sync (what the server sent that could not be applied, or
    /// what it refused from this node).
    pub async fn sync_rejections(&self, limit: i64) -> Result<Vec<tsur_store_sqlite::Rejection>, ApiError> {
        Ok(self.store.sync_rejections(limit).await?)
    }

    /// One sync with the configured server (see [`Api::sync_with`]); the outcome, success
    /// or error, is recorded for [`Api::sync_status`].
    pub async fn sync(&mut self, progress: &mut (dyn FnMut(SyncStep) + Send)) -> Result<SyncReport, ApiError> {
        let result = match self.connect_central().await {
            Ok(central) => {
                let result = self.sync_with(&central, progress).await;
                central.close().await;
                result
            }
            Err(e) => Err(e),
        };
        if let Err(e) = &result {
            self.store.set_sync_meta(&[(LAST_ERROR, Some(&e.message))]).await?;
        }
        result
    }

    /// One sync through an open connection: reference books, then this node's new appeals
    /// and events (push), then what changed in its scope (pull). Every step is resumable:
    /// cut anywhere, the next sync finishes the work with nothing lost and nothing twice.
    pub async fn sync_with(&mut self, central: &CentralStore, progress: &mut (dyn FnMut(SyncStep) + Send)) -> Result<SyncReport, ApiError> {
        let started = std::time::Instant::now();
        let scope = session_scope(central).await?;
        if scope.role == Role::Wall {
            return Err(ApiError::invalid("роль «стена» видит только сводные показатели и обращения не синхронизирует"));
        }
        let mut report = SyncReport { reference_updated: self.pull_reference(central).await?, ..SyncReport::default() };
        progress(SyncStep::Reference);

        // Push.
        let rules = self.store.rules().await?;
        loop {
            let outbox = self.store.outbox(PUSH_BATCH).await?;
            if outbox.events.is_empty() {
                break;
            }
            let registrations: Vec<Registration<'_>> = outbox.appeals.iter().map(|(appeal, author)| Registration { appeal, author: author.as_ref() }).collect();
            let outcome = match central.push(&registrations, &outbox.events, &rules).await {
                Ok(outcome) => outcome,
                Err(e) => {
                    let error = central_error(e);
                    if error.code == ErrorCode::InvalidInput {
                        self.store.record_rejection("push", &format!("пакет из {} событий", outbox.events.len()), &error.message, Utc::now()).await?;
                    }
                    return Err(error);
                }
            };
            self.store.mark_pushed(outbox.mark, Utc::now()).await?;
            report.pushed_appeals += outcome.appeals;
            report.pushed_events += outcome.events;
            progress(SyncStep::Pushed(report.pushed_events));
        }

        // Pull. A new laptop's first pull is a bulk load: the projection's secondary indexes
        // are dropped for it and built once at its end, whether it ends well or not (a pull
        // killed meanwhile has them built when the store is next opened).
        let bulk = self.store.sync_meta(PULL_CURSOR).await?.is_none();
        if bulk {
            self.store.defer_indexes().await?;
        }
        let pulled = self.pull(central, &scope, &rules, bulk, &mut report, progress).await;
        let started_index = std::time::Instant::now();
        let restored = if bulk { self.store.restore_indexes().await } else { Ok(0) };
        report.apply_seconds += started_index.elapsed().as_secs_f64();
        pulled?;
        restored?;
        // New events reach the analytics' snapshot by its own catch-up (events' rowid). The
        // problem linker is not run on pulled appeals: links are made where appeals are taken
        // in, and arrive here as `problem_linked` events like any other.
        report.pending = self.store.pending_events(i64::MAX).await?;
        self.store.set_sync_meta(&[(LAST_SUCCESS, Some(&now_text(Utc::now()))), (LAST_ERROR, None)]).await?;
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// Pulls every page after the node's cursor into the store (see [`Api::sync_with`]).
    async fn pull(
        &mut self,
        central: &CentralStore,
        scope: &Scope,
        rules: &std::sync::Arc<tsur_core::rules::Rules>,
        bulk: bool,
        report: &mut SyncReport,
        progress: &mut (dyn FnMut(SyncStep) + Send),
    ) -> Result<(), ApiError> {
        let with_authors = scope.may_see_personal_data;
        // Three stages, each a page ahead of the next: the server and the network fetch a
        // page; a second task groups it by appeal, folds and computes deadlines; SQLite
        // writes. A first sync takes the longest of the three rather than their sum. The
        // cursor is committed with each page as it is applied.
        let cursor = self.cursor(PULL_CURSOR).await?;
        let page_size = pull_page_size();
        let (raw_pages, mut raw_incoming) = tokio::sync::mpsc::channel::<Result<PullPage, ApiError>>(2);
        let fetcher = {
            let central = central.clone();
            tokio::spawn(async move {
                let mut cursor = cursor;
                let mut waited = std::time::Duration::ZERO;
                loop {
                    let page = match central.pull(cursor, page_size, with_authors).await {
                        Ok(page) => page,
                        Err(e) => {
                            let _ = raw_pages.send(Err(central_error(e))).await;
                            return;
                        }
                    };
                    if page.changed.is_empty() {
                        // Changes committed after a transaction that is still running are held
                        // back by the horizon; such transactions are short (a push), so wait
                        // for them a little rather than leave the node a step behind.
                        if page.behind && waited < HORIZON_WAIT {
                            tokio::time::sleep(HORIZON_POLL).await;
                            waited += HORIZON_POLL;
                            continue;
                        }
                        let _ = raw_pages.send(Ok(page)).await;
                        return;
                    }
                    cursor = page.cursor;
                    if raw_pages.send(Ok(page)).await.is_err() {
                        return; // a later stage stopped on an error
                    }
                }
            })
        };
        let (pages, mut incoming) = tokio::sync::mpsc::channel::<Result<Fetched, ApiError>>(2);
        let preparer = {
            let rules = rules.clone();
            tokio::spawn(async move {
                while let Some(page) = raw_incoming.recv().await {
                    let fetched = page.map(|page| {
                        let mut items = pulled_appeals(page.changed, page.appeals, page.authors, page.events);
                        for item in &mut items {
                            tsur_store_sqlite::prepare(item, &rules);
                        }
                        Fetched { cursor: page.cursor, behind: page.behind, items }
                    });
                    if pages.send(fetched).await.is_err() {
                        return; // the writer stopped on an error
                    }
                }
            })
        };
        // Pages are written in groups of PAGES_PER_COMMIT, each group one transaction that
        // ends with the cursor after its last page: a crash loses at most one group's work,
        // never its consistency.
        let mut writer: Option<(tsur_store_sqlite::PullWriter, std::time::Instant)> = None;
        while let Some(page) = incoming.recv().await {
            let page = page?;
            if page.items.is_empty() {
                report.behind = page.behind;
                break;
            }
            let next = page.cursor.to_string();
            let items = page.items;
            let started_apply = std::time::Instant::now();
            let (mut w, opened) = match writer.take() {
                Some(w) => w,
                None if bulk => (self.store.bulk_pull_writer().await?, std::time::Instant::now()),
                None => (self.store.pull_writer().await?, std::time::Instant::now()),
            };
            let applied = w.apply(&items, Utc::now()).await?;
            // The cursor is stored with every page, inside the group's transaction.
            w.set_meta(&[(PULL_CURSOR, Some(&next))]).await?;
            if w.pages() >= PAGES_PER_COMMIT || opened.elapsed() >= GROUP_TIME {
                w.commit(&[]).await?;
            } else {
                writer = Some((w, opened));
            }
            report.apply_seconds += started_apply.elapsed().as_secs_f64();
            report.pulled_appeals += applied.appeals;
            report.pulled_events += applied.events;
            report.conflicts += applied.conflicts;
            report.rejected += applied.rejected;
            progress(SyncStep::Pulled(report.pulled_appeals));
        }
        if let Some((w, _)) = writer.take() {
            let started_apply = std::time::Instant::now();
            w.commit(&[]).await?;
            report.apply_seconds += started_apply.elapsed().as_secs_f64();
        }
        drop(incoming);
        let _ = preparer.await;
        let _ = fetcher.await;
        Ok(())
    }

    /// A cursor kept in `sync_meta` under `key` (the start when there is none).
    async fn cursor(&self, key: &str) -> Result<FeedCursor, ApiError> {
        match self.store.sync_meta(key).await? {
            Some(text) => {
                text.parse().map_err(|e: String| ApiError::new(ErrorCode::StoreUnavailable, format!("позиция синхронизации ({key}) повреждена: {e}")))
            }
            None => Ok(FeedCursor::default()),
        }
    }

    /// The configured server as connection options with the login, the server's name and
    /// the login; `None` before `tsur login`.
    async fn central_settings(&self) -> Result<Option<(PgConnectOptions, String, String)>, ApiError> {
        let (Some(url), Some(login)) = (self.store.sync_meta(CENTRAL_URL).await?, self.store.sync_meta(CENTRAL_LOGIN).await?) else {
            return Ok(None);
        };
        let options = options_from_url(&url)?.username(&login);
        let server = server_name(&options);
        Ok(Some((options, server, login)))
    }

    /// Pulls the reference books if a newer version was published, checks them as a whole
    /// and puts them in force; a set that does not parse is refused and the books in force
    /// stay. Returns whether anything changed.
    async fn pull_reference(&mut self, central: &CentralStore) -> Result<bool, ApiError> {
        let after = self.cursor(REFERENCE_CURSOR).await?;
        let Some(update) = central.reference_since(after).await.map_err(central_error)? else {
            return Ok(false);
        };
        let mut texts = self.reference.texts.clone();
        let mut changed = false;
        for (name, _version, content) in &update.files {
            if texts.files().iter().any(|(n, current)| n == name && current == content) {
                continue;
            }
            if !texts.set(name, content.clone()) {
                self.store.record_rejection("pull", &format!("справочник {name}"), "неизвестный файл справочника", Utc::now()).await?;
                continue;
            }
            changed = true;
        }
        let cursor = update.cursor.to_string();
        if !changed {
            self.store.set_sync_meta(&[(REFERENCE_CURSOR, Some(&cursor))]).await?;
            return Ok(false);
        }
        let data = match ReferenceData::parse(texts)
            .map_err(|e| e.to_string())
            .and_then(|data| crate::classify::lexicon(&data).map(|lexicon| (data, lexicon)).map_err(|e| e.message))
        {
            Ok(parsed) => parsed,
            Err(why) => {
                self.store.record_rejection("pull", "справочники", &format!("не приняты, действуют прежние: {why}"), Utc::now()).await?;
                self.store.set_sync_meta(&[(REFERENCE_CURSOR, Some(&cursor))]).await?;
                return Ok(false);
            }
        };
        let (data, lexicon) = data;
        self.store.replace_reference(&data, Utc::now()).await?;
        self.store.set_sync_meta(&[(REFERENCE_CURSOR, Some(&cursor))]).await?;
        self.lexicon = std::sync::Arc::new(lexicon);
        self.reference = std::sync::Arc::new(data);
        self.drop_snapshot().await;
        Ok(true)
    }
}

async fn session_scope(central: &CentralStore) -> Result<Scope, ApiError> {
    central.session_scope().await.map_err(central_error)?.ok_or_else(|| {
        ApiError::invalid("у этого пользователя нет роли в центральной базе: попросите администратора выдать доступ (строка user_grants и группа роли)")
    })
}

/// A page as the fetcher hands it to the writer: grouped by appeal and prepared.
struct Fetched {
    cursor: FeedCursor,
    behind: bool,
    items: Vec<PulledAppeal>,
}

/// Groups a page's rows by appeal, in the page's order.
fn pulled_appeals(
    changed: Vec<uuid::Uuid>,
    appeals: Vec<(uuid::Uuid, Result<tsur_core::Appeal, String>)>,
    authors: Vec<tsur_core::Author>,
    events: Vec<PulledEvent>,
) -> Vec<PulledAppeal> {
    let mut index = std::collections::HashMap::with_capacity(changed.len());
    let mut items: Vec<PulledAppeal> = changed
        .into_iter()
        .enumerate()
        .map(|(i, id)| {
            index.insert(id, i);
            PulledAppeal { id: tsur_core::AppealId(id), appeal: None, author: None, events: Vec::new(), payloads: Vec::new(), prepared: None }
        })
        .collect();
    for (id, appeal) in appeals {
        if let Some(&i) = index.get(&id) {
            items[i].appeal = Some(appeal);
        }
    }
    for author in authors {
        if let Some(&i) = index.get(&author.appeal_id.0) {
            items[i].author = Some(author);
        }
    }
    for e in events {
        if let Some(&i) = index.get(&e.appeal_id) {
            items[i].payloads.push(e.payload);
            items[i].events.push(e.event.map_err(|why| (e.id, why)));
        }
    }
    items
}
