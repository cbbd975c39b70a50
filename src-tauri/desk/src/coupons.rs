//! Coupons, referrals and redemption (rules §6–8): the program's issuers (new-member pack,
//! repurchase, referral), coupons at checkout, giving a coupon back on a full refund, the
//! catalog with its stock, and the manager's templates and catalog.

use crate::members::resolve;
use crate::points::{award, spend, Award, Spend};
use crate::{Ctx, Desk, DeskError, DeskResult, ErrorCode, Operation};
use chrono::NaiveDate;
use loyalty::coupons::{apply, check_use, coupon_code, validity, CouponKind, CouponRefusal, CouponState, CouponTerms};
use loyalty::money::{self, Money};
use loyalty::points::{redemption_refusal, RedemptionRefusal};
use loyalty::{ProgramSettings, Tier};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use store::coupons::{CouponRow, NewCoupon, TemplateRow};
use store::ledger::LedgerKind;
use store::Connection;

/// A coupon as the card and the interface show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CouponView {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub value: String,
    pub min_spend: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub status: String,
    pub description: String,
}

fn terms_of(c: &CouponRow) -> CouponTerms {
    CouponTerms { kind: c.kind, value: c.value, min_spend: money::from_fen(c.min_spend_fen) }
}

pub(crate) fn coupon_view(c: &CouponRow) -> CouponView {
    let terms = terms_of(c);
    CouponView {
        code: c.code.clone(),
        name: c.name.clone(),
        kind: c.kind.code().to_string(),
        // Written as money is (0.80, 10.00), unless a rate has more places (0.855).
        value: if c.value.normalize().scale() > 2 { c.value.normalize().to_string() } else { money::format(c.value) },
        min_spend: money::format(terms.min_spend),
        valid_from: c.valid_from,
        valid_until: c.valid_until,
        status: c.status.code().to_string(),
        description: terms.describe(),
    }
}

/// Issues a coupon of the program's template `key` (nothing when the manager switched the
/// template off). `valid`: a validity other than the template's days.
pub(crate) fn issue(
    conn: &Connection,
    ctx: &Ctx,
    member_id: i64,
    key: &str,
    reason: &str,
    valid: Option<(NaiveDate, NaiveDate)>,
) -> DeskResult<Option<i64>> {
    match store::coupons::template_by_key(conn, key)? {
        Some(t) => issue_from(conn, ctx, &t, member_id, reason, valid),
        None => Ok(None),
    }
}

/// [`issue`] with the template already read (for issuing many at once).
pub(crate) fn issue_from(
    conn: &Connection,
    ctx: &Ctx,
    t: &store::coupons::TemplateRow,
    member_id: i64,
    reason: &str,
    valid: Option<(NaiveDate, NaiveDate)>,
) -> DeskResult<Option<i64>> {
    if !t.active {
        return Ok(None);
    }
    let (from, until) = valid.unwrap_or_else(|| validity(ctx.store_date, t.days_valid));
    let id = store::coupons::issue(
        conn,
        &NewCoupon { template: t, member_id, valid_from: from, valid_until: until, reason, issued_at: &ctx.now_text() },
        coupon_code,
    )?;
    Ok(Some(id))
}

fn refusal(e: CouponRefusal) -> DeskError {
    let code = match e {
        CouponRefusal::Expired(_) => ErrorCode::CouponExpired,
        CouponRefusal::NotYetValid(_) => ErrorCode::CouponNotYetValid,
        CouponRefusal::Used => ErrorCode::CouponUsed,
        CouponRefusal::Void => ErrorCode::CouponVoid,
        CouponRefusal::NotOwned => ErrorCode::CouponNotOwned,
        CouponRefusal::BelowMinimum(_) => ErrorCode::CouponMinSpend,
        CouponRefusal::NotForCheckout => ErrorCode::CouponNotForCheckout,
    };
    DeskError::new(code, e.to_string())
}

/// Finds a coupon by code (any case, spaces ignored).
pub(crate) fn find(conn: &Connection, code: &str) -> DeskResult<CouponRow> {
    let code = code.trim().to_ascii_uppercase().replace(' ', "");
    store::coupons::by_code(conn, &code)?
        .ok_or_else(|| DeskError::new(ErrorCode::CouponNotFound, format!("找不到优惠券“{code}”")))
}

/// Checks a coupon for a checkout and returns (discount, paid).
pub(crate) fn price_with(
    c: &CouponRow,
    member_id: i64,
    store_date: NaiveDate,
    gross: Money,
) -> DeskResult<(Money, Money)> {
    let terms = terms_of(c);
    let state = CouponState {
        owner: c.member_id,
        status: c.status,
        valid_from: c.valid_from,
        valid_until: c.valid_until,
        terms,
    };
    check_use(&state, member_id, store_date, gross).map_err(refusal)?;
    Ok(apply(&terms, gross))
}

/// The new-member pack (points and a coupon) and, for a referee, the first-order coupon.
pub(crate) fn on_enrolled(
    conn: &Connection,
    ctx: &Ctx,
    settings: &ProgramSettings,
    member_id: i64,
    referred: bool,
) -> DeskResult<()> {
    if settings.new_member_points > 0 {
        award(
            conn,
            &Award {
                member_id,
                points: settings.new_member_points,
                kind: LedgerKind::Bonus,
                source: "new_member",
                receipt_id: None,
                earned_on: ctx.store_date,
                reason: "新手礼包",
                staff_id: ctx.staff_id,
                now: &ctx.now_text(),
            },
            settings,
        )?;
    }
    issue(conn, ctx, member_id, "new_member", "新手礼包", None)?;
    if referred {
        issue(conn, ctx, member_id, "referee", "被推荐首单优惠", None)?;
    }
    Ok(())
}

/// After a sale that earns (not history): the repurchase coupon after a member's first
/// checkout, and the referrer's reward on a referee's first paid checkout (once). Gives the
/// member's new points balance when this moved it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn on_sale(
    conn: &Connection,
    ctx: &Ctx,
    settings: &ProgramSettings,
    member: &store::members::MemberRow,
    receipt_id: i64,
    paid_fen: i64,
    on: NaiveDate,
    first_sale: Option<bool>,
) -> DeskResult<Option<i64>> {
    // Whether this sale is the member's first: known to the till (read before the sale),
    // else counted up to 2.
    let first_sale = match first_sale {
        Some(first) => first,
        None => store::receipts::sale_count_up_to(conn, member.id, 2)? == 1,
    };
    if first_sale {
        issue(conn, ctx, member.id, "repurchase", "首次消费后复购", None)?;
    }
    let Some(referrer_id) = member.referred_by else { return Ok(None) };
    if !loyalty::coupons::counts_for_referral(paid_fen) {
        return Ok(None);
    }
    let paid_sales =
        store::receipts::paid_sale_count_up_to(conn, member.id, loyalty::coupons::REFERRAL_SALE_MIN_PAID_FEN, 2)?;
    if !loyalty::coupons::referral_reward_due(paid_fen, paid_sales, store::coupons::referral_rewarded(conn, member.id)?)
    {
        return Ok(None);
    }
    let Some(referrer) = store::members::get(conn, referrer_id)? else { return Ok(None) };
    if referrer.archived {
        return Ok(None);
    }
    let tier_then = store::tiers::tier_on(conn, referrer.id, on, referrer.tier)?;
    let points = if tier_then == Tier::Loyal { settings.referral_points_loyal } else { settings.referral_points };
    let reason = format!("推荐奖励：{} 首次消费", member.member_no);
    let balance = award(
        conn,
        &Award {
            member_id: referrer.id,
            points,
            kind: LedgerKind::Bonus,
            source: "referral",
            receipt_id: None,
            earned_on: on,
            reason: &reason,
            staff_id: ctx.staff_id,
            now: &ctx.now_text(),
        },
        settings,
    )?;
    let coupon = issue(conn, ctx, referrer.id, "referrer", &reason, None)?;
    store::coupons::record_referral_reward(conn, member.id, referrer.id, receipt_id, points, coupon, on)?;
    // The member's own balance moved only if they are their own referrer (a merge can do that).
    Ok((referrer.id == member.id).then_some(balance))
}

/// A fully refunded receipt gives its coupon back, if the coupon has not expired.
pub(crate) fn on_full_refund(conn: &Connection, ctx: &Ctx, coupon_id: i64) -> DeskResult<()> {
    if let Some(c) = store::coupons::get(conn, coupon_id)? {
        let status = if c.valid_until >= ctx.store_date { "unused" } else { "expired" };
        store::coupons::set_status(conn, coupon_id, status)?;
    }
    Ok(())
}

/// A redemption item as the catalog shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogItem {
    #[serde(default)]
    pub id: i64,
    pub name: String,
    pub points: i64,
    /// None: unlimited.
    pub stock: Option<i64>,
    /// The template key of the voucher it gives, if any.
    #[serde(default)]
    pub voucher: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// What a member could redeem now: each item with the balance it would leave, or why not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RedeemOption {
    #[serde(flatten)]
    pub item: CatalogItem,
    pub balance_after: i64,
    /// None when it can be redeemed; else the reason (积分不足 / 已兑完 / 积分为负).
    pub refused: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RedeemOptions {
    pub member_no: String,
    pub points_balance: i64,
    pub items: Vec<RedeemOption>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RedeemOutcome {
    pub member_no: String,
    pub item: String,
    pub points_spent: i64,
    pub points_before: i64,
    pub points_balance: i64,
    pub coupon: Option<CouponView>,
}

/// A coupon template as the manager edits it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CouponTemplate {
    pub key: String,
    pub name: String,
    pub kind: String,
    pub value: String,
    pub min_spend: String,
    pub days_valid: i64,
    pub active: bool,
}

fn template_view(t: &TemplateRow) -> CouponTemplate {
    CouponTemplate {
        key: t.key.clone(),
        name: t.name.clone(),
        kind: t.kind.clone(),
        value: t.value.clone(),
        min_spend: money::format(money::from_fen(t.min_spend_fen)),
        days_valid: t.days_valid,
        active: t.active,
    }
}

impl Desk {
    /// The redemption catalog (active items).
    pub fn catalog(&self, ctx: &Ctx) -> DeskResult<Vec<CatalogItem>> {
        ctx.require(Operation::Lookup)?;
        let conn = self.store.conn();
        store::catalog::items(conn, true)?
            .into_iter()
            .map(|i| {
                let voucher = match i.voucher_template_id {
                    Some(t) => store::coupons::template(conn, t)?.map(|t| t.key),
                    None => None,
                };
                Ok(CatalogItem { id: i.id, name: i.name, points: i.points, stock: i.stock, voucher, active: i.active })
            })
            .collect()
    }

    /// The catalog as one member sees it at the redeem dialog.
    pub fn redeem_options(&self, ctx: &Ctx, member_key: &str) -> DeskResult<RedeemOptions> {
        ctx.require(Operation::Redeem)?;
        let member = resolve(self.store.conn(), member_key)?;
        let balance = member.points_balance;
        let items = self
            .catalog(ctx)?
            .into_iter()
            .filter(|i| i.active)
            .map(|item| {
                let refused = redemption_refusal(balance, item.points, item.stock).map(|r| {
                    match r {
                        RedemptionRefusal::NegativeBalance => "积分为负",
                        RedemptionRefusal::ShortBalance => "积分不足",
                        RedemptionRefusal::OutOfStock => "已兑完",
                    }
                    .to_string()
                });
                RedeemOption { balance_after: balance - item.points, refused, item }
            })
            .collect();
        Ok(RedeemOptions { member_no: member.member_no, points_balance: balance, items })
    }

    /// Redeems a catalog item: the cost comes from the catalog; short or negative balances
    /// and an empty stock are refused; points, stock and any voucher change together.
    pub fn redeem(&mut self, ctx: &Ctx, member_key: &str, item_id: i64) -> DeskResult<RedeemOutcome> {
        ctx.require(Operation::Redeem)?;
        self.store.write(|tx| {
            let member = resolve(&tx, member_key)?;
            if member.archived {
                return Err(DeskError::new(ErrorCode::MemberArchived, format!("会员 {} 已归档", member.member_no)));
            }
            let item = store::catalog::item(&tx, item_id)?.filter(|i| i.active).ok_or_else(|| {
                DeskError::new(ErrorCode::InvalidInput, format!("兑换目录中没有编号 {item_id} 的礼品"))
            })?;
            let before = member.points_balance;
            let out_of_stock = || DeskError::new(ErrorCode::OutOfStock, format!("“{}”已兑完", item.name));
            match redemption_refusal(before, item.points, item.stock) {
                Some(RedemptionRefusal::NegativeBalance) => {
                    return Err(DeskError::new(ErrorCode::PointsNegative, format!("积分为负（{before}），暂不能兑换")))
                }
                Some(RedemptionRefusal::ShortBalance) => {
                    return Err(DeskError::new(
                        ErrorCode::PointsInsufficient,
                        format!("积分不足：兑换“{}”需要 {} 分，当前 {before} 分", item.name, item.points),
                    ))
                }
                Some(RedemptionRefusal::OutOfStock) => return Err(out_of_stock()),
                None => {}
            }
            // The guarded take keeps the stock from going below zero whatever else runs.
            if !store::catalog::take_one(&tx, item.id)? {
                return Err(out_of_stock());
            }
            let now = ctx.now_text();
            let balance = spend(
                &tx,
                &Spend {
                    member_id: member.id,
                    points: item.points,
                    kind: LedgerKind::Redeem,
                    receipt_id: None,
                    own_lot: None,
                    may_go_negative: false,
                    on_date: ctx.store_date,
                    reason: &format!("兑换：{}", item.name),
                    staff_id: ctx.staff_id,
                    now: &now,
                },
            )?
            .map_err(|_| DeskError::new(ErrorCode::PointsInsufficient, "积分不足"))?;
            let coupon_id = match item.voucher_template_id.and_then(|t| store::coupons::template(&tx, t).ok().flatten())
            {
                Some(t) => issue(&tx, ctx, member.id, &t.key, &format!("积分兑换：{}", item.name), None)?,
                None => None,
            };
            store::catalog::record_redemption(
                &tx,
                member.id,
                item.id,
                item.points,
                coupon_id,
                ctx.store_date,
                ctx.staff_id,
                &now,
            )?;
            crate::audit(
                &tx,
                ctx,
                "redeem",
                "member",
                Some(&member.member_no),
                Some(&before.to_string()),
                Some(&format!("{balance}（{} −{}）", item.name, item.points)),
            )?;
            let coupon = match coupon_id {
                Some(id) => store::coupons::get(&tx, id)?.map(|c| coupon_view(&c)),
                None => None,
            };
            Ok(RedeemOutcome {
                member_no: member.member_no,
                item: item.name,
                points_spent: item.points,
                points_before: before,
                points_balance: balance,
                coupon,
            })
        })
    }

    /// Adds or edits a catalog item (manager).
    pub fn save_catalog_item(&mut self, ctx: &Ctx, item: &CatalogItem) -> DeskResult<Vec<CatalogItem>> {
        ctx.require(Operation::EditSettings)?;
        let name = item.name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            return Err(DeskError::new(ErrorCode::InvalidInput, "礼品名称须为 1–40 个字"));
        }
        if item.points <= 0 || item.points > 10_000_000 {
            return Err(DeskError::new(ErrorCode::InvalidInput, "所需积分须为正整数"));
        }
        if item.stock.is_some_and(|s| !(0..=1_000_000).contains(&s)) {
            return Err(DeskError::new(ErrorCode::InvalidInput, "库存须在 0 到 1,000,000 之间（留空表示不限）"));
        }
        self.store.write(|tx| {
            let voucher = match item.voucher.as_deref().filter(|v| !v.is_empty()) {
                Some(key) => Some(
                    store::coupons::template_by_key(&tx, key)?
                        .ok_or_else(|| DeskError::new(ErrorCode::InvalidInput, format!("没有券模板“{key}”")))?
                        .id,
                ),
                None => None,
            };
            let before = store::catalog::item(&tx, item.id)?;
            store::catalog::save_item(
                &tx,
                &store::catalog::ItemRow {
                    id: item.id,
                    name: name.to_string(),
                    points: item.points,
                    stock: item.stock,
                    voucher_template_id: voucher,
                    active: item.active,
                },
            )?;
            crate::audit(
                &tx,
                ctx,
                "catalog.save",
                "catalog_item",
                Some(&item.id.to_string()),
                before.map(|b| format!("{} {} 分 库存 {:?}", b.name, b.points, b.stock)).as_deref(),
                Some(&format!("{name} {} 分 库存 {:?}", item.points, item.stock)),
            )?;
            self.catalog(ctx)
        })
    }

    pub fn coupon_templates(&self, ctx: &Ctx) -> DeskResult<Vec<CouponTemplate>> {
        ctx.require(Operation::EditSettings)?;
        Ok(store::coupons::templates(self.store.conn())?.iter().map(template_view).collect())
    }

    /// Edits a coupon template (manager). Coupons already issued keep their terms.
    pub fn save_coupon_template(&mut self, ctx: &Ctx, t: &CouponTemplate) -> DeskResult<Vec<CouponTemplate>> {
        ctx.require(Operation::EditSettings)?;
        let kind = CouponKind::parse(&t.kind).ok_or_else(|| {
            DeskError::new(ErrorCode::InvalidInput, "券类型应为 amount（减免）、rate（折扣）或 service（兑换券）")
        })?;
        let value: Decimal = if kind == CouponKind::Service {
            Decimal::ZERO
        } else {
            t.value
                .trim()
                .parse()
                .map_err(|_| DeskError::new(ErrorCode::InvalidInput, format!("面值“{}”不是数字", t.value)))?
        };
        let min_spend = if t.min_spend.trim().is_empty() {
            Decimal::ZERO
        } else {
            t.min_spend
                .trim()
                .parse()
                .map_err(|_| DeskError::new(ErrorCode::InvalidInput, format!("门槛“{}”不是数字", t.min_spend)))?
        };
        CouponTerms { kind, value, min_spend }
            .validate(t.days_valid)
            .map_err(|e| DeskError::new(ErrorCode::InvalidInput, e.to_string()))?;
        let name = t.name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            return Err(DeskError::new(ErrorCode::InvalidInput, "券名称须为 1–40 个字"));
        }
        self.store.write(|tx| {
            let existing = store::coupons::template_by_key(&tx, &t.key)?
                .ok_or_else(|| DeskError::new(ErrorCode::InvalidInput, format!("没有券模板“{}”", t.key)))?;
            store::coupons::update_template(
                &tx,
                &TemplateRow {
                    id: existing.id,
                    key: existing.key.clone(),
                    name: name.to_string(),
                    kind: kind.code().to_string(),
                    value: value.normalize().to_string(),
                    min_spend_fen: money::to_fen(money::round_half_up(min_spend)),
                    days_valid: t.days_valid,
                    active: t.active,
                },
            )?;
            crate::audit(
                &tx,
                ctx,
                "coupon_template.save",
                "coupon_template",
                Some(&t.key),
                Some(&serde_json::to_string(&template_view(&existing)).unwrap_or_default()),
                Some(&serde_json::to_string(t).unwrap_or_default()),
            )?;
            self.coupon_templates(ctx)
        })
    }
}
