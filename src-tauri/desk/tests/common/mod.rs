//! Shared set-up for the desk tests: a fresh store of either engine opened on a store date.
//! `MEMBERDESK_TEST_ENGINE=postgres` (with `MEMBERDESK_TEST_PG`, the throwaway cluster's
//! admin URL that `.ci/test` starts) runs every test on its own PostgreSQL schema;
//! otherwise each gets an in-memory SQLite store.

#![allow(dead_code)]

use chrono::NaiveDate;
use desk::checkout::{CheckoutInput, RefundInput};
use desk::members::MemberInput;
use desk::{Ctx, Desk, MemberCard, ReceiptOutcome};

pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Which engine the tests run on.
pub fn on_postgres() -> bool {
    std::env::var("MEMBERDESK_TEST_ENGINE").is_ok_and(|e| e == "postgres")
}

/// The throwaway cluster's admin URL, when the test run has one. Tests that need
/// PostgreSQL itself (several counters at once) fail under CI without it.
pub fn test_server() -> Option<store::ServerUrl> {
    match std::env::var("MEMBERDESK_TEST_PG") {
        Ok(u) if !u.trim().is_empty() => Some(store::ServerUrl::new(&u)),
        _ => {
            assert!(std::env::var("CI").is_err(), "CI runs with MEMBERDESK_TEST_PG (.ci/test starts a cluster)");
            eprintln!("MEMBERDESK_TEST_PG is not set: this PostgreSQL test is skipped");
            None
        }
    }
}

/// A new, empty schema on the test server (a fresh database of its own).
pub fn fresh_server_location(server: &store::ServerUrl) -> store::Location {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = format!("t{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
    store::Location::Server(store::create_schema(server, &name).unwrap())
}

/// A fresh, empty store of the engine under test: where two connections can meet (a
/// temporary file, or a schema on the test server). The guard keeps the file's folder.
pub fn fresh_location() -> (store::Location, Option<tempfile::TempDir>) {
    if on_postgres() {
        let server = test_server().expect("MEMBERDESK_TEST_ENGINE=postgres needs MEMBERDESK_TEST_PG");
        (fresh_server_location(&server), None)
    } else {
        let dir = tempfile::tempdir().unwrap();
        (store::Location::File(dir.path().join("store.db")), Some(dir))
    }
}

/// A fresh store of the engine under test.
pub fn fresh_desk() -> Desk {
    if on_postgres() {
        Desk::open_location(&fresh_location().0).unwrap()
    } else {
        Desk::open_in_memory().unwrap()
    }
}

/// A new store opened on `date`, with the manager's context on that date.
pub fn store_on(date: &str) -> (Desk, Ctx) {
    let mut desk = fresh_desk();
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
    desk.conn().query_row(&format!("SELECT count(*) FROM {table}"), (), |r| r.get(0)).unwrap()
}

/// Checks the ledger invariant for every member: balance = sum of ledger; lots hold the
/// balance when it is ≥ 0 and nothing when it is negative; no lot below zero.
pub fn assert_ledger_invariants(desk: &Desk) {
    let c = desk.conn();
    let mut stmt = c
        .prepare(
            "SELECT m.id, m.points_balance,
                CAST((SELECT coalesce(sum(points), 0) FROM points_ledger l WHERE l.member_id = m.id) AS BIGINT),
                CAST((SELECT coalesce(sum(remaining), 0) FROM points_lots p WHERE p.member_id = m.id) AS BIGINT),
                (SELECT count(*) FROM points_lots p WHERE p.member_id = m.id AND (remaining < 0 OR remaining > points))
             FROM members m",
        )
        .unwrap();
    let rows: Vec<(i64, i64, i64, i64, i64)> = stmt
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (id, balance, ledger, lots, bad_lots) in rows {
        assert_eq!(balance, ledger, "member {id}: balance = sum of the ledger");
        assert_eq!(lots, balance.max(0), "member {id}: lots hold the balance (none when negative)");
        assert_eq!(bad_lots, 0, "member {id}: no lot below zero or above its points");
    }
    // The month sums the figures read (migration 11) equal the ledger and the lots.
    let sums = |sql: &str| -> Vec<(String, String, i64)> {
        c.prepare(sql)
            .unwrap()
            .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let kept = sums(
        "SELECT month, kind, CAST(sum(points) AS BIGINT) FROM points_months GROUP BY month, kind
         HAVING sum(points) <> 0 ORDER BY 1, 2",
    );
    let written = sums(
        "SELECT month, kind, CAST(sum(points) AS BIGINT) FROM (
             SELECT substr(on_date, 1, 7) AS month, kind, points FROM points_ledger
             UNION ALL SELECT substr(earned_on, 1, 7), 'lots', points FROM points_lots) AS w
         GROUP BY month, kind HAVING sum(points) <> 0 ORDER BY 1, 2",
    );
    assert_eq!(kept, written, "points_months = the ledger and the lots, month by month");
    // And the sales month sums equal the receipts, visits counted by the rule.
    type Key = (String, i64, i64);
    let mut from_receipts: std::collections::BTreeMap<Key, (i64, i64, Option<String>)> = Default::default();
    let mut stmt = c
        .prepare("SELECT substr(sale_date, 1, 7), member_id, branch_id, sale_date, paid_fen, refunded_fen FROM receipts WHERE kind = 'sale'")
        .unwrap();
    let sales: Vec<(String, i64, i64, String, i64, i64)> = stmt
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (month, member, branch, day, paid, refunded) in sales {
        let row = from_receipts.entry((month, member, branch)).or_default();
        row.1 += paid - refunded;
        if loyalty::figures::counts_as_visit(paid, refunded) {
            row.0 += 1;
            row.2 = row.2.clone().max(Some(day));
        }
    }
    let mut stmt =
        c.prepare("SELECT month, member_id, branch_id, visits, net_fen, last_visit FROM sales_months").unwrap();
    let summed: std::collections::BTreeMap<Key, (i64, i64, Option<String>)> = stmt
        .query_map((), |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?), (r.get(3)?, r.get(4)?, r.get(5)?))))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let summed: std::collections::BTreeMap<_, _> =
        summed.into_iter().filter(|(_, (visits, net, _))| *visits != 0 || *net != 0).collect();
    let from_receipts: std::collections::BTreeMap<_, _> =
        from_receipts.into_iter().filter(|(_, (visits, net, _))| *visits != 0 || *net != 0).collect();
    assert_eq!(summed, from_receipts, "sales_months = the receipts, month by month");
    // Stored value: each account is the sum of its ledger's parts, and never negative.
    let mut stmt = c
        .prepare(
            "SELECT m.id, m.sv_principal_fen, m.sv_bonus_fen,
                CAST((SELECT coalesce(sum(principal_fen), 0) FROM sv_ledger l WHERE l.member_id = m.id) AS BIGINT),
                CAST((SELECT coalesce(sum(bonus_fen), 0) FROM sv_ledger l WHERE l.member_id = m.id) AS BIGINT)
             FROM members m",
        )
        .unwrap();
    let accounts: Vec<(i64, i64, i64, i64, i64)> = stmt
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (id, principal, bonus, principal_sum, bonus_sum) in accounts {
        assert_eq!((principal, bonus), (principal_sum, bonus_sum), "member {id}: the account is the sum of its ledger");
        assert!(principal >= 0 && bonus >= 0, "member {id}: stored value never negative");
    }
    // A refund never gives back more of either part than its sale took, and each sale's
    // and refund's parts are those of its ledger entry.
    let mut stmt = c
        .prepare(
            "SELECT s.receipt_no, s.sv_principal_fen, s.sv_bonus_fen,
                CAST(coalesce(sum(r.sv_principal_fen), 0) AS BIGINT), CAST(coalesce(sum(r.sv_bonus_fen), 0) AS BIGINT)
             FROM receipts s LEFT JOIN receipts r ON r.refund_of = s.id
             WHERE s.kind = 'sale' GROUP BY s.id, s.receipt_no, s.sv_principal_fen, s.sv_bonus_fen",
        )
        .unwrap();
    let sales: Vec<(String, i64, i64, i64, i64)> = stmt
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (no, principal, bonus, back_principal, back_bonus) in sales {
        assert!(back_principal <= principal && back_bonus <= bonus, "{no}: refunds give back at most what it took");
    }
    let mismatched: i64 = c
        .query_row(
            "SELECT count(*) FROM receipts r LEFT JOIN sv_ledger l ON l.receipt_id = r.id
             WHERE (r.sv_principal_fen + r.sv_bonus_fen > 0) <> (l.id IS NOT NULL)
                OR (l.id IS NOT NULL AND (abs(l.principal_fen) <> r.sv_principal_fen OR abs(l.bonus_fen) <> r.sv_bonus_fen))",
            (),
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(mismatched, 0, "each receipt's stored-value parts are its ledger entry's");
}
