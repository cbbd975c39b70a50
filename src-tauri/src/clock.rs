//! The store's clock: the only place that reads the wall clock. The store date is the
//! calendar date in China (UTC+8 all year), or `MEMBERDESK_TODAY` when set; every rule
//! receives it as an input.

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};

pub const TODAY_ENV: &str = "MEMBERDESK_TODAY";
pub const DB_ENV: &str = "MEMBERDESK_DB";

/// Now in store time (UTC+8).
pub fn store_now() -> NaiveDateTime {
    (Utc::now() + Duration::hours(8)).naive_utc()
}

/// The store date from `MEMBERDESK_TODAY`, if set. `Err` when it is set but not a date.
pub fn date_from_env() -> Result<Option<NaiveDate>, String> {
    match std::env::var(TODAY_ENV) {
        Ok(v) if !v.trim().is_empty() => {
            loyalty::store_date::parse_date(&v).map(Some).map_err(|e| format!("{TODAY_ENV}：{e}"))
        }
        _ => Ok(None),
    }
}

/// "Now" on a given store date: that date with the time of day of the clock (so a
/// scripted `--today` still orders receipts by the real time of day).
pub fn now_on(date: NaiveDate) -> NaiveDateTime {
    date.and_time(store_now().time())
}

/// The default data file: `<OS data folder>/MemberDesk/memberdesk.db`, or `MEMBERDESK_DB`.
pub fn default_data_file() -> std::path::PathBuf {
    if let Ok(p) = std::env::var(DB_ENV) {
        if !p.trim().is_empty() {
            return p.into();
        }
    }
    dirs::data_dir().unwrap_or_else(|| ".".into()).join("MemberDesk").join("memberdesk.db")
}
