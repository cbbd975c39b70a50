//! Demo data for an empty store: realistic members (Chinese names, phones, birthdays, some
//! lunar), their purchase history over the past months, a few refunds, and their points
//! carried over — so staff can try every screen before real data arrives. Deterministic
//! for a given seed. History comes in as imports do: purchases before the opening day earn
//! no points; each member's carried-over balance is one opening lot.

use crate::members::{check_member, insert_member, MemberInput};
use crate::points::{open_balance, Award};
use crate::{Ctx, Desk, DeskError, DeskResult, ErrorCode, Operation};
use chrono::{Days, NaiveDate, NaiveDateTime};
use loyalty::money;
use serde::Serialize;
use store::ledger::LedgerKind;
use store::receipts::NewReceipt;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoReport {
    pub members: usize,
    pub purchases: usize,
    pub refunds: usize,
    /// The demo's staff accounts with their PINs (the desktop's first start only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<crate::staff::DemoAccount>,
}

/// A demo purchase (or its refund, a day later) drawn with its member, written after all
/// members are in.
struct PlannedReceipt {
    at: NaiveDateTime,
    /// The sale's number in the demo (a refund carries its sale's).
    seq: u64,
    member_id: i64,
    fen: i64,
    refund: bool,
}

/// A small deterministic generator (xorshift64*), so demo stores are reproducible.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗",
    "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "萧", "田", "董", "潘", "袁", "蔡",
    "蒋", "余", "于", "杜", "叶", "程", "魏", "苏", "吕", "丁", "任", "卢", "姚", "沈", "钟", "姜", "崔", "谭", "陆",
    "范", "汪", "廖", "石", "金", "韦", "贾", "夏", "付", "方", "邹", "熊", "白", "孟", "秦", "邱", "侯", "江", "尹",
    "欧阳", "司马", "上官", "诸葛", "单", "解", "查", "翟", "覃", "区",
];
const GIVEN_F: &[&str] = &[
    "秀英", "桂英", "秀兰", "玉兰", "桂兰", "淑珍", "丽", "静", "敏", "燕", "艳", "娟", "霞", "芳", "娜", "婷", "雪",
    "慧", "佳怡", "欣怡", "梓涵", "雨涵", "诗涵", "梦洁", "晓红", "丽华", "美玲", "春梅", "海燕", "晓燕",
];
const GIVEN_M: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "建国", "建华",
    "志强", "志明", "国强", "海涛", "浩然", "子轩", "宇轩", "俊杰", "文博", "天宇", "明辉", "振华",
];
const NOTES: &[&str] = &[
    "喜欢安静，不爱被推销",
    "老顾客，常带孙子来",
    "对价格敏感，关注促销",
    "偏好国产品牌",
    "腿脚不便，需帮忙搬货",
    "只在周末来店",
    "喜欢新品，愿意试用",
    "请用微信联系，白天不方便接电话",
];

impl Desk {
    /// Fills an empty store with `members` demo members and `months` months of history.
    pub fn fill_demo(&mut self, ctx: &Ctx, members: usize, months: u32, seed: u64) -> DeskResult<DemoReport> {
        ctx.require(Operation::Demo)?;
        self.fill_demo_with(ctx, members, months, seed, false)
    }

    /// The desktop's first start on an empty store with nobody's PIN set: demo data, and
    /// the demo's three accounts (manager, front desk, customer service) with random PINs
    /// returned once to be shown.
    pub fn start_demo(&mut self, ctx: &Ctx, members: usize, months: u32, seed: u64) -> DeskResult<DemoReport> {
        if self.sign_in_required()? {
            return Err(DeskError::new(ErrorCode::NotAllowed, "本店已设置员工账号，演示数据请由店长在命令行填入"));
        }
        self.fill_demo_with(ctx, members, months, seed, true)
    }

    fn fill_demo_with(
        &mut self,
        ctx: &Ctx,
        members: usize,
        months: u32,
        seed: u64,
        accounts: bool,
    ) -> DeskResult<DemoReport> {
        if store::members::count(self.store.conn())? > 0 {
            return Err(DeskError::new(ErrorCode::StoreNotEmpty, "演示数据只能填入空的店铺（已有会员）"));
        }
        if members == 0 || members > 1_000_000 || months == 0 || months > 60 {
            return Err(DeskError::new(ErrorCode::InvalidInput, "会员数须为 1–1,000,000，月数须为 1–60"));
        }
        let settings = self.settings.clone();
        let mut dice = Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let span_days = u64::from(months) * 30;
        let first_day = ctx.store_date - Days::new(span_days);
        let now = ctx.now_text();
        // An empty store (checked above): written through a rollback journal, not the WAL
        // (store::Store::write_fresh).
        self.store.write_fresh(|tx| {
            let mut purchases = 0;
            let mut refunds = 0;
            let mut receipt_seq: u64 = 0;
            let mut history: Vec<PlannedReceipt> = Vec::new();
            // (day, member, kind, score) of every interaction, written after the members.
            let mut planned_interactions: Vec<(NaiveDate, i64, &str, Option<u8>)> = Vec::new();
            // The members go in with their indexes and name pieces set aside, built once
            // after the last, and their numbers and codes made in memory
            // (members::MemberBulk).
            let mut members_load = crate::members::MemberBulk::start(&tx)?;
            let mut phones: std::collections::HashSet<String> = std::collections::HashSet::new();
            let mut ids_by_seq: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
            let mut balances = store::ledger::OpeningBalances::default();
            for i in 0..members {
                let female = dice.below(100) < 55;
                let surname = *dice.pick(SURNAMES);
                let given = if female { *dice.pick(GIVEN_F) } else { *dice.pick(GIVEN_M) };
                let phone_prefix =
                    *dice.pick(&["138", "139", "135", "136", "150", "151", "158", "177", "186", "188", "199"]);
                // A bijection of the index (7919 is prime to 10^8): every demo phone differs.
                let phone = format!("{phone_prefix}{:08}", (i as u64 * 7_919 + 12_345_678) % 100_000_000);
                let birthday = match dice.below(10) {
                    0..=5 => format!("{}-{:02}-{:02}", 1950 + dice.below(55), 1 + dice.below(12), 1 + dice.below(28)),
                    6 | 7 => format!("{:02}-{:02}", 1 + dice.below(12), 1 + dice.below(28)),
                    _ => String::new(),
                };
                let input = MemberInput {
                    name: format!("{surname}{given}"),
                    phone,
                    gender: (if female { "F" } else { "M" }).to_string(),
                    lunar: !birthday.is_empty() && dice.below(6) == 0,
                    birthday,
                    contact_ok: Some(dice.below(20) != 0),
                    notes: if dice.below(8) == 0 { dice.pick(NOTES).to_string() } else { String::new() },
                    ..MemberInput::default()
                };
                let checked = match check_member(&input) {
                    Ok(c) => c,
                    Err(_) => continue,
                };
                // The phone's unique index is set aside while the members go in: the demo
                // keeps its own phones (all differ by construction; the index built at the
                // end would refuse a second).
                if !phones.insert(checked.phone.clone()) {
                    continue;
                }
                let joined_on = first_day + Days::new(dice.below(span_days));
                // Everything of this member is drawn first, in the order the dice have
                // always been thrown (the same seed makes the same store), and written after:
                // the member goes in with its carried-over balance, whose lot and entry
                // follow (store::ledger::OpeningBalances), instead of an award rewriting the
                // member row just written.
                // About one member in ten was brought by an earlier member: the referral
                // succeeds with their first paid purchase below.
                let referrer_seq = (i > 0 && dice.below(10) == 0).then(|| 1 + dice.below(i as u64) as i64);
                // Surveys (with a 0–10 recommend score), feedback, events and shares: none for
                // most, a few for the engaged.
                let mut interactions = Vec::new();
                let engaged = dice.below(4);
                for _ in 0..(if engaged == 0 { 1 + dice.below(4) } else { dice.below(2) }) {
                    let days_open = (ctx.store_date - joined_on).num_days().max(1) as u64;
                    let on = joined_on + Days::new(dice.below(days_open));
                    if on >= ctx.store_date {
                        continue;
                    }
                    let kind = *dice.pick(&["survey", "survey", "feedback", "event", "share"]);
                    let score = (kind == "survey").then(|| *dice.pick(&[10u8, 10, 9, 9, 9, 8, 8, 7, 6, 5, 3]));
                    interactions.push((on, kind, score));
                }
                // Purchases: between 2 and 18, from the joining day on, before the store date.
                let first_planned = history.len();
                let visits = 2 + dice.below(17);
                let mut paid_last_year: i64 = 0;
                for _ in 0..visits {
                    let days_open = (ctx.store_date - joined_on).num_days().max(1) as u64;
                    let day = joined_on + Days::new(dice.below(days_open));
                    if day >= ctx.store_date {
                        continue;
                    }
                    let fen =
                        (1_000 + dice.below(40_000) + if dice.below(10) == 0 { dice.below(200_000) } else { 0 }) as i64;
                    let at: NaiveDateTime =
                        day.and_hms_opt(9 + dice.below(12) as u32, dice.below(60) as u32, 0).expect("valid time");
                    receipt_seq += 1;
                    purchases += 1;
                    history.push(PlannedReceipt { at, seq: receipt_seq, member_id: 0, fen, refund: false });
                    let mut kept = fen;
                    if dice.below(50) == 0 {
                        let back = if dice.below(2) == 0 { fen } else { fen / 2 };
                        let at = at + chrono::Duration::days(1);
                        history.push(PlannedReceipt { at, seq: receipt_seq, member_id: 0, fen: back, refund: true });
                        refunds += 1;
                        kept -= back;
                    }
                    if (ctx.store_date - day).num_days() <= 365 {
                        paid_last_year += kept;
                    }
                }
                // The carried-over balance: what the last year earned, less what was spent.
                let carried = money::from_fen(paid_last_year).floor();
                let carried = i64::try_from(carried.mantissa() / 10i128.pow(carried.scale())).unwrap_or(0);
                let carried = (carried * (30 + dice.below(70) as i64) / 100).max(0);
                let carried_on = (carried > 0).then(|| ctx.store_date - Days::new(dice.below(300)));

                let id = insert_member(&tx, ctx, &checked, "", joined_on, carried, Some(&mut members_load))?;
                ids_by_seq.insert(members_load.last_seq(), id);
                // The referrer by member number, from the demo's own numbers (the member
                // number's index is set aside too).
                if let Some(&referrer) = referrer_seq.and_then(|seq| ids_by_seq.get(&seq)) {
                    if referrer != id {
                        store::members::set_referred_by(&tx, id, referrer)?;
                    }
                }
                planned_interactions.extend(interactions.into_iter().map(|(on, kind, score)| (on, id, kind, score)));
                for planned in &mut history[first_planned..] {
                    planned.member_id = id;
                }
                if let Some(earned_on) = carried_on {
                    open_balance(
                        &tx,
                        &mut balances,
                        &Award {
                            member_id: id,
                            points: carried,
                            kind: LedgerKind::Bonus,
                            source: "opening",
                            receipt_id: None,
                            earned_on,
                            reason: "演示数据：旧系统积分转入",
                            staff_id: ctx.staff_id,
                            now: &now,
                        },
                        &settings,
                    )?;
                }
            }
            balances.finish(&tx)?;
            members_load.finish(&tx)?;
            // The interactions as a store records them, in day order: two of their three
            // indexes (by day) grow at their end, where written member by member each went to
            // a random place in them (a sixteenth of building the demo, docs/performance.md).
            planned_interactions.sort_unstable_by_key(|&(on, member_id, _, _)| (on, member_id));
            for (on, member_id, kind, score) in planned_interactions {
                store::interactions::insert(&tx, member_id, kind, on, "演示数据", 0, score, ctx.staff_id, &now)?;
            }
            // The receipts go in as a store records them, in time order: a day's sales lie
            // together in the table and its date indexes grow at their end. Written member by
            // member, every insert landed somewhere random in three date indexes, and building
            // the store grew faster than its size (10,000 members 4.3 s, 40,000 members 20 s).
            history.sort_unstable_by_key(|r| (r.at, r.seq, r.refund));
            // Loaded with the receipts' date indexes, the first/last-sale trigger and the
            // month sums set aside, built again once at the end (store::receipts::HistoryLoad):
            // each insert had updated five indexes, a member row and a month's sums.
            let mut load = store::receipts::HistoryLoad::start_unread(&tx)?;
            let mut sale_ids = vec![0i64; receipt_seq as usize + 1];
            for r in &history {
                let sale_day = if r.refund { r.at.date() - Days::new(1) } else { r.at.date() };
                let sale_no = format!("D{}-{:07}", sale_day.format("%Y%m%d"), r.seq);
                let refund_no = r.refund.then(|| format!("{sale_no}-T"));
                let sale_id = sale_ids[r.seq as usize];
                let id = load.insert(
                    &tx,
                    &NewReceipt {
                        receipt_no: refund_no.as_deref().unwrap_or(&sale_no),
                        kind: if r.refund { "refund" } else { "sale" },
                        member_id: r.member_id,
                        refund_of: r.refund.then_some(sale_id),
                        gross_fen: r.fen,
                        discount_fen: 0,
                        paid_fen: r.fen,
                        multiplier: "1",
                        points: 0,
                        gift: None,
                        coupon_id: None,
                        history: true,
                        at: r.at,
                        staff_id: ctx.staff_id,
                        created_at: &now,
                        sv_principal_fen: 0,
                        sv_bonus_fen: 0,
                    },
                )?;
                if r.refund {
                    load.add_refunded(&tx, sale_id, r.fen)?;
                } else {
                    sale_ids[r.seq as usize] = id;
                }
            }
            drop(history);
            load.finish(&tx)?;
            // The store's first day as a newcomer should see it: the month's tier run sets the
            // first tiers from the history, the quarter's big-customer screening is made, and
            // the day's contact list is made again now that there are members to call. What
            // the bring-up made on the empty store (nobody evaluated, nobody listed) is undone
            // first.
            let month = loyalty::tiers::first_of_month(ctx.store_date);
            let quarter = loyalty::screening::Quarter::of(ctx.store_date);
            store::contacts::forget_empty_day(&tx, ctx.store_date)?;
            store::tiers::forget_empty_run(&tx, &month.format("%Y-%m").to_string())?;
            store::screening::forget_empty_run(&tx, &quarter.to_string())?;
            crate::tiers::run_month(&tx, &settings, month, &now)?;
            crate::screening::run_quarter(&tx, quarter, &now)?;
            crate::contacts::generate_day(&tx, ctx, &settings, ctx.store_date, false)?;
            let accounts = if accounts { Desk::add_demo_accounts(&tx, ctx)? } else { Vec::new() };
            Ok(DemoReport { members: store::members::count(self.store.conn())? as usize, purchases, refunds, accounts })
        })
    }
}
