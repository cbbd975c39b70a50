//! MemberDesk's SQLite store: the one data file, opened with its PRAGMAs (WAL, foreign
//! keys, busy timeout), checked at open, migrated by append-only migrations, and a module
//! per table. All SQL of the product lives in this crate; it holds no business rules.

pub mod audit;
pub mod branches;
pub mod cards;
pub mod catalog;
pub mod contacts;
pub mod coupons;
pub mod figures;
pub mod interactions;
pub mod ledger;
pub mod lots;
pub mod members;
pub mod merge;
pub mod meta;
pub mod receipts;
pub mod sales_months;
pub mod screening;
pub mod settings;
pub mod sms_batches;
pub mod staff;
pub mod stored_value;
pub mod tiers;

pub mod copy;
mod copy_load;
pub mod db;
mod postgres_schema;

pub use db::{Connection, Engine, Station, Transaction, TransactionKind};

use rusqlite::OpenFlags;
use rusqlite_migration::{Migrations, M};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据文件 {path} 已损坏或不是会员台的数据文件：{detail}")]
    Damaged { path: String, detail: String },
    #[error("数据文件 {path} 由更新版本的会员台创建（版本 {found}，本程序支持到 {supported}），请升级程序")]
    TooNew { path: String, found: usize, supported: usize },
    #[error("无法打开数据文件 {path}：{detail}")]
    Unopenable { path: String, detail: String },
    #[error("无法写入 {path}：{detail}")]
    Unwritable { path: String, detail: String },
    /// The database server cannot be reached, or refused the sign-in. `server` is the
    /// address without its password.
    #[error("无法连接共享数据库 {server}：{detail}")]
    Unreachable { server: String, detail: String },
    #[error("数据库错误：{0}")]
    Sql(#[from] db::Error),
    #[error("数据库升级失败：{0}")]
    Migration(String),
    /// A copy that does not match its source, or a target that is not empty.
    #[error("{0}")]
    Copy(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sql(db::Error::Sqlite(e))
    }
}

impl StoreError {
    /// A conflict between writers that running the operation again resolves.
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Sql(e) if e.is_conflict())
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Errors that say whether the failed transaction may simply run again.
pub trait Retryable {
    fn is_conflict(&self) -> bool;
}

impl Retryable for StoreError {
    fn is_conflict(&self) -> bool {
        StoreError::is_conflict(self)
    }
}

/// Where the store lives: the embedded file of one PC, or a PostgreSQL server shared by
/// counters and branches. `--db` and `MEMBERDESK_DB` take either.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    Server(ServerUrl),
}

impl Location {
    /// `postgres://…` or `postgresql://…` is a server; anything else is a file path.
    pub fn parse(text: &str) -> Location {
        let t = text.trim();
        if t.starts_with("postgres://") || t.starts_with("postgresql://") {
            Location::Server(ServerUrl(t.to_string()))
        } else {
            Location::File(PathBuf::from(text))
        }
    }

    pub fn engine(&self) -> Engine {
        match self {
            Location::File(_) => Engine::Sqlite,
            Location::Server(_) => Engine::Postgres,
        }
    }
}

/// What may be shown of a location: a file's path, a server's URL without its password.
impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File(p) => write!(f, "{}", p.display()),
            Location::Server(u) => write!(f, "{u}"),
        }
    }
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Location({self})")
    }
}

/// A `postgres://user:password@host:port/dbname` URL. Display and Debug never show the
/// password (`postgres://md:***@127.0.0.1:5432/store`).
#[derive(Clone, PartialEq, Eq)]
pub struct ServerUrl(String);

impl ServerUrl {
    pub fn new(url: &str) -> ServerUrl {
        ServerUrl(url.trim().to_string())
    }

    /// The full URL, for connecting only.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// The URL with its password replaced by `***` (or the URL itself when it has none).
    pub fn redacted(&self) -> String {
        redact_password(&self.0)
    }

    /// Whether the URL carries a password.
    pub fn has_password(&self) -> bool {
        self.redacted() != self.0
    }

    /// The same URL with `password` put in (the desk asks for it at start).
    pub fn with_password(&self, password: &str) -> ServerUrl {
        let (scheme, rest) = self.0.split_once("://").unwrap_or(("postgres", &self.0));
        let Some((userinfo, host)) = rest.rsplit_once('@') else { return self.clone() };
        let user = userinfo.split(':').next().unwrap_or(userinfo);
        let encoded: String = password
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        ServerUrl(format!("{scheme}://{user}:{encoded}@{host}"))
    }

    /// The same server and options with another database name.
    pub fn with_database(&self, name: &str) -> ServerUrl {
        let url = self.0.as_str();
        let (head, query) = url.split_once('?').map(|(h, q)| (h, format!("?{q}"))).unwrap_or((url, String::new()));
        let server =
            head.rsplit_once('/').filter(|(s, _)| s.contains("://") && !s.ends_with('/')).map_or(head, |(s, _)| s);
        ServerUrl(format!("{server}/{name}{query}"))
    }

    /// The same URL without its password (what the desk keeps in its settings file).
    pub fn without_password(&self) -> ServerUrl {
        let (scheme, rest) = self.0.split_once("://").unwrap_or(("postgres", &self.0));
        let Some((userinfo, host)) = rest.rsplit_once('@') else { return self.clone() };
        let user = userinfo.split(':').next().unwrap_or(userinfo);
        ServerUrl(format!("{scheme}://{user}@{host}"))
    }
}

/// Replaces the password of any `scheme://user:password@` in `text` by `***`: for every
/// message that might quote a connection URL.
pub fn redact_password(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail.find(|c: char| c.is_whitespace() || c == '\'' || c == '"').unwrap_or(tail.len());
        let authority = &tail[..end];
        match (authority.find('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(&authority[..colon]);
                out.push_str(":***");
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

impl std::fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl std::fmt::Debug for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServerUrl({})", self.redacted())
    }
}

/// A text column read as a typed value (a tier, a gender, a coupon kind…), parsed once
/// here: a value this build does not know is an error naming it, never a silent default.
pub(crate) fn typed<T>(r: &db::Row<'_>, idx: usize, parse: impl Fn(&str) -> Option<T>) -> db::Result<T> {
    let text: String = r.get(idx)?;
    parse(&text).ok_or_else(|| unknown_value(idx, &text))
}

/// The same for a column that may be NULL.
pub(crate) fn typed_opt<T>(r: &db::Row<'_>, idx: usize, parse: impl Fn(&str) -> Option<T>) -> db::Result<Option<T>> {
    match r.get::<_, Option<String>>(idx)? {
        None => Ok(None),
        Some(text) => parse(&text).map(Some).ok_or_else(|| unknown_value(idx, &text)),
    }
}

fn unknown_value(idx: usize, text: &str) -> db::Error {
    db::Error::Conversion { column: idx, detail: format!("数据文件中有本程序不认识的值“{text}”") }
}

/// Parsers of the stored codes of the rule book's enums.
pub(crate) mod codes {
    use loyalty::contacts::Channel;
    use loyalty::coupons::{CouponKind, CouponStatus};
    use loyalty::{Calendar, Gender, Tier};

    pub fn tier(t: &str) -> Option<Tier> {
        Tier::parse(t)
    }
    pub fn gender(t: &str) -> Option<Gender> {
        Gender::parse(t).ok()
    }
    pub fn calendar(t: &str) -> Option<Calendar> {
        match t {
            "solar" => Some(Calendar::Solar),
            "lunar" => Some(Calendar::Lunar),
            _ => None,
        }
    }
    pub fn coupon_kind(t: &str) -> Option<CouponKind> {
        CouponKind::parse(t)
    }
    pub fn coupon_status(t: &str) -> Option<CouponStatus> {
        CouponStatus::parse(t)
    }
    pub fn channel(t: &str) -> Option<Channel> {
        match t {
            "call" => Some(Channel::Call),
            "sms" => Some(Channel::Sms),
            _ => None,
        }
    }
}

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("migrations/0001_foundation.sql")),
        M::up(include_str!("migrations/0002_tiers.sql")),
        M::up(include_str!("migrations/0003_coupons.sql")),
        M::up(include_str!("migrations/0004_contacts.sql")),
        M::up(include_str!("migrations/0005_contact_speed.sql")),
        M::up(include_str!("migrations/0006_staff_sign_in.sql")).foreign_key_check(),
        M::up(include_str!("migrations/0007_branches.sql")).foreign_key_check(),
        M::up(include_str!("migrations/0008_figures.sql")),
        M::up(include_str!("migrations/0009_screening_and_merge.sql")),
        M::up(include_str!("migrations/0010_figures_speed.sql")),
        M::up(include_str!("migrations/0011_figures_summaries.sql")),
        M::up(include_str!("migrations/0012_member_cards.sql")),
        M::up(include_str!("migrations/0013_stored_value.sql")),
        M::up(include_str!("migrations/0014_stored_value_payments.sql")),
        M::up(include_str!("migrations/0015_pinyin_order.sql")),
        M::up(include_str!("migrations/0016_name_pieces.sql")),
        M::up(include_str!("migrations/0017_window_reads.sql")),
        M::up(include_str!("migrations/0018_lookups_in_member_order.sql")),
        // Every member is copied with its id, so no reference can dangle that did not before;
        // the whole-store `foreign_key_check` would add 43 s of a million-member store's
        // 92 s upgrade (docs/performance.md). The upgrade test checks it on a small store.
        M::up(include_str!("migrations/0019_member_keys_as_indexes.sql")),
        // The tables' text is changed where SQLite keeps it; the procedure ends by moving the
        // schema version on (other connections read the schema again) and reading it here.
        M::up_with_hook(include_str!("migrations/0020_checks_without_in_lists.sql"), |tx: &rusqlite::Transaction| {
            let version: i64 = tx.pragma_query_value(None, "schema_version", |r| r.get(0))?;
            tx.pragma_update(None, "schema_version", version + 1)?;
            tx.execute_batch("PRAGMA writable_schema = RESET")?;
            Ok(())
        }),
    ])
}

/// Number of schema versions this build knows (the same on both engines: each engine's
/// migration N reaches the same tables, columns and constraints).
pub fn schema_version_supported() -> usize {
    20
}

/// Keys of PostgreSQL advisory locks: one job at a time across every counter.
pub mod locks {
    /// Bringing the chain up to a store date (expiry, the 1st's tier run, the day's list).
    pub const STORE_DAY: i64 = 0x4d44_0001;
    /// Applying schema migrations.
    pub const MIGRATIONS: i64 = 0x4d44_0002;
    /// A write's turn ([`crate::Store::write`]): every write holds it shared; one that lost
    /// to a conflict again and again holds it alone.
    pub const WRITE_TURN: i64 = 0x4d44_0003;
}

/// The open store, of either engine.
pub struct Store {
    conn: Connection,
    location: Location,
}

impl Store {
    /// Opens the store at `location`: a file (see [`Store::open`]) or a server.
    pub fn open_location(location: &Location) -> Result<Store> {
        match location {
            Location::File(p) => Store::open(p),
            Location::Server(url) => Store::open_server(url),
        }
    }

    /// Opens (creating if missing) the data file at `path`: PRAGMAs, the structural check
    /// (see [`check_structure`]), then the migrations. A damaged file is reported, never
    /// re-created. The full page-by-page check is [`Store::check_integrity`].
    pub fn open(path: &Path) -> Result<Store> {
        let shown = path.display().to_string();
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::Unopenable { path: shown.clone(), detail: e.to_string() })?;
            }
        }
        let conn = rusqlite::Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::Unopenable { path: shown.clone(), detail: e.to_string() })?;
        // Wait for another counter's write rather than fail at once (the migrations' check
        // and the journal mode both need a moment of the file).
        conn.busy_timeout(BUSY_WAIT)?;
        let damaged = |e: rusqlite::Error| {
            if matches!(&e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DatabaseBusy) {
                return StoreError::Sql(db::Error::Sqlite(e));
            }
            StoreError::Damaged { path: shown.clone(), detail: e.to_string() }
        };
        conn.pragma_update(None, "journal_mode", "WAL").map_err(damaged)?;
        check_structure(&conn, path, &shown)?;
        let mut store = Store { conn: Connection::sqlite(conn), location: Location::File(path.to_path_buf()) };
        store.prepare()?;
        Ok(store)
    }

    /// Connects to a PostgreSQL server and brings its schema to this build's version (one
    /// counter at a time, under an advisory lock).
    pub fn open_server(url: &ServerUrl) -> Result<Store> {
        let unreachable =
            |detail: String| StoreError::Unreachable { server: url.redacted(), detail: redact_password(&detail) };
        let mut config: tokio_postgres::Config =
            url.secret().parse().map_err(|e: tokio_postgres::Error| unreachable(e.to_string()))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(5));
        }
        config.application_name("memberdesk");
        let link = db::off_runtime(|| db::PgLink::connect(&config)).map_err(|e| unreachable(e.to_string()))?;
        let mut store = Store { conn: Connection::postgres(link), location: Location::Server(url.clone()) };
        // The server would compile the day's larger scans (a day's sales, the tier window) to
        // machine code first, which costs more than it saves on queries of this size: 70 of
        // the 167 ms of the busiest day's follow-up query (docs/performance.md).
        store.conn.execute_batch("SET jit = off")?;
        store.prepare()?;
        Ok(store)
    }

    /// An empty store in memory with every migration applied (tests).
    pub fn open_in_memory() -> Result<Store> {
        let conn = rusqlite::Connection::open_in_memory()?;
        let mut store = Store { conn: Connection::sqlite(conn), location: Location::File(PathBuf::from(":memory:")) };
        store.prepare()?;
        Ok(store)
    }

    fn prepare(&mut self) -> Result<()> {
        let shown = self.location.to_string();
        match self.conn.as_sqlite_mut() {
            Some(conn) => {
                // Migrations that rebuild a table run with foreign keys off (SQLite's
                // documented procedure); each is checked with `foreign_key_check` before it
                // commits.
                conn.pragma_update(None, "foreign_keys", "OFF")?;
                // FULL: a committed checkout survives a power cut, not only a crash.
                conn.pragma_update(None, "synchronous", "FULL")?;
                conn.busy_timeout(BUSY_WAIT)?;
                conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)?;
                let found = conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
                if found > schema_version_supported() {
                    return Err(StoreError::TooNew { path: shown, found, supported: schema_version_supported() });
                }
                migrations().to_latest(conn).map_err(|e| StoreError::Migration(e.to_string()))?;
                conn.pragma_update(None, "foreign_keys", "ON")?;
                Ok(())
            }
            None => postgres_schema::migrate(&self.conn, &shown),
        }
    }

    /// The schema version the store is at.
    pub fn schema_version(&self) -> Result<usize> {
        match self.conn.as_sqlite() {
            Some(c) => Ok(c.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize),
            None => postgres_schema::version(&self.conn),
        }
    }

    /// The full check: SQLite's `integrity_check` (every page, and every index against
    /// its table) and `foreign_key_check`. Seconds on a large store. A PostgreSQL server
    /// checks its own pages and constraints; there it is a connection check.
    pub fn check_integrity(&self) -> Result<()> {
        match self.conn.as_sqlite() {
            Some(c) => check_full(c, &self.location.to_string()),
            None => Ok(self.conn.execute_batch("SELECT 1")?),
        }
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn engine(&self) -> Engine {
        self.conn.engine()
    }

    /// Says where this store's writes are made (see [`db::Station`]).
    pub fn set_station(&mut self, station: db::Station) {
        self.conn.set_station(station);
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Starts the one transaction of an operation: on SQLite IMMEDIATE (it takes the write
    /// lock at once, so two writers never both read-then-write), on PostgreSQL SERIALIZABLE
    /// (it ends as if it ran alone, or fails with a conflict that [`Store::write`] retries).
    pub fn transaction(&self) -> Result<Transaction<'_>> {
        Ok(Transaction::begin(&self.conn, TransactionKind::Write)?)
    }

    /// A transaction that reads first and takes the write lock only at its first write
    /// (DEFERRED): a long check of an import holds no lock. If another connection committed
    /// in between, that first write fails busy (never on a stale read), and the caller
    /// starts again with [`Store::transaction`].
    pub fn read_first_transaction(&self) -> Result<Transaction<'_>> {
        Ok(Transaction::begin(&self.conn, TransactionKind::ReadFirst)?)
    }

    /// A read-only transaction: every read in it sees the same moment.
    pub fn read_transaction(&self) -> Result<Transaction<'_>> {
        Ok(Transaction::begin(&self.conn, TransactionKind::Read)?)
    }

    /// Runs `work` in one write transaction and commits it. When two counters' transactions
    /// conflict (PostgreSQL's serialization failure or deadlock), the loser's is rolled back
    /// and `work` runs again from the start, so the cashier never sees the conflict and the
    /// result is as if the two ran one after the other.
    pub fn write<T, E>(
        &self,
        work: impl FnMut(&Transaction<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<StoreError> + Retryable,
    {
        self.run(true, work)
    }

    /// [`Store::write`] for a bulk load of one large transaction (the demo's history), under
    /// [`Store::bulk_load`]'s settings.
    pub fn write_bulk<T, E>(
        &self,
        work: impl FnMut(&Transaction<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<StoreError> + Retryable,
    {
        self.bulk_load(true).map_err(E::from)?;
        let out = self.run(true, work);
        let back = self.bulk_load(false).map_err(E::from);
        if out.is_ok() {
            back?;
        }
        out
    }

    /// [`Store::write_bulk`] of a store that holds nothing yet (the demo's): on SQLite the
    /// transaction goes through a rollback journal instead of the WAL when this is the
    /// file's only connection, and the WAL comes back after it, committed or not. Through
    /// the WAL, each of its pages (3.7 GB at a million members) was written twice: into the
    /// WAL at the commit, then into the file by the checkpoint. A rollback journal holds
    /// only the pages the file had before (an empty store's few); the new ones go straight
    /// into the file. Another connection open on the file keeps the WAL (the switch needs
    /// the file alone): the work runs the same, only slower.
    ///
    /// On SQLite the foreign keys are not looked up row by row meanwhile (this connection's
    /// `foreign_keys` off for the transaction, on again after it, committed or not): the
    /// rows of a store filled from nothing name only rows the same work wrote (the demo's
    /// receipts their members, its entries their lots and receipts), and each of the demo's
    /// twenty million rows had looked up two or three others, its member at a random place
    /// in a million (docs/performance.md). Checking the whole store after would cost more
    /// than that saves; the demo's test checks its store with `foreign_key_check`.
    pub fn write_fresh<T, E>(
        &self,
        work: impl FnMut(&Transaction<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<StoreError> + Retryable,
    {
        let keys_off = match self.conn.as_sqlite() {
            Some(c) => c.pragma_update(None, "foreign_keys", "OFF").map(|_| true).map_err(|e| E::from(e.into()))?,
            None => false,
        };
        let switched = self.conn.as_sqlite().is_some_and(|c| {
            // Asked once, not waited for: another connection keeps the file in WAL.
            let _ = c.busy_timeout(std::time::Duration::ZERO);
            let mode = c.query_row("PRAGMA journal_mode = DELETE", (), |r| r.get::<_, String>(0));
            let _ = c.busy_timeout(BUSY_WAIT);
            mode.is_ok_and(|mode| mode.eq_ignore_ascii_case("delete"))
        });
        let out = self.write_bulk(work);
        if keys_off {
            let back = self.conn.execute_batch("PRAGMA foreign_keys = ON");
            if out.is_ok() {
                back.map_err(StoreError::from).map_err(E::from)?;
            }
        }
        if switched {
            let back = self.conn.query_row("PRAGMA journal_mode = WAL", (), |r| r.get::<_, String>(0));
            if out.is_ok() {
                back.map_err(StoreError::from).map_err(E::from)?;
            }
        }
        out
    }

    /// Sets this connection up for one large transaction (`on`), or back to the everyday
    /// settings. Only SQLite has any; a PostgreSQL server's are its own.
    ///
    /// - **The statement journal in memory.** Each insert into a table with a trigger, a
    ///   foreign key or `RETURNING` keeps the pages it changes that the transaction had
    ///   changed already, so that the one statement can be undone alone; by default past
    ///   64 KiB that journal is a temporary file, and writing it was a fifth of building the
    ///   demo store and a quarter of a members import (kernel write calls). It holds one
    ///   statement's pages: an insert's few.
    /// - **A larger page cache.** A transaction that changes more pages than the cache
    ///   holds spills them to the WAL before its commit and writes them again when it
    ///   changes them again (`pagerStress`: a sixth of a members import). 256 MB for the
    ///   load (or what the connection was given, if more); back to the everyday cache
    ///   after, which frees it.
    pub fn bulk_load(&self, on: bool) -> Result<()> {
        if self.conn.engine() != Engine::Sqlite {
            return Ok(());
        }
        let (temp_store, cache_kib) = if on {
            // A connection given a larger cache for the load already (the bench's demo
            // builder: 4 GB) keeps it; cutting it to 256 MB made that build 434 → 641 s.
            let now: i64 = self.conn.query_row("PRAGMA cache_size", (), |r| r.get(0))?;
            ("MEMORY", if now < 0 { (-now).max(BULK_CACHE_KIB) } else { BULK_CACHE_KIB })
        } else {
            ("DEFAULT", PAGE_CACHE_KIB)
        };
        self.conn.execute_batch(&format!("PRAGMA temp_store = {temp_store}; PRAGMA cache_size = -{cache_kib}"))?;
        Ok(())
    }

    /// The same, committed only when `commit` (a preview runs the whole operation and rolls
    /// it back).
    pub fn run<T, E>(
        &self,
        commit: bool,
        mut work: impl FnMut(&Transaction<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<StoreError> + Retryable,
    {
        let mut attempt = 0u32;
        loop {
            let alone = attempt >= ALONE_AFTER;
            let result = Transaction::begin_turn(&self.conn, locks::WRITE_TURN, alone)
                .map_err(|e| E::from(StoreError::Sql(e)))
                .and_then(|tx| {
                    let value = work(&tx)?;
                    if commit {
                        tx.commit().map_err(|e| E::from(StoreError::Sql(e)))?;
                    } else {
                        tx.rollback().map_err(|e| E::from(StoreError::Sql(e)))?;
                    }
                    Ok(value)
                });
            match result {
                Err(e) if e.is_conflict() && attempt < MAX_RETRIES => {
                    attempt += 1;
                    std::thread::sleep(backoff(attempt));
                }
                other => return other,
            }
        }
    }

    /// Runs `work` while holding the chain-wide lock `key` (PostgreSQL advisory lock, taken
    /// before the transaction starts so the transaction sees everything committed under
    /// the lock before). On SQLite the write transaction's own lock is the same thing.
    pub fn exclusive<T, E>(
        &self,
        key: i64,
        work: impl FnMut(&Transaction<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<StoreError> + Retryable,
    {
        if self.engine() == Engine::Sqlite {
            return self.write(work);
        }
        self.conn.execute("SELECT pg_advisory_lock(?1)", [key]).map_err(|e| E::from(e.into()))?;
        let result = self.write(work);
        let unlocked = self.conn.execute("SELECT pg_advisory_unlock(?1)", [key]);
        let value = result?;
        unlocked.map_err(|e| E::from(e.into()))?;
        Ok(value)
    }

    pub fn path(&self) -> Option<&Path> {
        match &self.location {
            Location::File(p) if p.as_os_str() != ":memory:" => Some(p),
            _ => None,
        }
    }

    /// Writes a consistent copy of the whole store to the data file `dest` (works while in
    /// use). For a server, the copy is a single-file store of the same schema, which
    /// [`Store::restore_from`] and `migrate` read back. A destination that cannot be
    /// written (its folder is a file, no permission) is `Unwritable`, never a database error.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        let unwritable = |detail: String| StoreError::Unwritable { path: dest.display().to_string(), detail };
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| unwritable(e.to_string()))?;
        }
        if dest.is_dir() {
            return Err(unwritable("这是一个文件夹".into()));
        }
        match std::fs::remove_file(dest) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(unwritable(e.to_string())),
            _ => {}
        }
        match self.conn.as_sqlite() {
            Some(c) => {
                // Written beside it, then renamed: a process stopped half-way (a second
                // start of the app closing, a power cut) never leaves a half backup that
                // counts as the day's.
                let partial = dest.with_extension("partial");
                let _ = std::fs::remove_file(&partial);
                if let Err(e) = c.execute("VACUUM INTO ?1", [partial.to_string_lossy()]) {
                    let _ = std::fs::remove_file(&partial);
                    return Err(unwritable(e.to_string()));
                }
                std::fs::rename(&partial, dest).map_err(|e| unwritable(e.to_string()))?;
            }
            None => {
                let partial = dest.with_extension("partial");
                let _ = std::fs::remove_file(&partial);
                std::fs::write(&partial, b"").map_err(|e| unwritable(e.to_string()))?;
                std::fs::remove_file(&partial).map_err(|e| unwritable(e.to_string()))?;
                let copied = Store::open(&partial).and_then(|mut target| copy::copy_store(self, &mut target));
                if let Err(e) = copied {
                    let _ = std::fs::remove_file(&partial);
                    return Err(e);
                }
                for suffix in ["-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", partial.display()));
                }
                std::fs::rename(&partial, dest).map_err(|e| unwritable(e.to_string()))?;
            }
        }
        Ok(())
    }

    /// Replaces the whole content of this store with the data file at `source`, which is
    /// checked first ([`verify_data_file`]). One step: on any failure the current content
    /// stays.
    pub fn restore_from(&mut self, source: &Path) -> Result<()> {
        let src = verify_data_file(source)?;
        match self.conn.as_sqlite_mut() {
            Some(conn) => {
                {
                    let backup = rusqlite::backup::Backup::new(&src, conn)?;
                    backup.run_to_completion(256, std::time::Duration::from_millis(0), None)?;
                }
                self.prepare()?;
            }
            None => {
                drop(src);
                let source_store = Store::open(source)?;
                copy::replace_contents(&source_store, self)?;
            }
        }
        Ok(())
    }
}

const MAX_RETRIES: u32 = 40;

/// SQLite's page cache of each open connection, in KiB. The desktop app holds two (the
/// writer and the reader) and the pages a lookup or a checkout reads are a few hundred KiB;
/// what misses is read from the operating system's file cache in microseconds. At 64 MB a
/// connection the app's memory grew with the file: 407–452 MB on the 1,000,000-member
/// store against 164 MB on a small one (docs/performance.md).
const PAGE_CACHE_KIB: i64 = 16_000;

/// Drops `table`'s indexes but those named in `keep` and those behind a constraint (its key,
/// its `UNIQUE` columns), inside the caller's transaction, for a bulk load to build again
/// once at its end (each in one sorted pass) instead of inserting into them row by row.
/// Returns the statements that build them again.
pub(crate) fn set_indexes_aside(conn: &Connection, table: &str, keep: &[&str]) -> Result<Vec<String>> {
    let sql = match conn.engine() {
        // A UNIQUE constraint's index has no SQL of its own.
        Engine::Sqlite => {
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL
             ORDER BY name"
        }
        Engine::Postgres => {
            "SELECT i.relname::text, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
             WHERE x.indrelid = CAST(?1 AS text)::regclass
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
             ORDER BY 1"
        }
    };
    let indexes = conn
        .prepare(sql)?
        .query_map([table], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<crate::db::Result<Vec<_>>>()?;
    let mut rebuild = Vec::new();
    for (name, sql) in indexes.into_iter().filter(|(name, _)| !keep.contains(&name.as_str())) {
        conn.execute_batch(&format!("DROP INDEX \"{name}\""))?;
        rebuild.push(sql);
    }
    Ok(rebuild)
}

/// Drops `table`'s foreign keys (PostgreSQL), and its primary key with `primary` (a table
/// no other table names), inside the caller's transaction, for a bulk load into an empty
/// store: each row of a `COPY` had its keys checked by a query of its own (38 % of the
/// server's time loading members, docs/performance.md); added back at the end, each key is
/// checked for all rows in one join, and a primary key is built in one sorted pass.
/// Returns the statements that add them back. SQLite checks no foreign key in a store
/// filled from nothing ([`Store::write_fresh`]), and keeps them otherwise: nothing is
/// dropped there.
pub(crate) fn set_keys_aside(conn: &Connection, table: &str, primary: bool) -> Result<Vec<String>> {
    if conn.engine() != Engine::Postgres {
        return Ok(Vec::new());
    }
    let keys = conn
        .prepare(
            "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint
             WHERE conrelid = CAST(?1 AS text)::regclass AND (contype = 'f' OR (contype = 'p' AND ?2))
             ORDER BY contype = 'f', 1",
        )?
        .query_map(params![table, primary], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<crate::db::Result<Vec<_>>>()?;
    let mut add_back = Vec::new();
    for (name, definition) in keys {
        conn.execute_batch(&format!("ALTER TABLE {table} DROP CONSTRAINT \"{name}\""))?;
        add_back.push(format!("ALTER TABLE {table} ADD CONSTRAINT \"{name}\" {definition}"));
    }
    Ok(add_back)
}

/// Runs the statements a set-aside returned ([`set_indexes_aside`],
/// [`set_keys_aside`]), each index built in one sorted pass. PostgreSQL sorts an
/// index of a million members in memory given 256 MB for it (64 MB by default), for this
/// transaction only.
pub(crate) fn build_again(conn: &Connection, statements: &[String]) -> Result<()> {
    if statements.is_empty() {
        return Ok(());
    }
    if conn.engine() == Engine::Postgres {
        conn.execute_batch("SET LOCAL maintenance_work_mem = '256MB'")?;
    }
    for sql in statements {
        conn.execute_batch(sql)?;
    }
    Ok(())
}

/// How long a SQLite connection waits for another's write before it gives up.
const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The page cache of one bulk load (an import, the demo's history), in KiB
/// ([`Store::bulk_load`]).
const BULK_CACHE_KIB: i64 = 256_000;

/// The background full check's page cache, in KiB: it reads every page once.
const CHECK_CACHE_KIB: i64 = 2_000;

/// After this many conflicts in a row, an operation's next attempts run alone: it waits
/// until the writes open at the moment end, and new ones wait for it. Under heavy
/// contention on a few members (six counters on three members, in the tests) an operation
/// could otherwise lose every retry to the others and fail with `StoreConflict`; alone it
/// cannot lose to another write of the store. Only the rare loser waits; the others keep
/// writing side by side.
const ALONE_AFTER: u32 = 3;

/// How long to wait before the `attempt`-th retry: growing, capped, with jitter so two
/// counters that collided do not collide again in step.
fn backoff(attempt: u32) -> std::time::Duration {
    use std::hash::{BuildHasher, Hasher};
    let jitter = std::collections::hash_map::RandomState::new().build_hasher().finish() % 1000;
    let base_us = (500u64 << attempt.min(6)).min(30_000);
    std::time::Duration::from_micros(base_us / 2 + (base_us / 2) * jitter / 1000)
}

/// Connects to a server without changing it (no migration): the server's version, or why
/// it cannot be reached. For the connection form's test.
pub fn test_server(url: &ServerUrl) -> Result<String> {
    let unreachable =
        |detail: String| StoreError::Unreachable { server: url.redacted(), detail: redact_password(&detail) };
    let mut config: tokio_postgres::Config =
        url.secret().parse().map_err(|e: tokio_postgres::Error| unreachable(e.to_string()))?;
    config.connect_timeout(std::time::Duration::from_secs(5));
    let conn =
        Connection::postgres(db::off_runtime(|| db::PgLink::connect(&config)).map_err(|e| unreachable(e.to_string()))?);
    let version: String = conn
        .query_row("SELECT current_setting('server_version')", (), |r| r.get(0))
        .map_err(|e| unreachable(e.to_string()))?;
    Ok(format!("PostgreSQL {version}"))
}

/// Runs `work` on an admin connection to the server of `base` (tests and benchmarks set up
/// their databases with it); any failure is `Unreachable`, without the password.
fn on_server<T>(base: &ServerUrl, work: impl FnOnce(&Connection) -> db::Result<T>) -> Result<T> {
    let unreachable =
        |detail: String| StoreError::Unreachable { server: base.redacted(), detail: redact_password(&detail) };
    let config: tokio_postgres::Config =
        base.secret().parse().map_err(|e: tokio_postgres::Error| unreachable(e.to_string()))?;
    let link = db::off_runtime(|| db::PgLink::connect(&config)).map_err(|e| unreachable(e.to_string()))?;
    work(&Connection::postgres(link)).map_err(|e| unreachable(e.to_string()))
}

/// A name the admin helpers put into SQL: lowercase ASCII letters, digits and `_`.
fn plain_name(name: &str) -> Result<&str> {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        Ok(name)
    } else {
        Err(StoreError::Migration(format!("name {name}")))
    }
}

/// A new, empty schema `name` on the server of `base` and the URL that works in it (its
/// `search_path`): a fresh database for each test or benchmark on one throwaway cluster.
pub fn create_schema(base: &ServerUrl, name: &str) -> Result<ServerUrl> {
    let name = plain_name(name)?;
    on_server(base, |c| c.execute_batch(&format!("DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}")))?;
    let sep = if base.secret().contains('?') { '&' } else { '?' };
    Ok(ServerUrl::new(&format!("{}{sep}options=-c%20search_path%3D{name}", base.secret())))
}

/// A new database `name` on the server of `base`, copied from the database `template`
/// when given (PostgreSQL copies it file by file, far faster than rows), and the URL that
/// works in it. An existing database of that name is dropped first. For benchmarks, which
/// need a fresh copy of a large store for each run.
pub fn create_database(base: &ServerUrl, name: &str, template: Option<&str>) -> Result<ServerUrl> {
    let name = plain_name(name)?;
    let from = template.map(plain_name).transpose()?.map(|t| format!(" TEMPLATE {t}")).unwrap_or_default();
    on_server(base, |c| {
        c.execute_batch(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
        c.execute_batch(&format!("CREATE DATABASE {name}{from}"))
    })?;
    Ok(base.with_database(name))
}

/// Renames the database `from` to `to` on the server of `base` (`to` is dropped first).
pub fn rename_database(base: &ServerUrl, from: &str, to: &str) -> Result<ServerUrl> {
    let (from, to) = (plain_name(from)?, plain_name(to)?);
    on_server(base, |c| {
        c.execute_batch(&format!("DROP DATABASE IF EXISTS {to} WITH (FORCE)"))?;
        c.execute_batch(&format!("ALTER DATABASE {from} RENAME TO {to}"))
    })?;
    Ok(base.with_database(to))
}

/// Whether the server of `base` has a database called `name`.
pub fn database_exists(base: &ServerUrl, name: &str) -> Result<bool> {
    on_server(base, |c| {
        Ok(c.query_row("SELECT count(*) FROM pg_database WHERE datname = ?1", [name], |r| r.get::<_, i64>(0))? > 0)
    })
}

/// Checks a file meant to be restored: it opens read-only, passes SQLite's full
/// `integrity_check` and `foreign_key_check`, and is a MemberDesk file this build can read.
/// Returns its open connection.
pub fn verify_data_file(source: &Path) -> Result<rusqlite::Connection> {
    {
        let shown = source.display().to_string();
        let src = rusqlite::Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| StoreError::Damaged { path: shown.clone(), detail: e.to_string() })?;
        check_full(&src, &shown)?;
        let version = src.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
        let has_members: bool = src
            .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'members'", (), |r| r.get::<_, i64>(0))
            .map(|n| n == 1)
            .unwrap_or(false);
        if version == 0 || !has_members {
            return Err(StoreError::Damaged { path: shown, detail: "不是会员台的数据文件".into() });
        }
        if version > schema_version_supported() {
            return Err(StoreError::TooNew { path: shown, found: version, supported: schema_version_supported() });
        }
        Ok(src)
    }
}

/// The page-by-page check of a data file (`quick_check`) on its own read-only connection,
/// for the background thread at start while the store is in use.
pub fn check_file(path: &Path) -> Result<()> {
    let shown = path.display().to_string();
    let conn =
        rusqlite::Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| StoreError::Damaged { path: shown.clone(), detail: e.to_string() })?;
    // It reads every page once, in order: a cache would only hold what it has passed.
    conn.pragma_update(None, "cache_size", -CHECK_CACHE_KIB)?;
    check_integrity(&conn, &shown, None)
}

/// What every open checks, in milliseconds whatever the size: the file is a database whose
/// schema reads, it is not shorter than its page count says (a truncated copy), and the
/// store's small tables of record (`store_meta`, `staff`) pass their page check.
fn check_structure(conn: &rusqlite::Connection, path: &Path, shown: &str) -> Result<()> {
    let damaged = |detail: String| StoreError::Damaged { path: shown.to_string(), detail };
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(|e| damaged(e.to_string()))?;
    let wal_empty = std::fs::metadata(format!("{}-wal", path.display())).map(|m| m.len() == 0).unwrap_or(true);
    if wal_empty {
        let pages: i64 =
            conn.pragma_query_value(None, "page_count", |r| r.get(0)).map_err(|e| damaged(e.to_string()))?;
        let size: i64 = conn.pragma_query_value(None, "page_size", |r| r.get(0)).map_err(|e| damaged(e.to_string()))?;
        let len = std::fs::metadata(path).map(|m| m.len() as i64).unwrap_or(0);
        if pages * size > len {
            return Err(damaged(format!("文件不完整：应有 {} 字节，实际只有 {len} 字节", pages * size)));
        }
    }
    for t in ["store_meta", "staff"] {
        if tables.iter().any(|n| n == t) {
            check_integrity(conn, shown, Some(t))?;
        }
    }
    Ok(())
}

/// `integrity_check` (pages, and indexes against their tables) and `foreign_key_check`.
fn check_full(conn: &rusqlite::Connection, shown: &str) -> Result<()> {
    let damaged = |detail: String| StoreError::Damaged { path: shown.to_string(), detail };
    let rows: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .and_then(|mut s| s.query_map([], |r| r.get::<_, String>(0))?.collect())
        .map_err(|e| damaged(e.to_string()))?;
    if !(rows.len() == 1 && rows[0] == "ok") {
        return Err(damaged(rows.into_iter().take(5).collect::<Vec<_>>().join("; ")));
    }
    let broken: Vec<String> = conn
        .prepare("PRAGMA foreign_key_check")
        .and_then(|mut s| {
            s.query_map([], |r| {
                Ok(format!(
                    "{} 第 {} 行引用的 {} 不存在",
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?.unwrap_or_default(),
                    r.get::<_, String>(2)?
                ))
            })?
            .collect()
        })
        .map_err(|e| damaged(e.to_string()))?;
    if !broken.is_empty() {
        return Err(damaged(broken.into_iter().take(5).collect::<Vec<_>>().join("; ")));
    }
    Ok(())
}

fn check_integrity(conn: &rusqlite::Connection, shown: &str, table: Option<&str>) -> Result<()> {
    let damaged = |detail: String| StoreError::Damaged { path: shown.to_string(), detail };
    let sql = match table {
        Some(t) => format!("PRAGMA quick_check({t})"),
        None => "PRAGMA quick_check".to_string(),
    };
    let mut stmt = conn.prepare(&sql).map_err(|e| damaged(e.to_string()))?;
    let rows: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(|e| damaged(e.to_string()))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| damaged(e.to_string()))?;
    if rows.len() == 1 && rows[0] == "ok" {
        Ok(())
    } else {
        Err(damaged(rows.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }

    #[test]
    fn both_engines_have_one_migration_per_version_and_the_copy_knows_every_table() {
        let sqlite = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/migrations")).unwrap().count();
        let pg = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/migrations_postgres")).unwrap().count();
        assert_eq!((sqlite, pg), (schema_version_supported(), schema_version_supported()));
        let store = Store::open_in_memory().unwrap();
        let mut tables = copy::schema_tables(store.conn()).unwrap();
        tables.sort();
        let mut listed: Vec<String> = copy::TABLES.iter().map(|t| t.to_string()).collect();
        listed.sort();
        assert_eq!(tables, listed, "copy::TABLES lists every table of the schema");
    }

    /// A bulk load's page cache and in-memory statement journal are for its run only: after
    /// it, and after one that failed, the connection is back at the everyday settings (the
    /// app's memory stays small however large the import was).
    #[test]
    fn a_bulk_load_gives_back_its_settings_whether_it_worked_or_not() {
        let store = Store::open_in_memory().unwrap();
        let settings = |store: &Store| {
            let c = store.conn().as_sqlite().unwrap();
            let cache: i64 = c.pragma_query_value(None, "cache_size", |r| r.get(0)).unwrap();
            let temp: i64 = c.pragma_query_value(None, "temp_store", |r| r.get(0)).unwrap();
            (cache, temp)
        };
        let everyday = settings(&store);
        assert_eq!(everyday, (-PAGE_CACHE_KIB, 0));
        let during = store.write_bulk(|_| Ok::<_, StoreError>(settings(&store))).unwrap();
        assert_eq!(during, (-BULK_CACHE_KIB, 2), "MEMORY is 2");
        assert_eq!(settings(&store), everyday);
        let failed = store.write_bulk(|_| Err::<(), _>(StoreError::Migration("refused".into())));
        assert!(failed.is_err());
        assert_eq!(settings(&store), everyday);
    }

    #[test]
    fn a_server_url_shows_without_its_password() {
        let url = ServerUrl::new("postgres://md:p%40ss@10.0.0.5:5432/shop");
        assert_eq!(url.to_string(), "postgres://md:***@10.0.0.5:5432/shop");
        assert!(url.has_password());
        assert_eq!(url.without_password().secret(), "postgres://md@10.0.0.5:5432/shop");
        assert_eq!(
            url.without_password().with_password("a b@c").secret(),
            "postgres://md:a%20b%40c@10.0.0.5:5432/shop"
        );
        assert_eq!(redact_password("无法连接 postgres://x:y@h/d：拒绝"), "无法连接 postgres://x:***@h/d：拒绝");
        assert_eq!(Location::parse("/tmp/a.db"), Location::File("/tmp/a.db".into()));
        assert_eq!(Location::parse("postgresql://h/d").engine(), Engine::Postgres);
    }

    #[test]
    fn a_garbage_file_is_reported_damaged_and_left_as_it_was() {
        let dir = std::env::temp_dir().join(format!("memberdesk-store-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("broken.db");
        let garbage = b"this is not a database, just some bytes written by mistake".repeat(100);
        std::fs::write(&path, &garbage).unwrap();
        let err = Store::open(&path).err().expect("a damaged file must not open");
        assert!(matches!(err, StoreError::Damaged { .. }), "{err:?}");
        assert_eq!(std::fs::read(&path).unwrap(), garbage, "never silently re-created");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_truncated_file_is_caught_at_open_and_scribbled_pages_by_the_full_check() {
        let dir = std::env::temp_dir().join(format!("memberdesk-store-trunc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.db");
        {
            let store = Store::open(&path).unwrap();
            let c = store.conn();
            c.execute_batch("CREATE TABLE filler (x TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
                INSERT INTO filler SELECT hex(randomblob(64)) FROM n; PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
        }
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        assert!(matches!(Store::open(&path), Err(StoreError::Damaged { .. })), "truncated");
        let mut scribbled = bytes.clone();
        let mid = bytes.len() / 2;
        scribbled[mid..mid + 4096].fill(0x5A);
        std::fs::write(&path, &scribbled).unwrap();
        let full = Store::open(&path).and_then(|s| s.check_integrity());
        assert!(matches!(full, Err(StoreError::Damaged { .. })), "{full:?}");
        assert!(matches!(check_file(&path), Err(StoreError::Damaged { .. })));
        assert_eq!(std::fs::read(&path).unwrap(), scribbled, "left as it was");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn upgrading_to_version_5_finds_each_members_first_and_last_sale() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        migrations().to_version(&mut conn, 4).unwrap();
        conn.execute_batch(
            "INSERT INTO staff (id, name, role, created_at) VALUES (1, 'x', 'manager', '2026-01-01 00:00:00');
             INSERT INTO members (id, member_no, name, gender, joined_on, referral_code, created_at, updated_at)
                 VALUES (1, 'M000001', '张三', 'F', '2026-01-01', 'R1', '', ''),
                        (2, 'M000002', '李四', 'M', '2026-01-01', 'R2', '', '');
             INSERT INTO receipts (id, receipt_no, kind, member_id, refund_of, gross_fen, paid_fen, multiplier, at,
                                   sale_date, staff_id, created_at) VALUES
                 (1, 'A', 'sale', 1, NULL, 100, 100, '1', '2026-03-02 10:00:00', '2026-03-02', 1, ''),
                 (2, 'B', 'sale', 1, NULL, 100, 100, '1', '2026-03-01 18:00:00', '2026-03-01', 1, ''),
                 (3, 'C', 'refund', 1, 1, 100, 100, '1', '2026-03-05 10:00:00', '2026-03-05', 1, '');",
        )
        .unwrap();
        // As Store::prepare does: table rebuilds run with foreign keys off, then checked.
        conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
        migrations().to_latest(&mut conn).unwrap();
        let read = |c: &rusqlite::Connection, id: i64| -> (Option<i64>, Option<String>) {
            c.query_row("SELECT first_sale_id, last_sale_date FROM members WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap()
        };
        assert_eq!(read(&conn, 1), (Some(2), Some("2026-03-02".into())), "a refund is no visit");
        assert_eq!(read(&conn, 2), (None, None));
        // From now on the trigger keeps them: a later sale, then one entered for an earlier day.
        conn.execute_batch(
            "INSERT INTO receipts (id, receipt_no, kind, member_id, gross_fen, paid_fen, multiplier, at, sale_date,
                                   staff_id, created_at) VALUES
                 (4, 'D', 'sale', 2, 100, 100, '1', '2026-04-01 10:00:00', '2026-04-01', 1, ''),
                 (5, 'E', 'sale', 2, 100, 100, '1', '2026-04-09 10:00:00', '2026-03-20', 1, '');",
        )
        .unwrap();
        assert_eq!(read(&conn, 2), (Some(5), Some("2026-04-01".into())));
    }

    #[test]
    fn upgrading_to_version_11_sums_the_sales_and_points_by_month() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        migrations().to_version(&mut conn, 10).unwrap();
        conn.execute_batch(
            "INSERT INTO members (id, member_no, name, gender, joined_on, referral_code, created_at, updated_at)
                 VALUES (1, 'M000001', '张三', 'F', '2026-01-01', 'R1', '', '');
             INSERT INTO receipts (id, receipt_no, kind, member_id, gross_fen, paid_fen, refunded_fen, multiplier, at,
                                   sale_date, staff_id, created_at) VALUES
                 (1, 'A', 'sale', 1, 30000, 30000, 0, '1', '2026-03-02 10:00:00', '2026-03-02', 1, ''),
                 (2, 'B', 'sale', 1, 10000, 10000, 10000, '1', '2026-03-20 18:00:00', '2026-03-20', 1, ''),
                 (3, 'C', 'sale', 1, 5000, 5000, 1000, '1', '2026-04-01 10:00:00', '2026-04-01', 1, '');
             INSERT INTO points_lots (member_id, receipt_id, source, earned_on, valid_until, points, remaining)
                 VALUES (1, 1, 'sale', '2026-03-02', '2027-03-31', 300, 300);
             INSERT INTO points_ledger (member_id, kind, points, balance_after, receipt_id, reason, on_date, created_at)
                 VALUES (1, 'earn', 300, 300, 1, '', '2026-03-02', ''), (1, 'redeem', -100, 200, NULL, '', '2026-04-05', '');",
        )
        .unwrap();
        conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
        migrations().to_latest(&mut conn).unwrap();
        let months: Vec<(String, i64, i64, Option<String>)> = conn
            .prepare("SELECT month, visits, net_fen, last_visit FROM sales_months ORDER BY month")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        // March: the sale refunded in full is no visit and not the last one.
        assert_eq!(
            months,
            vec![
                ("2026-03".into(), 1, 30000, Some("2026-03-02".into())),
                ("2026-04".into(), 1, 4000, Some("2026-04-01".into()))
            ]
        );
        let first: Option<String> =
            conn.query_row("SELECT first_sale_date FROM members WHERE id = 1", [], |r| r.get(0)).unwrap();
        assert_eq!(first.as_deref(), Some("2026-03-02"));
        let points: Vec<(String, String, i64)> = conn
            .prepare("SELECT month, kind, sum(points) FROM points_months GROUP BY 1, 2 ORDER BY 1, 2")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(
            points,
            vec![
                ("2026-03".into(), "earn".into(), 300),
                ("2026-03".into(), "lots".into(), 300),
                ("2026-04".into(), "redeem".into(), -100)
            ]
        );
    }

    /// Step 19 rebuilds the members table (its unique keys become named unique indexes):
    /// every member comes through as it was, the keys refuse a second member as before,
    /// and a sale still finds its member's first and last sale through the trigger.
    #[test]
    fn upgrading_to_version_19_keeps_every_member_and_each_unique_key() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        migrations().to_version(&mut conn, 18).unwrap();
        conn.execute_batch(
            "INSERT OR IGNORE INTO staff (id, name, role, created_at) VALUES (1, 'x', 'manager', '2026-01-01 00:00:00');
             INSERT INTO members (id, member_no, name, gender, phone, phone_last4, joined_on, referral_code,
                                  created_at, updated_at, points_balance, card_code, sv_principal_fen, notes)
                 VALUES (1, 'M000001', '张三', 'F', '13800000001', '0001', '2026-01-01', 'R1', 'a', 'b', 50,
                         '88000000000012', 1200, '爱喝绿茶'),
                        (2, 'M000002', '李四', 'M', NULL, NULL, '2026-01-02', 'R2', 'c', 'd', 0, NULL, 0, '');
             UPDATE members SET referred_by = 1 WHERE id = 2;
             INSERT INTO receipts (id, receipt_no, kind, member_id, gross_fen, paid_fen, multiplier, at, sale_date,
                                   staff_id, created_at)
                 VALUES (1, 'A', 'sale', 1, 100, 100, '1', '2026-03-02 10:00:00', '2026-03-02', 1, '');",
        )
        .unwrap();
        let rows = |c: &rusqlite::Connection| -> Vec<String> {
            let mut stmt = c.prepare("SELECT * FROM members ORDER BY id").unwrap();
            let n = stmt.column_count();
            stmt.query_map([], |r| {
                Ok((0..n).map(|i| format!("{:?}", r.get_ref(i).unwrap())).collect::<Vec<_>>().join("|"))
            })
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
        };
        let before = rows(&conn);
        conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
        migrations().to_latest(&mut conn).unwrap();
        assert_eq!(rows(&conn), before, "every member, every column, as it was");
        // A new member that repeats one key of member 1 or 2: phone, member number, referral code.
        let refused = |phone: &str, member_no: &str, code: &str| {
            conn.execute(
                "INSERT INTO members (member_no, name, gender, phone, joined_on, referral_code, created_at, updated_at)
                 VALUES (?1, '王五', 'F', ?2, '2026-01-03', ?3, '', '')",
                [member_no, phone, code],
            )
            .unwrap_err()
            .to_string()
        };
        assert!(refused("13800000001", "M000009", "R9").contains("UNIQUE constraint failed: members.phone"));
        assert!(refused("13800000009", "M000001", "R9").contains("UNIQUE constraint failed: members.member_no"));
        assert!(refused("13800000009", "M000009", "R2").contains("UNIQUE constraint failed: members.referral_code"));
        conn.execute(
            "INSERT INTO members (member_no, name, gender, phone, joined_on, referral_code, created_at, updated_at)
             VALUES ('M000003', '王五', 'F', NULL, '2026-01-03', 'R3', '', '')",
            [],
        )
        .expect("members without a phone are many");
        conn.execute(
            "INSERT INTO receipts (id, receipt_no, kind, member_id, gross_fen, paid_fen, multiplier, at, sale_date,
                                   staff_id, created_at)
             VALUES (2, 'B', 'sale', 2, 100, 100, '1', '2026-03-05 10:00:00', '2026-03-05', 1, '')",
            [],
        )
        .unwrap();
        let last: Option<String> =
            conn.query_row("SELECT last_sale_date FROM members WHERE id = 2", [], |r| r.get(0)).unwrap();
        assert_eq!(last.as_deref(), Some("2026-03-05"), "the sale trigger is back");
        let dangling: i64 = conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
        assert_eq!(dangling, 0);
    }

    /// Each `CHECK (…)` of a table's SQL, in order.
    fn checks_of(sql: &str) -> Vec<String> {
        let mut found = Vec::new();
        let mut rest = sql;
        while let Some(at) = rest.find("CHECK (") {
            let body = &rest[at + "CHECK (".len()..];
            let mut depth = 1;
            let end = body
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map(|(i, _)| i)
                .expect("a CHECK's parenthesis closes");
            found.push(body[..end].to_string());
            rest = &body[end..];
        }
        found
    }

    #[test]
    fn upgrading_to_version_20_allows_exactly_the_values_allowed_before_without_in_lists() {
        let dir = std::env::temp_dir().join(format!("memberdesk-store-v20-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("v19.db");
        let _ = std::fs::remove_file(&path);
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        migrations().to_version(&mut conn, 19).unwrap();
        conn.execute_batch(
            "INSERT OR IGNORE INTO staff (id, name, role, created_at) VALUES (1, 'x', 'manager', '2026-01-01 00:00:00');
             INSERT INTO members (id, member_no, name, gender, phone, joined_on, referral_code, created_at, updated_at,
                                  points_balance)
                 VALUES (1, 'M000001', '张三', 'F', '13800000001', '2026-01-01', 'R1', 'a', 'b', 50);
             INSERT INTO points_ledger (member_id, kind, points, balance_after, reason, on_date, created_at)
                 VALUES (1, 'bonus', 50, 50, '开卡', '2026-01-01', 'a');",
        )
        .unwrap();
        let tables = |c: &rusqlite::Connection| -> Vec<(String, String)> {
            c.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND sql IS NOT NULL ORDER BY name")
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(|r| r.unwrap())
                .collect()
        };
        let before = tables(&conn);
        // A second connection, open across the upgrade, must see the new schema.
        let other = rusqlite::Connection::open(&path).unwrap();
        other.query_row("SELECT count(*) FROM members", [], |r| r.get::<_, i64>(0)).unwrap();
        migrations().to_latest(&mut conn).unwrap();
        let after = tables(&conn);
        assert_eq!(before.len(), after.len());
        let mut rewritten = 0;
        for ((table, old), (_, new)) in before.iter().zip(&after) {
            let (old_checks, new_checks) = (checks_of(old), checks_of(new));
            assert_eq!(old_checks.len(), new_checks.len(), "{table}: every constraint kept");
            for (o, n) in old_checks.iter().zip(&new_checks) {
                let listed = n.split(" IN (").nth(1).map(|l| l.split(',').count()).unwrap_or(0);
                assert!(listed < 3, "{table}: an IN list of {listed} values is left: {n}");
                if o == n {
                    continue;
                }
                rewritten += 1;
                // The same verdict as before for each value allowed, and for values outside.
                let column = o.split_whitespace().next().unwrap();
                let mut values: Vec<String> = o.split('\'').skip(1).step_by(2).map(String::from).collect();
                values.extend(["x", "", "FM"].map(String::from));
                for v in values {
                    let verdict = |expr: &str| -> Option<bool> {
                        conn.query_row(&format!("SELECT {expr} FROM (SELECT ?1 AS {column})"), [&v], |r| r.get(0))
                            .unwrap()
                    };
                    assert_eq!(verdict(o), verdict(n), "{table}.{column} = {v:?}: {o} / {n}");
                }
            }
        }
        assert_eq!(rewritten, 13, "every IN list of three or more values");
        // The rows stand as they were and the constraints still refuse what they refused.
        let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(ok, "ok");
        let refused = |c: &rusqlite::Connection, sql: &str| c.execute(sql, []).unwrap_err().to_string();
        assert!(refused(&conn, "UPDATE members SET gender = 'X' WHERE id = 1").contains("CHECK constraint failed"));
        assert!(refused(&conn, "UPDATE members SET tier = 'gold' WHERE id = 1").contains("CHECK constraint failed"));
        assert!(refused(
            &other,
            "INSERT INTO points_ledger (member_id, kind, points, balance_after, reason, on_date, created_at)
             VALUES (1, 'gift', 5, 55, '', '2026-01-02', 'a')"
        )
        .contains("CHECK constraint failed"));
        let seen: String =
            other.query_row("SELECT sql FROM sqlite_schema WHERE name = 'members'", [], |r| r.get(0)).unwrap();
        assert!(seen.contains("gender = 'F' OR gender = 'M' OR gender = 'unknown'"), "{seen}");
        other
            .execute(
                "INSERT INTO members (member_no, name, gender, joined_on, referral_code, created_at, updated_at, tier)
                 VALUES ('M000002', '李四', 'unknown', '2026-01-02', 'R2', '', '', 'loyal')",
                [],
            )
            .expect("each value allowed before is allowed");
        drop((conn, other));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn upgrading_to_version_6_keeps_the_staff_and_adds_the_command_line_account() {
        let dir = std::env::temp_dir().join(format!("memberdesk-store-v6-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("v5.db");
        let _ = std::fs::remove_file(&path);
        {
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            migrations().to_version(&mut conn, 5).unwrap();
            conn.execute_batch(
                "INSERT INTO staff (id, name, role, created_at) VALUES (1, '店长', 'manager', '2026-01-01 00:00:00');
                 INSERT INTO audit_log (at, staff_id, action, entity, entity_id) VALUES ('2026-01-01 00:00:00', 1, 'member.enroll', 'member', 'M000001');",
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let rows = staff::list(store.conn()).unwrap();
        assert_eq!((rows.len(), rows[0].name.as_str(), rows[0].role), (1, "店长", loyalty::Role::Manager));
        assert_eq!(staff::command_line_account(store.conn()).unwrap().unwrap().name, "命令行");
        let member: Option<String> =
            store.conn().query_row("SELECT member_no FROM audit_log", (), |r| r.get(0)).unwrap();
        assert_eq!(member.as_deref(), Some("M000001"), "old entries are filed under their member");
        let fk: i64 = store.conn().query_row("PRAGMA foreign_keys", (), |r| r.get(0)).unwrap();
        assert_eq!(fk, 1, "foreign keys are on again after the migrations");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn ledger_and_audit_are_append_only() {
        let store = Store::open_in_memory().unwrap();
        let c = store.conn();
        c.execute("INSERT INTO audit_log (at, action, entity) VALUES ('2026-01-01 00:00:00', 'x', 'y')", ()).unwrap();
        assert!(c.execute("DELETE FROM audit_log", ()).is_err());
        assert!(c.execute("UPDATE audit_log SET action = 'z'", ()).is_err());
    }
}
