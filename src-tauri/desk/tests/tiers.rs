//! Rules §5 end to end: the monthly evaluation over real receipts, interactions and
//! referrals; its window, idempotency, catch-up, and what it changes afterwards.

mod common;
use common::*;
use desk::checkout::CheckoutInput;
use desk::import::ImportOptions;
use desk::{Desk, ErrorCode};

/// Imports members (`name,phone,referred_by_phone`) and purchases (`receipt,phone,time,amount[,kind,refund_of]`).
fn members(desk: &mut Desk, ctx: &desk::Ctx, rows: &[(&str, &str, &str)]) {
    let mut csv = String::from("name,phone,referred_by_phone\n");
    for (n, p, r) in rows {
        csv.push_str(&format!("{n},{p},{r}\n"));
    }
    let r = desk.import_members(ctx, csv.as_bytes(), ImportOptions::default()).unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
}

fn purchases(desk: &mut Desk, ctx: &desk::Ctx, rows: &[(String, &str, &str, String, &str, &str)]) {
    let mut csv = String::from("receipt_no,phone,time,amount,kind,refund_of\n");
    for (no, phone, time, amount, kind, of) in rows {
        csv.push_str(&format!("{no},{phone},{time},{amount},{kind},{of}\n"));
    }
    let r = desk.import_purchases(ctx, csv.as_bytes(), ImportOptions::default()).unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
}

/// `visits` sales in November 2026 adding up to `net` (in fen), for one phone.
fn spend(desk: &mut Desk, ctx: &desk::Ctx, phone: &str, tag: &str, net_fen: i64, visits: i64) {
    let each = net_fen / visits;
    let rows: Vec<_> = (0..visits)
        .map(|i| {
            let fen = if i == visits - 1 { net_fen - each * (visits - 1) } else { each };
            (format!("{tag}{i}"), phone, "2026-11-02 10:00", format!("{}.{:02}", fen / 100, fen % 100), "sale", "")
        })
        .collect();
    purchases(desk, ctx, &rows);
}

fn interactions(desk: &mut Desk, ctx: &desk::Ctx, phone: &str, n: usize) {
    for _ in 0..n {
        desk.record_interaction(ctx, phone, "survey", Some(d("2026-10-10")), "", None).unwrap();
    }
}

fn tier(desk: &Desk, ctx: &desk::Ctx, phone: &str) -> String {
    desk.member_card(ctx, phone).unwrap().tier
}

#[test]
fn the_worked_examples_of_the_rule_book() {
    let (mut desk, ctx) = store_on("2026-11-23");
    members(
        &mut desk,
        &ctx,
        &[
            ("甲", "13800000001", ""),
            ("乙", "13800000002", ""),
            ("丙", "13800000003", ""),
            ("丁", "13800000004", "13800000002"),
        ],
    );
    // Net 8,000, 24 visits, 3 interactions → C=128, I=30, S=88.80 → Active.
    spend(&mut desk, &ctx, "13800000001", "A", 800_000, 24);
    interactions(&mut desk, &ctx, "13800000001", 3);
    // Net 15,000, 30 visits, 5 interactions, 1 referral in the window → S=158.00 → Loyal.
    spend(&mut desk, &ctx, "13800000002", "B", 1_500_000, 30);
    interactions(&mut desk, &ctx, "13800000002", 5);
    purchases(&mut desk, &ctx, &[("D1".into(), "13800000004", "2026-06-01", "10.00".into(), "sale", "")]);
    // The same without any referral → I=50, S=146.00 → Core.
    spend(&mut desk, &ctx, "13800000003", "C", 1_500_000, 30);
    interactions(&mut desk, &ctx, "13800000003", 5);
    let ctx = day(&mut desk, "2026-12-01");
    let run = desk.tier_changes(&ctx, "2026-12").unwrap();
    let find = |no: &str| run.changes.iter().find(|c| c.member_no == no).cloned().unwrap();
    let a = find("M000001");
    assert_eq!(
        (a.to.as_str(), a.score.as_str(), a.consumption.as_str(), a.interaction.as_str()),
        ("active", "88.80", "128.00", "30.00")
    );
    let b = find("M000002");
    assert_eq!((b.to.as_str(), b.score.as_str(), b.interaction.as_str()), ("loyal", "158.00", "80.00"));
    let c = find("M000003");
    assert_eq!((c.to.as_str(), c.score.as_str()), ("core", "146.00"));
    assert_eq!(run.evaluated, 4);
    assert_eq!(run.changed, 3, "the referee with 10 yuan stays Regular: no row");
    assert_eq!(tier(&desk, &ctx, "13800000002"), "loyal");
}

#[test]
fn boundaries_at_50_and_150_with_and_without_a_referral() {
    let (mut desk, ctx) = store_on("2026-11-23");
    members(
        &mut desk,
        &ctx,
        &[
            ("甲", "13800000001", ""),
            ("乙", "13800000002", ""),
            ("丙", "13800000003", ""),
            ("丁", "13800000004", ""),
            ("戊", "13800000005", "13800000004"),
            ("己", "13800000006", ""),
        ],
    );
    // One visit: S = 0.006 × net + 1.2.
    spend(&mut desk, &ctx, "13800000001", "A", 813_333, 1); // S = 50.00
    spend(&mut desk, &ctx, "13800000002", "B", 813_500, 1); // S = 50.01
    spend(&mut desk, &ctx, "13800000003", "C", 2_480_000, 1); // S = 150.00
    spend(&mut desk, &ctx, "13800000004", "D", 2_480_167, 1); // S = 150.01, referred someone long ago
    purchases(&mut desk, &ctx, &[("E1".into(), "13800000005", "2024-03-01", "10.00".into(), "sale", "")]);
    spend(&mut desk, &ctx, "13800000006", "F", 2_480_167, 1); // S = 150.01, never referred
    let ctx = day(&mut desk, "2026-12-01");
    let tiers: Vec<String> = (1..=6).map(|i| tier(&desk, &ctx, &format!("1380000000{i}"))).collect();
    assert_eq!(tiers, ["regular", "active", "core", "loyal", "regular", "core"]);
}

#[test]
fn the_window_runs_from_the_1st_a_year_before_to_the_last_day_before_the_evaluation() {
    let (mut desk, ctx) = store_on("2026-11-23");
    members(&mut desk, &ctx, &[("甲", "13800000001", ""), ("乙", "13800000002", "")]);
    // 13800000001: 2 sales of 4,500 on the window's first and last days → C=94, S=56.40 → Active.
    purchases(
        &mut desk,
        &ctx,
        &[
            ("W1".into(), "13800000001", "2025-12-01 09:00", "4500.00".into(), "sale", ""),
            ("X1".into(), "13800000002", "2025-11-30 21:00", "9000.00".into(), "sale", ""),
        ],
    );
    let ctx = day(&mut desk, "2026-11-30");
    purchases(&mut desk, &ctx, &[("W2".into(), "13800000001", "2026-11-30 21:00", "4500.00".into(), "sale", "")]);
    // A sale on the evaluation day itself does not count for that run.
    desk.checkout(
        &ctx,
        &desk::checkout::CheckoutInput {
            member: "13800000002".into(),
            amount: "10".into(),
            receipt: "late".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let ctx = day(&mut desk, "2026-12-01");
    desk.checkout(
        &ctx,
        &desk::checkout::CheckoutInput {
            member: "13800000002".into(),
            amount: "9000".into(),
            receipt: "Y1".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let run = desk.tier_changes(&ctx, "2026-12").unwrap();
    assert_eq!(run.changes.len(), 1, "{:?}", run.changes);
    assert_eq!((run.changes[0].member_no.as_str(), run.changes[0].score.as_str()), ("M000001", "56.40"));
    assert_eq!(tier(&desk, &ctx, "13800000002"), "regular", "10 yuan on 11-30 only; 9,000 on 12-01 waits for January");
}

#[test]
fn a_refund_after_the_run_counts_only_for_later_runs_and_a_full_refund_removes_the_visit() {
    let (mut desk, ctx) = store_on("2026-11-23");
    members(&mut desk, &ctx, &[("甲", "13800000001", "")]);
    spend(&mut desk, &ctx, "13800000001", "A", 900_000, 2); // 2 × 4,500: C = 94, S = 56.40
    let ctx = day(&mut desk, "2026-12-01");
    assert_eq!(tier(&desk, &ctx, "13800000001"), "active");
    let ctx = day(&mut desk, "2026-12-05");
    refund(&mut desk, &ctx, "A0", "T1", "4500.00");
    assert_eq!(
        desk.tier_changes(&ctx, "2026-12").unwrap().changes[0].score,
        "56.40",
        "the December run stays as it was"
    );
    let ctx = day(&mut desk, "2027-01-01");
    let jan = desk.tier_changes(&ctx, "2027-01").unwrap();
    // One visit left (the refunded one is gone) and 4,500 net: C = 47, S = 28.20.
    assert_eq!((jan.changes[0].to.as_str(), jan.changes[0].score.as_str()), ("regular", "28.20"));
    assert_eq!(tier(&desk, &ctx, "13800000001"), "regular");
}

#[test]
fn running_a_month_again_changes_nothing_and_adds_no_rows() {
    let (mut desk, ctx) = store_on("2026-11-23");
    members(&mut desk, &ctx, &[("甲", "13800000001", "")]);
    spend(&mut desk, &ctx, "13800000001", "A", 900_000, 2);
    let ctx = day(&mut desk, "2026-12-01");
    let again = desk.evaluate_tiers(&ctx, Some("2026-12")).unwrap();
    assert!(!again.ran_now);
    assert_eq!(again.changes.len(), 1);
    assert_eq!((count(&desk, "tier_runs"), count(&desk, "tier_changes")), (1, 1));
    assert_eq!(desk.evaluate_tiers(&ctx, Some("2027-01")).unwrap_err().code, ErrorCode::DateInFuture);
    assert_eq!(
        desk.evaluate_tiers(&ctx, Some("2026-11")).unwrap_err().code,
        ErrorCode::InvalidInput,
        "older than the latest run"
    );
}

#[test]
fn three_missed_months_run_in_order_each_as_of_its_own_1st() {
    let (mut desk, ctx) = store_on("2026-11-23");
    members(&mut desk, &ctx, &[("甲", "13800000001", "")]);
    // 9,000 in two visits in January 2026: counts through the run of 2027-01-01, gone on 2027-02-01.
    purchases(
        &mut desk,
        &ctx,
        &[
            ("J1".into(), "13800000001", "2026-01-10", "4500.00".into(), "sale", ""),
            ("J2".into(), "13800000001", "2026-01-20", "4500.00".into(), "sale", ""),
        ],
    );
    let report = desk.bring_up_to(d("2027-02-10"), true, "").unwrap();
    assert_eq!(report.tier_runs, ["2026-12", "2027-01", "2027-02"]);
    let months: Vec<String> = desk
        .conn()
        .prepare("SELECT month || '@' || evaluation_day FROM tier_runs ORDER BY id")
        .unwrap()
        .query_map((), |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(months, ["2026-12@2026-12-01", "2027-01@2027-01-01", "2027-02@2027-02-01"]);
    assert_eq!(desk.tier_changes(&ctx, "2026-12").unwrap().changes[0].to, "active");
    assert!(desk.tier_changes(&ctx, "2027-01").unwrap().changes.is_empty());
    assert_eq!(desk.tier_changes(&ctx, "2027-02").unwrap().changes[0].to, "regular");
}

#[test]
fn checkouts_after_an_upgrade_use_the_new_multiplier() {
    let (mut desk, ctx) = store_on("2026-11-23");
    members(&mut desk, &ctx, &[("甲", "13800000001", "")]);
    spend(&mut desk, &ctx, "13800000001", "A", 1_500_000, 10); // C = 170, S = 102.00 → Core
    let o = buy(&mut desk, &ctx, "13800000001", "199.99", "before");
    assert_eq!(o.points_earned, Some(199), "still Regular in November");
    let ctx = day(&mut desk, "2026-12-01");
    assert_eq!(tier(&desk, &ctx, "13800000001"), "core");
    assert_eq!(buy(&mut desk, &ctx, "13800000001", "199.99", "after").points_earned, Some(239));
}

/// A sale entered late, dated before the run that upgraded the member, earns at the tier of
/// its own day; the till reads that tier in the same statement as its other checks.
#[test]
fn a_sale_dated_before_the_upgrade_earns_at_the_tier_of_its_day() {
    let (mut desk, ctx) = store_on("2026-11-23");
    members(&mut desk, &ctx, &[("甲", "13800000001", "")]);
    spend(&mut desk, &ctx, "13800000001", "A", 1_500_000, 10);
    let ctx = day(&mut desk, "2026-12-01");
    assert_eq!(tier(&desk, &ctx, "13800000001"), "core");
    let late = desk
        .checkout(
            &ctx,
            &CheckoutInput {
                member: "13800000001".into(),
                amount: "199.99".into(),
                receipt: "late".into(),
                at: Some(chrono::NaiveDateTime::parse_from_str("2026-11-30 18:00", "%Y-%m-%d %H:%M").unwrap()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(late.points_earned, Some(199), "Regular on 11-30");
    assert_eq!(buy(&mut desk, &ctx, "13800000001", "199.99", "now").points_earned, Some(239), "Core on 12-01");
}

#[test]
fn the_card_shows_the_standing_and_what_the_next_tier_needs() {
    let (mut desk, ctx) = store_on("2026-11-23");
    members(&mut desk, &ctx, &[("甲", "13800000001", "")]);
    spend(&mut desk, &ctx, "13800000001", "A", 800_000, 24);
    interactions(&mut desk, &ctx, "13800000001", 3);
    let ctx = day(&mut desk, "2026-12-01");
    let v = desk.member_card(&ctx, "13800000001").unwrap().tier_view;
    assert_eq!((v.tier.as_str(), v.benefits.as_str()), ("active", "专属促销优先参与"));
    assert_eq!(v.next_evaluation, d("2027-01-01"));
    assert_eq!((v.score.as_str(), v.consumption.as_str(), v.interaction.as_str()), ("88.80", "128.00", "30.00"));
    let next = v.next.unwrap();
    assert_eq!(next.tier, "core");
    assert_eq!(next.text, format!("再消费 ¥{} 或再到店 10 次即可升为核心会员", next.spend.as_deref().unwrap()));
}

#[test]
fn settings_are_validated_recorded_and_apply_from_the_next_run() {
    let (mut desk, ctx) = store_on("2026-11-23");
    members(&mut desk, &ctx, &[("甲", "13800000001", "")]);
    spend(&mut desk, &ctx, "13800000001", "A", 400_000, 2); // C = 44, S = 26.40
    let mut s = desk.program_settings();
    s.tiers.thresholds[0] = rust_decimal::Decimal::new(200, 0);
    assert_eq!(desk.save_program_settings(&ctx, s).unwrap_err().code, ErrorCode::InvalidInput);
    let mut s = desk.program_settings();
    s.tiers.thresholds[0] = rust_decimal::Decimal::new(20, 0);
    desk.save_program_settings(&ctx, s).unwrap();
    assert_eq!(desk.settings_history(&ctx).unwrap().len(), 1);
    let ctx = day(&mut desk, "2026-12-01");
    assert_eq!(tier(&desk, &ctx, "13800000001"), "active", "26.40 > the new Regular bound of 20");
}

/// A window's spend and visits count the refunds dated before its end only: a refund made
/// later (a run read after it, the screening of a quarter that has ended) leaves the sale
/// as it was in the window. The same for every member at once and for one member.
#[test]
fn the_window_counts_refunds_dated_before_its_end_only() {
    let (mut desk, ctx) = store_on("2026-11-23");
    members(&mut desk, &ctx, &[("甲", "13800000001", ""), ("乙", "13800000002", "")]);
    spend(&mut desk, &ctx, "13800000001", "A", 900_000, 2); // 2 × 4,500.00 on 11-02
    spend(&mut desk, &ctx, "13800000002", "B", 10_000, 1);
    let ctx = day(&mut desk, "2026-11-25");
    refund(&mut desk, &ctx, "A0", "T1", "4500.00"); // in full, on 11-25
    let ctx = day(&mut desk, "2026-11-27");
    refund(&mut desk, &ctx, "A1", "T2", "1000.00"); // in part, on 11-27
    let id = desk.member_card(&ctx, "13800000001").unwrap().member_no;
    let id: i64 = desk.conn().query_row("SELECT id FROM members WHERE member_no = ?1", [&id], |r| r.get(0)).unwrap();
    let facts = |until: &str, one: bool| {
        let f = store::tiers::window_facts(desk.conn(), d("2026-01-01"), d(until), one.then_some(id)).unwrap();
        f.get(&id).map(|f| (f.net_fen, f.visits)).unwrap()
    };
    for one in [false, true] {
        assert_eq!(facts("2026-11-24", one), (900_000, 2), "both refunds after the end");
        assert_eq!(facts("2026-11-26", one), (450_000, 1), "the full refund before the end");
        assert_eq!(facts("2026-11-28", one), (350_000, 1), "and the part refund");
    }
    let all = store::tiers::window_facts(desk.conn(), d("2026-01-01"), d("2026-11-24"), None).unwrap();
    assert_eq!(all.len(), 2);
}

#[test]
fn a_referral_counts_from_the_referees_first_paid_sale_even_after_a_sale_paid_nothing() {
    let (mut desk, ctx) = store_on("2026-09-01");
    let csv = "name,phone,referred_by_phone,opening_points\n甲,13800000001,,\n乙,13800000002,13800000001,500\n丙,13800000003,13800000001,\n";
    let r = desk.import_members(&ctx, csv.as_bytes(), ImportOptions::default()).unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    // 乙's first sale is paid in full by the 50元 voucher of 500 points: paid nothing.
    let voucher = desk.catalog(&ctx).unwrap().into_iter().find(|i| i.points == 500).unwrap().id;
    let coupon = desk.redeem(&ctx, "13800000002", voucher).unwrap().coupon.unwrap().code;
    let free = CheckoutInput {
        member: "13800000002".into(),
        amount: "50.00".into(),
        receipt: "B0".into(),
        coupon: Some(coupon),
        ..Default::default()
    };
    assert_eq!(desk.checkout(&ctx, &free).unwrap().paid, "0.00");
    // 丙's first sale is paid, on 09-15; 乙's first paid one on 11-02.
    let ctx = day(&mut desk, "2026-09-15");
    let paid = |receipt: &str, member: &str| CheckoutInput {
        member: member.into(),
        amount: "10.00".into(),
        receipt: receipt.into(),
        ..Default::default()
    };
    desk.checkout(&ctx, &paid("C0", "13800000003")).unwrap();
    let ctx = day(&mut desk, "2026-11-02");
    desk.checkout(&ctx, &paid("B1", "13800000002")).unwrap();
    let id: i64 =
        desk.conn().query_row("SELECT id FROM members WHERE phone = '13800000001'", (), |r| r.get(0)).unwrap();
    let referrals = |start: &str, until: &str, one: bool| {
        let f = store::tiers::window_facts(desk.conn(), d(start), d(until), one.then_some(id)).unwrap();
        f.get(&id).map(|f| (f.referrals, f.referrals_ever))
    };
    for one in [false, true] {
        assert_eq!(referrals("2026-10-01", "2026-12-01", one), Some((1, 2)), "乙 in the window, 丙 before it");
        assert_eq!(referrals("2026-09-01", "2026-11-01", one), Some((1, 1)), "乙's paid sale is after the end");
        assert_eq!(referrals("2026-08-01", "2026-09-10", one), None, "乙's sale paid nothing is no referral");
    }
}
