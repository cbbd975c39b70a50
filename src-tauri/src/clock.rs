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

pub const BRANCH_ENV: &str = "MEMBERDESK_BRANCH";
pub const COUNTER_ENV: &str = "MEMBERDESK_COUNTER";
/// The shared server's password when the URL carries none (so it stays out of scripts'
/// command lines and the desk's settings file).
pub const DB_PASSWORD_ENV: &str = "MEMBERDESK_DB_PASSWORD";

/// An environment variable's value, when set and not blank.
pub fn env_text(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Where the store is: `--db` (a path or a `postgres://` URL), else `MEMBERDESK_DB`, else
/// the app's own data file.
pub fn store_location(db: Option<&str>) -> store::Location {
    let location = match db.filter(|d| !d.trim().is_empty()) {
        Some(d) => store::Location::parse(d),
        None => match env_text(DB_ENV) {
            Some(d) => store::Location::parse(&d),
            None => store::Location::File(app_data_file()),
        },
    };
    with_env_password(location)
}

/// A server URL without a password gets `MEMBERDESK_DB_PASSWORD`'s, when set.
pub fn with_env_password(location: store::Location) -> store::Location {
    match location {
        store::Location::Server(url) if !url.has_password() => match std::env::var(DB_PASSWORD_ENV) {
            Ok(p) if !p.is_empty() => store::Location::Server(url.with_password(&p)),
            _ => store::Location::Server(url),
        },
        other => other,
    }
}

/// The app's own folder (`<OS data folder>/MemberDesk`).
pub fn app_folder() -> std::path::PathBuf {
    dirs::data_dir().unwrap_or_else(|| ".".into()).join("MemberDesk")
}

fn app_data_file() -> std::path::PathBuf {
    app_folder().join("memberdesk.db")
}

/// Where this PC keeps its copies of a shared server (`backups-shared` in the app's folder).
pub fn shared_backup_folder() -> std::path::PathBuf {
    app_folder().join("backups-shared")
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
