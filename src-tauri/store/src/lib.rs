//! MemberDesk's SQLite store: the one data file, opened with its PRAGMAs (WAL, foreign
//! keys, busy timeout), checked at open, migrated by append-only migrations, and a module
//! per table. All SQL of the product lives in this crate; it holds no business rules.

pub mod audit;
pub mod catalog;
pub mod contacts;
pub mod coupons;
pub mod interactions;
pub mod ledger;
pub mod lots;
pub mod members;
pub mod meta;
pub mod receipts;
pub mod settings;
pub mod sms_batches;
pub mod staff;
pub mod tiers;

use rusqlite::{Connection, OpenFlags, Transaction};
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
    #[error("数据库错误：{0}")]
    Sql(#[from] rusqlite::Error),
    #[error("数据库升级失败：{0}")]
    Migration(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A text column read as a typed value (a tier, a gender, a coupon kind…), parsed once
/// here: a value this build does not know is an error naming it, never a silent default.
pub(crate) fn typed<T>(r: &rusqlite::Row<'_>, idx: usize, parse: impl Fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let text = r.get_ref(idx)?.as_str()?;
    parse(text).ok_or_else(|| unknown_value(idx, text))
}

/// The same for a column that may be NULL.
pub(crate) fn typed_opt<T>(
    r: &rusqlite::Row<'_>,
    idx: usize,
    parse: impl Fn(&str) -> Option<T>,
) -> rusqlite::Result<Option<T>> {
    match r.get_ref(idx)?.as_str_or_null()? {
        None => Ok(None),
        Some(text) => parse(text).map(Some).ok_or_else(|| unknown_value(idx, text)),
    }
}

fn unknown_value(idx: usize, text: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        idx,
        rusqlite::types::Type::Text,
        format!("数据文件中有本程序不认识的值“{text}”").into(),
    )
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
    ])
}

/// Number of schema versions this build knows.
pub fn schema_version_supported() -> usize {
    6
}

/// The open data file.
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
}

impl Store {
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
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::Unopenable { path: shown.clone(), detail: e.to_string() })?;
        let damaged = |e: rusqlite::Error| StoreError::Damaged { path: shown.clone(), detail: e.to_string() };
        conn.pragma_update(None, "journal_mode", "WAL").map_err(damaged)?;
        check_structure(&conn, path, &shown)?;
        let mut store = Store { conn, path: Some(path.to_path_buf()) };
        store.prepare(&shown)?;
        Ok(store)
    }

    /// An empty store in memory with every migration applied (tests).
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        let mut store = Store { conn, path: None };
        store.prepare(":memory:")?;
        Ok(store)
    }

    fn prepare(&mut self, shown: &str) -> Result<()> {
        // Migrations that rebuild a table run with foreign keys off (SQLite's documented
        // procedure); each is checked with `foreign_key_check` before it commits.
        self.conn.pragma_update(None, "foreign_keys", "OFF")?;
        // FULL: a committed checkout survives a power cut, not only a crash.
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.busy_timeout(std::time::Duration::from_secs(5))?;
        self.conn.pragma_update(None, "cache_size", -64_000)?;
        let found = self.conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
        if found > schema_version_supported() {
            return Err(StoreError::TooNew { path: shown.to_string(), found, supported: schema_version_supported() });
        }
        migrations().to_latest(&mut self.conn).map_err(|e| StoreError::Migration(e.to_string()))?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(())
    }

    /// The full check: SQLite's `integrity_check` (every page, and every index against
    /// its table) and `foreign_key_check`. Seconds on a large store.
    pub fn check_integrity(&self) -> Result<()> {
        let shown = self.path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
        check_full(&self.conn, &shown)
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Starts the one transaction of an operation (IMMEDIATE: it takes the write lock at
    /// once, so two writers never both read-then-write).
    pub fn transaction(&mut self) -> Result<Transaction<'_>> {
        Ok(self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
    }

    /// A transaction that reads first and takes the write lock only at its first write
    /// (DEFERRED): a long check of an import holds no lock. If another connection committed
    /// in between, that first write fails busy (never on a stale read), and the caller
    /// starts again with [`Store::transaction`].
    pub fn read_first_transaction(&mut self) -> Result<Transaction<'_>> {
        Ok(self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Deferred)?)
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Writes a consistent copy of the whole file to `dest` (works while in use).
    /// A destination that cannot be written (its folder is a file, no permission) is
    /// `Unwritable`, never a database error.
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
        self.conn.execute("VACUUM INTO ?1", [dest.to_string_lossy()]).map_err(|e| unwritable(e.to_string()))?;
        Ok(())
    }

    /// Replaces the whole content of this store with the data file at `source`, which is
    /// checked first ([`verify_data_file`]). One step: on any failure the current content
    /// stays.
    pub fn restore_from(&mut self, source: &Path) -> Result<()> {
        let src = verify_data_file(source)?;
        {
            let backup = rusqlite::backup::Backup::new(&src, &mut self.conn)?;
            backup.run_to_completion(256, std::time::Duration::from_millis(0), None)?;
        }
        let shown_self = self.path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
        self.prepare(&shown_self)?;
        Ok(())
    }
}

/// Checks a file meant to be restored: it opens read-only, passes SQLite's full
/// `integrity_check` and `foreign_key_check`, and is a MemberDesk file this build can read.
/// Returns its open connection.
pub fn verify_data_file(source: &Path) -> Result<Connection> {
    {
        let shown = source.display().to_string();
        let src = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| StoreError::Damaged { path: shown.clone(), detail: e.to_string() })?;
        check_full(&src, &shown)?;
        let version = src.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
        let has_members: bool = src
            .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'members'", [], |r| r.get::<_, i64>(0))
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
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| StoreError::Damaged { path: shown.clone(), detail: e.to_string() })?;
    conn.pragma_update(None, "cache_size", -64_000)?;
    check_integrity(&conn, &shown, None)
}

/// What every open checks, in milliseconds whatever the size: the file is a database whose
/// schema reads, it is not shorter than its page count says (a truncated copy), and the
/// store's small tables of record (`store_meta`, `staff`) pass their page check.
fn check_structure(conn: &Connection, path: &Path, shown: &str) -> Result<()> {
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
fn check_full(conn: &Connection, shown: &str) -> Result<()> {
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

fn check_integrity(conn: &Connection, shown: &str, table: Option<&str>) -> Result<()> {
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
        let mut conn = Connection::open_in_memory().unwrap();
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
        let read = |c: &Connection, id: i64| -> (Option<i64>, Option<String>) {
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
    fn upgrading_to_version_6_keeps_the_staff_and_adds_the_command_line_account() {
        let dir = std::env::temp_dir().join(format!("memberdesk-store-v6-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("v5.db");
        let _ = std::fs::remove_file(&path);
        {
            let mut conn = Connection::open(&path).unwrap();
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
            store.conn().query_row("SELECT member_no FROM audit_log", [], |r| r.get(0)).unwrap();
        assert_eq!(member.as_deref(), Some("M000001"), "old entries are filed under their member");
        let fk: i64 = store.conn().pragma_query_value(None, "foreign_keys", |r| r.get(0)).unwrap();
        assert_eq!(fk, 1, "foreign keys are on again after the migrations");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn ledger_and_audit_are_append_only() {
        let store = Store::open_in_memory().unwrap();
        let c = store.conn();
        c.execute("INSERT INTO audit_log (at, action, entity) VALUES ('2026-01-01 00:00:00', 'x', 'y')", []).unwrap();
        assert!(c.execute("DELETE FROM audit_log", []).is_err());
        assert!(c.execute("UPDATE audit_log SET action = 'z'", []).is_err());
    }
}
