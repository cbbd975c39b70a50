//! Shared set-up for the desk tests: an in-memory store opened on a store date.

#![allow(dead_code)]

use chrono::NaiveDate;
use desk::checkout::{CheckoutInput, RefundInput};
use desk::members::MemberInput;
use desk::{Ctx, Desk, MemberCard, ReceiptOutcome};

pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A new store opened on `date`, with the manager's context on that date.
pub fn store_on(date: &str) -> (Desk, Ctx) {
    let mut desk = Desk::open_in_memory().unwrap();
    let ctx = day(&mut desk, date);
    (desk, ctx)
}

/// A store whose manager switched the new-member pack off (no welcome points or coupon),
/// so the points rules show on their own.
pub fn store_without_pack(date: &str) -> (Desk, Ctx) {
    let (mut desk, ctx) = store_on(date);
    let mut s = desk.program_settings();
    s.new_member_points = 0;
    desk.save_program_settings(&ctx, s).unwrap();
    let mut pack = desk.coupon_templates(&ctx).unwrap().into_iter().find(|t| t.key == "new_member").unwrap();
    pack.active = false;
    desk.save_coupon_template(&ctx, &pack).unwrap();
    (desk, ctx)
}

/// Brings the store up to `date` and returns the context of that day.
pub fn day(desk: &mut Desk, date: &str) -> Ctx {
    let date = d(date);
    desk.bring_up_to(date, true, "2026-01-01 00:00:00").unwrap();
    desk.manager_ctx(date, date.and_hms_opt(10, 0, 0).unwrap()).unwrap()
}

pub fn enroll(desk: &mut Desk, ctx: &Ctx, name: &str, phone: &str, gender: &str) -> MemberCard {
    desk.enroll(
        ctx,
        &MemberInput { name: name.into(), phone: phone.into(), gender: gender.into(), ..Default::default() },
    )
    .unwrap()
}

pub fn buy(desk: &mut Desk, ctx: &Ctx, member: &str, amount: &str, receipt: &str) -> ReceiptOutcome {
    desk.checkout(
        ctx,
        &CheckoutInput { member: member.into(), amount: amount.into(), receipt: receipt.into(), ..Default::default() },
    )
    .unwrap()
}

pub fn refund(desk: &mut Desk, ctx: &Ctx, of: &str, receipt: &str, amount: &str) -> ReceiptOutcome {
    desk.refund(ctx, &RefundInput { of: of.into(), receipt: receipt.into(), amount: amount.into(), at: None }).unwrap()
}

pub fn count(desk: &Desk, table: &str) -> i64 {
    desk.conn().query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

/// Checks the ledger invariant for every member: balance = sum of ledger; lots hold the
/// balance when it is ≥ 0 and nothing when it is negative; no lot below zero.
pub fn assert_ledger_invariants(desk: &Desk) {
    let c = desk.conn();
    let mut stmt = c
        .prepare(
            "SELECT m.id, m.points_balance,
                (SELECT coalesce(sum(points), 0) FROM points_ledger l WHERE l.member_id = m.id),
                (SELECT coalesce(sum(remaining), 0) FROM points_lots p WHERE p.member_id = m.id),
                (SELECT count(*) FROM points_lots p WHERE p.member_id = m.id AND (remaining < 0 OR remaining > points))
             FROM members m",
        )
        .unwrap();
    let rows: Vec<(i64, i64, i64, i64, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (id, balance, ledger, lots, bad_lots) in rows {
        assert_eq!(balance, ledger, "member {id}: balance = sum of the ledger");
        assert_eq!(lots, balance.max(0), "member {id}: lots hold the balance (none when negative)");
        assert_eq!(bad_lots, 0, "member {id}: no lot below zero or above its points");
    }
}
