//! MemberDesk's operations: what staff do — open the store day, enrol, look up, check out,
//! refund, adjust, import, export, back up. Each operation is one SQLite transaction that
//! takes the store date and the acting staff member as inputs, applies the `loyalty` rules
//! and writes through the `store` layer. The desktop commands and the CLI both call these
//! functions and nothing else.

pub mod backup;
pub mod checkout;
pub mod contacts;
pub mod coupons;
pub mod demo;
pub mod error;
pub mod export;
pub mod import;
pub mod interactions;
pub mod members;
mod points;
pub mod store_day;
pub mod tiers;
pub mod views;

pub use error::{DeskError, DeskResult, ErrorCode};
pub use views::*;

use chrono::{NaiveDate, NaiveDateTime};
use loyalty::ProgramSettings;
use serde::{Deserialize, Serialize};
use std::path::Path;
use store::Store;

/// Staff roles (rules §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    FrontDesk,
    CustomerService,
    Manager,
}

impl Role {
    pub fn parse(code: &str) -> Option<Role> {
        match code {
            "front_desk" => Some(Role::FrontDesk),
            "customer_service" => Some(Role::CustomerService),
            "manager" => Some(Role::Manager),
            _ => None,
        }
    }
}

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
    pub fn require_manager(&self) -> DeskResult<()> {
        if self.role == Role::Manager {
            Ok(())
        } else {
            Err(DeskError::new(ErrorCode::NotAllowed, "此操作需要店长权限"))
        }
    }
}

/// Appends to the audit log: who (the context's staff member), when (its now), what.
pub(crate) fn audit(
    conn: &rusqlite::Connection,
    ctx: &Ctx,
    action: &str,
    entity: &str,
    entity_id: Option<&str>,
    before: Option<&str>,
    after: Option<&str>,
) -> DeskResult<()> {
    let at = ctx.now_text();
    store::audit::append(
        conn,
        &store::audit::AuditEntry { at: &at, staff_id: ctx.staff_id, action, entity, entity_id, before, after },
    )?;
    Ok(())
}

/// The open store with its program settings.
pub struct Desk {
    pub(crate) store: Store,
    pub(crate) settings: ProgramSettings,
}

/// The name of the manager account a new store starts with.
pub const FIRST_MANAGER_NAME: &str = "店长";

impl Desk {
    /// Opens the data file (creating it with its first manager account when new).
    pub fn open(path: &Path) -> DeskResult<Desk> {
        Desk::from_store(Store::open(path)?)
    }

    /// A fresh store in memory (tests, benchmarks).
    pub fn open_in_memory() -> DeskResult<Desk> {
        Desk::from_store(Store::open_in_memory()?)
    }

    fn from_store(mut store: Store) -> DeskResult<Desk> {
        let tx = store.transaction()?;
        if store::staff::first_manager(&tx)?.is_none() {
            store::staff::insert(&tx, FIRST_MANAGER_NAME, "manager", None, "")?;
        }
        let settings = store::meta::get(&tx, store::meta::PROGRAM_SETTINGS)?
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default();
        tx.commit()?;
        Ok(Desk { store, settings })
    }

    /// Re-reads the program settings (another connection may have changed them).
    pub fn reload_settings(&mut self) -> DeskResult<()> {
        if let Some(json) = store::meta::get(self.store.conn(), store::meta::PROGRAM_SETTINGS)? {
            if let Ok(s) = serde_json::from_str(&json) {
                self.settings = s;
            }
        }
        Ok(())
    }

    pub fn settings(&self) -> &ProgramSettings {
        &self.settings
    }

    /// The context of the store's first manager (the acting account until sign-in exists).
    pub fn manager_ctx(&self, store_date: NaiveDate, now: NaiveDateTime) -> DeskResult<Ctx> {
        let m = store::staff::first_manager(self.store.conn())?
            .ok_or_else(|| DeskError::new(ErrorCode::Internal, "没有店长账号"))?;
        Ok(Ctx { staff_id: m.id, role: Role::Manager, store_date, now })
    }

    /// Read access for tests and checks.
    pub fn conn(&self) -> &rusqlite::Connection {
        self.store.conn()
    }
}
