//! The Tauri shell of `tsur`: commands (thin wrappers over [`tsur_api::Api`]), the typed
//! bindings they generate for the UI, and the window.

pub mod rendering;
pub mod session;

use serde::Serialize;
use tauri::State;
use tsur_api::{
    db_path, Api, ApiError, CaseView, Charts, MapBase, OverdueReport, Overview, Period, ProblemAppeals, RoomFilter, RoomScreen, Scope, SearchResult, SyncStatus,
};
use tsur_core::Role;

/// What the commands share: the opened API, or why it could not be opened (shown in the UI),
/// and the mode the window was started in.
pub struct AppState {
    api: Result<Api, ApiError>,
    mode: AppMode,
}

/// How the window is used: the situation-room wall (`--wall`: full screen, dark, a playlist
/// of scenes, no personal data), a sector head's meeting (`--meeting BLOCK`), or the
/// curator's laptop (the default, fully interactive).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct AppMode {
    /// `laptop`, `wall` or `meeting`.
    pub mode: String,
    /// The block of a meeting.
    pub block: Option<String>,
    /// Seconds each scene of the wall's playlist stays (`--scene-seconds`, default 30).
    pub scene_seconds: u32,
}

impl AppMode {
    /// The mode from the command line.
    pub fn from_args(args: &[String]) -> AppMode {
        let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
        let scene_seconds = value("--scene-seconds").and_then(|v| v.parse().ok()).filter(|&s| s >= 3).unwrap_or(30);
        if args.iter().any(|a| a == "--wall") {
            AppMode { mode: "wall".into(), block: None, scene_seconds }
        } else if let Some(block) = value("--meeting") {
            AppMode { mode: "meeting".into(), block: Some(block), scene_seconds }
        } else {
            AppMode { mode: "laptop".into(), block: None, scene_seconds }
        }
    }

    /// Who the window reads as: the wall is the wall role (never personal data); the
    /// laptop is the local curator's node; the meeting is too, but a meeting's screen is
    /// seen by the whole room, so its case views never show the author.
    fn scope(&self) -> Scope {
        match self.mode.as_str() {
            "wall" => Scope { role: Role::Wall, blocks: None, municipalities: None, may_see_personal_data: false },
            "meeting" => Scope { may_see_personal_data: false, ..Scope::local_curator() },
            _ => Scope::local_curator(),
        }
    }
}

impl AppState {
    fn api(&self) -> Result<&Api, ApiError> {
        self.api.as_ref().map_err(Clone::clone)
    }
}

/// The static layers of the map: boundaries, outline, the Volga, towns, attribution.
#[tauri::command]
#[specta::specta]
async fn map_base(state: State<'_, AppState>) -> Result<MapBase, ApiError> {
    Ok(state.api()?.map_base())
}

/// Totals and per-municipality rates for a period (the whole data range when null).
#[tauri::command]
#[specta::specta]
async fn overview(state: State<'_, AppState>, period: Option<Period>) -> Result<Overview, ApiError> {
    state.api()?.overview(period, &Scope::local_curator()).await
}

/// The mode the window was started in.
#[tauri::command]
#[specta::specta]
async fn app_mode(state: State<'_, AppState>) -> Result<AppMode, ApiError> {
    Ok(state.mode.clone())
}

/// One view of the situation room: KPI tiles, the choropleth's metrics, ratings, top
/// problems, alerts, hotspots — for the filter, as the window's mode may see it.
#[tauri::command]
#[specta::specta]
async fn room(state: State<'_, AppState>, filter: RoomFilter) -> Result<RoomScreen, ApiError> {
    state.api()?.room(&filter, &state.mode.scope()).await
}

/// The room's two charts for the filter, as SVG: appeals over time with the early-warning
/// incidents, and reply times against the deadline (dark for the wall).
#[tauri::command]
#[specta::specta]
async fn charts(state: State<'_, AppState>, filter: RoomFilter, dark: bool) -> Result<Charts, ApiError> {
    state.api()?.room_charts(&filter, dark, &state.mode.scope()).await
}

/// The open appeals that are overdue or at risk now, most urgent first (the first `limit`;
/// the counts cover all), for the filter's block and municipality.
#[tauri::command]
#[specta::specta]
async fn overdue(state: State<'_, AppState>, filter: RoomFilter, limit: u32) -> Result<OverdueReport, ApiError> {
    state.api()?.overdue(None, filter.block.as_deref(), filter.municipality.as_deref(), &state.mode.scope(), chrono::Utc::now(), Some(limit as usize)).await
}

/// The case view of an appeal (the drill-down's last step); refused on the wall.
#[tauri::command]
#[specta::specta]
async fn case_view(state: State<'_, AppState>, id: String) -> Result<CaseView, ApiError> {
    state.api()?.case(&id, &state.mode.scope(), chrono::Utc::now()).await
}

/// The newest appeals of a problem (the drill-down's step from a problem); refused on the wall.
#[tauri::command]
#[specta::specta]
async fn problem_appeals(state: State<'_, AppState>, id: String, limit: u32) -> Result<ProblemAppeals, ApiError> {
    state.api()?.problem_appeals(&id, i64::from(limit), &state.mode.scope(), chrono::Utc::now()).await
}

/// The newest appeals whose text or address holds every word of the query (the search box);
/// refused where personal data may not be seen (the wall, the meeting).
#[tauri::command]
#[specta::specta]
async fn search_appeals(state: State<'_, AppState>, query: String, limit: u32) -> Result<SearchResult, ApiError> {
    state.api()?.search(&query, i64::from(limit), &state.mode.scope(), chrono::Utc::now()).await
}

/// Where the sync with the central database stands: last success, last error, events
/// waiting to be pushed (the status line).
#[tauri::command]
#[specta::specta]
async fn sync_status(state: State<'_, AppState>) -> Result<SyncStatus, ApiError> {
    state.api()?.sync_status().await
}

/// The commands and types exported to TypeScript.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new().commands(tauri_specta::collect_commands![
        map_base,
        overview,
        sync_status,
        app_mode,
        room,
        charts,
        overdue,
        case_view,
        problem_appeals,
        search_appeals
    ])
}

/// How often the app syncs in the background.
const SYNC_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Syncs with the central database in the background while the app runs, when `tsur login`
/// configured one; an offline laptop just records the error and tries again later. The
/// outcome is kept in the store, where [`sync_status`] reads it.
fn spawn_background_sync(api: &Api) {
    let mut api = api.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            if api.sync_status().await.map(|s| s.configured).unwrap_or(false) {
                // The error is recorded in the store for the status line; nothing to log.
                let _ = api.sync(&mut |_| {}).await;
            }
            tokio::time::sleep(SYNC_EVERY).await;
        }
    });
}

/// How long after the start the lateness model is not rebuilt in the background (a kept
/// model stands in): the first map, figures and steps keep both cores.
const QUIET_START: std::time::Duration = std::time::Duration::from_secs(90);

/// How long after the start the search index is brought up to date (the first drawn map
/// and the first room view come first).
const INDEX_AFTER: std::time::Duration = std::time::Duration::from_secs(20);

/// On the laptop, brings the search index up to the newest appeal in the background, so that
/// the first search does not pay for it (about 15 s at a million appeals the first time,
/// then in proportion to what arrived). The other modes do not search.
fn spawn_search_index(api: &Api) {
    let api = api.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(INDEX_AFTER).await;
        // A failure leaves the work to the first search, which reports it.
        let _ = api.store().index_texts().await;
    });
}

/// Where the generated bindings live, relative to this crate.
pub const BINDINGS_PATH: &str = "../ui/src/backend/bindings.ts";

/// Writes the TypeScript bindings to `path`.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    specta_builder()
        .export(
            specta_typescript::Typescript::default()
                .header("// Generated by tauri-specta from the Rust commands of tsur-app. Do not edit: run `UPDATE_BINDINGS=1 cargo test -p tsur-app`.\n// @ts-nocheck\n/* eslint-disable */")
                .bigint(specta_typescript::BigIntExportBehavior::Fail),
            path,
        )
        .map_err(|e| e.to_string())
}

/// The store to open: `--db PATH` on the command line, else `$TSUR_DB`, else the default.
fn db_from_args() -> std::path::PathBuf {
    let args: Vec<String> = std::env::args().collect();
    let explicit = args.iter().position(|a| a == "--db").and_then(|i| args.get(i + 1)).map(std::path::PathBuf::from);
    db_path(explicit)
}

/// Opens the store and runs the window until it is closed.
pub fn run() {
    let builder = specta_builder();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let api = runtime.block_on(Api::open(&db_from_args()));
    if let Err(e) = &api {
        eprintln!("tsur-app: {e}");
    }
    tauri::async_runtime::set(runtime.handle().clone());
    let mode = AppMode::from_args(&std::env::args().collect::<Vec<_>>());
    if let Ok(api) = &api {
        let _guard = runtime.enter();
        api.quiet_until(QUIET_START);
        spawn_background_sync(api);
        if mode.mode == "laptop" {
            spawn_search_index(api);
        }
    }
    let fullscreen = mode.mode == "wall";
    tauri::Builder::default()
        .manage(AppState { api, mode })
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            if fullscreen {
                use tauri::Manager;
                if let Some(window) = app.get_webview_window("main") {
                    // A kiosk: the whole screen, no decorations. Without a window manager
                    // (a bare X server) fullscreen is a request nobody grants, so the
                    // window is also sized to the monitor.
                    let _ = window.set_decorations(false);
                    let _ = window.set_fullscreen(true);
                    if let Ok(Some(monitor)) = window.current_monitor() {
                        let _ = window.set_position(tauri::PhysicalPosition::new(0, 0));
                        let _ = window.set_size(*monitor.size());
                    }
                }
            }
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("tsur-app: the window could not be started");
}

#[cfg(test)]
mod tests {
    /// The committed bindings equal what the Rust commands generate now (CI fails on a diff).
    #[test]
    fn bindings_are_current() {
        let committed_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(super::BINDINGS_PATH);
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            super::export_bindings(&committed_path).unwrap();
        }
        let dir = tempfile_dir();
        let fresh = dir.join("bindings.ts");
        super::export_bindings(&fresh).unwrap();
        let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
        let generated = std::fs::read_to_string(&fresh).unwrap();
        assert!(committed == generated, "ui/src/backend/bindings.ts is stale: run `UPDATE_BINDINGS=1 cargo test -p tsur-app`");
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("tsur-bindings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
