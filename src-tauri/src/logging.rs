//! The support log: `tracing` into a daily file in the data folder's `logs/`
//! (`memberdesk.YYYY-MM-DD.log`, the 14 newest kept). Both doors log their start, the store
//! date and bringing the store up, the daily backup, and every error with its code (a
//! refusal of the user's input as a warning, an `internal` one as an error).
//!
//! **Nothing logged names a PIN, a password or a full phone number**: messages go through
//! [`scrub`] (phone numbers keep their first 3 and last 4 digits, a server URL loses its
//! password), and no caller logs a command's arguments.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// How many daily files are kept.
pub const KEPT_FILES: usize = 14;
/// How many lines "copy for support" takes.
pub const TAIL_LINES: usize = 200;
const PREFIX: &str = "memberdesk";
const SUFFIX: &str = "log";

static FOLDER: OnceLock<PathBuf> = OnceLock::new();

/// The data folder's log folder: beside the data file, or in the app's folder for a shared
/// server.
pub fn folder_for(location: &store::Location) -> PathBuf {
    match location {
        store::Location::File(file) => {
            file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).join("logs")
        }
        store::Location::Server(_) => crate::clock::app_folder().join("logs"),
    }
}

/// Where this process logs, once [`init`] ran.
pub fn folder() -> Option<&'static Path> {
    FOLDER.get().map(PathBuf::as_path)
}

/// Log lines carry the store's time (UTC+8), as every other time the staff see.
struct StoreTime;

impl tracing_subscriber::fmt::time::FormatTime for StoreTime {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        write!(w, "{}", crate::clock::store_now().format("%Y-%m-%d %H:%M:%S%.3f"))
    }
}

/// Starts logging into `folder` (made if missing). A folder that cannot be written leaves
/// the process without a log rather than stopping it; only the first call counts.
pub fn init(folder: &Path) {
    if FOLDER.get().is_some() {
        return;
    }
    if std::fs::create_dir_all(folder).is_err() {
        return;
    }
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(PREFIX)
        .filename_suffix(SUFFIX)
        .max_log_files(KEPT_FILES)
        .build(folder);
    let Ok(appender) = appender else { return };
    let subscriber = tracing_subscriber::fmt()
        .with_writer(appender)
        .with_ansi(false)
        .with_target(false)
        .with_timer(StoreTime)
        .with_max_level(tracing::Level::INFO)
        .finish();
    if tracing::subscriber::set_global_default(subscriber).is_ok() {
        let _ = FOLDER.set(folder.to_path_buf());
    }
}

/// Logs an operation's error with its code: `internal` as an error, the rest (the user's
/// input refused, a rule saying no) as a warning.
pub fn error(during: &str, e: &desk::DeskError) {
    let message = scrub(&e.message);
    if e.code == desk::ErrorCode::Internal {
        tracing::error!(code = e.code.as_str(), "{during}: {message}");
    } else {
        tracing::warn!(code = e.code.as_str(), "{during}: {message}");
    }
}

/// Logs a line of the app's own life (start, store date, bring-up, backups).
pub fn info(message: &str) {
    tracing::info!("{}", scrub(message));
}

/// `message` with every phone number shortened to its first 3 and last 4 digits
/// (`138****5678`) and every server URL's password replaced by `***`. A phone is 11 digits
/// (rules §2), perhaps after `86` and written with spaces or dashes: any run of 11 or more
/// digits, single spaces and dashes between them allowed, keeps only its first 3 and last 4
/// digits (card codes too). Shorter numbers (receipts, amounts, last 4) stay as they are.
pub fn scrub(message: &str) -> String {
    let chars: Vec<char> = message.chars().collect();
    let mut out = String::with_capacity(message.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // The run: digits, with single separators between two digits.
        let start = i;
        let mut end = i;
        while end < chars.len() {
            if chars[end].is_ascii_digit() {
                end += 1;
            } else if matches!(chars[end], ' ' | '-') && chars.get(end + 1).is_some_and(char::is_ascii_digit) {
                end += 1;
            } else {
                break;
            }
        }
        let run = &chars[start..end];
        let digits = run.iter().filter(|c| c.is_ascii_digit()).count();
        let mut seen = 0;
        for &c in run {
            if c.is_ascii_digit() {
                seen += 1;
                out.push(if digits >= 11 && seen > 3 && seen <= digits - 4 { '*' } else { c });
            } else {
                out.push(c);
            }
        }
        i = end;
    }
    store::redact_password(&out)
}

/// The last `lines` lines of the log, oldest first, across the newest files (for the
/// manager to copy to support).
pub fn tail(folder: &Path, lines: usize) -> std::io::Result<Vec<String>> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(folder) {
        Ok(dir) => dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX))
            })
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    // memberdesk.2026-12-02.log: the names sort by date.
    files.sort();
    let mut out: Vec<String> = Vec::new();
    for file in files.iter().rev() {
        let text = std::fs::read_to_string(file)?;
        let mut these: Vec<String> = text.lines().map(str::to_string).collect();
        these.append(&mut out);
        out = these;
        if out.len() >= lines {
            break;
        }
    }
    let skip = out.len().saturating_sub(lines);
    Ok(out.split_off(skip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_and_passwords_never_reach_the_log() {
        assert_eq!(scrub("手机号 13800001234 已被会员 M000012 使用"), "手机号 138****1234 已被会员 M000012 使用");
        assert_eq!(scrub("+86 138-0000-1234 重复"), "+86 1**-****-1234 重复");
        assert_eq!(scrub("8613800001234"), "861******1234");
        assert_eq!(scrub("尾号 1234，共 3 位，金额 128.50"), "尾号 1234，共 3 位，金额 128.50");
        assert_eq!(scrub("小票 R123456 已退"), "小票 R123456 已退");
        assert_eq!(
            scrub("无法连接 postgres://md:s3cret@10.0.0.5:5432/shop：超时"),
            "无法连接 postgres://md:***@10.0.0.5:5432/shop：超时"
        );
        assert_eq!(scrub("postgres://md@host/db"), "postgres://md@host/db");
    }

    #[test]
    fn the_tail_reads_back_across_days_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("memberdesk.2026-12-01.log"), "a1\na2\na3\n").unwrap();
        std::fs::write(dir.path().join("memberdesk.2026-12-02.log"), "b1\nb2\n").unwrap();
        std::fs::write(dir.path().join("other.txt"), "x\n").unwrap();
        assert_eq!(tail(dir.path(), 3).unwrap(), ["a3", "b1", "b2"]);
        assert_eq!(tail(dir.path(), 10).unwrap(), ["a1", "a2", "a3", "b1", "b2"]);
        assert!(tail(&dir.path().join("none"), 5).unwrap().is_empty());
    }
}
