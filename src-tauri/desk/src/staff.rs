//! Staff and sign-in (rules §11): the first manager of a new store, signing in with a PIN
//! (Argon2id hashes; five wrong PINs in a row lock the account for five minutes), the
//! sign-in events of the desktop session, the staff screen's changes (never a deletion;
//! the last active manager stays), and the manager's view and export of the audit log.

use crate::export::{table_bytes, ExportFormat};
use crate::{Ctx, Desk, DeskError, DeskResult, ErrorCode, Operation, Role};
use chrono::{NaiveDate, NaiveDateTime};
use loyalty::staff::{check_pin, normalise_staff_name, sign_in_verdict, SignInVerdict};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use store::staff::StaffRow;

/// A staff account as screens and the CLI show it (never the PIN's hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffView {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub role_label: String,
    pub active: bool,
    pub has_pin: bool,
    /// Set while five wrong PINs keep the account locked.
    pub locked_until: Option<String>,
    /// The code of the branch the account belongs to; `None`: the whole chain.
    pub branch: Option<String>,
}

/// Who is signed in: the context every operation of the session runs with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedIn {
    pub staff_id: i64,
    pub name: String,
    pub role: Role,
    pub role_label: String,
    /// What the role may do (the permission table's row), so the window shows only that.
    pub allowed: Vec<Operation>,
}

/// Why a PIN is asked: signing in, unlocking the locked screen (audited as such), or one
/// command-line command (whose own changes name the account; only refusals are audited,
/// so a read-only command writes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInPurpose {
    SignIn,
    Unlock,
    Command,
}

/// What the desktop session records without a PIN check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEvent {
    SignOut,
    ScreenLock,
}

/// A change on the staff screen or by `staff set`; each part optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StaffChange {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub pin: Option<String>,
    pub active: Option<bool>,
    /// Moves the account to the branch of this code (`""`: the whole chain).
    pub branch: Option<String>,
}

/// The demo store's three accounts and their PINs, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoAccount {
    pub name: String,
    pub role: Role,
    pub role_label: String,
    pub pin: String,
}

/// The audit screen's filter (dates inclusive).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub staff: Option<String>,
    pub action: Option<String>,
    pub member: Option<String>,
}

const TIME: &str = "%Y-%m-%d %H:%M:%S";

fn view(r: &StaffRow) -> StaffView {
    StaffView {
        id: r.id,
        name: r.name.clone(),
        role: r.role,
        role_label: r.role.label().to_string(),
        active: r.active,
        has_pin: r.pin_hash.is_some(),
        locked_until: r.locked_until.map(|t| t.format(TIME).to_string()),
        branch: r.branch_code.clone(),
    }
}

/// The acting account's own branch (`None`: the whole chain).
fn own_branch(c: &store::Connection, ctx: &Ctx) -> DeskResult<Option<i64>> {
    Ok(store::staff::get(c, ctx.staff_id)?.and_then(|r| r.branch_id))
}

/// Refuses a change to an account of another branch by a branch manager (rules §15).
fn require_scope(c: &store::Connection, ctx: &Ctx, target: Option<i64>) -> DeskResult<()> {
    if loyalty::staff::manages_staff_of(ctx.role, own_branch(c, ctx)?, target) {
        Ok(())
    } else {
        Err(DeskError::new(ErrorCode::NotAllowed, "门店店长只能管理本门店的员工"))
    }
}

/// The branch named by `code` (`""`: none, the whole chain).
fn branch_of_code(c: &store::Connection, code: &str) -> DeskResult<Option<i64>> {
    let code = code.trim();
    if code.is_empty() {
        return Ok(None);
    }
    store::branches::by_code(c, code)?
        .map(|b| Some(b.id))
        .ok_or_else(|| DeskError::new(ErrorCode::BranchNotFound, format!("没有代码为“{code}”的门店")))
}

fn invalid(e: loyalty::staff::StaffError) -> DeskError {
    let code = match e {
        loyalty::staff::StaffError::PinForm => ErrorCode::InvalidPin,
        loyalty::staff::StaffError::NameForm => ErrorCode::InvalidName,
        loyalty::staff::StaffError::BranchCode | loyalty::staff::StaffError::PlaceName => ErrorCode::InvalidInput,
    };
    DeskError::new(code, e.to_string())
}

/// The Argon2id hash of a PIN (PHC string with its own random salt).
pub fn hash_pin(pin: &str) -> DeskResult<String> {
    check_pin(pin).map_err(invalid)?;
    crate::pin_hash::hash(pin)
}

fn pin_matches(hash: &str, pin: &str) -> bool {
    crate::pin_hash::matches(hash, pin)
}

fn not_found(name: &str) -> DeskError {
    DeskError::new(ErrorCode::StaffNotFound, format!("没有名为“{}”的员工账号", name.trim()))
}

fn signed_in(r: &StaffRow) -> SignedIn {
    SignedIn {
        staff_id: r.id,
        name: r.name.clone(),
        role: r.role,
        role_label: r.role.label().to_string(),
        allowed: Operation::ALL.into_iter().filter(|op| loyalty::staff::permits(r.role, *op)).collect(),
    }
}

impl Desk {
    /// Whether any account has a PIN: then every door asks who is acting (rules §11).
    pub fn sign_in_required(&self) -> DeskResult<bool> {
        Ok(store::staff::any_pin(self.store.conn())?)
    }

    /// The active accounts with a PIN, for the sign-in screen.
    pub fn staff_roster(&self) -> DeskResult<Vec<StaffView>> {
        Ok(store::staff::list(self.store.conn())?
            .iter()
            .filter(|r| r.active && r.pin_hash.is_some())
            .map(view)
            .collect())
    }

    /// A new store's first start: the manager's name and PIN. Only while no account has a
    /// PIN; an old store's PIN-less manager account is renamed and given the PIN.
    pub fn set_up_first_manager(&mut self, ctx: &Ctx, name: &str, pin: &str) -> DeskResult<SignedIn> {
        let name = normalise_staff_name(name).map_err(invalid)?;
        let hash = hash_pin(pin)?;
        self.store.write(|tx| {
            if store::staff::any_pin(&tx)? {
                return Err(DeskError::new(ErrorCode::NotAllowed, "本店已设置店长，请登录"));
            }
            let old = store::staff::list(&tx)?.into_iter().find(|r| r.role.is_manager() && r.active);
            let id = match (old, store::staff::by_name(&tx, &name)?) {
                (_, Some(same)) if !same.builtin => {
                    store::staff::set_role(&tx, same.id, Role::Manager)?;
                    store::staff::set_active(&tx, same.id, true)?;
                    same.id
                }
                (_, Some(_)) => return Err(invalid(loyalty::staff::StaffError::NameForm)),
                (Some(old), None) => {
                    store::staff::set_name(&tx, old.id, &name)?;
                    old.id
                }
                (None, None) => store::staff::insert(&tx, &name, Role::Manager, None, &ctx.now_text())?,
            };
            store::staff::set_pin(&tx, id, &hash)?;
            let row = store::staff::get(&tx, id)?.ok_or_else(|| not_found(&name))?;
            let acting = Ctx { staff_id: id, role: Role::Manager, ..*ctx };
            audit_staff(&tx, &acting, "staff.setup", &name, None, Some("店长"))?;
            Ok(signed_in(&row))
        })
    }

    /// Signs a staff member in with their PIN: a right PIN on an active, unlocked account
    /// signs in; a wrong one is counted and the fifth in a row locks the account for five
    /// minutes. Every attempt is audited, the refused ones too (that is all they write).
    pub fn sign_in(
        &mut self,
        name: &str,
        pin: &str,
        purpose: SignInPurpose,
        store_date: NaiveDate,
        now: NaiveDateTime,
    ) -> DeskResult<SignedIn> {
        let row =
            store::staff::by_name(self.store.conn(), name)?.filter(|r| !r.builtin).ok_or_else(|| not_found(name))?;
        let ctx = Ctx { staff_id: row.id, role: row.role, store_date, now };
        let Some(hash) = row.pin_hash.clone() else {
            return Err(DeskError::new(ErrorCode::WrongPin, format!("“{}”还没有设置 PIN，请店长设置", row.name)));
        };
        // The PIN is checked (Argon2 takes a moment) before the write lock is taken.
        let verdict = sign_in_verdict(row.locked_until, row.wrong_pins, || pin_matches(&hash, pin), now);
        let clean = row.wrong_pins == 0 && row.locked_until.is_none();
        if row.active && verdict == SignInVerdict::SignedIn && purpose == SignInPurpose::Command && clean {
            return Ok(signed_in(&row));
        }
        // A refused sign-in is recorded too: the outcome is committed either way.
        let outcome = self.store.write(|tx| -> DeskResult<DeskResult<SignedIn>> {
            if !row.active {
                audit_staff(tx, &ctx, "staff.sign_in_refused", &row.name, None, Some("账号已停用"))?;
                return Ok(Err(DeskError::new(ErrorCode::NotAllowed, format!("账号“{}”已停用", row.name))));
            }
            let verdict = sign_in_verdict(row.locked_until, row.wrong_pins, || pin_matches(&hash, pin), now);
            let outcome = match verdict {
                SignInVerdict::SignedIn => {
                    store::staff::set_sign_in_state(tx, row.id, 0, None)?;
                    let action = if purpose == SignInPurpose::Unlock { "staff.unlock" } else { "staff.sign_in" };
                    audit_staff(tx, &ctx, action, &row.name, None, None)?;
                    Ok(signed_in(&row))
                }
                SignInVerdict::WrongPin { left } => {
                    store::staff::set_sign_in_state(tx, row.id, loyalty::staff::MAX_WRONG_PINS - left, None)?;
                    audit_staff(
                        tx,
                        &ctx,
                        "staff.sign_in_failed",
                        &row.name,
                        None,
                        Some(&format!("还可再试 {left} 次")),
                    )?;
                    Err(DeskError::new(ErrorCode::WrongPin, format!("PIN 不正确，还可再试 {left} 次")))
                }
                SignInVerdict::LockedNow { until } => {
                    store::staff::set_sign_in_state(tx, row.id, loyalty::staff::MAX_WRONG_PINS, Some(until))?;
                    audit_staff(tx, &ctx, "staff.sign_in_failed", &row.name, None, Some("连续 5 次"))?;
                    let until = until.format(TIME).to_string();
                    audit_staff(tx, &ctx, "staff.locked", &row.name, None, Some(&until))?;
                    Err(DeskError::new(
                        ErrorCode::StaffLocked,
                        format!("连续 5 次 PIN 错误，账号已锁定至 {}", &until[11..16]),
                    ))
                }
                SignInVerdict::StillLocked { until } => {
                    audit_staff(tx, &ctx, "staff.sign_in_refused", &row.name, None, Some("账号锁定中"))?;
                    Err(DeskError::new(
                        ErrorCode::StaffLocked,
                        format!("账号已锁定至 {}，请稍后再试", until.format("%H:%M")),
                    ))
                }
            };
            Ok(outcome)
        })?;
        outcome
    }

    /// Records a sign-out or the idle lock of the screen.
    pub fn record_session(&mut self, ctx: &Ctx, event: SessionEvent) -> DeskResult<()> {
        self.store.write(|tx| {
            let name = store::staff::get(&tx, ctx.staff_id)?.map(|r| r.name).unwrap_or_default();
            let action = match event {
                SessionEvent::SignOut => "staff.sign_out",
                SessionEvent::ScreenLock => "staff.screen_lock",
            };
            audit_staff(&tx, ctx, action, &name, None, None)?;
            Ok(())
        })
    }

    /// The account a context acts as (the CLI's `--staff` after its PIN was checked).
    pub fn staff_ctx(&self, staff: &SignedIn, store_date: NaiveDate, now: NaiveDateTime) -> Ctx {
        Ctx { staff_id: staff.staff_id, role: staff.role, store_date, now }
    }

    pub fn staff_list(&self, ctx: &Ctx) -> DeskResult<Vec<StaffView>> {
        ctx.require(Operation::ManageStaff)?;
        let c = self.store.conn();
        let own = own_branch(c, ctx)?;
        Ok(store::staff::list(c)?
            .iter()
            .filter(|r| loyalty::staff::manages_staff_of(ctx.role, own, r.branch_id) || r.id == ctx.staff_id)
            .map(view)
            .collect())
    }

    /// Adds an account (manager): a unique name, a role and a PIN.
    /// `branch`: the code of the account's branch; `None`: the acting manager's own
    /// (a branch manager adds to their branch, a chain-wide one for the chain).
    pub fn staff_add(
        &mut self,
        ctx: &Ctx,
        name: &str,
        role: Role,
        pin: &str,
        branch: Option<&str>,
    ) -> DeskResult<StaffView> {
        ctx.require(Operation::ManageStaff)?;
        let name = normalise_staff_name(name).map_err(invalid)?;
        let hash = hash_pin(pin)?;
        self.store.write(|tx| {
            let branch_id = match branch {
                Some(code) => branch_of_code(tx, code)?,
                None => own_branch(tx, ctx)?,
            };
            require_scope(tx, ctx, branch_id)?;
            if role == Role::Owner && ctx.role != Role::Owner && own_branch(tx, ctx)?.is_some() {
                return Err(DeskError::new(ErrorCode::NotAllowed, "门店店长不能添加老板账号"));
            }
            if store::staff::by_name(&tx, &name)?.is_some() {
                return Err(DeskError::new(ErrorCode::StaffNameTaken, format!("已有名为“{name}”的员工账号")));
            }
            let id = store::staff::insert(&tx, &name, role, Some(&hash), &ctx.now_text())?;
            if branch_id.is_some() {
                store::staff::set_branch(tx, id, branch_id)?;
            }
            audit_staff(&tx, ctx, "staff.add", &name, None, Some(role.label()))?;
            let row = store::staff::get(&tx, id)?.ok_or_else(|| not_found(&name))?;
            Ok(view(&row))
        })
    }

    /// Renames, changes the role, resets the PIN or (de)activates an account (manager).
    /// The last active manager can be neither deactivated nor demoted.
    pub fn staff_set(&mut self, ctx: &Ctx, name: &str, change: &StaffChange) -> DeskResult<StaffView> {
        ctx.require(Operation::ManageStaff)?;
        let new_name = change.name.as_deref().map(normalise_staff_name).transpose().map_err(invalid)?;
        let hash = change.pin.as_deref().map(hash_pin).transpose()?;
        self.store.write(|tx| {
            let row = store::staff::by_name(&tx, name)?.filter(|r| !r.builtin).ok_or_else(|| not_found(name))?;
            require_scope(tx, ctx, row.branch_id)?;
            let new_branch = change.branch.as_deref().map(|code| branch_of_code(tx, code)).transpose()?;
            if let Some(target) = new_branch {
                require_scope(tx, ctx, target)?;
            }
            if change.role == Some(Role::Owner) && ctx.role != Role::Owner && own_branch(tx, ctx)?.is_some() {
                return Err(DeskError::new(ErrorCode::NotAllowed, "门店店长不能设置老板账号"));
            }
            let before = view(&row);
            let stays_manager = change.role.map(|r| r.is_manager()).unwrap_or(row.role.is_manager());
            let stays_active = change.active.unwrap_or(row.active);
            if row.role.is_manager()
                && row.active
                && !(stays_manager && stays_active)
                && store::staff::active_managers(&tx)? <= 1
            {
                return Err(DeskError::new(ErrorCode::LastManager, "这是最后一个在用的店长账号，不能停用或降级"));
            }
            if let Some(n) = new_name.as_deref().filter(|n| *n != row.name) {
                if store::staff::by_name(&tx, n)?.is_some() {
                    return Err(DeskError::new(ErrorCode::StaffNameTaken, format!("已有名为“{n}”的员工账号")));
                }
                store::staff::set_name(&tx, row.id, n)?;
            }
            if let Some(role) = change.role {
                store::staff::set_role(&tx, row.id, role)?;
            }
            if let Some(active) = change.active {
                store::staff::set_active(&tx, row.id, active)?;
            }
            if let Some(hash) = &hash {
                store::staff::set_pin(&tx, row.id, hash)?;
            }
            if let Some(branch_id) = new_branch {
                store::staff::set_branch(tx, row.id, branch_id)?;
            }
            let after_row = store::staff::get(&tx, row.id)?.ok_or_else(|| not_found(name))?;
            let after = view(&after_row);
            let describe = |v: &StaffView| {
                let place = v.branch.as_deref().map(|b| format!(" 门店 {b}")).unwrap_or_default();
                format!("{} {} {}{place}", v.name, v.role_label, if v.active { "在用" } else { "停用" })
            };
            let mut after_text = describe(&after);
            if hash.is_some() {
                after_text.push_str("（PIN 已重置）");
            }
            audit_staff(&tx, ctx, "staff.set", &after.name, Some(&describe(&before)), Some(&after_text))?;
            Ok(after)
        })
    }

    /// The audit log, filtered, newest first (manager); at most 5,000 entries.
    pub fn audit_entries(&self, ctx: &Ctx, q: &AuditQuery) -> DeskResult<Vec<store::audit::AuditRow>> {
        ctx.require(Operation::ViewAudit)?;
        let c = self.store.conn();
        let staff_id = match q.staff.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(name) => Some(store::staff::by_name(c, name)?.ok_or_else(|| not_found(name))?.id),
            None => None,
        };
        let member = match q.member.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(key) => Some(crate::members::resolve(c, key)?.member_no),
            None => None,
        };
        let (from, to) = (q.from.map(|d| d.to_string()), q.to.map(|d| d.to_string()));
        let action = q.action.as_deref().map(str::trim).filter(|s| !s.is_empty());
        Ok(store::audit::query(
            c,
            &store::audit::AuditFilter {
                from: from.as_deref(),
                to: to.as_deref(),
                staff_id,
                action,
                member_no: member.as_deref(),
                limit: 5_000,
            },
        )?)
    }

    /// The filtered audit log as CSV or XLSX (manager).
    pub fn export_audit(&self, ctx: &Ctx, q: &AuditQuery, format: ExportFormat) -> DeskResult<Vec<u8>> {
        let rows = self.audit_entries(ctx, q)?;
        let header = ["时间", "员工", "操作", "对象", "编号", "会员", "之前", "之后"];
        let body: Vec<Vec<String>> = rows
            .into_iter()
            .map(|r| {
                vec![
                    r.at,
                    r.staff.unwrap_or_default(),
                    r.action,
                    r.entity,
                    r.entity_id.unwrap_or_default(),
                    r.member_no.unwrap_or_default(),
                    r.before.unwrap_or_default(),
                    r.after.unwrap_or_default(),
                ]
            })
            .collect();
        table_bytes(format, "操作日志", &header, body)
    }

    /// The demo store's accounts — 店长, 前台小王, 客服小李 — with random 6-digit PINs,
    /// returned once to be shown. Only while no account has a PIN.
    pub(crate) fn add_demo_accounts(tx: &store::Transaction<'_>, ctx: &Ctx) -> DeskResult<Vec<DemoAccount>> {
        if store::staff::any_pin(tx)? {
            return Ok(Vec::new());
        }
        let mut accounts = Vec::new();
        for (name, role) in
            [("店长", Role::Manager), ("前台小王", Role::FrontDesk), ("客服小李", Role::CustomerService)]
        {
            let pin = format!("{:06}", OsRng.next_u32() % 1_000_000);
            let hash = hash_pin(&pin)?;
            match store::staff::by_name(tx, name)? {
                Some(r) => {
                    store::staff::set_role(tx, r.id, role)?;
                    store::staff::set_pin(tx, r.id, &hash)?;
                }
                None => {
                    store::staff::insert(tx, name, role, Some(&hash), &ctx.now_text())?;
                }
            }
            audit_staff(tx, ctx, "staff.add", name, None, Some(role.label()))?;
            accounts.push(DemoAccount { name: name.into(), role, role_label: role.label().into(), pin });
        }
        Ok(accounts)
    }
}

/// An audit entry about an account (entity "staff", the account's name as its id).
fn audit_staff(
    conn: &store::Connection,
    ctx: &Ctx,
    action: &str,
    name: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> DeskResult<()> {
    crate::audit(conn, ctx, action, "staff", Some(name), before, after)
}
