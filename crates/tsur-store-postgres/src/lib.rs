//! The central store: the region's appeals and events in PostgreSQL, with the decree's
//! roles enforced by the database itself.
//!
//! Nodes (curators' laptops, workstations) keep their own SQLite store
//! (`tsur-store-sqlite`); this crate is the server they will sync with. Its schema lives in
//! `migrations/postgres/` and is embedded in the binary: [`CentralStore::migrate`] applies
//! what is missing, and applying twice is a no-op.
//!
//! Access is decided by PostgreSQL, not by this code: each person connects with a login of
//! their own, which is a member of one NOLOGIN group role per decree role (`tsur_curator`,
//! `tsur_block_head`, …) and has a row in `user_grants` naming their blocks and
//! municipalities. Table privileges say which commands a role may run, row-level security
//! says on which rows, so a block head who types SQL by hand still sees only their blocks,
//! and the media never see authors' personal data. `docs/central.md` has the matrix.
//!
//! The test harness ([`testing`], behind the `testing` feature) gives each test a fresh
//! database on a real server: the one at `DATABASE_URL`, or a throwaway one it starts.
#![deny(missing_docs)]

mod error;
mod grants;
mod sync;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::CentralError;
pub use grants::{role_from_name, role_name, UserGrant};
pub use sqlx::postgres::PgConnectOptions;
pub use sync::{push_in, FeedCursor, PullPage, PulledEvent, PushOutcome, ReferenceUpdate, Registration};

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::str::FromStr;
use tsur_core::Scope;

/// The schema of the central database, compiled into the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/postgres");

/// The oldest server this schema runs on: `xid8` and `pg_current_xact_id` (the sync
/// feed) and `DROP DATABASE … WITH (FORCE)` (the harness) arrived in PostgreSQL 13.
pub const MIN_SERVER_VERSION: i32 = 130000;

/// A pool of connections to the central database, all as one login.
#[derive(Debug, Clone)]
pub struct CentralStore {
    pool: PgPool,
}

impl CentralStore {
    /// Connects to `url` (`postgres://login:password@host/db` or
    /// `postgres:///db?host=/run/postgresql`) and checks the server's version.
    pub async fn connect(url: &str) -> Result<CentralStore, CentralError> {
        let options = PgConnectOptions::from_str(url).map_err(|e| CentralError::BadUrl(e.to_string()))?;
        CentralStore::connect_with(options).await
    }

    /// Connects with ready options and checks the server's version.
    pub async fn connect_with(options: PgConnectOptions) -> Result<CentralStore, CentralError> {
        let pool = PgPoolOptions::new().max_connections(8).connect_with(options).await.map_err(CentralError::Connect)?;
        let version: String = sqlx::query_scalar("SHOW server_version_num").fetch_one(&pool).await.map_err(CentralError::Connect)?;
        let version: i32 = version.trim().parse().unwrap_or(0);
        if version < MIN_SERVER_VERSION {
            return Err(CentralError::ServerTooOld(version));
        }
        Ok(CentralStore { pool })
    }

    /// Applies the migrations this binary knows and the database lacks. A database migrated
    /// by a newer binary is refused, never migrated down.
    pub async fn migrate(&self) -> Result<(), CentralError> {
        MIGRATOR.run(&self.pool).await.map_err(CentralError::from_migrate)
    }

    /// The pool, for the queries of the crates built on this one.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// What the connected login may see, as the database decides it: `None` when the login
    /// has no valid grant (no row in `user_grants`, or not a member of exactly the granted
    /// role's group).
    pub async fn session_scope(&self) -> Result<Option<Scope>, CentralError> {
        let row: Option<GrantRow> = match sqlx::query_as("SELECT (g).role, (g).blocks, (g).municipalities FROM (SELECT tsur_session_grant() AS g) s")
            .fetch_optional(&self.pool)
            .await
        {
            Ok(row) => row,
            // Not a member of any decree role: not even the function is theirs to call.
            Err(error) => match CentralError::from(error) {
                CentralError::Forbidden(_) => return Ok(None),
                other => return Err(other),
            },
        };
        let Some((Some(role), blocks, municipalities)) = row else { return Ok(None) };
        let role = role_from_name(&role).ok_or_else(|| CentralError::UnknownRole(role.clone()))?;
        Ok(Some(grants::scope_of(role, blocks, municipalities)))
    }

    /// Gives a login its decree role and scope (an administrator's act: the connected login
    /// must own the schema, or be a superuser, and be able to grant the group roles). The
    /// login must already exist (`CREATE ROLE … LOGIN PASSWORD …`). Any other decree role it
    /// had is revoked, so a login always holds exactly one.
    pub async fn grant_access(&self, grant: &UserGrant) -> Result<(), CentralError> {
        let mut tx = self.pool.begin().await?;
        let role = role_name(grant.role);
        sqlx::query(
            "INSERT INTO user_grants (login, role, blocks, municipalities, note) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (login) DO UPDATE SET role = EXCLUDED.role, blocks = EXCLUDED.blocks,
                 municipalities = EXCLUDED.municipalities, note = EXCLUDED.note, granted_at = now(), granted_by = session_user",
        )
        .bind(&grant.login)
        .bind(role)
        .bind(&grant.blocks)
        .bind(&grant.municipalities)
        .bind(&grant.note)
        .execute(&mut *tx)
        .await?;
        for other in grants::ALL_ROLES {
            let group = format!("tsur_{}", role_name(other));
            let member: bool = sqlx::query_scalar("SELECT pg_has_role($1, $2, 'MEMBER') AND $2 <> 'tsur_' || $3")
                .bind(&grant.login)
                .bind(&group)
                .bind(role)
                .fetch_one(&mut *tx)
                .await?;
            if member {
                sqlx::query(&format!("REVOKE {} FROM {}", quote_ident(&group), quote_ident(&grant.login))).execute(&mut *tx).await?;
            }
        }
        sqlx::query(&format!("GRANT {} TO {}", quote_ident(&format!("tsur_{role}")), quote_ident(&grant.login))).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes every connection of the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `tsur_session_grant()` as columns: role, blocks, municipalities.
type GrantRow = (Option<String>, Option<Vec<String>>, Option<Vec<String>>);

/// An SQL identifier in double quotes, for the statements (GRANT, CREATE ROLE) that take no
/// bind parameters.
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
