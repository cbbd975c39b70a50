//! The PostgreSQL schema: its append-only migrations (`migrations_postgres/`, numbered as
//! SQLite's `migrations/`: after migration N both engines have the same tables, columns and
//! constraints) and the runner that applies them. The version is kept in
//! `schema_migrations`; migrations run one counter at a time under an advisory lock, each in
//! its own transaction.

use crate::db::Connection;
use crate::{locks, schema_version_supported, Result, StoreError};

const MIGRATIONS: [&str; 20] = [
    include_str!("migrations_postgres/0001_foundation.sql"),
    include_str!("migrations_postgres/0002_tiers.sql"),
    include_str!("migrations_postgres/0003_coupons.sql"),
    include_str!("migrations_postgres/0004_contacts.sql"),
    include_str!("migrations_postgres/0005_contact_speed.sql"),
    include_str!("migrations_postgres/0006_staff_sign_in.sql"),
    include_str!("migrations_postgres/0007_branches.sql"),
    include_str!("migrations_postgres/0008_figures.sql"),
    include_str!("migrations_postgres/0009_screening_and_merge.sql"),
    include_str!("migrations_postgres/0010_figures_speed.sql"),
    include_str!("migrations_postgres/0011_figures_summaries.sql"),
    include_str!("migrations_postgres/0012_member_cards.sql"),
    include_str!("migrations_postgres/0013_stored_value.sql"),
    include_str!("migrations_postgres/0014_stored_value_payments.sql"),
    include_str!("migrations_postgres/0015_pinyin_order.sql"),
    include_str!("migrations_postgres/0016_name_pieces.sql"),
    include_str!("migrations_postgres/0017_window_reads.sql"),
    include_str!("migrations_postgres/0018_lookups_in_member_order.sql"),
    include_str!("migrations_postgres/0019_member_keys_as_indexes.sql"),
    include_str!("migrations_postgres/0020_checks_without_in_lists.sql"),
];

/// The version the database is at (0: a new, empty database).
pub(crate) fn version(conn: &Connection) -> Result<usize> {
    let exists: bool = conn.query_row("SELECT to_regclass('schema_migrations') IS NOT NULL", (), |r| r.get(0))?;
    if !exists {
        return Ok(0);
    }
    let v: i64 = conn.query_row("SELECT coalesce(max(version), 0) FROM schema_migrations", (), |r| r.get(0))?;
    Ok(v as usize)
}

pub(crate) fn migrate(conn: &Connection, shown: &str) -> Result<()> {
    debug_assert_eq!(MIGRATIONS.len(), schema_version_supported());
    // Fast path: a database at this build's version is opened without taking any lock.
    let found = version(conn)?;
    if found > MIGRATIONS.len() {
        return Err(StoreError::TooNew { path: shown.to_string(), found, supported: MIGRATIONS.len() });
    }
    if found == MIGRATIONS.len() {
        return Ok(());
    }
    conn.execute("SELECT pg_advisory_lock(?1)", [locks::MIGRATIONS])?;
    let result = apply_pending(conn, shown);
    let _ = conn.execute("SELECT pg_advisory_unlock(?1)", [locks::MIGRATIONS]);
    result
}

fn apply_pending(conn: &Connection, shown: &str) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )?;
    let found = version(conn)?;
    if found > MIGRATIONS.len() {
        return Err(StoreError::TooNew { path: shown.to_string(), found, supported: MIGRATIONS.len() });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found) {
        let n = i + 1;
        let step = || -> std::result::Result<(), crate::db::Error> {
            conn.execute_batch("BEGIN")?;
            conn.execute_batch(sql)?;
            conn.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (?1, now()::text)", [n as i64])?;
            conn.execute_batch("COMMIT")
        };
        if let Err(e) = step() {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(StoreError::Migration(format!("第 {n} 步：{e}")));
        }
    }
    Ok(())
}
