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

/// The big customers: VIP members now and their share of the period's net spend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VipView {
    pub members: i64,
    pub net_spend: String,
    pub spend_share: Option<String>,
}

/// Stored value (rules §13, §14): topped up, bonus given, spent, given back by refunds and
/// paid out in the period, and the principal and bonus owed at its end.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredValueView {
    pub topped_up: String,
    pub bonus: String,
    pub spent: String,
    pub refunded: String,
    pub paid_out: String,
    /// Principal brought in from another system by an import.
    pub brought_in: String,
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
    pub vip: VipView,
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
        vip: VipView {
            members: f.vip.members,
            net_spend: money(f.vip.net_spend),
            spend_share: rate(f.vip.spend_share),
        },
        stored_value: StoredValueView {
            topped_up: money(f.stored_value.topped_up),
            bonus: money(f.stored_value.bonus),
            spent: money(f.stored_value.spent),
            refunded: money(f.stored_value.refunded),
            paid_out: money(f.stored_value.paid_out),
            brought_in: money(f.stored_value.brought_in),
            principal: money(f.stored_value.principal),
            bonus_outstanding: money(f.stored_value.bonus_outstanding),
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
        let mut periods = vec![period];
        periods.extend(period.twelve_months_before());
        let mut all = figures::figures_many(&periods, &facts, self.settings.point_value).into_iter().map(|f| view(&f));
        let this = all.next().expect("the period itself");
        let months_before = all.collect();
        Ok(FiguresReport { period: this, branch: branch.map(|b| b.code), months_before })
    }
}

/// The figures' lines in the files, in the order the screen shows them: (path in
/// [`FiguresView`], label).
const LINES: &[(&str, &str)] = &[
    ("members.total", "会员总数"),
    ("members.new", "新会员"),
    ("members.active", "活跃会员（90 天内到店）"),
    ("members.lapsed", "流失会员"),
    ("sales.net_spend", "会员消费净额（元）"),
    ("sales.visits", "到店次数"),
    ("sales.spend_per_visit", "客单价（元）"),
    ("sales.visits_per_active", "活跃会员人均到店"),
    ("repurchase_rate", "复购率（%）"),
    ("retention_rate", "留存率（%）"),
    ("top20_share", "前 20% 会员消费占比（%）"),
    ("vip.members", "大客户人数"),
    ("vip.net_spend", "大客户消费（元）"),
    ("vip.spend_share", "大客户消费占比（%）"),
    ("points.issued", "发放积分"),
    ("points.redeemed", "兑换积分"),
    ("points.expired", "过期积分"),
    ("points.clawed_back", "退货扣回积分"),
    ("points.adjusted", "调整积分"),
    ("points.outstanding", "期末未用积分"),
    ("points.liability", "积分负债（元）"),
    ("referrals.enrolled", "推荐入会"),
    ("referrals.successful", "推荐成功"),
    ("referrals.net_spend", "被推荐会员消费（元）"),
    ("contacts.due", "应联系"),
    ("contacts.done", "已完成"),
    ("contacts.no_answer", "未接通"),
    ("contacts.given_up", "放弃"),
    ("contacts.do_not_call", "不再联系"),
    ("contacts.completion", "联系完成率（%）"),
    ("nps.score", "NPS 净推荐值"),
    ("nps.n", "NPS 评分人数"),
    ("stored_value.topped_up", "储值充值（元）"),
    ("stored_value.bonus", "储值赠送（元）"),
    ("stored_value.spent", "储值消费（元）"),
    ("stored_value.refunded", "储值退回（元）"),
    ("stored_value.paid_out", "退储值（元）"),
    ("stored_value.brought_in", "旧系统储值转入（元）"),
    ("stored_value.principal", "期末储值本金（元）"),
    ("stored_value.bonus_outstanding", "期末储值赠送（元）"),
];

/// One cell of the figures' files: a number (written as a number in Excel), a text, or
/// "—" for a rate with an empty base.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Number(Decimal),
    Text(String),
    Empty,
}

fn cell_at(v: &serde_json::Value, path: &str) -> Cell {
    let found = path.split('.').try_fold(v, |v, k| v.get(k));
    match found {
        None | Some(serde_json::Value::Null) => Cell::Empty,
        Some(serde_json::Value::Number(n)) => n.as_i64().map_or(Cell::Text(n.to_string()), |i| Cell::Number(i.into())),
        Some(serde_json::Value::String(s)) => s.parse::<Decimal>().map_or(Cell::Text(s.clone()), Cell::Number),
        Some(other) => Cell::Text(other.to_string()),
    }
}

impl FiguresReport {
    /// The figures as tables: the lines with the period and each of the 12 months before it,
    /// and the period's coupons per template.
    fn tables(&self) -> (Vec<String>, Vec<Vec<Cell>>, Vec<String>, Vec<Vec<Cell>>) {
        let label = |f: &FiguresView| if f.from == f.to { f.from.clone() } else { format!("{}~{}", f.from, f.to) };
        let mut header = vec!["指标".to_string(), "key".to_string(), label(&self.period)];
        header.extend(self.months_before.iter().map(label));
        let views: Vec<serde_json::Value> = std::iter::once(&self.period)
            .chain(&self.months_before)
            .map(|f| serde_json::to_value(f).unwrap_or_default())
            .collect();
        let rows = LINES
            .iter()
            .map(|(path, name)| {
                let mut row = vec![Cell::Text(name.to_string()), Cell::Text(path.to_string())];
                row.extend(views.iter().map(|v| cell_at(v, path)));
                row
            })
            .collect();
        let coupon_header = ["优惠券", "发放", "已用", "过期", "使用率（%）", "优惠金额（元）", "带动消费（元）"];
        let coupons = self
            .period
            .coupons
            .iter()
            .map(|c| {
                let v = serde_json::to_value(c).unwrap_or_default();
                let mut row = vec![Cell::Text(c.template.clone())];
                row.extend(
                    ["issued", "used", "expired", "use_rate", "discount", "net_spend"].iter().map(|k| cell_at(&v, k)),
                );
                row
            })
            .collect();
        (header, rows, coupon_header.iter().map(|s| s.to_string()).collect(), coupons)
    }
}

fn text_of(c: &Cell) -> String {
    match c {
        Cell::Number(n) => n.to_string(),
        Cell::Text(t) => t.clone(),
        Cell::Empty => "—".to_string(),
    }
}

impl Desk {
    /// The figures of [`Desk::figures`] as a file (see [`FiguresReport::file`]).
    pub fn export_figures(
        &self,
        ctx: &Ctx,
        from: Option<&str>,
        to: Option<&str>,
        branch: Option<&str>,
        format: crate::export::ExportFormat,
    ) -> DeskResult<Vec<u8>> {
        self.figures(ctx, from, to, branch)?.file(format)
    }
}

impl FiguresReport {
    /// The report as a file: CSV (UTF-8 with BOM: the lines, a blank line, the coupons) or
    /// an Excel workbook (a sheet of lines and a sheet of coupons, the figures as numbers).
    pub fn file(&self, format: crate::export::ExportFormat) -> DeskResult<Vec<u8>> {
        let (header, rows, coupon_header, coupons) = self.tables();
        match format {
            crate::export::ExportFormat::Csv => {
                // One width for every line (a CSV file is one table): the coupons follow a
                // blank line, padded with empty cells.
                let width = header.len();
                let pad = |mut r: Vec<String>| {
                    r.resize(width.max(r.len()), String::new());
                    r
                };
                let mut lines: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(text_of).collect()).collect();
                lines.push(pad(Vec::new()));
                lines.push(pad(coupon_header.clone()));
                lines.extend(coupons.iter().map(|r| pad(r.iter().map(text_of).collect())));
                let header: Vec<&str> = header.iter().map(String::as_str).collect();
                crate::export::csv_bytes(&header, lines)
            }
            crate::export::ExportFormat::Xlsx => {
                let fail = |e: rust_xlsxwriter::XlsxError| DeskError::new(ErrorCode::Internal, e.to_string());
                let mut book = rust_xlsxwriter::Workbook::new();
                let bold = rust_xlsxwriter::Format::new().set_bold();
                for (name, header, rows) in [("效果评估", &header, &rows), ("优惠券", &coupon_header, &coupons)]
                {
                    let ws = book.add_worksheet();
                    ws.set_name(name).map_err(fail)?;
                    for (c, h) in header.iter().enumerate() {
                        ws.write_string_with_format(0, c as u16, h, &bold).map_err(fail)?;
                    }
                    for (r, row) in rows.iter().enumerate() {
                        let r = r as u32 + 1;
                        for (c, cell) in row.iter().enumerate() {
                            let c = c as u16;
                            match cell {
                                Cell::Number(n) => {
                                    let n: f64 = n.to_string().parse().unwrap_or_default();
                                    ws.write_number(r, c, n).map_err(fail)?
                                }
                                Cell::Text(t) => ws.write_string(r, c, t).map_err(fail)?,
                                Cell::Empty => ws.write_string(r, c, "—").map_err(fail)?,
                            };
                        }
                    }
                    ws.set_column_width(0, 26).map_err(fail)?;
                }
                book.save_to_buffer().map_err(fail)
            }
        }
    }
}
