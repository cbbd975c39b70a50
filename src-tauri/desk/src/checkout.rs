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
use loyalty::points::{earned_points, threshold_gift};
use loyalty::stored_value::{self as sv, Account, Parts, SvRequest};
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
    /// Pay (part of) what is due from stored value: an amount in yuan, or `all`.
    pub stored_value: Option<String>,
    /// The member's payment PIN, when they set one.
    pub sv_pin: Option<String>,
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

/// The stored-value request of a checkout: none, `all`, or an amount.
fn sv_request(text: Option<&str>) -> DeskResult<Option<SvRequest>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some("all" | "全部") => Ok(Some(SvRequest::All)),
        Some(amount) => {
            let amount = parse_amount(amount)?;
            if amount <= Decimal::ZERO {
                return Err(sv::StoredValueError::NothingTaken.into());
            }
            Ok(Some(SvRequest::Amount(amount)))
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn sale_outcome(
    r: &ReceiptRow,
    member_no: &str,
    greet: String,
    balance: i64,
    account: (i64, i64),
    duplicate: bool,
    coupon: Option<String>,
    sv_pin_required: bool,
) -> ReceiptOutcome {
    let taken = r.sv_principal_fen + r.sv_bonus_fen;
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
        sv_taken: Some(fen_text(taken)),
        sv_returned: None,
        sv_principal: fen_text(r.sv_principal_fen),
        sv_bonus: fen_text(r.sv_bonus_fen),
        other_payment: fen_text(r.paid_fen - taken),
        principal: fen_text(account.0),
        bonus_balance: fen_text(account.1),
        sv_pin_required,
    }
}

/// A sale or refund as recorded: the receipt, the points balance, and the stored-value
/// account (principal, bonus in fen) after it when it moved stored value (an import's
/// sales never read the account).
pub(crate) struct Recorded {
    pub row: ReceiptRow,
    pub points_balance: i64,
    pub account: Option<(i64, i64)>,
}

impl Recorded {
    /// The stored-value account after the receipt (read when the receipt left it alone).
    fn account_after(&self, conn: &store::Connection, member_id: i64) -> DeskResult<(i64, i64)> {
        match self.account {
            Some(a) => Ok(a),
            None => Ok(store::stored_value::account(conn, member_id)?),
        }
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
    stored_value: Option<SvRequest>,
    till: Option<&store::receipts::TillCheck>,
) -> DeskResult<Recorded> {
    // The tier in force at the time of the sale (an imported past sale uses the tier of then).
    let tier = match till {
        Some(t) if t.day == at.date() => t.tier_then.unwrap_or(member.tier),
        _ => store::tiers::tier_on(conn, member.id, at.date(), member.tier)?,
    };
    let multiplier = settings.multiplier(tier);
    // Coupon first: points are earned on what is paid.
    let (discount, paid) = match coupon {
        Some(c) => coupons::price_with(c, member.id, ctx.store_date, gross)?,
        None => (Decimal::ZERO, gross),
    };
    // Stored value next: the part taken splits by the account's principal : bonus, and the
    // points are earned on paid minus the bonus part (rules §14).
    let mut account = None;
    let parts = match stored_value {
        Some(request) => {
            let (principal, bonus) = match till {
                Some(t) => t.account,
                None => store::stored_value::account(conn, member.id)?,
            };
            let held = Account { principal: money::from_fen(principal), bonus: money::from_fen(bonus) };
            let taken = sv::amount_to_take(request, held, paid)?;
            if taken > Decimal::ZERO {
                sv::split_payment(held, taken, paid)?
            } else {
                Parts::default()
            }
        }
        None => Parts::default(),
    };
    let basis = sv::points_basis(paid, parts.bonus);
    let points = if earns { earned_points(basis, multiplier, settings) } else { 0 };
    let gift = if earns { threshold_gift(paid, settings) } else { None };
    let now = ctx.now_text();
    // The row as stored comes back from the insert itself.
    let row = store::receipts::insert_returning_row(
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
            sv_principal_fen: money::to_fen(parts.principal),
            sv_bonus_fen: money::to_fen(parts.bonus),
        },
    )?;
    let id = row.id;
    if parts.total() > Decimal::ZERO {
        account = Some(store::stored_value::append(
            conn,
            &store::stored_value::SvEntry {
                member_id: member.id,
                kind: store::stored_value::SvKind::Spend,
                principal_fen: -money::to_fen(parts.principal),
                bonus_fen: -money::to_fen(parts.bonus),
                top_up_id: None,
                receipt_id: Some(id),
                reason: "",
                on_date: at.date(),
                staff_id: Some(ctx.staff_id),
                created_at: &now,
            },
        )?);
    }
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
        let first_sale = till.map(|t| !t.has_sale);
        if let Some(moved) =
            coupons::on_sale(conn, ctx, settings, member, id, money::to_fen(paid), at.date(), first_sale)?
        {
            balance = moved;
        }
    }
    Ok(Recorded { row, points_balance: balance, account })
}

/// A sale of history as [`record_sale`] writes it when it earns nothing (dated before the
/// opening day, no coupon, no stored value): paid in full, no points, no gift. A large
/// purchases import writes these through its load (`store::receipts::HistoryLoad`).
pub(crate) fn history_sale<'a>(
    receipt_no: &'a str,
    member_id: i64,
    gross: Decimal,
    multiplier: &'a str,
    at: NaiveDateTime,
    ctx: &Ctx,
    now: &'a str,
) -> NewReceipt<'a> {
    NewReceipt {
        receipt_no,
        kind: "sale",
        member_id,
        refund_of: None,
        gross_fen: money::to_fen(gross),
        discount_fen: 0,
        paid_fen: money::to_fen(gross),
        multiplier,
        points: 0,
        gift: None,
        coupon_id: None,
        history: true,
        at,
        staff_id: ctx.staff_id,
        created_at: now,
        sv_principal_fen: 0,
        sv_bonus_fen: 0,
    }
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
) -> DeskResult<Recorded> {
    let left = sale.paid_fen - sale.refunded_fen;
    if money::to_fen(amount) > left {
        return Err(DeskError::new(
            ErrorCode::RefundExceedsPaid,
            format!("小票 {} 最多还可退 {} 元", sale.receipt_no, fen_text(left)),
        ));
    }
    let multiplier: Decimal = sale.multiplier.parse().unwrap_or(Decimal::ONE);
    // Back to stored value first, in the parts the sale took (rules §14); the claw-back uses
    // the sale's points basis, which leaves out its bonus part.
    let taken = Parts { principal: money::from_fen(sale.sv_principal_fen), bonus: money::from_fen(sale.sv_bonus_fen) };
    // Only a sale that took stored value reads its refunds (a range read that would widen
    // what concurrent counters conflict on, for nothing).
    let returned = if sale.sv_principal_fen + sale.sv_bonus_fen > 0 {
        store::receipts::sv_returned(conn, sale.id)?
    } else {
        (0, 0)
    };
    let returned = Parts { principal: money::from_fen(returned.0), bonus: money::from_fen(returned.1) };
    let (back, _other) = sv::refund_parts(taken, returned, amount);
    let clawed = sv::clawback_for_refund(
        sale.points,
        money::from_fen(sale.paid_fen),
        taken.bonus,
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
            sv_principal_fen: money::to_fen(back.principal),
            sv_bonus_fen: money::to_fen(back.bonus),
        },
    )?;
    store::receipts::add_refunded(conn, sale.id, money::to_fen(amount))?;
    let mut account = None;
    if back.total() > Decimal::ZERO {
        account = Some(store::stored_value::append(
            conn,
            &store::stored_value::SvEntry {
                member_id: sale.member_id,
                kind: store::stored_value::SvKind::Refund,
                principal_fen: money::to_fen(back.principal),
                bonus_fen: money::to_fen(back.bonus),
                top_up_id: None,
                receipt_id: Some(id),
                reason: "",
                on_date: at.date(),
                staff_id: Some(ctx.staff_id),
                created_at: &now,
            },
        )?);
    }
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
    Ok(Recorded { row, points_balance: balance, account })
}

/// What the payment PIN check let through.
/// How one run of a checkout's transaction ended.
enum CheckoutStep {
    Done(ReceiptOutcome),
    /// The member pays by stored value and has a PIN, not checked yet: nothing was written.
    PinNeeded,
}

enum PinGate {
    /// No PIN asked: none set, a duplicate receipt, or a quote.
    NotAsked,
    /// The PIN matched this hash.
    Passed(String),
}

fn pin_locked() -> DeskError {
    DeskError::new(
        ErrorCode::SvPinLocked,
        format!("支付密码今天已输错 {} 次，储值支付已锁定到下一个营业日；可改用其他方式付款", sv::PIN_TRIES),
    )
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
        let stored_value = sv_request(input.stored_value.as_deref())?;
        let settings = self.settings.clone();
        // The payment PIN is checked (Argon2 takes a moment) outside the transaction, and
        // only for a member who set one: the sale's transaction finds that out and ends
        // having written nothing, the PIN is checked (a wrong one is counted in its own
        // transaction), and the sale runs again with the PIN passed.
        let mut pin_gate = PinGate::NotAsked;
        for _ in 0..2 {
            match self.checkout_step(
                ctx,
                input,
                commit,
                &settings,
                &receipt_no,
                gross,
                coupon_code,
                stored_value,
                &pin_gate,
            )? {
                CheckoutStep::Done(outcome) => return Ok(outcome),
                CheckoutStep::PinNeeded => {
                    pin_gate = self.sv_pin_gate(ctx, &input.member, &receipt_no, input.sv_pin.as_deref(), commit)?
                }
            }
        }
        Err(DeskError::new(ErrorCode::WrongPin, "支付密码刚被修改，请重新输入"))
    }

    /// One run of the checkout's transaction; see [`Desk::checkout_in`].
    #[allow(clippy::too_many_arguments)]
    fn checkout_step(
        &mut self,
        ctx: &Ctx,
        input: &CheckoutInput,
        commit: bool,
        settings: &loyalty::ProgramSettings,
        receipt_no: &str,
        gross: Decimal,
        coupon_code: Option<&str>,
        stored_value: Option<SvRequest>,
        pin_gate: &PinGate,
    ) -> DeskResult<CheckoutStep> {
        let receipt_no = receipt_no.to_string();
        // The day the tier in force is read for (`check_at` below checks the time itself).
        let day = input.at.unwrap_or(ctx.now).date();
        self.store.run(commit, |tx| {
            let member = resolve(&tx, &input.member)?;
            let greet = greeting(&member.name, member.gender);
            let coupon = match coupon_code {
                Some(code) => Some(coupons::find(&tx, code)?),
                None => None,
            };
            // The PIN, the account, the first sale, the receipt number, the opening day and
            // the tier of the day: one read.
            let till = store::receipts::till_check(&tx, member.id, &receipt_no, day)?;
            let pin = &till.pin;
            let existing = match till.receipt_taken {
                true => store::receipts::by_no(&tx, &receipt_no)?,
                false => None,
            };
            if let Some(existing) = existing {
                let taken = existing.sv_principal_fen + existing.sv_bonus_fen;
                let same = existing.kind == "sale"
                    && existing.member_id == member.id
                    && existing.gross_fen == money::to_fen(gross)
                    && existing.coupon_id == coupon.as_ref().map(|c| c.id)
                    && match stored_value {
                        None => taken == 0,
                        Some(SvRequest::All) => true,
                        Some(SvRequest::Amount(a)) => taken == money::to_fen(a),
                    };
                if !same {
                    return Err(DeskError::new(
                        ErrorCode::ReceiptConflict,
                        format!("小票号 {receipt_no} 已用于另一笔不同的交易，请核对小票号"),
                    ));
                }
                let used = coupon.map(|c| c.code);
                let outcome = sale_outcome(
                    &existing,
                    &member.member_no,
                    greet,
                    member.points_balance,
                    till.account,
                    true,
                    used,
                    pin.hash.is_some(),
                );
                return Ok(CheckoutStep::Done(outcome));
            }
            if till.top_up_taken {
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
            if let (Some(_), Some(hash_now)) = (stored_value, pin.hash.as_deref()) {
                if sv::pin_locked(pin.fails, pin.failed_on, ctx.store_date) {
                    return Err(pin_locked());
                }
                match pin_gate {
                    // The PIN checked outside must still be the member's (another counter
                    // may have changed it meanwhile).
                    PinGate::Passed(hash) if hash.as_str() != hash_now => {
                        return Err(DeskError::new(ErrorCode::WrongPin, "支付密码刚被修改，请重新输入"));
                    }
                    PinGate::Passed(_) => {
                        if pin.fails != 0 {
                            store::stored_value::clear_pin_failures(&tx, member.id)?;
                        }
                    }
                    // Nothing is written yet: the PIN is checked and the sale runs again.
                    PinGate::NotAsked if commit => return Ok(CheckoutStep::PinNeeded),
                    // A quote asks no PIN.
                    PinGate::NotAsked => {}
                }
            }
            let at = check_at(input.at, ctx, till.opening_day)?;
            let recorded = record_sale(
                &tx,
                ctx,
                settings,
                &member,
                &receipt_no,
                gross,
                at,
                true,
                coupon.as_ref(),
                stored_value,
                Some(&till),
            )?;
            let row = &recorded.row;
            let taken = row.sv_principal_fen + row.sv_bonus_fen;
            crate::audit_for(
                &tx,
                ctx,
                Some(&member.member_no),
                "checkout",
                "receipt",
                Some(&receipt_no),
                None,
                Some(&format!(
                    "{} {} 元{}{} +{} 积分",
                    member.member_no,
                    money::format(gross),
                    coupon.as_ref().map(|c| format!(" 用券 {}", c.code)).unwrap_or_default(),
                    if taken > 0 {
                        format!(
                            " 储值 {}（本金 {} + 赠送 {}）",
                            fen_text(taken),
                            fen_text(row.sv_principal_fen),
                            fen_text(row.sv_bonus_fen)
                        )
                    } else {
                        String::new()
                    },
                    row.points
                )),
            )?;
            Ok(CheckoutStep::Done(sale_outcome(
                row,
                &member.member_no,
                greet,
                recorded.points_balance,
                // A sale that took no stored value left the account as read before it.
                recorded.account.unwrap_or(till.account),
                false,
                coupon.map(|c| c.code),
                pin.hash.is_some(),
            )))
        })
    }

    /// The payment PIN before a checkout takes stored value: not asked when the member set
    /// none (or the receipt is already recorded); refused when locked for the day, missing or
    /// wrong. A wrong PIN is counted (its own transaction); the fifth of the day locks paying
    /// by stored value until the next store day. A quote only reports the lock.
    fn sv_pin_gate(
        &mut self,
        ctx: &Ctx,
        member_key: &str,
        receipt_no: &str,
        pin: Option<&str>,
        commit: bool,
    ) -> DeskResult<PinGate> {
        let conn = self.store.conn();
        let member = resolve(conn, member_key)?;
        if store::receipts::by_no(conn, receipt_no)?.is_some() {
            return Ok(PinGate::NotAsked);
        }
        let state = store::stored_value::pin_state(conn, member.id)?;
        let Some(hash) = state.hash else {
            return Ok(PinGate::NotAsked);
        };
        if sv::pin_locked(state.fails, state.failed_on, ctx.store_date) {
            return Err(pin_locked());
        }
        if !commit {
            return Ok(PinGate::NotAsked);
        }
        let pin = pin.map(str::trim).filter(|p| !p.is_empty()).ok_or_else(|| {
            DeskError::new(ErrorCode::SvPinRequired, "该会员设有支付密码：请会员输入 6 位支付密码后再用储值支付")
        })?;
        sv::check_pin(pin).map_err(|e| DeskError::new(ErrorCode::InvalidPin, e.to_string()))?;
        if crate::pin_hash::matches(&hash, pin) {
            return Ok(PinGate::Passed(hash));
        }
        let member_id = member.id;
        let fails = self
            .store
            .write(|tx| Ok::<_, DeskError>(store::stored_value::count_pin_failure(&tx, member_id, ctx.store_date)?))?;
        let left = i64::from(sv::PIN_TRIES) - fails;
        if left <= 0 {
            return Err(pin_locked());
        }
        Err(DeskError::new(ErrorCode::WrongPin, format!("支付密码错误，今天还可再试 {left} 次")))
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
            let outcome = |r: &ReceiptRow, balance: i64, account: (i64, i64), duplicate: bool| ReceiptOutcome {
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
                sv_taken: None,
                sv_returned: Some(fen_text(r.sv_principal_fen + r.sv_bonus_fen)),
                sv_principal: fen_text(r.sv_principal_fen),
                sv_bonus: fen_text(r.sv_bonus_fen),
                other_payment: fen_text(r.paid_fen - r.sv_principal_fen - r.sv_bonus_fen),
                principal: fen_text(account.0),
                bonus_balance: fen_text(account.1),
                sv_pin_required: false,
            };
            if let Some(existing) = store::receipts::by_no(&tx, &receipt_no)? {
                if existing.kind == "refund"
                    && existing.refund_of == Some(sale.id)
                    && existing.paid_fen == money::to_fen(amount)
                {
                    let account = store::stored_value::account(&tx, member.id)?;
                    return Ok(outcome(&existing, member.points_balance, account, true));
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
            let recorded = record_refund(&tx, ctx, &settings, &sale, &receipt_no, amount, at)?;
            let row = &recorded.row;
            crate::audit_for(
                &tx,
                ctx,
                Some(&member.member_no),
                "refund",
                "receipt",
                Some(&receipt_no),
                None,
                Some(&format!(
                    "退 {of_no} {} 元 −{} 积分{}",
                    money::format(amount),
                    row.points,
                    if row.sv_principal_fen + row.sv_bonus_fen > 0 {
                        format!("，退回储值 {}", fen_text(row.sv_principal_fen + row.sv_bonus_fen))
                    } else {
                        String::new()
                    }
                )),
            )?;
            let account = recorded.account_after(&tx, sale.member_id)?;
            Ok(outcome(row, recorded.points_balance, account, false))
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
            // Top-ups share the branch's receipt numbers with sales.
            if !store::receipts::exists(self.store.conn(), &candidate)?
                && store::stored_value::top_up_by_no(self.store.conn(), &candidate)?.is_none()
            {
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
