//! Stored value at the front desk (储值, rules §14): top-ups under their own receipt
//! numbers (idempotent like a checkout) with the rule that applies and its bonus — money,
//! points or a coupon — payouts by the manager with a reason, and the top-up rules. The
//! rules themselves are `loyalty::stored_value`; every move is one `sv_ledger` entry.

use crate::checkout::{check_at, check_receipt_no};
use crate::members::resolve;
use crate::points::{award, Award};
use crate::{Ctx, Desk, DeskError, DeskResult, ErrorCode, Operation};
use chrono::NaiveDateTime;
use loyalty::member::greeting;
use loyalty::money::{self, from_fen, parse_amount, to_fen, Money};
use loyalty::stored_value::{self as sv, Account, StoredValueError, TopUpBonus, TopUpRule};
use serde::{Deserialize, Serialize};
use store::ledger::LedgerKind;
use store::stored_value::{NewTopUp, SvEntry, SvKind, TopUpRuleRow};

impl From<StoredValueError> for DeskError {
    fn from(e: StoredValueError) -> DeskError {
        let code = match e {
            StoredValueError::NotEnough { .. } => ErrorCode::StoredValueInsufficient,
            StoredValueError::PinShape => ErrorCode::InvalidPin,
            StoredValueError::RuleThreshold
            | StoredValueError::RuleBonusMoney
            | StoredValueError::RuleBonusPoints
            | StoredValueError::RuleBonusCoupon
            | StoredValueError::RuleDates => ErrorCode::InvalidInput,
            StoredValueError::TopUpOutOfRange(_)
            | StoredValueError::NothingTaken
            | StoredValueError::MoreThanDue(_)
            | StoredValueError::PayoutOutOfRange(_) => ErrorCode::InvalidAmount,
        };
        DeskError::new(code, e.to_string())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TopUpInput {
    /// Phone, member number or card code.
    pub member: String,
    pub amount: String,
    pub receipt: String,
    /// Store time of the top-up; default now.
    pub at: Option<NaiveDateTime>,
}

/// What a top-up did (interface.md: `topup`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopUpOutcome {
    pub receipt: String,
    pub member_no: String,
    pub greeting: String,
    pub amount: String,
    /// Bonus money put into the account's bonus part.
    pub bonus: String,
    pub bonus_points: i64,
    /// The code of the coupon the rule gave.
    pub bonus_coupon: Option<String>,
    /// The rule that applied, as staff read it (充500送50).
    pub rule: Option<String>,
    /// The account after the top-up.
    pub principal: String,
    pub bonus_balance: String,
    pub duplicate: bool,
}

/// What a payout did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PayoutOutcome {
    pub member_no: String,
    pub principal_paid: String,
    pub bonus_removed: String,
    pub principal: String,
    pub bonus_balance: String,
}

/// A top-up rule as the manager and the front desk read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopUpRuleView {
    pub id: i64,
    pub threshold: String,
    /// `money`, `points` or `coupon`.
    pub bonus_kind: String,
    pub bonus: String,
    pub bonus_points: i64,
    pub bonus_coupon: Option<String>,
    pub from: Option<chrono::NaiveDate>,
    pub until: Option<chrono::NaiveDate>,
    pub active: bool,
    /// 充500送50.
    pub label: String,
    /// When and by whom it was made (empty for the defaults of a new store).
    pub created_at: String,
    pub created_by: Option<String>,
    /// When and by whom it was retired (an edit retires the rule and makes its successor).
    pub retired_at: Option<String>,
    pub retired_by: Option<String>,
    pub replaced_by: Option<i64>,
}

/// A top-up rule as the manager writes it: threshold and bonus in yuan, the bonus kind
/// `money`, `points` or `coupon` (a template key), and the dates it runs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TopUpRuleInput {
    /// The rule this one replaces (an edit); none for a new rule.
    pub replaces: Option<i64>,
    pub threshold: String,
    pub bonus_kind: String,
    /// Bonus money in yuan (`money`).
    pub bonus: Option<String>,
    pub bonus_points: Option<i64>,
    /// The coupon template's key (`coupon`).
    pub bonus_coupon: Option<String>,
    pub from: Option<chrono::NaiveDate>,
    pub until: Option<chrono::NaiveDate>,
}

fn rule_of(row: &TopUpRuleRow) -> DeskResult<TopUpRule> {
    let bonus = match row.bonus_kind.as_str() {
        "money" => TopUpBonus::Money(from_fen(row.bonus_fen)),
        "points" => TopUpBonus::Points(row.bonus_points),
        "coupon" => TopUpBonus::Coupon(row.bonus_template.clone().unwrap_or_default()),
        other => {
            return Err(DeskError::new(
                ErrorCode::DataFileDamaged,
                format!("充值规则 {} 的赠送方式“{other}”无法识别", row.id),
            ))
        }
    };
    Ok(TopUpRule { threshold: from_fen(row.threshold_fen), bonus, from: row.valid_from, until: row.valid_until })
}

fn label(rule: &TopUpRule) -> String {
    let at = money::format(rule.threshold);
    let at = at.trim_end_matches(".00");
    match &rule.bonus {
        TopUpBonus::Money(m) => format!("充{at}送{}", money::format(*m).trim_end_matches(".00")),
        TopUpBonus::Points(p) => format!("充{at}送{p}积分"),
        TopUpBonus::Coupon(key) => format!("充{at}送优惠券（{key}）"),
    }
}

fn account_text(fen: i64) -> String {
    money::format(from_fen(fen))
}

/// A member's stored-value account as the card shows it (interface: `stored_value`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountView {
    pub principal: String,
    pub bonus: String,
    /// Principal and bonus together: what the member can pay with.
    pub total: String,
}

impl AccountView {
    pub(crate) fn from_fen(principal: i64, bonus: i64) -> AccountView {
        AccountView {
            principal: account_text(principal),
            bonus: account_text(bonus),
            total: account_text(principal + bonus),
        }
    }
}

pub(crate) fn view_of(conn: &store::Connection, member_id: i64) -> DeskResult<AccountView> {
    let (principal, bonus) = store::stored_value::account(conn, member_id)?;
    Ok(AccountView::from_fen(principal, bonus))
}

impl Desk {
    /// The top-up rules, lowest threshold first: those running and, with `history`, the
    /// retired ones too (who made and retired each, and when).
    pub fn top_up_rules(&self, ctx: &Ctx, history: bool) -> DeskResult<Vec<TopUpRuleView>> {
        ctx.require(Operation::Lookup)?;
        let conn = self.store.conn();
        let mut made: std::collections::HashMap<i64, store::stored_value::RuleHistory> =
            store::stored_value::rule_history(conn)?.into_iter().collect();
        store::stored_value::rules(conn)?
            .iter()
            .filter(|row| history || row.active)
            .map(|row| {
                let rule = rule_of(row)?;
                let h = made.remove(&row.id).unwrap_or(store::stored_value::RuleHistory {
                    created_at: String::new(),
                    created_by: None,
                    retired_at: None,
                    retired_by: None,
                    replaced_by: None,
                });
                Ok(TopUpRuleView {
                    id: row.id,
                    threshold: account_text(row.threshold_fen),
                    bonus_kind: row.bonus_kind.clone(),
                    bonus: account_text(row.bonus_fen),
                    bonus_points: row.bonus_points,
                    bonus_coupon: row.bonus_template.clone(),
                    from: row.valid_from,
                    until: row.valid_until,
                    active: row.active,
                    label: label(&rule),
                    created_at: h.created_at,
                    created_by: h.created_by,
                    retired_at: h.retired_at,
                    retired_by: h.retired_by,
                    replaced_by: h.replaced_by,
                })
            })
            .collect()
    }

    /// Saves a top-up rule (the manager's): a new one, or an edit of `replaces`, which is
    /// retired and names its successor, so each top-up keeps the rule it got. Audited.
    pub fn save_top_up_rule(&mut self, ctx: &Ctx, input: &TopUpRuleInput) -> DeskResult<TopUpRuleView> {
        ctx.require(Operation::EditSettings)?;
        let threshold = parse_amount(&input.threshold)?;
        let bonus = match input.bonus_kind.trim() {
            "money" => TopUpBonus::Money(parse_amount(input.bonus.as_deref().unwrap_or(""))?),
            "points" => TopUpBonus::Points(input.bonus_points.unwrap_or(0)),
            "coupon" => TopUpBonus::Coupon(input.bonus_coupon.clone().unwrap_or_default().trim().to_string()),
            other => {
                return Err(DeskError::new(
                    ErrorCode::InvalidInput,
                    format!("赠送方式须为 money（赠送金）、points（积分）或 coupon（优惠券），收到“{other}”"),
                ))
            }
        };
        let rule = TopUpRule { threshold, bonus, from: input.from, until: input.until };
        sv::check_rule(&rule)?;
        let id = self.store.write(|tx| {
            if let TopUpBonus::Coupon(key) = &rule.bonus {
                if store::coupons::template_by_key(&tx, key)?.is_none() {
                    return Err(DeskError::new(ErrorCode::CouponNotFound, format!("没有名为“{key}”的券模板")));
                }
            }
            let before = match input.replaces {
                Some(old) => {
                    let row = store::stored_value::rules(&tx)?.into_iter().find(|r| r.id == old && r.active);
                    let row = row.ok_or_else(|| {
                        DeskError::new(ErrorCode::InvalidInput, format!("充值规则 {old} 不存在或已停用，请刷新后再改"))
                    })?;
                    Some(label(&rule_of(&row)?))
                }
                None => None,
            };
            let now = ctx.now_text();
            let (kind, bonus_fen, bonus_points, template) = match &rule.bonus {
                TopUpBonus::Money(m) => ("money", to_fen(*m), 0, None),
                TopUpBonus::Points(p) => ("points", 0, *p, None),
                TopUpBonus::Coupon(key) => ("coupon", 0, 0, Some(key.as_str())),
            };
            let id = store::stored_value::insert_rule(
                &tx,
                &store::stored_value::NewTopUpRule {
                    threshold_fen: to_fen(rule.threshold),
                    bonus_kind: kind,
                    bonus_fen,
                    bonus_points,
                    bonus_template: template,
                    valid_from: rule.from,
                    valid_until: rule.until,
                    staff_id: ctx.staff_id,
                    created_at: &now,
                },
            )?;
            if let Some(old) = input.replaces {
                store::stored_value::retire_rule(&tx, old, Some(id), ctx.staff_id, &now)?;
            }
            let dates = match (rule.from, rule.until) {
                (None, None) => String::new(),
                (f, u) => format!(
                    "（{} 至 {}）",
                    f.map(|d| d.to_string()).unwrap_or_else(|| "不限".into()),
                    u.map(|d| d.to_string()).unwrap_or_else(|| "不限".into())
                ),
            };
            crate::audit(
                &tx,
                ctx,
                "sv.rule_saved",
                "top_up_rule",
                Some(&id.to_string()),
                before.as_deref(),
                Some(&format!("{}{dates}", label(&rule))),
            )?;
            Ok(id)
        })?;
        self.top_up_rules(ctx, true)?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| DeskError::new(ErrorCode::Internal, "刚保存的充值规则读不到"))
    }

    /// Stops a top-up rule (the manager's); it stays in the history. Audited.
    pub fn retire_top_up_rule(&mut self, ctx: &Ctx, rule_id: i64) -> DeskResult<()> {
        ctx.require(Operation::EditSettings)?;
        self.store.write(|tx| {
            let row = store::stored_value::rules(&tx)?
                .into_iter()
                .find(|r| r.id == rule_id && r.active)
                .ok_or_else(|| DeskError::new(ErrorCode::InvalidInput, format!("充值规则 {rule_id} 不存在或已停用")))?;
            store::stored_value::retire_rule(&tx, rule_id, None, ctx.staff_id, &ctx.now_text())?;
            crate::audit(
                &tx,
                ctx,
                "sv.rule_retired",
                "top_up_rule",
                Some(&rule_id.to_string()),
                Some(&label(&rule_of(&row)?)),
                None,
            )?;
            Ok(())
        })
    }

    /// Sets, changes or (with `None`) removes a member's 6-digit payment PIN. The member
    /// types it at the desk; only its Argon2 hash is kept, and the audit never shows it.
    pub fn set_sv_pin(&mut self, ctx: &Ctx, member: &str, pin: Option<&str>) -> DeskResult<bool> {
        ctx.require(Operation::EditMember)?;
        let hash = match pin.map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => {
                sv::check_pin(p)?;
                Some(crate::pin_hash::hash(p)?)
            }
            None => None,
        };
        self.store.write(|tx| {
            let row = resolve(&tx, member)?;
            if row.archived {
                return Err(DeskError::new(ErrorCode::MemberArchived, format!("会员 {} 已归档", row.member_no)));
            }
            store::stored_value::set_pin(&tx, row.id, hash.as_deref())?;
            let action = if hash.is_some() { "member.sv_pin_set" } else { "member.sv_pin_cleared" };
            crate::audit_for(&tx, ctx, Some(&row.member_no), action, "member", Some(&row.member_no), None, None)?;
            Ok(hash.is_some())
        })
    }

    /// Tops up a member's stored value under its own receipt number: the highest rule the
    /// amount reaches on that day gives its bonus once. The same receipt sent again returns
    /// the account as it is and adds nothing; a top-up earns no points and is no visit.
    pub fn top_up(&mut self, ctx: &Ctx, input: &TopUpInput) -> DeskResult<TopUpOutcome> {
        self.top_up_in(ctx, input, true)
    }

    /// What a top-up would give (the rule and its bonus, the account after) without
    /// recording it, for the desk to show before confirming: the same operation, rolled back.
    pub fn top_up_quote(&mut self, ctx: &Ctx, input: &TopUpInput) -> DeskResult<TopUpOutcome> {
        self.top_up_in(ctx, input, false)
    }

    fn top_up_in(&mut self, ctx: &Ctx, input: &TopUpInput, commit: bool) -> DeskResult<TopUpOutcome> {
        ctx.require(Operation::TopUp)?;
        let amount = sv::check_top_up(parse_amount(&input.amount)?)?;
        let receipt_no = check_receipt_no(&input.receipt)?;
        let opening = self.opening_day()?;
        let settings = self.settings.clone();
        self.store.run(commit, |tx| {
            let member = resolve(&tx, &input.member)?;
            let greet = greeting(&member.name, member.gender);
            if let Some(existing) = store::stored_value::top_up_by_no(&tx, &receipt_no)? {
                if existing.member_id != member.id || existing.amount_fen != to_fen(amount) {
                    return Err(DeskError::new(
                        ErrorCode::ReceiptConflict,
                        format!("小票号 {receipt_no} 已用于另一笔不同的充值，请核对小票号"),
                    ));
                }
                let (principal, bonus) = store::stored_value::account(&tx, member.id)?;
                let coupon = match existing.bonus_coupon_id {
                    Some(id) => store::coupons::get(&tx, id)?.map(|c| c.code),
                    None => None,
                };
                return Ok(TopUpOutcome {
                    receipt: receipt_no.clone(),
                    member_no: member.member_no.clone(),
                    greeting: greet,
                    amount: money::format(amount),
                    bonus: account_text(existing.bonus_fen),
                    bonus_points: existing.bonus_points,
                    bonus_coupon: coupon,
                    rule: None,
                    principal: account_text(principal),
                    bonus_balance: account_text(bonus),
                    duplicate: true,
                });
            }
            if store::receipts::by_no(&tx, &receipt_no)?.is_some() {
                return Err(DeskError::new(
                    ErrorCode::ReceiptConflict,
                    format!("小票号 {receipt_no} 已用于一笔消费，充值请用另一个小票号"),
                ));
            }
            if member.archived {
                return Err(DeskError::new(
                    ErrorCode::MemberArchived,
                    format!("会员 {} 已归档，不能充值", member.member_no),
                ));
            }
            let at = check_at(input.at, ctx, opening)?;
            let rows: Vec<TopUpRuleRow> = store::stored_value::rules(&tx)?.into_iter().filter(|r| r.active).collect();
            let rules = rows.iter().map(rule_of).collect::<DeskResult<Vec<_>>>()?;
            let applied = sv::rule_for(amount, at.date(), &rules);
            let rule_id = applied.and_then(|a| rules.iter().position(|r| r == a)).map(|i| rows[i].id);
            let (bonus_money, bonus_points) = match applied.map(|r| &r.bonus) {
                Some(TopUpBonus::Money(m)) => (*m, 0),
                Some(TopUpBonus::Points(p)) => (Money::ZERO, *p),
                _ => (Money::ZERO, 0),
            };
            let now = ctx.now_text();
            let top_up_id = store::stored_value::insert_top_up(
                &tx,
                &NewTopUp {
                    receipt_no: &receipt_no,
                    member_id: member.id,
                    amount_fen: to_fen(amount),
                    rule_id,
                    bonus_fen: to_fen(bonus_money),
                    bonus_points,
                    at,
                    staff_id: ctx.staff_id,
                    created_at: &now,
                },
            )?;
            let entry = |kind, principal_fen, bonus_fen| SvEntry {
                member_id: member.id,
                kind,
                principal_fen,
                bonus_fen,
                top_up_id: Some(top_up_id),
                receipt_id: None,
                reason: "",
                on_date: at.date(),
                staff_id: Some(ctx.staff_id),
                created_at: &now,
            };
            let mut balance = store::stored_value::append(&tx, &entry(SvKind::TopUp, to_fen(amount), 0))?;
            if bonus_money > Money::ZERO {
                balance = store::stored_value::append(&tx, &entry(SvKind::Bonus, 0, to_fen(bonus_money)))?;
            }
            if bonus_points > 0 {
                award(
                    &tx,
                    &Award {
                        member_id: member.id,
                        points: bonus_points,
                        kind: LedgerKind::Bonus,
                        source: "top_up",
                        receipt_id: None,
                        earned_on: at.date(),
                        reason: &format!("充值 {receipt_no} 赠送积分"),
                        staff_id: ctx.staff_id,
                        now: &now,
                    },
                    &settings,
                )?;
            }
            let mut coupon = None;
            if let Some(TopUpBonus::Coupon(key)) = applied.map(|r| &r.bonus) {
                let template = store::coupons::template_by_key(&tx, key)?.ok_or_else(|| {
                    DeskError::new(
                        ErrorCode::CouponNotFound,
                        format!("充值规则要送的优惠券“{key}”不存在，请店长检查充值规则"),
                    )
                })?;
                if let Some(id) = crate::coupons::issue_from(&tx, ctx, &template, member.id, "充值赠送", None)? {
                    store::stored_value::set_top_up_coupon(&tx, top_up_id, id)?;
                    coupon = store::coupons::get(&tx, id)?.map(|c| c.code);
                }
            }
            let rule_text = applied.map(label);
            crate::audit_for(
                &tx,
                ctx,
                Some(&member.member_no),
                "sv.top_up",
                "top_up",
                Some(&receipt_no),
                None,
                Some(&format!(
                    "{} 充值 {} 元{}",
                    member.member_no,
                    money::format(amount),
                    rule_text.as_deref().map(|r| format!("（{r}）")).unwrap_or_default()
                )),
            )?;
            Ok(TopUpOutcome {
                receipt: receipt_no.clone(),
                member_no: member.member_no.clone(),
                greeting: greet,
                amount: money::format(amount),
                bonus: money::format(bonus_money),
                bonus_points,
                bonus_coupon: coupon,
                rule: rule_text,
                principal: account_text(balance.0),
                bonus_balance: account_text(balance.1),
                duplicate: false,
            })
        })
    }

    /// Pays principal back out of a member's account (退储值, manager only, with a reason):
    /// `amount` in yuan, or `all`. The bonus goes in the same proportion.
    pub fn payout(&mut self, ctx: &Ctx, member: &str, amount: &str, reason: &str) -> DeskResult<PayoutOutcome> {
        ctx.require(Operation::Payout)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(DeskError::new(ErrorCode::ReasonRequired, "退储值须写明原因"));
        }
        let amount = match amount.trim() {
            "all" | "全部" => None,
            text => Some(parse_amount(text)?),
        };
        self.store.write(|tx| {
            let row = resolve(&tx, member)?;
            let (principal, bonus) = store::stored_value::account(&tx, row.id)?;
            let account = Account { principal: from_fen(principal), bonus: from_fen(bonus) };
            let parts = sv::payout(account, amount)?;
            let after = store::stored_value::append(
                &tx,
                &SvEntry {
                    member_id: row.id,
                    kind: SvKind::Payout,
                    principal_fen: -to_fen(parts.principal),
                    bonus_fen: -to_fen(parts.bonus),
                    top_up_id: None,
                    receipt_id: None,
                    reason,
                    on_date: ctx.store_date,
                    staff_id: Some(ctx.staff_id),
                    created_at: &ctx.now_text(),
                },
            )?;
            crate::audit_for(
                &tx,
                ctx,
                Some(&row.member_no),
                "sv.payout",
                "member",
                Some(&row.member_no),
                Some(&format!("本金 {} 元，赠送 {} 元", account_text(principal), account_text(bonus))),
                Some(&format!(
                    "退本金 {} 元，扣赠送 {} 元：{reason}",
                    money::format(parts.principal),
                    money::format(parts.bonus)
                )),
            )?;
            Ok(PayoutOutcome {
                member_no: row.member_no,
                principal_paid: money::format(parts.principal),
                bonus_removed: money::format(parts.bonus),
                principal: account_text(after.0),
                bonus_balance: account_text(after.1),
            })
        })
    }
}
