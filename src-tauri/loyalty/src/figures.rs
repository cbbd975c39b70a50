//! Program figures (效果评估, rules §13): every figure the manager reads, defined once here
//! from the facts the store returns for a period — members, their monthly visits and
//! spend, the points ledger by month, coupons, the contact list and survey scores. The
//! store groups rows; every count, share and rate is decided here.

use crate::money::{from_fen, round_half_up};
use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

/// A period of whole calendar months, `from` and `to` being the 1st of its first and last
/// month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("月份“{0}”无效，请写成 YYYY-MM")]
    Month(String),
    #[error("起始月份 {from} 晚于结束月份 {to}")]
    Reversed { from: String, to: String },
    #[error("统计期最长 120 个月")]
    TooLong,
    #[error("统计期 {0} 还没有开始")]
    Future(String),
}

/// `YYYY-MM` to the 1st of that month.
pub fn parse_month(text: &str) -> Result<NaiveDate, PeriodError> {
    let t = text.trim();
    let bad = || PeriodError::Month(t.to_string());
    let (y, m) = t.split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 {
        return Err(bad());
    }
    let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    NaiveDate::from_ymd_opt(y, m, 1).filter(|d| d.year() >= 1900).ok_or_else(bad)
}

fn month_of(date: NaiveDate) -> NaiveDate {
    date.with_day(1).expect("the 1st exists")
}

impl Period {
    /// One calendar month (`month` is any day in it).
    pub fn month(month: NaiveDate) -> Period {
        let m = month_of(month);
        Period { from: m, to: m }
    }

    /// The period of `--from` / `--to` as the manager gives it: either alone is one month;
    /// neither is the last full month before the store date (rules §13, interface).
    pub fn parse(from: Option<&str>, to: Option<&str>, store_date: NaiveDate) -> Result<Period, PeriodError> {
        let from = from.map(str::trim).filter(|s| !s.is_empty()).map(parse_month).transpose()?;
        let to = to.map(str::trim).filter(|s| !s.is_empty()).map(parse_month).transpose()?;
        let last_full = month_of(store_date) - Months::new(1);
        let (from, to) = match (from, to) {
            (Some(f), Some(t)) => (f, t),
            (Some(f), None) => (f, f),
            (None, Some(t)) => (t, t),
            (None, None) => (last_full, last_full),
        };
        if from > to {
            return Err(PeriodError::Reversed {
                from: from.format("%Y-%m").to_string(),
                to: to.format("%Y-%m").to_string(),
            });
        }
        if from > store_date {
            return Err(PeriodError::Future(from.format("%Y-%m").to_string()));
        }
        let p = Period { from, to };
        if p.months() > 120 {
            return Err(PeriodError::TooLong);
        }
        Ok(p)
    }

    /// How many months it spans.
    pub fn months(&self) -> u32 {
        ((self.to.year() - self.from.year()) * 12 + self.to.month() as i32 - self.from.month() as i32 + 1) as u32
    }

    pub fn first_day(&self) -> NaiveDate {
        self.from
    }

    pub fn last_day(&self) -> NaiveDate {
        self.to + Months::new(1) - chrono::Days::new(1)
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.first_day() <= date && date <= self.last_day()
    }

    /// The period of the same length just before (retention's base).
    pub fn previous(&self) -> Period {
        let n = Months::new(self.months());
        Period { from: self.from - n, to: self.to - n }
    }

    /// The 12 months ending at this period's end (the top-20% share's window).
    pub fn year_to_end(&self) -> Period {
        Period { from: self.to - Months::new(11), to: self.to }
    }

    /// The 12 single months before the period, oldest first: the comparison.
    pub fn twelve_months_before(&self) -> Vec<Period> {
        (1..=12).rev().map(|i| Period::month(self.from - Months::new(i))).collect()
    }

    /// The first day of the earliest month any figure of this period or its comparison
    /// reads (the comparison's first month's 12-month window, and retention before it).
    pub fn facts_from(&self) -> NaiveDate {
        // A period longer than 24 months reaches further back for its own retention base.
        self.from - Months::new(self.months().max(24))
    }

    /// `2026-10` or `2026-01…2026-06`.
    pub fn label(&self) -> String {
        if self.from == self.to {
            self.from.format("%Y-%m").to_string()
        } else {
            format!("{}…{}", self.from.format("%Y-%m"), self.to.format("%Y-%m"))
        }
    }
}

/// One member as the figures count them (archived members included: archiving hides a
/// person, not the store's history).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberFact {
    pub id: i64,
    pub member_no: String,
    pub joined_on: NaiveDate,
    /// Referred by another member.
    pub referred: bool,
    /// The day the referral became successful (the referee's first checkout rewarded).
    pub referral_succeeded_on: Option<NaiveDate>,
    /// The day of the member's first sale, if any (lapsed: has visited before).
    pub first_sale: Option<NaiveDate>,
    /// A big customer (大客户) now: the VIP figures use today's flags for every period.
    pub vip: bool,
}

/// One member's sales in one calendar month: visits (sales not fully refunded), net spend
/// (paid − refunded, in fen) and the day of the month's last visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesMonth {
    pub member: i64,
    pub month: NaiveDate,
    pub visits: u32,
    pub net_fen: i64,
    pub last_visit: Option<NaiveDate>,
}

/// A sale is a visit unless it was refunded in full; a sale paid nothing (a coupon paid it
/// all) is a visit too.
pub fn counts_as_visit(paid_fen: i64, refunded_fen: i64) -> bool {
    paid_fen == 0 || refunded_fen < paid_fen
}

/// The points ledger of one month, in points: lots issued, and the ledger's entries by kind
/// (redeemed and expired as positive numbers, adjusted signed). `change` is the sum of every
/// ledger entry of the month, so the outstanding balance at a month's end is the sum of the
/// changes up to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PointsMonth {
    pub month: NaiveDate,
    pub issued: i64,
    pub redeemed: i64,
    pub expired: i64,
    pub clawed_back: i64,
    pub adjusted: i64,
    pub change: i64,
}

/// Coupons of one template grouped by the months they were issued, ended and used, and their
/// status; with the discount given and the net spend of the receipts that used them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponGroup {
    pub template: String,
    pub issued_month: NaiveDate,
    pub ends_month: NaiveDate,
    pub used_month: Option<NaiveDate>,
    pub status: CouponState,
    pub count: i64,
    pub discount_fen: i64,
    pub net_fen: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CouponState {
    Unused,
    Used,
    Expired,
    Void,
}

/// The outcome of a contact-list entry as the figures sort it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactOutcome {
    Done,
    NoAnswer,
    GaveUp,
    DoNotCall,
    /// Not yet worked, or rescheduled.
    Open,
}

/// Contact-list entries due in one month, grouped by their reasons and outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactGroup {
    pub month: NaiveDate,
    pub reasons: Vec<String>,
    pub outcome: ContactOutcome,
    pub count: i64,
}

/// Survey scores (0–10) given in one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreGroup {
    pub month: NaiveDate,
    pub score: u8,
    pub count: i64,
}

/// Everything the figures of a period read, from `Period::facts_from` to its end.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub members: Vec<MemberFact>,
    pub sales: Vec<SalesMonth>,
    pub points: Vec<PointsMonth>,
    /// The sum of every ledger entry before the first month of `points`.
    pub points_before: i64,
    pub coupons: Vec<CouponGroup>,
    pub contacts: Vec<ContactGroup>,
    pub scores: Vec<ScoreGroup>,
    /// The stored-value ledger by month (every month up to the report's end).
    pub stored_value: Vec<SvMonth>,
}

/// The stored-value ledger of one month, in fen, each kind's principal and bonus parts
/// summed (signed as written: a spend or a payout is negative).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SvMonth {
    pub month: NaiveDate,
    pub top_up: i64,
    pub bonus: i64,
    /// Principal + bonus taken by sales (negative).
    pub spend: i64,
    /// Principal + bonus given back by refunds.
    pub refund: i64,
    /// Principal paid out (negative).
    pub payout: i64,
    /// Principal brought in from another system by an import.
    pub brought_in: i64,
    /// The change of principal and of bonus that month, every kind together.
    pub principal_change: i64,
    pub bonus_change: i64,
}

/// Stored value (rules §13, §14) of a period: money in, out, and what is owed at its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredValueFigures {
    pub topped_up: Decimal,
    pub bonus: Decimal,
    pub spent: Decimal,
    pub refunded: Decimal,
    pub paid_out: Decimal,
    /// Principal brought in from another system (imports).
    pub brought_in: Decimal,
    /// Outstanding principal at the period's end: the store's liability.
    pub principal: Decimal,
    pub bonus_outstanding: Decimal,
}

fn stored_value_figures(facts: &Facts, period: Period) -> StoredValueFigures {
    let inside = facts.stored_value.iter().filter(|m| m.month >= period.from && m.month <= period.to);
    let sum = |f: fn(&SvMonth) -> i64| -> i64 { inside.clone().map(f).sum() };
    let upto = facts.stored_value.iter().filter(|m| m.month <= period.to);
    StoredValueFigures {
        topped_up: from_fen(sum(|m| m.top_up)),
        bonus: from_fen(sum(|m| m.bonus)),
        spent: from_fen(-sum(|m| m.spend)),
        refunded: from_fen(sum(|m| m.refund)),
        paid_out: from_fen(-sum(|m| m.payout)),
        brought_in: from_fen(sum(|m| m.brought_in)),
        principal: from_fen(upto.clone().map(|m| m.principal_change).sum()),
        bonus_outstanding: from_fen(upto.map(|m| m.bonus_change).sum()),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberCounts {
    pub total: i64,
    pub new: i64,
    pub active: i64,
    pub lapsed: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesFigures {
    pub net_spend: Decimal,
    pub visits: i64,
    /// Net spend ÷ visits; `None` without visits.
    pub spend_per_visit: Option<Decimal>,
    /// Visits ÷ active members, to 2 places.
    pub visits_per_active: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointsFigures {
    pub issued: i64,
    pub redeemed: i64,
    pub expired: i64,
    pub clawed_back: i64,
    pub adjusted: i64,
    pub outstanding: i64,
    /// Outstanding × the points' value (a setting, 0.10 yuan).
    pub liability: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponFigures {
    pub template: String,
    pub issued: i64,
    pub used: i64,
    pub expired: i64,
    pub use_rate: Option<Decimal>,
    pub discount: Decimal,
    pub net_spend: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralFigures {
    pub enrolled: i64,
    pub successful: i64,
    pub net_spend: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactFigures {
    pub due: i64,
    /// Entries due per reason kind (an entry with two reasons counts for both).
    pub due_by_reason: BTreeMap<String, i64>,
    pub done: i64,
    pub no_answer: i64,
    pub given_up: i64,
    pub do_not_call: i64,
    pub completion: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nps {
    /// % scoring 9–10 − % scoring 0–6, to one place; `None` without scores.
    pub score: Option<Decimal>,
    pub n: i64,
}

/// Every figure of §13 for one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub period: Period,
    pub members: MemberCounts,
    pub sales: SalesFigures,
    pub repurchase_rate: Option<Decimal>,
    pub retention_rate: Option<Decimal>,
    pub top20_share: Option<Decimal>,
    pub points: PointsFigures,
    pub coupons: Vec<CouponFigures>,
    pub referrals: ReferralFigures,
    pub contacts: ContactFigures,
    pub nps: Nps,
    pub vip: VipFigures,
    pub stored_value: StoredValueFigures,
}

/// The big customers (rules §10): how many members are VIP, and their share of the
/// period's net spend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VipFigures {
    pub members: i64,
    pub net_spend: Decimal,
    /// VIPs' net spend ÷ all net spend of the period, as a percentage; `None` when the
    /// period's net spend is not above zero.
    pub spend_share: Option<Decimal>,
}

/// A share as a percentage to one place (half-up); `None` when the base is empty.
pub fn rate(part: i64, base: i64) -> Option<Decimal> {
    (base > 0).then(|| {
        (Decimal::from(part) * Decimal::ONE_HUNDRED / Decimal::from(base))
            .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    })
}

/// Days in "active": a visit in the 90 days ending on the period's last day.
pub const ACTIVE_DAYS: u64 = 90;

fn vip_figures(
    facts: &Facts,
    index: &SalesIndex<'_>,
    in_period: &[(u32, &SalesMonth)],
    net_fen: i64,
    end: NaiveDate,
) -> VipFigures {
    let members = facts.members.iter().filter(|m| m.vip && m.joined_on <= end).count() as i64;
    let vip_fen: i64 = in_period.iter().filter(|(at, _)| index.vip[*at as usize]).map(|(_, s)| s.net_fen).sum();
    VipFigures {
        members,
        net_spend: from_fen(vip_fen),
        spend_share: (net_fen > 0).then(|| {
            (Decimal::from(vip_fen) * Decimal::ONE_HUNDRED / Decimal::from(net_fen))
                .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        }),
    }
}

/// The sales of the facts in month order, each with its member's place in a dense
/// numbering (the members of the facts first, in their order, then any member only the
/// sales name), and per place: the first month with a visit, the member number, VIP and
/// referee. Built once for all the periods of a report, so that each period reads only its
/// own months and counts per member in plain tables, not hash maps.
struct SalesIndex<'a> {
    sales: Vec<(u32, &'a SalesMonth)>,
    /// Each of `facts.members`' place (its position).
    places: usize,
    first_visit_month: Vec<Option<NaiveDate>>,
    numbers: Vec<&'a str>,
    vip: Vec<bool>,
    referee: Vec<bool>,
}

impl<'a> SalesIndex<'a> {
    fn new(facts: &'a Facts) -> SalesIndex<'a> {
        // Member ids → places: a table by id when ids are dense enough, else a map.
        let highest = facts.members.iter().map(|m| m.id).chain(facts.sales.iter().map(|s| s.member)).max().unwrap_or(0);
        let dense = highest >= 0 && (highest as u64) <= 8 * (facts.members.len() as u64) + 1024;
        let mut by_id: Vec<u32> = if dense { vec![u32::MAX; highest as usize + 1] } else { Vec::new() };
        let mut by_map: HashMap<i64, u32> = HashMap::new();
        let mut numbers: Vec<&str> = Vec::with_capacity(facts.members.len());
        let mut vip = Vec::with_capacity(facts.members.len());
        let mut referee = Vec::with_capacity(facts.members.len());
        let mut place_of = |id: i64, numbers: &mut Vec<&'a str>, vip: &mut Vec<bool>, referee: &mut Vec<bool>| {
            let next = numbers.len() as u32;
            let slot = if dense { &mut by_id[id as usize] } else { by_map.entry(id).or_insert(u32::MAX) };
            if *slot == u32::MAX {
                *slot = next;
                numbers.push("");
                vip.push(false);
                referee.push(false);
            }
            *slot
        };
        for m in &facts.members {
            let at = place_of(m.id, &mut numbers, &mut vip, &mut referee) as usize;
            numbers[at] = m.member_no.as_str();
            vip[at] = m.vip;
            referee[at] = m.referred;
        }
        let places = numbers.len();
        let mut sales: Vec<(u32, &SalesMonth)> =
            facts.sales.iter().map(|s| (place_of(s.member, &mut numbers, &mut vip, &mut referee), s)).collect();
        sales.sort_by_key(|(_, s)| s.month);
        let mut first_visit_month = vec![None; numbers.len()];
        for (at, s) in sales.iter().filter(|(_, s)| s.visits > 0 && s.last_visit.is_some()) {
            first_visit_month[*at as usize].get_or_insert(s.month);
        }
        SalesIndex { sales, places, first_visit_month, numbers, vip, referee }
    }

    /// The rows of the months `from` … `to`.
    fn between(&self, from: NaiveDate, to: NaiveDate) -> &[(u32, &'a SalesMonth)] {
        let a = self.sales.partition_point(|(_, s)| s.month < from);
        let b = self.sales.partition_point(|(_, s)| s.month <= to);
        &self.sales[a..b.max(a)]
    }

    /// Visits per place over some months' rows.
    fn visits(&self, rows: &[(u32, &SalesMonth)]) -> Vec<u32> {
        let mut out = vec![0u32; self.numbers.len()];
        for (at, s) in rows {
            out[*at as usize] += s.visits;
        }
        out
    }
}

/// The figures of `period` from `facts`; `point_value` is the yuan one point is worth.
pub fn figures(period: Period, facts: &Facts, point_value: Decimal) -> Figures {
    figures_of(period, facts, &SalesIndex::new(facts), point_value)
}

/// The figures of several periods from the same facts (a report and the 12 months before
/// it), in the order given.
pub fn figures_many(periods: &[Period], facts: &Facts, point_value: Decimal) -> Vec<Figures> {
    let index = SalesIndex::new(facts);
    periods.iter().map(|p| figures_of(*p, facts, &index, point_value)).collect()
}

fn figures_of(period: Period, facts: &Facts, index: &SalesIndex<'_>, point_value: Decimal) -> Figures {
    let end = period.last_day();
    let in_period = index.between(period.from, period.to);
    let visits_in = index.visits(in_period);

    // Members at the period's end.
    let total = facts.members.iter().filter(|m| m.joined_on <= end).count() as i64;
    let new = facts.members.iter().filter(|m| period.contains(m.joined_on)).count() as i64;
    let active_from = end - chrono::Days::new(ACTIVE_DAYS - 1);
    let mut is_active = vec![false; index.numbers.len()];
    for (at, s) in index.between(month_of(active_from), period.to).iter().filter(|(_, s)| s.visits > 0) {
        if s.last_visit.is_some_and(|d| d >= active_from && d <= end) {
            is_active[*at as usize] = true;
        }
    }
    let active = is_active.iter().filter(|a| **a).count() as i64;
    // Lapsed: has visited by the period's end (a visit in the facts, or a first sale before
    // them), but not in those 90 days.
    let visited_in_facts = |at: usize| index.first_visit_month[at].is_some_and(|f| f <= period.to);
    let visited = facts
        .members
        .iter()
        .enumerate()
        .filter(|(at, m)| visited_in_facts(*at) || m.first_sale.is_some_and(|d| d <= end))
        .count()
        + (index.places..index.numbers.len()).filter(|at| visited_in_facts(*at)).count();
    let lapsed = visited as i64 - active;

    // Sales of the period.
    let net_fen: i64 = in_period.iter().map(|(_, s)| s.net_fen).sum();
    let visits: i64 = in_period.iter().map(|(_, s)| s.visits as i64).sum();
    let spend_per_visit = (visits > 0).then(|| round_half_up(from_fen(net_fen) / Decimal::from(visits)));
    let visits_per_active = (active > 0).then(|| round_half_up(Decimal::from(visits) / Decimal::from(active)));

    // Repurchase and retention.
    let visitors = visits_in.iter().filter(|v| **v > 0).count() as i64;
    let repeaters = visits_in.iter().filter(|v| **v >= 2).count() as i64;
    let previous = period.previous();
    let visits_before = index.visits(index.between(previous.from, previous.to));
    let before = visits_before.iter().filter(|v| **v > 0).count() as i64;
    let retained = visits_before.iter().zip(&visits_in).filter(|(b, n)| **b > 0 && **n > 0).count() as i64;

    Figures {
        period,
        members: MemberCounts { total, new, active, lapsed },
        sales: SalesFigures { net_spend: from_fen(net_fen), visits, spend_per_visit, visits_per_active },
        repurchase_rate: rate(repeaters, visitors),
        retention_rate: rate(retained, before),
        top20_share: top20_share(index, period),
        points: points_figures(facts, period, point_value),
        coupons: coupon_figures(facts, period),
        referrals: referral_figures(facts, index, in_period, period),
        contacts: contact_figures(facts, period),
        nps: nps(facts, period),
        vip: vip_figures(facts, index, in_period, net_fen, end),
        stored_value: stored_value_figures(facts, period),
    }
}

/// 二八: the share of the 12 months' net spend that the top ⌈20% × n⌉ of the n members with
/// net spend > 0 spent (ranked by net spend, ties by member number).
fn top20_share(index: &SalesIndex<'_>, period: Period) -> Option<Decimal> {
    let window = period.year_to_end();
    let mut net = vec![0i64; index.numbers.len()];
    for (at, s) in index.between(window.from, window.to) {
        net[*at as usize] += s.net_fen;
    }
    let mut spenders: Vec<(i64, &str)> =
        net.iter().zip(&index.numbers).filter(|(n, _)| **n > 0).map(|(n, no)| (*n, *no)).collect();
    if spenders.is_empty() {
        return None;
    }
    let n = spenders.len();
    let k = n.div_ceil(5);
    // Only the top k need ranking; the rest are summed whatever their order.
    let rank = |a: &(i64, &str), b: &(i64, &str)| b.0.cmp(&a.0).then(a.1.cmp(b.1));
    if k < n {
        spenders.select_nth_unstable_by(k - 1, rank);
    }
    let all: i64 = spenders.iter().map(|s| s.0).sum();
    let top: i64 = spenders[..k].iter().map(|s| s.0).sum();
    rate(top, all)
}

fn points_figures(facts: &Facts, period: Period, point_value: Decimal) -> PointsFigures {
    let months = facts.points.iter().filter(|p| p.month >= period.from && p.month <= period.to);
    let mut f = PointsFigures {
        issued: 0,
        redeemed: 0,
        expired: 0,
        clawed_back: 0,
        adjusted: 0,
        outstanding: 0,
        liability: Decimal::ZERO,
    };
    for p in months {
        f.issued += p.issued;
        f.redeemed += p.redeemed;
        f.expired += p.expired;
        f.clawed_back += p.clawed_back;
        f.adjusted += p.adjusted;
    }
    f.outstanding =
        facts.points_before + facts.points.iter().filter(|p| p.month <= period.to).map(|p| p.change).sum::<i64>();
    f.liability = round_half_up(Decimal::from(f.outstanding) * point_value);
    f
}

fn coupon_figures(facts: &Facts, period: Period) -> Vec<CouponFigures> {
    let inside = |m: NaiveDate| m >= period.from && m <= period.to;
    let mut by_template: BTreeMap<&str, CouponFigures> = BTreeMap::new();
    let mut rate_base: HashMap<&str, (i64, i64)> = HashMap::new();
    for g in &facts.coupons {
        let f = by_template.entry(g.template.as_str()).or_insert_with(|| CouponFigures {
            template: g.template.clone(),
            issued: 0,
            used: 0,
            expired: 0,
            use_rate: None,
            discount: Decimal::ZERO,
            net_spend: Decimal::ZERO,
        });
        if inside(g.issued_month) {
            f.issued += g.count;
        }
        let used_in = g.status == CouponState::Used && g.used_month.is_some_and(inside);
        if used_in {
            f.used += g.count;
            f.discount += from_fen(g.discount_fen);
            f.net_spend += from_fen(g.net_fen);
        }
        let expired_in = g.status == CouponState::Expired && inside(g.ends_month);
        if expired_in {
            f.expired += g.count;
        }
        // The use rate's coupons: those whose validity ended in the period or used in it.
        if used_in || inside(g.ends_month) {
            let base = rate_base.entry(g.template.as_str()).or_insert((0, 0));
            match g.status {
                CouponState::Used => base.0 += g.count,
                CouponState::Expired => base.1 += g.count,
                CouponState::Unused | CouponState::Void => {}
            }
        }
    }
    by_template
        .into_values()
        .map(|mut f| {
            let (used, expired) = rate_base.get(f.template.as_str()).copied().unwrap_or((0, 0));
            f.use_rate = rate(used, used + expired);
            f
        })
        .filter(|f| f.issued + f.used + f.expired > 0 || f.use_rate.is_some())
        .collect()
}

fn referral_figures(
    facts: &Facts,
    index: &SalesIndex<'_>,
    in_period: &[(u32, &SalesMonth)],
    period: Period,
) -> ReferralFigures {
    let enrolled = facts.members.iter().filter(|m| m.referred && period.contains(m.joined_on)).count() as i64;
    let successful =
        facts.members.iter().filter(|m| m.referral_succeeded_on.is_some_and(|d| period.contains(d))).count() as i64;
    let net: i64 = in_period.iter().filter(|(at, _)| index.referee[*at as usize]).map(|(_, s)| s.net_fen).sum();
    ReferralFigures { enrolled, successful, net_spend: from_fen(net) }
}

fn contact_figures(facts: &Facts, period: Period) -> ContactFigures {
    let mut f = ContactFigures {
        due: 0,
        due_by_reason: BTreeMap::new(),
        done: 0,
        no_answer: 0,
        given_up: 0,
        do_not_call: 0,
        completion: None,
    };
    for g in facts.contacts.iter().filter(|g| g.month >= period.from && g.month <= period.to) {
        f.due += g.count;
        for r in &g.reasons {
            *f.due_by_reason.entry(r.clone()).or_insert(0) += g.count;
        }
        match g.outcome {
            ContactOutcome::Done => f.done += g.count,
            ContactOutcome::NoAnswer => f.no_answer += g.count,
            ContactOutcome::GaveUp => f.given_up += g.count,
            ContactOutcome::DoNotCall => f.do_not_call += g.count,
            ContactOutcome::Open => {}
        }
    }
    f.completion = rate(f.done, f.due);
    f
}

fn nps(facts: &Facts, period: Period) -> Nps {
    let given: Vec<&ScoreGroup> =
        facts.scores.iter().filter(|s| s.month >= period.from && s.month <= period.to).collect();
    let n: i64 = given.iter().map(|s| s.count).sum();
    let promoters: i64 = given.iter().filter(|s| s.score >= 9).map(|s| s.count).sum();
    let detractors: i64 = given.iter().filter(|s| s.score <= 6).map(|s| s.count).sum();
    let score = (n > 0).then(|| {
        let pct = |x: i64| Decimal::from(x) * Decimal::ONE_HUNDRED / Decimal::from(n);
        (pct(promoters) - pct(detractors))
            .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    });
    Nps { score, n }
}

/// A survey's recommend score: 0 to 10.
pub fn check_score(score: i64) -> Result<u8, ScoreError> {
    u8::try_from(score).ok().filter(|s| *s <= 10).ok_or(ScoreError(score))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("推荐意愿评分须为 0 到 10 的整数（收到 {0}）")]
pub struct ScoreError(pub i64);

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn member(id: i64, joined: &str) -> MemberFact {
        MemberFact {
            id,
            member_no: format!("M{id:06}"),
            joined_on: d(joined),
            referred: false,
            referral_succeeded_on: None,
            first_sale: None,
            vip: false,
        }
    }

    fn sales(member: i64, month: &str, visits: u32, net_yuan: i64, last: &str) -> SalesMonth {
        SalesMonth { member, month: d(month), visits, net_fen: net_yuan * 100, last_visit: Some(d(last)) }
    }

    fn october() -> Period {
        Period::month(d("2026-10-01"))
    }

    /// Four members; October 2026 is the period (worked by hand in docs/rules.md).
    fn store() -> Facts {
        let mut m3 = member(3, "2026-10-05");
        m3.referred = true;
        m3.referral_succeeded_on = Some(d("2026-10-20"));
        Facts {
            members: vec![member(1, "2025-01-10"), member(2, "2026-03-01"), m3, member(4, "2026-11-02")],
            sales: vec![
                // M1: September once, October twice.
                sales(1, "2026-09-01", 1, 100, "2026-09-10"),
                sales(1, "2026-10-01", 2, 300, "2026-10-15"),
                // M2: July only: lapsed at October's end (more than 90 days before 10-31).
                sales(2, "2026-07-01", 1, 50, "2026-07-30"),
                // M3: October once.
                sales(3, "2026-10-01", 1, 200, "2026-10-20"),
            ],
            ..Facts::default()
        }
    }

    #[test]
    fn members_at_the_periods_end_new_active_and_lapsed() {
        let f = figures(october(), &store(), Decimal::new(10, 2));
        // M4 joined in November: not yet a member at October's end.
        assert_eq!(f.members, MemberCounts { total: 3, new: 1, active: 2, lapsed: 1 });
    }

    #[test]
    fn a_member_who_visited_before_the_facts_begin_is_lapsed() {
        let mut facts = store();
        facts.members[3].joined_on = d("2020-01-01");
        facts.members[3].first_sale = Some(d("2021-05-05"));
        assert_eq!(figures(october(), &facts, Decimal::ZERO).members.lapsed, 2);
    }

    #[test]
    fn a_visit_exactly_90_days_before_the_end_is_still_active() {
        let mut facts = store();
        // 2026-08-03 … 2026-10-31 is 90 days.
        facts.sales[2] = sales(2, "2026-08-01", 1, 50, "2026-08-03");
        assert_eq!(figures(october(), &facts, Decimal::ZERO).members.active, 3);
        facts.sales[2] = sales(2, "2026-08-01", 1, 50, "2026-08-02");
        assert_eq!(figures(october(), &facts, Decimal::ZERO).members.active, 2);
    }

    #[test]
    fn sales_repurchase_and_retention() {
        let f = figures(october(), &store(), Decimal::ZERO);
        assert_eq!(f.sales.net_spend, Decimal::new(50000, 2));
        assert_eq!(f.sales.visits, 3);
        assert_eq!(f.sales.spend_per_visit, Some(Decimal::new(16667, 2)), "500 ÷ 3 = 166.666… → 166.67");
        assert_eq!(f.sales.visits_per_active, Some(Decimal::new(150, 2)));
        // Visitors in October: M1 (2 visits) and M3 (1): one of two came back.
        assert_eq!(f.repurchase_rate, Some(Decimal::new(500, 1)));
        // September's visitors: M1 only, who came again in October.
        assert_eq!(f.retention_rate, Some(Decimal::new(1000, 1)));
    }

    #[test]
    fn a_sale_refunded_in_full_is_no_visit_but_one_paid_by_a_coupon_is() {
        assert!(counts_as_visit(10000, 0));
        assert!(counts_as_visit(10000, 9999), "partly refunded");
        assert!(!counts_as_visit(10000, 10000), "refunded in full");
        assert!(counts_as_visit(0, 0), "a coupon paid it all");
    }

    #[test]
    fn many_periods_at_once_give_what_each_gives_alone() {
        let facts = store();
        let periods =
            [october(), Period::month(d("2026-09-01")), Period { from: d("2026-07-01"), to: d("2026-10-01") }];
        let many = figures_many(&periods, &facts, Decimal::new(10, 2));
        for (p, f) in periods.iter().zip(&many) {
            assert_eq!(*f, figures(*p, &facts, Decimal::new(10, 2)));
        }
    }

    #[test]
    fn far_apart_member_ids_and_sales_of_unlisted_members_count_the_same() {
        // Ids a server may hand out (far apart) are counted through a map, not a table.
        let facts = store();
        let mut far = facts.clone();
        for m in &mut far.members {
            m.id = m.id * 1_000_000_007 + 5;
        }
        for s in &mut far.sales {
            s.member = s.member * 1_000_000_007 + 5;
        }
        assert_eq!(figures(october(), &far, Decimal::ONE).members, figures(october(), &facts, Decimal::ONE).members);
        assert_eq!(figures(october(), &far, Decimal::ONE).sales, figures(october(), &facts, Decimal::ONE).sales);
        assert_eq!(
            figures(october(), &far, Decimal::ONE).top20_share,
            figures(october(), &facts, Decimal::ONE).top20_share
        );
        // A sale of a member the facts do not list (joined after the period) still counts
        // as spend and a visit.
        let mut extra = facts.clone();
        let october_sales = figures(october(), &facts, Decimal::ONE).sales;
        extra.sales.push(SalesMonth {
            member: 999,
            month: d("2026-10-01"),
            visits: 1,
            net_fen: 10_000,
            last_visit: Some(d("2026-10-20")),
        });
        let f = figures(october(), &extra, Decimal::ONE);
        assert_eq!(f.sales.visits, october_sales.visits + 1);
        assert_eq!(f.sales.net_spend, october_sales.net_spend + Decimal::from(100));
    }

    #[test]
    fn stored_value_in_and_out_and_what_is_owed_at_the_periods_end() {
        // September: 500 + 50 bonus topped up. October: another 1,000 + 120; a sale takes
        // 300 (272.73 + 27.27); a refund gives 100 back (90.91 + 9.09); 200 principal paid
        // out with 20 bonus.
        let m = |month: &str, top_up, bonus, spend, refund, payout, principal_change, bonus_change| SvMonth {
            month: d(month),
            top_up,
            bonus,
            spend,
            refund,
            payout,
            brought_in: 0,
            principal_change,
            bonus_change,
        };
        let facts = Facts {
            stored_value: vec![
                // August: 80 brought in from the old system by an import.
                SvMonth { brought_in: 8000, principal_change: 8000, ..m("2026-08-01", 0, 0, 0, 0, 0, 0, 0) },
                m("2026-09-01", 50000, 5000, 0, 0, 0, 50000, 5000),
                m(
                    "2026-10-01",
                    100000,
                    12000,
                    -30000,
                    10000,
                    -20000,
                    100000 - 27273 + 9091 - 20000,
                    12000 - 2727 + 909 - 2000,
                ),
            ],
            ..Facts::default()
        };
        let f = figures(october(), &facts, Decimal::ZERO).stored_value;
        let y = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(
            (f.topped_up, f.bonus, f.spent, f.refunded, f.paid_out),
            (y("1000"), y("120"), y("300"), y("100"), y("200"))
        );
        // Owed at October's end: 80 + 500 + 1000 − 272.73 + 90.91 − 200 principal, 50 + 120 − 27.27 + 9.09 − 20 bonus.
        assert_eq!((f.principal, f.bonus_outstanding, f.brought_in), (y("1198.18"), y("131.82"), y("0")));
        let september = figures(Period::month(d("2026-09-01")), &facts, Decimal::ZERO).stored_value;
        assert_eq!((september.topped_up, september.principal, september.spent), (y("500"), y("580"), y("0")));
        let august = figures(Period::month(d("2026-08-01")), &facts, Decimal::ZERO).stored_value;
        assert_eq!((august.topped_up, august.brought_in, august.principal), (y("0"), y("80"), y("80")));
    }

    #[test]
    fn the_vips_share_of_the_periods_net_spend() {
        let mut facts = store();
        facts.members[2].vip = true;
        // October: M1 300, M3 (VIP) 200 of 500 = 40 %.
        let f = figures(october(), &facts, Decimal::ZERO);
        assert_eq!(
            f.vip,
            VipFigures { members: 1, net_spend: Decimal::from(200), spend_share: Some(Decimal::new(400, 1)) }
        );
        // Nobody spent in 2020: no share, not 0.
        assert_eq!(figures(Period::month(d("2020-01-01")), &facts, Decimal::ZERO).vip.spend_share, None);
    }

    #[test]
    fn a_rate_with_an_empty_base_is_none_not_zero() {
        let f = figures(Period::month(d("2020-01-01")), &store(), Decimal::ZERO);
        assert_eq!(f.repurchase_rate, None);
        assert_eq!(f.retention_rate, None);
        assert_eq!(f.top20_share, None);
        assert_eq!(f.sales.spend_per_visit, None);
        assert_eq!(f.contacts.completion, None);
        assert_eq!(f.nps.score, None);
    }

    #[test]
    fn the_top_20_percent_share_ranks_by_net_spend_and_breaks_ties_by_member_number() {
        // 12 months to October: M1 400, M3 200, M2 50; n = 3, ⌈0.6⌉ = 1: M1's 400 of 650.
        let f = figures(october(), &store(), Decimal::ZERO);
        assert_eq!(f.top20_share, Some(Decimal::new(615, 1)), "400 ÷ 650 = 61.5 %");
        // Six spenders of 100 each: ⌈1.2⌉ = 2 of them, 200 of 600; the tie is broken by number.
        let facts = Facts {
            members: (1..=6).map(|i| member(i, "2026-01-01")).collect(),
            sales: (1..=6).map(|i| sales(i, "2026-10-01", 1, 100, "2026-10-02")).collect(),
            ..Facts::default()
        };
        assert_eq!(figures(october(), &facts, Decimal::ZERO).top20_share, Some(Decimal::new(333, 1)));
    }

    #[test]
    fn points_of_the_period_and_the_outstanding_balance_with_its_liability() {
        let month = |m: &str, issued, redeemed, expired, change| PointsMonth {
            month: d(m),
            issued,
            redeemed,
            expired,
            clawed_back: 0,
            adjusted: 0,
            change,
        };
        let facts = Facts {
            points_before: 1000,
            points: vec![
                month("2026-09-01", 500, 0, 0, 500),
                month("2026-10-01", 800, 300, 100, 400),
                month("2026-11-01", 50, 0, 0, 50),
            ],
            ..Facts::default()
        };
        let f = figures(october(), &facts, Decimal::new(10, 2));
        assert_eq!((f.points.issued, f.points.redeemed, f.points.expired), (800, 300, 100));
        // 1000 before + 500 + 400 at October's end; November's 50 come later.
        assert_eq!(f.points.outstanding, 1900);
        assert_eq!(f.points.liability, Decimal::new(19000, 2), "1900 × ¥0.10");
    }

    #[test]
    fn a_coupons_use_rate_counts_the_coupons_that_ended_or_were_used_in_the_period() {
        let g = |issued: &str, ends: &str, used: Option<&str>, status, count, discount| CouponGroup {
            template: "生日券".into(),
            issued_month: d(issued),
            ends_month: d(ends),
            used_month: used.map(d),
            status,
            count,
            discount_fen: discount,
            net_fen: discount * 10,
        };
        let facts = Facts {
            coupons: vec![
                // Used in October: 3 (¥20 each).
                g("2026-09-01", "2026-12-01", Some("2026-10-01"), CouponState::Used, 3, 6000),
                // Ended in October unused: 1 expired.
                g("2026-09-01", "2026-10-01", None, CouponState::Expired, 1, 0),
                // Ended in October, used back in September: part of the base, as used.
                g("2026-08-01", "2026-10-01", Some("2026-09-01"), CouponState::Used, 2, 4000),
                // Issued in October, still open: issued only.
                g("2026-10-01", "2026-12-01", None, CouponState::Unused, 5, 0),
            ],
            ..Facts::default()
        };
        let f = &figures(october(), &facts, Decimal::ZERO).coupons[0];
        assert_eq!((f.issued, f.used, f.expired), (5, 3, 1));
        assert_eq!(f.use_rate, Some(Decimal::new(833, 1)), "5 used ÷ (5 used + 1 expired)");
        assert_eq!(f.discount, Decimal::new(6000, 2));
        assert_eq!(f.net_spend, Decimal::new(60000, 2));
    }

    #[test]
    fn referrals_contacts_and_nps() {
        let mut facts = store();
        facts.contacts = vec![
            ContactGroup {
                month: d("2026-10-01"),
                reasons: vec!["birthday".into()],
                outcome: ContactOutcome::Done,
                count: 6,
            },
            ContactGroup {
                month: d("2026-10-01"),
                reasons: vec!["birthday".into(), "follow_up".into()],
                outcome: ContactOutcome::NoAnswer,
                count: 2,
            },
            ContactGroup {
                month: d("2026-10-01"),
                reasons: vec!["lapsed".into()],
                outcome: ContactOutcome::GaveUp,
                count: 1,
            },
            ContactGroup {
                month: d("2026-10-01"),
                reasons: vec!["lapsed".into()],
                outcome: ContactOutcome::Open,
                count: 1,
            },
        ];
        facts.scores = [(10, 3), (9, 2), (8, 1), (6, 1), (3, 1)]
            .iter()
            .map(|(s, n)| ScoreGroup { month: d("2026-10-01"), score: *s, count: *n })
            .collect();
        let f = figures(october(), &facts, Decimal::ZERO);
        assert_eq!(f.referrals, ReferralFigures { enrolled: 1, successful: 1, net_spend: Decimal::new(20000, 2) });
        assert_eq!((f.contacts.due, f.contacts.done, f.contacts.no_answer, f.contacts.given_up), (10, 6, 2, 1));
        assert_eq!(f.contacts.due_by_reason["birthday"], 8);
        assert_eq!(f.contacts.completion, Some(Decimal::new(600, 1)));
        // 5 of 8 promoters (62.5 %) − 2 of 8 detractors (25 %) = 37.5.
        assert_eq!(f.nps, Nps { score: Some(Decimal::new(375, 1)), n: 8 });
    }

    #[test]
    fn periods_parse_default_to_the_last_full_month_and_know_their_neighbours() {
        let today = d("2026-12-01");
        assert_eq!(Period::parse(None, None, d("2026-11-23")).unwrap(), october());
        let nov = Period::parse(None, None, today).unwrap();
        assert_eq!(nov.label(), "2026-11");
        let q = Period::parse(Some("2026-04"), Some("2026-06"), today).unwrap();
        assert_eq!((q.months(), q.first_day(), q.last_day()), (3, d("2026-04-01"), d("2026-06-30")));
        assert_eq!(q.previous().label(), "2026-01…2026-03");
        assert_eq!(q.year_to_end().label(), "2025-07…2026-06");
        let before = q.twelve_months_before();
        assert_eq!(
            (before.len(), before[0].label(), before[11].label()),
            (12, "2025-04".to_string(), "2026-03".to_string())
        );
        assert!(matches!(Period::parse(Some("2026-07"), Some("2026-06"), today), Err(PeriodError::Reversed { .. })));
        assert!(matches!(Period::parse(Some("2026-13"), None, today), Err(PeriodError::Month(_))));
        assert!(matches!(Period::parse(Some("2027-01"), None, today), Err(PeriodError::Future(_))));
    }

    #[test]
    fn the_facts_reach_back_to_every_window_a_period_and_its_comparison_read() {
        for (from, to) in [("2026-10", "2026-10"), ("2026-01", "2026-06"), ("2023-01", "2026-06")] {
            let p = Period::parse(Some(from), Some(to), d("2026-11-23")).unwrap();
            let earliest = p
                .twelve_months_before()
                .iter()
                .flat_map(|m| [m.previous().from, m.year_to_end().from])
                .chain([p.previous().from, p.year_to_end().from])
                .min()
                .unwrap();
            assert!(p.facts_from() <= earliest, "{from}…{to}: facts from {} but {earliest} is read", p.facts_from());
        }
    }

    #[test]
    fn a_score_is_0_to_10() {
        assert_eq!(check_score(0), Ok(0));
        assert_eq!(check_score(10), Ok(10));
        assert!(check_score(11).is_err() && check_score(-1).is_err());
    }
}
