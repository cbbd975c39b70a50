//! Checkout, refunds and manager adjustments (rules §3–4): idempotent receipts, points
//! with the tier multiplier at the time of sale, the spend-threshold gift, claw-back on
//! refunds, and adjustments with a reason.

use crate::members::{resolve, tier_label};
use crate::points::{award, spend, Award, Spend};
use crate::views::{AdjustOutcome, ReceiptOutcome, ReceiptView};
use crate::{coupons, Ctx, Desk, DeskError, DeskResult, ErrorCode, Operation};
use chrono::{NaiveDate, NaiveDateTime};
use loyalty::member::greeting;
use loyalty::money::{self, parse_amount};
use loyalty::points::{clawback_for_refund, earned_points, threshold_gift};
use rust_decimal::Decimal;
use serde::Deserialize;
use store::coupons::CouponRow;
use store::ledger::LedgerKind;
use store::receipts::{NewReceipt, ReceiptRow};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CheckoutInput {
    /// Phone or member number.
    pub member: String,
    pub amount: String,
    pub receipt: String,
    pub coupon: Option<String>,
    /// Store time of the sale; default now.
    pub at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RefundInput {
    /// The original receipt number.
    pub of: String,
    /// The refund's own receipt number.
    pub receipt: String,
    pub amount: String,
    pub at: Option<NaiveDateTime>,
}

pub(crate) fn check_receipt_no(text: &str) -> DeskResult<String> {
    loyalty::points::check_receipt_no(text).map_err(|e| DeskError::new(ErrorCode::InvalidInput, e.to_string()))
}

/// The time of a sale or refund: given or now, checked by
/// [`loyalty::store_date::check_sale_time`].
pub(crate) fn check_at(at: Option<NaiveDateTime>, ctx: &Ctx, opening: Option<NaiveDate>) -> DeskResult<NaiveDateTime> {
    Ok(loyalty::store_date::check_sale_time(at.unwrap_or(ctx.now), ctx.store_date, opening)?)
}

fn fen_text(fen: i64) -> String {
    money::format(money::from_fen(fen))
}

fn sale_outcome(
    r: &ReceiptRow,
    member_no: &str,
    greet: String,
    balance: i64,
    duplicate: bool,
    coupon: Option<String>,
) -> ReceiptOutcome {
    ReceiptOutcome {
        receipt: r.receipt_no.clone(),
        member_no: member_no.to_string(),
        greeting: greet,
        gross: fen_text(r.gross_fen),
        discount: fen_text(r.discount_fen),
        paid: fen_text(r.paid_fen),
        points_earned: Some(r.points),
        points_clawed_back: None,
        refund_of: None,
        points_balance: balance,
        coupon_used: coupon,
        gift: r.gift.clone(),
        duplicate,
    }
}

/// Records one sale inside the caller's transaction (checkout and purchase import).
/// `earns`: whether it earns points (history before the opening day does not).
#[allow(clippy::too_many_arguments)]
pub(crate) fn record_sale(
    conn: &store::Connection,
    ctx: &Ctx,
    settings: &loyalty::ProgramSettings,
    member: &store::members::MemberRow,
    receipt_no: &str,
    gross: Decimal,
    at: NaiveDateTime,
    earns: bool,
    coupon: Option<&CouponRow>,
) -> DeskResult<(ReceiptRow, i64)> {
    // The tier in force at the time of the sale (an imported past sale uses the tier of then).
    let tier = store::tiers::tier_on(conn, member.id, at.date(), member.tier)?;
    let multiplier = settings.multiplier(tier);
    // Coupon first: points are earned on what is paid.
    let (discount, paid) = match coupon {
        Some(c) => coupons::price_with(c, member.id, ctx.store_date, gross)?,
        None => (Decimal::ZERO, gross),
    };
    let points = if earns { earned_points(paid, multiplier, settings) } else { 0 };
    let gift = if earns { threshold_gift(paid, settings) } else { None };
    let now = ctx.now_text();
    let id = store::receipts::insert(
        conn,
        &NewReceipt {
            receipt_no,
            kind: "sale",
            member_id: member.id,
            refund_of: None,
            gross_fen: money::to_fen(gross),
            discount_fen: money::to_fen(discount),
            paid_fen: money::to_fen(paid),
            multiplier: &multiplier.to_string(),
            points,
            gift: gift.as_deref(),
            coupon_id: coupon.map(|c| c.id),
            history: !earns,
            at,
            staff_id: ctx.staff_id,
            created_at: &now,
        },
    )?;
    let balance = award(
        conn,
        &Award {
            member_id: member.id,
            points,
            kind: LedgerKind::Earn,
            source: "checkout",
            receipt_id: Some(id),
            earned_on: at.date(),
            reason: &format!("消费 {receipt_no}"),
            staff_id: ctx.staff_id,
            now: &now,
        },
        settings,
    )?;
    if let Some(c) = coupon {
        store::coupons::mark_used(conn, c.id, id, &now)?;
    }
    let mut balance = balance;
    if earns {
        coupons::on_sale(conn, ctx, settings, member, id, money::to_fen(paid), at.date())?;
        balance = store::members::get(conn, member.id)?.map(|m| m.points_balance).unwrap_or(balance);
    }
    let row = store::receipts::get(conn, id)?.expect("just inserted");
    Ok((row, balance))
}

/// Records one refund inside the caller's transaction (refund and purchase import).
pub(crate) fn record_refund(
    conn: &store::Connection,
    ctx: &Ctx,
    settings: &loyalty::ProgramSettings,
    sale: &ReceiptRow,
    receipt_no: &str,
    amount: Decimal,
    at: NaiveDateTime,
) -> DeskResult<(ReceiptRow, i64)> {
    let left = sale.paid_fen - sale.refunded_fen;
    if money::to_fen(amount) > left {
        return Err(DeskError::new(
            ErrorCode::RefundExceedsPaid,
            format!("小票 {} 最多还可退 {} 元", sale.receipt_no, fen_text(left)),
        ));
    }
    let multiplier: Decimal = sale.multiplier.parse().unwrap_or(Decimal::ONE);
    let clawed = clawback_for_refund(
        sale.points,
        money::from_fen(sale.paid_fen),
        money::from_fen(sale.refunded_fen),
        amount,
        multiplier,
        settings,
    );
    let now = ctx.now_text();
    let id = store::receipts::insert(
        conn,
        &NewReceipt {
            receipt_no,
            kind: "refund",
            member_id: sale.member_id,
            refund_of: Some(sale.id),
            gross_fen: money::to_fen(amount),
            discount_fen: 0,
            paid_fen: money::to_fen(amount),
            multiplier: &sale.multiplier,
            points: clawed,
            gift: None,
            coupon_id: None,
            history: sale.history,
            at,
            staff_id: ctx.staff_id,
            created_at: &now,
        },
    )?;
    store::receipts::add_refunded(conn, sale.id, money::to_fen(amount))?;
    if let Some(coupon_id) = sale.coupon_id.filter(|_| sale.refunded_fen + money::to_fen(amount) == sale.paid_fen) {
        coupons::on_full_refund(conn, ctx, coupon_id)?;
    }
    let mut balance = store::members::get(conn, sale.member_id)?.map(|m| m.points_balance).unwrap_or(0);
    if clawed > 0 {
        let own_lot = store::lots::of_receipt(conn, sale.id)?;
        balance = spend(
            conn,
            &Spend {
                member_id: sale.member_id,
                points: clawed,
                kind: LedgerKind::Clawback,
                receipt_id: Some(id),
                own_lot: Some(own_lot.unwrap_or(-1)),
                may_go_negative: true,
                on_date: at.date(),
                reason: &format!("退货 {receipt_no}（原小票 {}）", sale.receipt_no),
                staff_id: ctx.staff_id,
                now: &now,
            },
        )?
        .expect("claw-back may go negative");
    }
    let row = store::receipts::get(conn, id)?.expect("just inserted");
    Ok((row, balance))
}

impl Desk {
    /// A checkout: the coupon first, then points on what was paid, with the member's tier
    /// multiplier at the time. The same receipt sent again returns the first result and
    /// awards nothing.
    pub fn checkout(&mut self, ctx: &Ctx, input: &CheckoutInput) -> DeskResult<ReceiptOutcome> {
        self.checkout_in(ctx, input, true)
    }

    /// What a checkout would give (discount, paid, points, gift) without recording it: the
    /// same operation, rolled back.
    pub fn checkout_quote(&mut self, ctx: &Ctx, input: &CheckoutInput) -> DeskResult<ReceiptOutcome> {
        self.checkout_in(ctx, input, false)
    }

    fn checkout_in(&mut self, ctx: &Ctx, input: &CheckoutInput, commit: bool) -> DeskResult<ReceiptOutcome> {
        ctx.require(Operation::Checkout)?;
        let gross = parse_amount(&input.amount)?;
        let receipt_no = check_receipt_no(&input.receipt)?;
        let coupon_code = input.coupon.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let opening = self.opening_day()?;
        let settings = self.settings.clone();
        self.store.run(commit, |tx| {
            let member = resolve(&tx, &input.member)?;
            let greet = greeting(&member.name, member.gender);
            let coupon = match coupon_code {
                Some(code) => Some(coupons::find(&tx, code)?),
                None => None,
            };
            if let Some(existing) = store::receipts::by_no(&tx, &receipt_no)? {
                let same = existing.kind == "sale"
                    && existing.member_id == member.id
                    && existing.gross_fen == money::to_fen(gross)
                    && existing.coupon_id == coupon.as_ref().map(|c| c.id);
                if !same {
                    return Err(DeskError::new(
                        ErrorCode::ReceiptConflict,
                        format!("小票号 {receipt_no} 已用于另一笔不同的交易，请核对小票号"),
                    ));
                }
                let used = coupon.map(|c| c.code);
                return Ok(sale_outcome(&existing, &member.member_no, greet, member.points_balance, true, used));
            }
            if store::stored_value::top_up_by_no(&tx, &receipt_no)?.is_some() {
                return Err(DeskError::new(
                    ErrorCode::ReceiptConflict,
                    format!("小票号 {receipt_no} 已用于一笔充值，消费请用另一个小票号"),
                ));
            }
            if member.archived {
                return Err(DeskError::new(
                    ErrorCode::MemberArchived,
                    format!("会员 {} 已归档，不能消费", member.member_no),
                ));
            }
            let at = check_at(input.at, ctx, opening)?;
            let (row, balance) =
                record_sale(&tx, ctx, &settings, &member, &receipt_no, gross, at, true, coupon.as_ref())?;
            crate::audit_for(
                &tx,
                ctx,
                Some(&member.member_no),
                "checkout",
                "receipt",
                Some(&receipt_no),
                None,
                Some(&format!(
                    "{} {} 元{} +{} 积分",
                    member.member_no,
                    money::format(gross),
                    coupon.as_ref().map(|c| format!(" 用券 {}", c.code)).unwrap_or_default(),
                    row.points
                )),
            )?;
            Ok(sale_outcome(&row, &member.member_no, greet, balance, false, coupon.map(|c| c.code)))
        })
    }

    /// A refund of (part of) a receipt, under its own receipt number (manager only).
    pub fn refund(&mut self, ctx: &Ctx, input: &RefundInput) -> DeskResult<ReceiptOutcome> {
        ctx.require(Operation::Refund)?;
        let amount = parse_amount(&input.amount)?;
        let receipt_no = check_receipt_no(&input.receipt)?;
        let of_no = check_receipt_no(&input.of)?;
        let opening = self.opening_day()?;
        let settings = self.settings.clone();
        self.store.write(|tx| {
            let sale = store::receipts::by_no(&tx, &of_no)?
                .ok_or_else(|| DeskError::new(ErrorCode::ReceiptNotFound, format!("找不到原小票 {of_no}")))?;
            if sale.kind != "sale" {
                return Err(DeskError::new(ErrorCode::RefundOfRefund, format!("{of_no} 是退货单，不能再退")));
            }
            let member = store::members::get(&tx, sale.member_id)?.expect("receipts name a member");
            let greet = greeting(&member.name, member.gender);
            let outcome = |r: &ReceiptRow, balance: i64, duplicate: bool| ReceiptOutcome {
                receipt: r.receipt_no.clone(),
                member_no: member.member_no.clone(),
                greeting: greet.clone(),
                gross: fen_text(r.gross_fen),
                discount: fen_text(0),
                paid: fen_text(r.paid_fen),
                points_earned: None,
                points_clawed_back: Some(r.points),
                refund_of: Some(of_no.clone()),
                points_balance: balance,
                coupon_used: None,
                gift: None,
                duplicate,
            };
            if let Some(existing) = store::receipts::by_no(&tx, &receipt_no)? {
                if existing.kind == "refund"
                    && existing.refund_of == Some(sale.id)
                    && existing.paid_fen == money::to_fen(amount)
                {
                    return Ok(outcome(&existing, member.points_balance, true));
                }
                return Err(DeskError::new(
                    ErrorCode::ReceiptConflict,
                    format!("小票号 {receipt_no} 已用于另一笔不同的交易，请核对小票号"),
                ));
            }
            let at = check_at(input.at, ctx, opening.map(|o| o.min(sale.at.date())))?;
            if at < sale.at {
                return Err(DeskError::new(ErrorCode::InvalidInput, "退货时间不能早于原消费时间"));
            }
            let (row, balance) = record_refund(&tx, ctx, &settings, &sale, &receipt_no, amount, at)?;
            crate::audit_for(
                &tx,
                ctx,
                Some(&member.member_no),
                "refund",
                "receipt",
                Some(&receipt_no),
                None,
                Some(&format!("退 {of_no} {} 元 −{} 积分", money::format(amount), row.points)),
            )?;
            Ok(outcome(&row, balance, false))
        })
    }

    /// A manager's points adjustment with a reason: + becomes a lot earned today,
    /// − spends first-expiring lots and may not take the balance below zero.
    pub fn adjust(&mut self, ctx: &Ctx, member_key: &str, points: i64, reason: &str) -> DeskResult<AdjustOutcome> {
        ctx.require(Operation::AdjustPoints)?;
        let reason = reason.trim();
        loyalty::points::check_adjustment(points, reason).map_err(|e| {
            let code = match e {
                loyalty::points::AdjustmentError::ReasonRequired => ErrorCode::ReasonRequired,
                loyalty::points::AdjustmentError::OutOfRange => ErrorCode::InvalidInput,
            };
            DeskError::new(code, e.to_string())
        })?;
        let settings = self.settings.clone();
        self.store.write(|tx| {
            let member = resolve(&tx, member_key)?;
            let now = ctx.now_text();
            let before = member.points_balance;
            let balance = if points > 0 {
                award(
                    &tx,
                    &Award {
                        member_id: member.id,
                        points,
                        kind: LedgerKind::Adjust,
                        source: "adjust",
                        receipt_id: None,
                        earned_on: ctx.store_date,
                        reason,
                        staff_id: ctx.staff_id,
                        now: &now,
                    },
                    &settings,
                )?
            } else {
                let spent = spend(
                    &tx,
                    &Spend {
                        member_id: member.id,
                        points: -points,
                        kind: LedgerKind::Adjust,
                        receipt_id: None,
                        own_lot: None,
                        may_go_negative: false,
                        on_date: ctx.store_date,
                        reason,
                        staff_id: ctx.staff_id,
                        now: &now,
                    },
                )?;
                spent.map_err(|short| {
                    DeskError::new(
                        ErrorCode::PointsInsufficient,
                        format!("积分不足：当前 {before} 分，最多可扣 {} 分", (-points - short).max(0)),
                    )
                })?
            };
            crate::audit(
                &tx,
                ctx,
                "points.adjust",
                "member",
                Some(&member.member_no),
                Some(&before.to_string()),
                Some(&format!("{balance}（{points:+}：{reason}）")),
            )?;
            Ok(AdjustOutcome {
                member_no: member.member_no,
                points,
                reason: reason.to_string(),
                points_balance: balance,
            })
        })
    }

    /// A member's receipts, newest first.
    pub fn history(&self, ctx: &Ctx, member_key: &str, limit: i64) -> DeskResult<Vec<ReceiptView>> {
        ctx.require(Operation::Lookup)?;
        let conn = self.store.conn();
        let member = resolve(conn, member_key)?;
        store::receipts::of_member(conn, member.id, limit)?
            .iter()
            .map(|r| crate::members::receipt_view(conn, r))
            .collect()
    }

    /// A receipt number to suggest at the till: `R` + store date + a running number.
    pub fn suggest_receipt_no(&self, ctx: &Ctx) -> DeskResult<String> {
        ctx.require(Operation::Checkout)?;
        let prefix = loyalty::points::receipt_prefix(ctx.store_date);
        let mut n = store::receipts::count_with_prefix(self.store.conn(), &prefix)? + 1;
        loop {
            let candidate = loyalty::points::suggested_receipt_no(ctx.store_date, n);
            if !store::receipts::exists(self.store.conn(), &candidate)? {
                return Ok(candidate);
            }
            n += 1;
        }
    }

    /// The tier label of a code, for views.
    pub fn tier_label(code: &str) -> String {
        tier_label(code)
    }
}
