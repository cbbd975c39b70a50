//! Backups and restore (rules §12): a consistent copy of the data file on demand or once a
//! day (the last 14 daily ones kept); a restore checks the file first and keeps a copy of
//! the current data before replacing it.

use crate::{Ctx, Desk, DeskError, DeskResult, ErrorCode, Operation};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How many automatic daily backups are kept.
pub const DAILY_BACKUPS_KEPT: usize = 14;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupReport {
    pub file: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestoreReport {
    pub restored_from: String,
    pub previous_data_kept_at: Option<String>,
    pub members: i64,
}

/// The backup folder beside a data file.
pub fn backup_dir(data_file: &Path) -> PathBuf {
    data_file.parent().unwrap_or(Path::new(".")).join("backups")
}

/// The outcome of the last daily backup, kept in the data file so that a failure shows on
/// the manager's screen and in `status` instead of vanishing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyBackupState {
    pub date: NaiveDate,
    pub at: String,
    pub ok: bool,
    pub file: Option<String>,
    pub message: Option<String>,
}

impl Desk {
    /// Where backups go: the folder set by [`Desk::set_backup_folder`], else the `backups`
    /// folder beside the data file. A shared server's backups (single-file copies of the
    /// whole store) go to the folder the door sets, on the PC that makes them.
    pub fn backup_folder(&self) -> Option<PathBuf> {
        self.backup_folder.clone().or_else(|| self.store.path().map(backup_dir))
    }

    pub fn set_backup_folder(&mut self, dir: PathBuf) {
        self.backup_folder = Some(dir);
    }

    /// The full check: every page, every index against its table, every reference.
    pub fn check_integrity(&self) -> DeskResult<()> {
        Ok(self.store.check_integrity()?)
    }

    /// Writes a backup to `dest`, or into the backup folder with a timestamped name.
    pub fn backup(&self, ctx: &Ctx, dest: Option<&Path>) -> DeskResult<BackupReport> {
        ctx.require(Operation::Backup)?;
        let dest = match dest {
            Some(d) => d.to_path_buf(),
            None => {
                let dir = self.backup_folder().ok_or_else(|| {
                    DeskError::new(ErrorCode::InvalidInput, "这个数据库没有默认备份位置，请用 --out 指定文件")
                })?;
                dir.join(format!("memberdesk-{}.db", ctx.now.format("%Y%m%d-%H%M%S")))
            }
        };
        // A backup of a damaged file would hide the damage: check first.
        self.check_integrity()?;
        self.store.backup_to(&dest)?;
        let bytes = std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0);
        Ok(BackupReport { file: dest.display().to_string(), bytes })
    }

    /// The automatic backup of the day: made once per store date (after the full check),
    /// the last 14 kept. Its outcome, failure included, is recorded in the data file.
    pub fn daily_backup(&self, ctx: &Ctx) -> DeskResult<Option<BackupReport>> {
        let Some(dir) = self.backup_folder() else { return Ok(None) };
        let name = format!("daily-{}.db", ctx.store_date.format("%Y%m%d"));
        if dir.join(&name).exists() {
            return Ok(None);
        }
        let made = self.check_integrity().and_then(|()| Ok(self.store.backup_to(&dir.join(&name))?));
        let state = DailyBackupState {
            date: ctx.store_date,
            at: ctx.now_text(),
            ok: made.is_ok(),
            file: made.is_ok().then(|| dir.join(&name).display().to_string()),
            message: made.as_ref().err().map(|e| e.message.clone()),
        };
        let json = serde_json::to_string(&state).map_err(|e| DeskError::new(ErrorCode::Internal, e.to_string()))?;
        store::meta::set(self.store.conn(), DAILY_BACKUP_KEY, &json)?;
        made?;
        let mut dailies: Vec<PathBuf> =
            std::fs::read_dir(&dir).map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
        dailies.retain(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("daily-")));
        dailies.sort();
        while dailies.len() > DAILY_BACKUPS_KEPT {
            let _ = std::fs::remove_file(dailies.remove(0));
        }
        let path = dir.join(name);
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        Ok(Some(BackupReport { file: path.display().to_string(), bytes }))
    }

    /// The last daily backup's outcome, if one was tried.
    pub fn last_daily_backup(&self) -> DeskResult<Option<DailyBackupState>> {
        Ok(store::meta::get(self.store.conn(), DAILY_BACKUP_KEY)?.and_then(|j| serde_json::from_str(&j).ok()))
    }

    /// Replaces the data with a backup file. The file is fully checked first (a refused
    /// file leaves nothing behind); then the current data is kept as a copy in the backup
    /// folder, and replaced.
    pub fn restore(&mut self, ctx: &Ctx, source: &Path) -> DeskResult<RestoreReport> {
        ctx.require(Operation::Restore)?;
        if !source.is_file() {
            return Err(DeskError::new(ErrorCode::FileUnreadable, format!("找不到备份文件 {}", source.display())));
        }
        drop(store::verify_data_file(source)?);
        let kept = match self.backup_folder() {
            Some(dir) => {
                let copy = dir.join(format!("before-restore-{}.db", ctx.now.format("%Y%m%d-%H%M%S")));
                self.store.backup_to(&copy)?;
                Some(copy.display().to_string())
            }
            None => None,
        };
        self.store.restore_from(source)?;
        self.reload_settings()?;
        let members = store::members::count(self.store.conn())?;
        crate::audit(self.store.conn(), ctx, "restore", "store", None, None, Some(&source.display().to_string()))?;
        Ok(RestoreReport { restored_from: source.display().to_string(), previous_data_kept_at: kept, members })
    }
}

const DAILY_BACKUP_KEY: &str = "daily_backup";
