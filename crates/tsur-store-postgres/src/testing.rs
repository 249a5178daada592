//! A real PostgreSQL for tests, and a fresh database for each test.
//!
//! [`TestDb::new`] uses the server at `DATABASE_URL` when that is set (its login must be a
//! superuser: the harness creates databases and roles). Otherwise it starts a throwaway
//! server from the installed PostgreSQL binaries (`TSUR_PG_BINDIR`, else the newest
//! `/usr/lib/postgresql/*/bin`, `/usr/pgsql-*/bin`, or `initdb` on `PATH`): `initdb` in a
//! temporary directory, listening only on a Unix socket inside it, with `fsync` off. One such
//! server serves every test of the process that runs at the same time, and is stopped and
//! removed when the last [`TestDb`] is dropped.
//!
//! `initdb` refuses to run as root. When the tests run as root (a container, CI), the harness
//! runs `initdb` and `pg_ctl` as the unprivileged user `postgres` (or `TSUR_PG_TEST_USER`)
//! through `runuser`, with the temporary directory given to that user.
//!
//! Each [`TestDb`] is a database of its own, created with a random name and owned by a fresh
//! login that is *not* a superuser (so the FORCE of row-level security binds it, as it would
//! the administrator in production), migrated by that owner. Roles are cluster-wide, so the
//! logins a test creates carry the database's name; the database and those logins are
//! dropped when the [`TestDb`] is dropped. Tests can therefore run in parallel.

use crate::{quote_ident, CentralError, CentralStore, UserGrant};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};
use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Weak};
use tsur_core::Role;

/// Why the harness could not provide a database.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// `DATABASE_URL` could not be read.
    #[error("DATABASE_URL не читается: {0}")]
    BadUrl(String),
    /// No PostgreSQL binaries were found.
    #[error(
        "не найден PostgreSQL (initdb и pg_ctl): установите пакет postgresql (apt-get install postgresql), \
         укажите каталог программ в TSUR_PG_BINDIR или задайте DATABASE_URL"
    )]
    NoBinaries,
    /// The tests run as root and there is no unprivileged user to run the server as.
    #[error(
        "тесты запущены от root, а initdb от root не работает; пользователь «{0}» для запуска сервера не найден. \
         Создайте его (useradd --system {0}), укажите другого в TSUR_PG_TEST_USER или задайте DATABASE_URL"
    )]
    NoUnprivilegedUser(String),
    /// A command (initdb, pg_ctl, runuser) failed.
    #[error("не удалось выполнить {command}: {output}")]
    Command {
        /// The command line.
        command: String,
        /// What it printed, or why it could not start.
        output: String,
    },
    /// The temporary directory could not be prepared.
    #[error("временный каталог сервера PostgreSQL {path}: {error}")]
    TempDir {
        /// The directory.
        path: PathBuf,
        /// The failure.
        error: std::io::Error,
    },
    /// The login of `DATABASE_URL` is not a superuser.
    #[error("пользователь DATABASE_URL должен быть суперпользователем: тесты создают базы и роли")]
    NotSuperuser,
    /// A statement of the harness failed.
    #[error("тестовая база: {0}")]
    Sql(#[from] sqlx::Error),
    /// The store refused (connect, migrate, grant).
    #[error("тестовая база: {0}")]
    Store(#[from] CentralError),
}

/// A fresh, migrated database for one test. Dropping it drops the database and its logins.
pub struct TestDb {
    name: String,
    server: Server,
    owner: TestLogin,
    admin: CentralStore,
    logins: Mutex<Vec<String>>,
    next_login: AtomicU32,
}

/// A login created for a test, and how to connect as it.
#[derive(Debug, Clone)]
pub struct TestLogin {
    /// The role's name.
    pub name: String,
    /// Connection options: this login, this test's database.
    pub options: PgConnectOptions,
}

impl TestLogin {
    /// One connection as this login.
    pub async fn connect(&self) -> Result<PgConnection, HarnessError> {
        Ok(PgConnection::connect_with(&self.options).await?)
    }

    /// A store as this login.
    pub async fn store(&self) -> Result<CentralStore, HarnessError> {
        Ok(CentralStore::connect_with(self.options.clone()).await?)
    }

    /// The server and database as a URL without login or password, as `tsur login
    /// --central` takes it (the harness's servers trust local connections).
    pub fn url(&self) -> String {
        let o = &self.options;
        let database = o.get_database().unwrap_or_default();
        match o.get_socket() {
            Some(dir) => format!("postgres:///{database}?host={}&port={}", dir.display(), o.get_port()),
            None => format!("postgres://{}:{}/{database}", o.get_host(), o.get_port()),
        }
    }
}

/// A PostgreSQL server started for one test alone, so that the test may restart it, or
/// give it TCP, TLS and password authentication. Its Unix socket trusts local logins (the
/// harness's own administration goes through it); TCP follows [`PrivateServer::start`]'s
/// `hba` lines.
pub struct PrivateServer(Arc<TempServer>);

/// How a [`PrivateServer`] listens.
#[derive(Debug, Clone, Default)]
pub struct PrivateOptions {
    /// Listen on 127.0.0.1 (a free port) as well as the socket.
    pub tcp: bool,
    /// TLS with this certificate and key (PEM files; copied into the server's directory).
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Lines of pg_hba.conf for TCP (e.g. `hostssl all all 127.0.0.1/32 scram-sha-256`).
    pub hba: Vec<String>,
    /// Keep acknowledged commits through a crash (fsync and synchronous commit on).
    pub durable: bool,
}

impl PrivateServer {
    /// Starts the server.
    pub fn start(options: &PrivateOptions) -> Result<PrivateServer, HarnessError> {
        Ok(PrivateServer(Arc::new(TempServer::start_with(options)?)))
    }

    /// The TCP port (also the number of the socket file).
    pub fn port(&self) -> u16 {
        self.0.port
    }

    /// Restarts the server the hard way (`pg_ctl restart -m immediate`: connections cut,
    /// transactions in flight lost, as in a crash).
    pub fn restart(&self) -> Result<(), HarnessError> {
        let data = self.0.dir.join("data");
        let log = self.0.dir.join("server.log");
        self.0.run("pg_ctl", &["-D", path_str(&data), "-l", path_str(&log), "-m", "immediate", "-w", "-t", "60", "restart"])
    }
}

impl TestDb {
    /// Creates a database with a random name, owned by a new non-superuser login, and
    /// migrates it as that owner.
    pub async fn new() -> Result<TestDb, HarnessError> {
        TestDb::new_in(Server::get()?).await
    }

    /// Like [`TestDb::new`], on a server of the test's own (see [`PrivateServer`]).
    pub async fn new_on(server: &PrivateServer) -> Result<TestDb, HarnessError> {
        TestDb::new_in(Server::Temporary(server.0.clone())).await
    }

    async fn new_in(server: Server) -> Result<TestDb, HarnessError> {
        let name = format!("tsur_test_{}", &uuid::Uuid::now_v7().simple().to_string()[16..]);
        let mut maintenance = PgConnection::connect_with(&server.maintenance_options()).await?;
        let superuser: bool = sqlx::query_scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetch_one(&mut maintenance).await?;
        if !superuser {
            return Err(HarnessError::NotSuperuser);
        }
        let owner_name = format!("{name}_owner");
        let owner_password = random_password();
        sqlx::query(&format!("CREATE ROLE {} LOGIN CREATEROLE PASSWORD '{owner_password}'", quote_ident(&owner_name))).execute(&mut maintenance).await?;
        let created = sqlx::query(&format!("CREATE DATABASE {} OWNER {}", quote_ident(&name), quote_ident(&owner_name))).execute(&mut maintenance).await;
        maintenance.close().await?;
        let owner = TestLogin { options: server.options(&name, &owner_name, &owner_password), name: owner_name };
        let admin = match created {
            Ok(_) => CentralStore::connect_with(server.maintenance_options().database(&name)).await,
            Err(error) => Err(error.into()),
        };
        // From here on, dropping `db` cleans up whatever was made.
        let admin = match admin {
            Ok(admin) => admin,
            Err(error) => {
                cleanup(&server, &name, std::slice::from_ref(&owner.name));
                return Err(error.into());
            }
        };
        let db = TestDb { name, server, owner, admin, logins: Mutex::new(Vec::new()), next_login: AtomicU32::new(0) };
        let owner_store = db.owner.store().await?;
        owner_store.migrate().await?;
        owner_store.close().await;
        Ok(db)
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The store as a superuser (bypasses row-level security; for fixtures that must not
    /// depend on it, and for administration: [`CentralStore::grant_access`]).
    pub fn admin(&self) -> &CentralStore {
        &self.admin
    }

    /// The owner of the schema, a login that is not a superuser.
    pub fn owner(&self) -> &TestLogin {
        &self.owner
    }

    /// A new login with no role and no grant.
    pub async fn create_login(&self) -> Result<TestLogin, HarnessError> {
        let n = self.next_login.fetch_add(1, Ordering::Relaxed);
        let name = format!("{}_u{n}", self.name);
        let password = random_password();
        sqlx::query(&format!("CREATE ROLE {} LOGIN PASSWORD '{password}'", quote_ident(&name))).execute(self.admin.pool()).await?;
        self.logins.lock().unwrap_or_else(|e| e.into_inner()).push(name.clone());
        Ok(TestLogin { options: self.server.options(&self.name, &name, &password), name })
    }

    /// A new login enrolled as the administrator would: its decree role and scope (`None` =
    /// all).
    pub async fn enroll(&self, role: Role, blocks: Option<&[&str]>, municipalities: Option<&[&str]>) -> Result<TestLogin, HarnessError> {
        let login = self.create_login().await?;
        let to_owned = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let grant =
            UserGrant { login: login.name.clone(), role, blocks: blocks.map(to_owned), municipalities: municipalities.map(to_owned), note: "test".into() };
        self.admin.grant_access(&grant).await?;
        Ok(login)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let mut logins = std::mem::take(&mut *self.logins.lock().unwrap_or_else(|e| e.into_inner()));
        logins.push(self.owner.name.clone());
        cleanup(&self.server, &self.name, &logins);
    }
}

/// Drops the database and the logins, on a thread of its own (Drop cannot await, and the
/// test's runtime may be single-threaded). Failures are printed, not raised.
fn cleanup(server: &Server, database: &str, logins: &[String]) {
    let options = server.maintenance_options();
    let database = database.to_owned();
    let logins = logins.to_vec();
    let work = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        runtime.block_on(async move {
            let mut conn = PgConnection::connect_with(&options).await?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(&database))).execute(&mut conn).await?;
            for login in &logins {
                sqlx::query(&format!("DROP ROLE IF EXISTS {}", quote_ident(login))).execute(&mut conn).await?;
            }
            conn.close().await?;
            Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
        })
    });
    match work.join() {
        Ok(Ok(())) => {}
        Ok(Err(error)) => eprintln!("тестовая база не удалена: {error}"),
        Err(_) => eprintln!("тестовая база не удалена: поток очистки упал"),
    }
}

fn random_password() -> String {
    uuid::Uuid::now_v7().simple().to_string()[16..].to_owned() + &uuid::Uuid::now_v7().simple().to_string()[16..]
}

/// The server tests run against.
#[derive(Clone)]
enum Server {
    /// `DATABASE_URL`: its options, as a superuser.
    External(Box<PgConnectOptions>),
    /// A server this process started.
    Temporary(Arc<TempServer>),
}

/// The temporary server, shared by the tests running at the same time.
static TEMPORARY: Mutex<Weak<TempServer>> = Mutex::new(Weak::new());

impl Server {
    fn get() -> Result<Server, HarnessError> {
        if let Some(url) = std::env::var("DATABASE_URL").ok().filter(|url| !url.is_empty()) {
            let options = PgConnectOptions::from_str(&url).map_err(|e| HarnessError::BadUrl(e.to_string()))?;
            return Ok(Server::External(Box::new(options.disable_statement_logging())));
        }
        let mut shared = TEMPORARY.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(server) = shared.upgrade() {
            return Ok(Server::Temporary(server));
        }
        let server = Arc::new(TempServer::start()?);
        *shared = Arc::downgrade(&server);
        Ok(Server::Temporary(server))
    }

    /// The superuser, in the maintenance database `postgres` (or `DATABASE_URL`'s own).
    fn maintenance_options(&self) -> PgConnectOptions {
        match self {
            Server::External(options) => (**options).clone(),
            Server::Temporary(server) => server.base_options().username(SUPERUSER).database("postgres"),
        }
    }

    fn options(&self, database: &str, login: &str, password: &str) -> PgConnectOptions {
        let base = match self {
            Server::External(options) => (**options).clone(),
            Server::Temporary(server) => server.base_options(),
        };
        base.username(login).password(password).database(database)
    }
}

/// The superuser `initdb` makes in the temporary cluster.
const SUPERUSER: &str = "postgres";

/// A PostgreSQL server in a temporary directory, reachable only through its Unix socket
/// there. Dropping it stops the server and removes the directory.
struct TempServer {
    dir: PathBuf,
    bin: PathBuf,
    run_as: Option<String>,
    port: u16,
    running: bool,
}

impl TempServer {
    fn start() -> Result<TempServer, HarnessError> {
        TempServer::start_with(&PrivateOptions::default())
    }

    fn start_with(options: &PrivateOptions) -> Result<TempServer, HarnessError> {
        let bin = find_bindir().ok_or(HarnessError::NoBinaries)?;
        let run_as = unprivileged_user()?;
        // As root, the directory must be reachable by the unprivileged user: /tmp, not a
        // TMPDIR under /root.
        let parent = if run_as.is_some() { PathBuf::from("/tmp") } else { std::env::temp_dir() };
        static STARTED: AtomicU32 = AtomicU32::new(0);
        let dir = parent.join(format!("tsur-pg-{}-{}", std::process::id(), STARTED.fetch_add(1, Ordering::Relaxed)));
        let io = |error| HarnessError::TempDir { path: dir.clone(), error };
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io)?;
        }
        std::fs::create_dir(&dir).map_err(io)?;
        let mut server = TempServer { dir: dir.clone(), bin, run_as, port: free_port().map_err(io)?, running: false };
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
        }
        if let Some(user) = &server.run_as {
            let (uid, gid) = (id_of(user, "-u")?, id_of(user, "-g")?);
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).map_err(io)?;
        }
        let data = dir.join("data");
        server.run("initdb", &["-D", path_str(&data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-locale", "-N"])?;
        // The shared server trades durability for speed; a private one may be crashed on
        // purpose (restart -m immediate), so it keeps every acknowledged commit.
        let durability = if options.durable {
            "fsync = on\nsynchronous_commit = on\nfull_page_writes = on"
        } else {
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off"
        };
        let mut settings = format!(
            "\n# tsur test harness\nlisten_addresses = '{}'\nport = {}\nunix_socket_directories = '{}'\n{durability}\n\
             max_connections = 200\nlog_min_messages = warning\n",
            if options.tcp { "127.0.0.1" } else { "" },
            server.port,
            dir.display()
        );
        if let Some((cert, key)) = &options.tls {
            for (from, name) in [(cert, "server.crt"), (key, "server.key")] {
                let to = data.join(name);
                std::fs::copy(from, &to).map_err(io)?;
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
                if let Some(user) = &server.run_as {
                    std::os::unix::fs::chown(&to, Some(id_of(user, "-u")?), Some(id_of(user, "-g")?)).map_err(io)?;
                }
            }
            settings.push_str("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
        }
        if !options.hba.is_empty() {
            let hba = format!("local all all trust\n{}\n", options.hba.join("\n"));
            std::fs::write(data.join("pg_hba.conf"), hba).map_err(io)?;
        }
        {
            use std::io::Write;
            let mut conf = std::fs::OpenOptions::new().append(true).open(data.join("postgresql.conf")).map_err(io)?;
            conf.write_all(settings.as_bytes()).map_err(io)?;
        }
        let log = dir.join("server.log");
        server.running = true; // from here on, Drop tries to stop it
        server.run("pg_ctl", &["-D", path_str(&data), "-l", path_str(&log), "-w", "-t", "60", "start"])?;
        Ok(server)
    }

    fn base_options(&self) -> PgConnectOptions {
        PgConnectOptions::new_without_pgpass().socket(&self.dir).port(self.port).disable_statement_logging()
    }

    /// Runs one of the server's programs, as the unprivileged user when there is one. Its
    /// output goes to a file, not a pipe: the server that `pg_ctl start` leaves behind must
    /// not hold our pipe open.
    fn run(&self, program: &str, args: &[&str]) -> Result<(), HarnessError> {
        let program = self.bin.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(&program);
                command
            }
            None => Command::new(&program),
        };
        command.args(args).current_dir(&self.dir).stdin(Stdio::null());
        let line = format!("{command:?}");
        let output_path = self.dir.join(format!("{}.out", program.file_name().and_then(|n| n.to_str()).unwrap_or("command")));
        let failed = |output: String| HarnessError::Command { command: line.clone(), output };
        let output = File::create(&output_path).map_err(|e| failed(e.to_string()))?;
        let status = command
            .stdout(output.try_clone().map_err(|e| failed(e.to_string()))?)
            .stderr(output)
            .status()
            .map_err(|e| failed(format!("{e} (нужна программа runuser из util-linux, когда тесты идут от root)")))?;
        if status.success() {
            return Ok(());
        }
        let mut printed = std::fs::read_to_string(&output_path).unwrap_or_default();
        if let Ok(log) = std::fs::read_to_string(self.dir.join("server.log")) {
            printed.push_str("\n--- server.log ---\n");
            printed.push_str(&log);
        }
        Err(failed(format!("{status}\n{printed}")))
    }
}

impl Drop for TempServer {
    fn drop(&mut self) {
        if self.running {
            let data = self.dir.join("data");
            if let Err(error) = self.run("pg_ctl", &["-D", path_str(&data), "-m", "immediate", "-w", "stop"]) {
                eprintln!("временный сервер PostgreSQL не остановлен: {error}");
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap_or_default()
}

/// A port nobody listens on now. The server listens on no TCP port at all; the number only
/// names its socket file (`.s.PGSQL.<port>`), which lives in our own directory.
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

/// The directory of `initdb` and `pg_ctl`.
fn find_bindir() -> Option<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("TSUR_PG_BINDIR").map(PathBuf::from) {
        return has_tools(&dir).then_some(dir);
    }
    // Debian and Ubuntu: /usr/lib/postgresql/<major>/bin; RHEL: /usr/pgsql-<major>/bin. The newest wins.
    let mut found: Vec<(u32, PathBuf)> = Vec::new();
    for (root, prefix, suffix) in [("/usr/lib/postgresql", "", "bin"), ("/usr", "pgsql-", "bin")] {
        let Ok(entries) = std::fs::read_dir(root) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(version) = name.strip_prefix(prefix).and_then(|v| v.split('.').next()?.parse::<u32>().ok()) else { continue };
            let dir = entry.path().join(suffix);
            if has_tools(&dir) {
                found.push((version, dir));
            }
        }
    }
    if let Some((_, dir)) = found.into_iter().max_by_key(|(version, _)| *version) {
        return Some(dir);
    }
    std::env::split_paths(&std::env::var_os("PATH")?).find(|dir| has_tools(dir))
}

/// `None` when not root; otherwise the user to run the server as.
fn unprivileged_user() -> Result<Option<String>, HarnessError> {
    if !running_as_root() {
        return Ok(None);
    }
    let user = std::env::var("TSUR_PG_TEST_USER").unwrap_or_else(|_| "postgres".to_owned());
    id_of(&user, "-u").map_err(|_| HarnessError::NoUnprivilegedUser(user.clone()))?;
    Ok(Some(user))
}

fn running_as_root() -> bool {
    // The effective uid is the second number of the "Uid:" line.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| status.lines().find(|l| l.starts_with("Uid:")).and_then(|l| l.split_whitespace().nth(2)).map(|uid| uid == "0"))
        .unwrap_or_else(|| Command::new("id").arg("-u").output().map(|o| o.stdout.trim_ascii() == b"0").unwrap_or(false))
}

/// `id -u USER` or `id -g USER`.
fn id_of(user: &str, flag: &str) -> Result<u32, HarnessError> {
    let failed = |output: String| HarnessError::Command { command: format!("id {flag} {user}"), output };
    let output = Command::new("id").args([flag, user]).output().map_err(|e| failed(e.to_string()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.trim().parse().map_err(|_| failed(String::from_utf8_lossy(&output.stderr).into_owned()))
}
