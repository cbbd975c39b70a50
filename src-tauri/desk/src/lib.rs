//! MemberDesk's operations: what staff do — open the store day, enrol, look up, check out,
//! refund, adjust, import, export, back up. Each operation is one transaction (SQLite or
//! PostgreSQL, retried inside when counters collide) that
//! takes the store date and the acting staff member as inputs, applies the `loyalty` rules
//! and writes through the `store` layer. The desktop commands and the CLI both call these
//! functions and nothing else.

pub mod backup;
pub mod branches;
pub mod checkout;
pub mod contacts;
pub mod coupons;
pub mod demo;
pub mod error;
pub mod export;
pub mod figures;
pub mod import;
pub mod interactions;
pub mod members;
pub mod merge;
mod pin_hash;
mod points;
pub mod print;
pub mod screening;
pub mod staff;
pub mod store_day;
pub mod stored_value;
pub mod tiers;
pub mod views;

pub use error::{DeskError, DeskResult, ErrorCode};
pub use views::*;

use chrono::{NaiveDate, NaiveDateTime};
use loyalty::ProgramSettings;

use std::path::Path;
use store::Store;

pub use loyalty::staff::{Operation, Role};

/// Who acts, on which store date, at what time: the inputs every operation takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ctx {
    pub staff_id: i64,
    pub role: Role,
    pub store_date: NaiveDate,
    pub now: NaiveDateTime,
}

impl Ctx {
    pub fn now_text(&self) -> String {
        self.now.format("%Y-%m-%d %H:%M:%S").to_string()
    }
    /// Refuses (`not_allowed`) what the acting role may not do: the one permission table
    /// is `loyalty::staff::permits`. Every operation calls this before it reads or writes.
    pub fn require(&self, op: Operation) -> DeskResult<()> {
        if loyalty::staff::permits(self.role, op) {
            Ok(())
        } else {
            Err(DeskError::new(
                ErrorCode::NotAllowed,
                format!("{}账号不能{}，请店长操作", self.role.label(), op.label()),
            ))
        }
    }

    /// Whether phones in lists and exports are masked for the acting role (rules §11).
    pub fn masks_phones(&self) -> bool {
        loyalty::staff::masks_phones(self.role)
    }

    /// A phone as the acting role may see it in a list or an export.
    pub fn listed_phone(&self, phone: Option<&str>) -> Option<String> {
        phone.map(|p| if self.masks_phones() { loyalty::member::mask_phone(p) } else { p.to_string() })
    }
}

/// Appends to the audit log: who (the context's staff member), when (its now), what. An
/// entry about a member (`entity` "member") is filed under that member.
pub(crate) fn audit(
    conn: &store::Connection,
    ctx: &Ctx,
    action: &str,
    entity: &str,
    entity_id: Option<&str>,
    before: Option<&str>,
    after: Option<&str>,
) -> DeskResult<()> {
    let member_no = if entity == "member" { entity_id } else { None };
    audit_for(conn, ctx, member_no, action, entity, entity_id, before, after)
}

/// The same, filed under the member it concerns (a receipt, a redemption, a call).
#[allow(clippy::too_many_arguments)]
pub(crate) fn audit_for(
    conn: &store::Connection,
    ctx: &Ctx,
    member_no: Option<&str>,
    action: &str,
    entity: &str,
    entity_id: Option<&str>,
    before: Option<&str>,
    after: Option<&str>,
) -> DeskResult<()> {
    let at = ctx.now_text();
    store::audit::append(
        conn,
        &store::audit::AuditEntry {
            at: &at,
            staff_id: ctx.staff_id,
            action,
            entity,
            entity_id,
            member_no,
            before,
            after,
        },
    )?;
    Ok(())
}

/// The program settings saved in the file; a saved value this build cannot read is an
/// error, never a silent return to the defaults.
fn read_settings(conn: &store::Connection) -> DeskResult<Option<ProgramSettings>> {
    match store::meta::get(conn, store::meta::PROGRAM_SETTINGS)? {
        None => Ok(None),
        Some(json) => serde_json::from_str(&json)
            .map(Some)
            .map_err(|e| DeskError::new(ErrorCode::DataFileDamaged, format!("程序设置无法读取：{e}"))),
    }
}

/// The open store with its program settings.
pub struct Desk {
    pub(crate) store: Store,
    pub(crate) settings: ProgramSettings,
    pub(crate) backup_folder: Option<std::path::PathBuf>,
}

impl Desk {
    /// Opens the data file (creating it when new). Opening writes nothing once the file is
    /// at this build's schema, so a lookup never waits for a long import's write lock.
    pub fn open(path: &Path) -> DeskResult<Desk> {
        Desk::from_store(Store::open(path)?)
    }

    /// A fresh store in memory (tests, benchmarks).
    pub fn open_in_memory() -> DeskResult<Desk> {
        Desk::from_store(Store::open_in_memory()?)
    }

    pub(crate) fn from_store(mut store: Store) -> DeskResult<Desk> {
        members::give_missing_card_codes(&mut store)?;
        let settings = read_settings(store.conn())?.unwrap_or_default();
        Ok(Desk { store, settings, backup_folder: None })
    }

    /// Re-reads the program settings (another connection may have changed them).
    pub fn reload_settings(&mut self) -> DeskResult<()> {
        if let Some(s) = read_settings(self.store.conn())? {
            self.settings = s;
        }
        Ok(())
    }

    pub fn settings(&self) -> &ProgramSettings {
        &self.settings
    }

    /// The context of the built-in command-line account 命令行 (manager rights): what the
    /// store's own upkeep (bringing the day up, the daily backup) and a CLI without PINs
    /// act as.
    pub fn manager_ctx(&self, store_date: NaiveDate, now: NaiveDateTime) -> DeskResult<Ctx> {
        let m = store::staff::command_line_account(self.store.conn())?
            .ok_or_else(|| DeskError::new(ErrorCode::Internal, "数据文件缺少内置账号“命令行”"))?;
        Ok(Ctx { staff_id: m.id, role: Role::Manager, store_date, now })
    }

    /// Read access for tests and checks.
    pub fn conn(&self) -> &store::Connection {
        self.store.conn()
    }
}
