//! The program figures for the manager (rules §13): a month or a range of months, with each
//! of the 12 months before it for the trend lines. The store returns facts, `loyalty`
//! computes; this module converts the result into the interface's shape (money and rates
//! as strings, an empty base as null).

use crate::{Ctx, Desk, DeskError, DeskResult, ErrorCode, Operation};
use loyalty::figures::{self, Figures, Period};
use loyalty::money::format as money;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MembersView {
    pub total: i64,
    pub new: i64,
    pub active: i64,
    pub lapsed: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SalesView {
    pub net_spend: String,
    pub visits: i64,
    pub spend_per_visit: Option<String>,
    pub visits_per_active: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointsView {
    pub issued: i64,
    pub redeemed: i64,
    pub expired: i64,
    pub clawed_back: i64,
    pub adjusted: i64,
    pub outstanding: i64,
    pub liability: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CouponView {
    pub template: String,
    pub issued: i64,
    pub used: i64,
    pub expired: i64,
    pub use_rate: Option<String>,
    pub discount: String,
    pub net_spend: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferralsView {
    pub enrolled: i64,
    pub successful: i64,
    pub net_spend: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactsView {
    pub due: i64,
    pub due_by_reason: BTreeMap<String, i64>,
    pub done: i64,
    pub no_answer: i64,
    pub given_up: i64,
    pub do_not_call: i64,
    pub completion: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NpsView {
    pub score: Option<String>,
    pub n: i64,
}

/// Stored value (rules §14) arrives with the stored-value ledger; until then nothing has
/// been topped up, and every line is zero.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredValueView {
    pub topped_up: String,
    pub bonus: String,
    pub spent: String,
    pub refunded: String,
    pub principal: String,
    pub bonus_outstanding: String,
}

/// Every figure of one period, as the interface writes them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FiguresView {
    pub from: String,
    pub to: String,
    pub members: MembersView,
    pub sales: SalesView,
    pub repurchase_rate: Option<String>,
    pub retention_rate: Option<String>,
    pub top20_share: Option<String>,
    pub points: PointsView,
    pub coupons: Vec<CouponView>,
    pub referrals: ReferralsView,
    pub contacts: ContactsView,
    pub nps: NpsView,
    pub stored_value: StoredValueView,
}

/// `report figures`: the period's figures, with those of each of the 12 months before it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FiguresReport {
    #[serde(flatten)]
    pub period: FiguresView,
    /// The branch whose receipts the sales figures count (`None`: the whole chain).
    pub branch: Option<String>,
    /// The 12 months before the period, oldest first: the comparison and the trend lines.
    pub months_before: Vec<FiguresView>,
}

fn rate(r: Option<Decimal>) -> Option<String> {
    r.map(|r| {
        let mut r = r;
        r.rescale(1);
        r.to_string()
    })
}

fn view(f: &Figures) -> FiguresView {
    let zero = money(Decimal::ZERO);
    FiguresView {
        from: f.period.from.format("%Y-%m").to_string(),
        to: f.period.to.format("%Y-%m").to_string(),
        members: MembersView {
            total: f.members.total,
            new: f.members.new,
            active: f.members.active,
            lapsed: f.members.lapsed,
        },
        sales: SalesView {
            net_spend: money(f.sales.net_spend),
            visits: f.sales.visits,
            spend_per_visit: f.sales.spend_per_visit.map(money),
            visits_per_active: f.sales.visits_per_active.map(money),
        },
        repurchase_rate: rate(f.repurchase_rate),
        retention_rate: rate(f.retention_rate),
        top20_share: rate(f.top20_share),
        points: PointsView {
            issued: f.points.issued,
            redeemed: f.points.redeemed,
            expired: f.points.expired,
            clawed_back: f.points.clawed_back,
            adjusted: f.points.adjusted,
            outstanding: f.points.outstanding,
            liability: money(f.points.liability),
        },
        coupons: f
            .coupons
            .iter()
            .map(|c| CouponView {
                template: c.template.clone(),
                issued: c.issued,
                used: c.used,
                expired: c.expired,
                use_rate: rate(c.use_rate),
                discount: money(c.discount),
                net_spend: money(c.net_spend),
            })
            .collect(),
        referrals: ReferralsView {
            enrolled: f.referrals.enrolled,
            successful: f.referrals.successful,
            net_spend: money(f.referrals.net_spend),
        },
        contacts: ContactsView {
            due: f.contacts.due,
            due_by_reason: f.contacts.due_by_reason.clone(),
            done: f.contacts.done,
            no_answer: f.contacts.no_answer,
            given_up: f.contacts.given_up,
            do_not_call: f.contacts.do_not_call,
            completion: rate(f.contacts.completion),
        },
        nps: NpsView { score: rate(f.nps.score), n: f.nps.n },
        stored_value: StoredValueView {
            topped_up: zero.clone(),
            bonus: zero.clone(),
            spent: zero.clone(),
            refunded: zero.clone(),
            principal: zero.clone(),
            bonus_outstanding: zero,
        },
    }
}

impl Desk {
    /// The figures of the months `from`…`to` (`YYYY-MM`; neither: the last full month),
    /// optionally counting one branch's receipts only. Manager only.
    pub fn figures(
        &self,
        ctx: &Ctx,
        from: Option<&str>,
        to: Option<&str>,
        branch: Option<&str>,
    ) -> DeskResult<FiguresReport> {
        ctx.require(Operation::ViewFigures)?;
        let period = Period::parse(from, to, ctx.store_date)
            .map_err(|e| DeskError::new(ErrorCode::InvalidInput, e.to_string()))?;
        let tx = self.store.read_transaction()?;
        let branch = match branch.map(str::trim).filter(|b| !b.is_empty()) {
            None => None,
            Some(code) => Some(
                store::branches::by_code(&tx, code)?
                    .ok_or_else(|| DeskError::new(ErrorCode::BranchNotFound, format!("没有代码为“{code}”的门店")))?,
            ),
        };
        let facts = store::figures::facts(&tx, period.facts_from(), period.last_day(), branch.as_ref().map(|b| b.id))?;
        drop(tx);
        let value = self.settings.point_value;
        let months_before =
            period.twelve_months_before().into_iter().map(|p| view(&figures::figures(p, &facts, value))).collect();
        Ok(FiguresReport {
            period: view(&figures::figures(period, &facts, value)),
            branch: branch.map(|b| b.code),
            months_before,
        })
    }
}
