//! Staff, roles and what each role may do (rules §11): the one table of permissions, the
//! PIN's form, the lockout after wrong PINs, and the masked phone that non-managers see in
//! lists and exports. Pure rules: the PIN's hash and the clock live elsewhere.

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// A staff member's role. The owner (老板) is a manager of every branch (rules §15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    FrontDesk,
    CustomerService,
    Manager,
    Owner,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::FrontDesk, Role::CustomerService, Role::Manager, Role::Owner];

    pub fn code(self) -> &'static str {
        match self {
            Role::FrontDesk => "front_desk",
            Role::CustomerService => "customer_service",
            Role::Manager => "manager",
            Role::Owner => "owner",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code.trim())
    }

    /// 前台 / 客服 / 店长 / 老板.
    pub fn label(self) -> &'static str {
        match self {
            Role::FrontDesk => "前台",
            Role::CustomerService => "客服",
            Role::Manager => "店长",
            Role::Owner => "老板",
        }
    }

    /// Managers and the owner: everything, and full phone numbers everywhere.
    pub fn is_manager(self) -> bool {
        matches!(self, Role::Manager | Role::Owner)
    }
}

/// Every operation staff can perform, as the permission table names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Find members, open a card, see its history, the catalog and the store's status.
    Lookup,
    Enrol,
    /// Change a member's name, phone, gender, birthday, consent.
    EditMember,
    /// The care notes (亲情备注).
    EditNotes,
    Checkout,
    Redeem,
    Refund,
    AdjustPoints,
    ArchiveMember,
    RecordInteraction,
    /// The day's contact list: see it, work entries, the call list.
    WorkContacts,
    /// The SMS list for the SMS platform carries full phone numbers.
    ExportSms,
    RunTiers,
    ReviewTiers,
    /// Program settings, catalog, coupon templates, holidays, scripts.
    EditSettings,
    Import,
    Export,
    Backup,
    Restore,
    Demo,
    ManageStaff,
    ViewAudit,
    /// Add branches to the chain and move the store to another database (rules §15).
    ManageBranches,
    /// The program figures (rules §13).
    ViewFigures,
    /// The quarterly big-customer screening, its decisions and the VIP flag (rules §10).
    ScreenMembers,
    /// Merge a member enrolled twice into the other (rules §2).
    MergeMembers,
    /// Erase a member's personal data (PIPL, rules §2).
    EraseMember,
    /// Top up a member's stored value (rules §14).
    TopUp,
    /// Pay stored value back out (退储值, rules §14).
    Payout,
}

impl Operation {
    pub const ALL: [Operation; 29] = [
        Operation::Lookup,
        Operation::Enrol,
        Operation::EditMember,
        Operation::EditNotes,
        Operation::Checkout,
        Operation::Redeem,
        Operation::Refund,
        Operation::AdjustPoints,
        Operation::ArchiveMember,
        Operation::RecordInteraction,
        Operation::WorkContacts,
        Operation::ExportSms,
        Operation::RunTiers,
        Operation::ReviewTiers,
        Operation::EditSettings,
        Operation::Import,
        Operation::Export,
        Operation::Backup,
        Operation::Restore,
        Operation::Demo,
        Operation::ManageStaff,
        Operation::ViewAudit,
        Operation::ManageBranches,
        Operation::ViewFigures,
        Operation::ScreenMembers,
        Operation::MergeMembers,
        Operation::EraseMember,
        Operation::TopUp,
        Operation::Payout,
    ];

    /// What the operation is called in a refusal.
    pub fn label(self) -> &'static str {
        match self {
            Operation::Lookup => "查询会员",
            Operation::Enrol => "办理入会",
            Operation::EditMember => "修改会员资料",
            Operation::EditNotes => "修改亲情备注",
            Operation::Checkout => "结账",
            Operation::Redeem => "积分兑换",
            Operation::Refund => "退货",
            Operation::AdjustPoints => "积分调整",
            Operation::ArchiveMember => "归档会员",
            Operation::RecordInteraction => "记录互动",
            Operation::WorkContacts => "关怀联系",
            Operation::ExportSms => "导出短信清单",
            Operation::RunTiers => "等级评定",
            Operation::ReviewTiers => "等级变动报表",
            Operation::EditSettings => "修改设置",
            Operation::Import => "导入",
            Operation::Export => "导出",
            Operation::Backup => "备份",
            Operation::Restore => "恢复",
            Operation::Demo => "演示数据",
            Operation::ManageStaff => "员工管理",
            Operation::ViewAudit => "操作日志",
            Operation::ManageBranches => "门店管理",
            Operation::ViewFigures => "效果评估",
            Operation::ScreenMembers => "大客户筛选",
            Operation::MergeMembers => "合并会员",
            Operation::EraseMember => "删除个人信息",
            Operation::TopUp => "充值",
            Operation::Payout => "退储值",
        }
    }
}

/// The permission table (rules §11): front desk — lookup, enrol, edit contact data,
/// checkout, redeem, top up stored value (rules §14); customer service — contact list, notes, interactions, lookup;
/// manager and owner — everything.
pub fn permits(role: Role, op: Operation) -> bool {
    use Operation::*;
    match role {
        Role::Manager | Role::Owner => true,
        Role::FrontDesk => matches!(op, Lookup | Enrol | EditMember | EditNotes | Checkout | Redeem | TopUp),
        Role::CustomerService => matches!(op, Lookup | EditNotes | RecordInteraction | WorkContacts),
    }
}

/// Whether phone numbers in lists and exports are shown masked to this role.
pub fn masks_phones(role: Role) -> bool {
    !role.is_manager()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StaffError {
    #[error("PIN 须为 4 到 8 位数字")]
    PinForm,
    #[error("员工姓名须为 1 到 20 个字，且不能与“命令行”同名")]
    NameForm,
    #[error("门店代码须为 1 到 16 位字母、数字、- 或 _")]
    BranchCode,
    #[error("门店或收银台名称须为 1 到 30 个字")]
    PlaceName,
}

/// A staff PIN: 4–8 ASCII digits.
pub fn check_pin(pin: &str) -> Result<(), StaffError> {
    if (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(StaffError::PinForm)
    }
}

/// The name of the built-in account the command line acts as while no account has a PIN.
pub const COMMAND_LINE_ACCOUNT: &str = "命令行";

/// A staff name: trimmed, 1–20 characters, not the command line's own.
pub fn normalise_staff_name(name: &str) -> Result<String, StaffError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = name.chars().count();
    if n == 0 || n > 20 || name == COMMAND_LINE_ACCOUNT || name.chars().any(|c| c.is_control()) {
        return Err(StaffError::NameForm);
    }
    Ok(name)
}

/// Wrong PINs in a row that lock the account, and for how long (rules §11).
pub const MAX_WRONG_PINS: u32 = 5;
pub const LOCKOUT_MINUTES: i64 = 5;

/// What a sign-in attempt's PIN check means for the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInVerdict {
    /// The PIN was right: the count of wrong PINs starts again.
    SignedIn,
    /// Wrong; `left` more wrong PINs lock the account.
    WrongPin { left: u32 },
    /// Wrong for the fifth time in a row: locked until then.
    LockedNow { until: NaiveDateTime },
    /// Still locked from earlier wrong PINs; the PIN was not even checked.
    StillLocked { until: NaiveDateTime },
}

/// The lockout rule: an account locked until after `now` refuses every PIN; otherwise
/// a right PIN signs in and a wrong one counts, the fifth in a row locking the account.
pub fn sign_in_verdict(
    locked_until: Option<NaiveDateTime>,
    wrong_in_a_row: u32,
    pin_matches: impl FnOnce() -> bool,
    now: NaiveDateTime,
) -> SignInVerdict {
    if let Some(until) = locked_until.filter(|u| *u > now) {
        return SignInVerdict::StillLocked { until };
    }
    // A lock that has run out starts the count again.
    let wrong = if locked_until.is_some() { 0 } else { wrong_in_a_row };
    if pin_matches() {
        return SignInVerdict::SignedIn;
    }
    let wrong = wrong + 1;
    if wrong >= MAX_WRONG_PINS {
        SignInVerdict::LockedNow { until: now + Duration::minutes(LOCKOUT_MINUTES) }
    } else {
        SignInVerdict::WrongPin { left: MAX_WRONG_PINS - wrong }
    }
}

/// Which staff an account manages (rules §15): roles are chain-wide, except that a branch
/// manager (an account of a branch) manages the staff of that branch only. An owner, and an
/// account of no branch (a single store's manager), manage everyone. `target` is the
/// branch the managed account belongs to, before and after the change.
pub fn manages_staff_of(role: Role, own_branch: Option<i64>, target: Option<i64>) -> bool {
    if !role.is_manager() {
        return false;
    }
    match (role, own_branch) {
        (Role::Owner, _) | (_, None) => true,
        (_, Some(own)) => target == Some(own),
    }
}

/// Whether an account acts for the whole chain (adds branches, sees every branch's
/// figures): the owner, and a manager who belongs to no branch.
pub fn is_chain_wide(role: Role, own_branch: Option<i64>) -> bool {
    role == Role::Owner || (role.is_manager() && own_branch.is_none())
}

/// A branch code: 1 to 16 letters, digits, `-` or `_` (it goes on receipts and in files).
pub fn check_branch_code(code: &str) -> Result<String, StaffError> {
    let c = code.trim();
    if (1..=16).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        Ok(c.to_string())
    } else {
        Err(StaffError::BranchCode)
    }
}

/// A branch or counter name: 1 to 30 characters once trimmed.
pub fn check_place_name(name: &str) -> Result<String, StaffError> {
    let n = name.trim();
    if (1..=30).contains(&n.chars().count()) && !n.chars().any(char::is_control) {
        Ok(n.to_string())
    } else {
        Err(StaffError::PlaceName)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_permission_table_follows_the_rule_book() {
        use Operation::*;
        for op in Operation::ALL {
            assert!(permits(Role::Manager, op) && permits(Role::Owner, op), "{op:?}");
        }
        let front: Vec<_> = Operation::ALL.into_iter().filter(|o| permits(Role::FrontDesk, *o)).collect();
        assert_eq!(front, vec![Lookup, Enrol, EditMember, EditNotes, Checkout, Redeem, TopUp]);
        assert!(!permits(Role::FrontDesk, Payout) && !permits(Role::CustomerService, Payout));
        let service: Vec<_> = Operation::ALL.into_iter().filter(|o| permits(Role::CustomerService, *o)).collect();
        assert_eq!(service, vec![Lookup, EditNotes, RecordInteraction, WorkContacts]);
        assert!(!permits(Role::FrontDesk, Refund) && !permits(Role::CustomerService, Refund));
    }

    #[test]
    fn phones_are_masked_for_everybody_but_managers() {
        assert!(masks_phones(Role::FrontDesk) && masks_phones(Role::CustomerService));
        assert!(!masks_phones(Role::Manager) && !masks_phones(Role::Owner));
    }

    #[test]
    fn pins_are_4_to_8_digits() {
        for ok in ["1234", "00000000", "123456"] {
            assert!(check_pin(ok).is_ok(), "{ok}");
        }
        for bad in ["123", "123456789", "12a4", "", "１２３４", " 1234"] {
            assert_eq!(check_pin(bad), Err(StaffError::PinForm), "{bad}");
        }
    }

    #[test]
    fn staff_names_are_trimmed_and_the_command_line_name_is_reserved() {
        assert_eq!(normalise_staff_name("  小  王 ").unwrap(), "小 王");
        assert!(normalise_staff_name("命令行").is_err());
        assert!(normalise_staff_name("").is_err());
        assert!(normalise_staff_name(&"长".repeat(21)).is_err());
    }

    #[test]
    fn five_wrong_pins_in_a_row_lock_the_account_for_five_minutes() {
        let now: NaiveDateTime = "2026-11-23T10:00:00".parse().unwrap();
        assert_eq!(sign_in_verdict(None, 0, || false, now), SignInVerdict::WrongPin { left: 4 });
        assert_eq!(sign_in_verdict(None, 3, || false, now), SignInVerdict::WrongPin { left: 1 });
        let until: NaiveDateTime = "2026-11-23T10:05:00".parse().unwrap();
        assert_eq!(sign_in_verdict(None, 4, || false, now), SignInVerdict::LockedNow { until });
        // While locked, even the right PIN is refused and not checked.
        let later = now + Duration::minutes(4);
        assert_eq!(
            sign_in_verdict(Some(until), 5, || panic!("not checked"), later),
            SignInVerdict::StillLocked { until }
        );
        // After five minutes the right PIN works, and a wrong one counts from one again.
        assert_eq!(sign_in_verdict(Some(until), 5, || true, until), SignInVerdict::SignedIn);
        assert_eq!(sign_in_verdict(Some(until), 5, || false, until), SignInVerdict::WrongPin { left: 4 });
        assert_eq!(sign_in_verdict(None, 2, || true, now), SignInVerdict::SignedIn);
    }

    #[test]
    fn a_branch_manager_manages_their_own_branch_only_and_the_owner_everyone() {
        // Rules §15: 店长 of branch 2 manages branch 2's staff; 老板 sees all.
        assert!(manages_staff_of(Role::Manager, Some(2), Some(2)));
        assert!(!manages_staff_of(Role::Manager, Some(2), Some(3)));
        assert!(!manages_staff_of(Role::Manager, Some(2), None), "not the chain-wide accounts");
        assert!(manages_staff_of(Role::Owner, Some(2), Some(3)));
        assert!(manages_staff_of(Role::Manager, None, Some(3)), "a single store's manager: everyone");
        assert!(!manages_staff_of(Role::FrontDesk, None, None));
        assert!(is_chain_wide(Role::Owner, Some(1)) && is_chain_wide(Role::Manager, None));
        assert!(!is_chain_wide(Role::Manager, Some(1)) && !is_chain_wide(Role::CustomerService, None));
    }

    #[test]
    fn branch_codes_and_names_are_checked() {
        assert_eq!(check_branch_code(" sh-01 ").unwrap(), "sh-01");
        assert!(check_branch_code("").is_err() && check_branch_code("上海").is_err());
        assert!(check_branch_code(&"x".repeat(17)).is_err());
        assert_eq!(check_place_name(" 南京路店 ").unwrap(), "南京路店");
        assert!(check_place_name("  ").is_err());
    }
}
