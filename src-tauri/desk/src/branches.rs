//! Branches and counters (rules §15): where this door works (its branch and counter, which
//! receipts, redemptions, contact attempts and the audit record), the chain's list of
//! branches, and moving the whole store to another database (`migrate --to`).

use crate::{Ctx, Desk, DeskError, DeskResult, ErrorCode, Operation};
use serde::Serialize;
use store::{Location, Station, Store};

/// A branch of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BranchView {
    pub code: String,
    pub name: String,
    /// The branch this door works at.
    pub current: bool,
}

/// What `migrate --to` copied and verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrateReport {
    /// The target, without its password.
    pub target: String,
    pub tables: Vec<TableCount>,
    pub members: i64,
    pub points_balance_total: i64,
    pub lots_remaining_total: i64,
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableCount {
    pub table: String,
    pub rows: i64,
}

fn place_error(e: loyalty::staff::StaffError) -> DeskError {
    DeskError::new(ErrorCode::InvalidInput, e.to_string())
}

impl Desk {
    /// Opens the store at `location` (a file, or a `postgres://` server).
    pub fn open_location(location: &Location) -> DeskResult<Desk> {
        Desk::from_store(Store::open_location(location)?)
    }

    /// Says where this door works: the branch of `branch_code` (`None`: the database's
    /// first branch) and the counter's name (`""` allowed: a single PC).
    pub fn set_station(&mut self, branch_code: Option<&str>, counter: &str) -> DeskResult<()> {
        let c = self.store.conn();
        let branch = match branch_code.map(str::trim).filter(|b| !b.is_empty()) {
            Some(code) => store::branches::by_code(c, code)?
                .ok_or_else(|| DeskError::new(ErrorCode::BranchNotFound, format!("没有代码为“{code}”的门店")))?,
            None => store::branches::list(c)?
                .into_iter()
                .next()
                .ok_or_else(|| DeskError::new(ErrorCode::DataFileDamaged, "数据中没有任何门店"))?,
        };
        let counter = counter.trim();
        if counter.chars().count() > 30 || counter.chars().any(char::is_control) {
            return Err(DeskError::new(ErrorCode::InvalidInput, "收银台名称须为 30 个字以内"));
        }
        self.store.set_station(Station { branch_id: branch.id, counter: counter.to_string() });
        Ok(())
    }

    /// The branch this door works at.
    pub fn branch(&self) -> DeskResult<BranchView> {
        let id = self.store.conn().station().branch_id;
        let b = store::branches::get(self.store.conn(), id)?
            .ok_or_else(|| DeskError::new(ErrorCode::BranchNotFound, "本机所在的门店不存在"))?;
        Ok(BranchView { code: b.code, name: b.name, current: true })
    }

    /// Every branch of the chain.
    pub fn branch_list(&self, ctx: &Ctx) -> DeskResult<Vec<BranchView>> {
        ctx.require(Operation::Lookup)?;
        let here = self.store.conn().station().branch_id;
        Ok(store::branches::list(self.store.conn())?
            .into_iter()
            .map(|b| BranchView { current: b.id == here, code: b.code, name: b.name })
            .collect())
    }

    /// Adds a branch (the owner, or a manager of the whole chain).
    pub fn branch_add(&mut self, ctx: &Ctx, code: &str, name: &str) -> DeskResult<BranchView> {
        ctx.require(Operation::ManageBranches)?;
        let code = loyalty::staff::check_branch_code(code).map_err(place_error)?;
        let name = loyalty::staff::check_place_name(name).map_err(place_error)?;
        self.store.write(|tx| {
            let own = store::staff::get(tx, ctx.staff_id)?.and_then(|r| r.branch_id);
            if !loyalty::staff::is_chain_wide(ctx.role, own) {
                return Err(DeskError::new(ErrorCode::NotAllowed, "只有老板或总部店长可以添加门店"));
            }
            if store::branches::by_code(tx, &code)?.is_some() {
                return Err(DeskError::new(ErrorCode::BranchCodeTaken, format!("已有代码为“{code}”的门店")));
            }
            store::branches::insert(tx, &code, &name, &ctx.now_text())?;
            crate::audit(tx, ctx, "branch.add", "branch", Some(&code), None, Some(&name))?;
            Ok(BranchView { code: code.clone(), name: name.clone(), current: false })
        })
    }

    /// Copies the whole store into the empty database at `target` (a server, or a new
    /// file) and verifies the copy: every table's rows, every member's balance and lot
    /// sum. A target that holds data is refused and left as it was.
    pub fn migrate_to(&mut self, ctx: &Ctx, target: &Location) -> DeskResult<MigrateReport> {
        ctx.require(Operation::ManageBranches)?;
        let own = store::staff::get(self.store.conn(), ctx.staff_id)?.and_then(|r| r.branch_id);
        if !loyalty::staff::is_chain_wide(ctx.role, own) {
            return Err(DeskError::new(ErrorCode::NotAllowed, "只有老板或总部店长可以迁移整个数据库"));
        }
        if target == self.store.location() {
            return Err(DeskError::new(ErrorCode::InvalidInput, "目标就是当前的数据库"));
        }
        if let Location::File(p) = target {
            if p.exists() && std::fs::metadata(p).map(|m| m.len() > 0).unwrap_or(false) {
                let probe = Store::open(p)?;
                if !store::copy::is_empty(&probe)? {
                    return Err(DeskError::new(
                        ErrorCode::TargetNotEmpty,
                        format!("目标文件 {} 已有数据，未复制", p.display()),
                    ));
                }
            }
        }
        let mut dest = Store::open_location(target)?;
        let report = store::copy::copy_store(&self.store, &mut dest)?;
        self.store.write(|tx| {
            crate::audit(
                tx,
                ctx,
                "store.migrate",
                "store",
                None,
                None,
                Some(&format!("复制到 {target}：{} 位会员", report.members)),
            )
        })?;
        Ok(MigrateReport {
            target: target.to_string(),
            tables: report.tables.iter().map(|(t, n)| TableCount { table: t.clone(), rows: *n }).collect(),
            members: report.members,
            points_balance_total: report.points_balance_total,
            lots_remaining_total: report.lots_remaining_total,
            verified: true,
        })
    }
}
