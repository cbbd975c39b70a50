//! Stored value (rules §14) end to end on either engine: top-ups with the rule that
//! applies and its bonus, idempotent receipts, paying at checkout with the PIN, refunds back
//! to stored value, payouts by the manager, the rules' history, the export and the import
//! column, and the ledger's invariants under any sequence of them.

mod common;
use common::*;
use desk::stored_value::TopUpInput;
use desk::ErrorCode;
use proptest::prelude::*;

fn top_up(
    desk: &mut desk::Desk,
    ctx: &desk::Ctx,
    member: &str,
    amount: &str,
    receipt: &str,
) -> desk::DeskResult<desk::stored_value::TopUpOutcome> {
    desk.top_up(ctx, &TopUpInput { member: member.into(), amount: amount.into(), receipt: receipt.into(), at: None })
}

#[test]
fn a_top_up_of_500_gets_50_and_the_same_receipt_again_adds_nothing() {
    let (mut desk, ctx) = store_without_pack("2026-12-01");
    enroll(&mut desk, &ctx, "张三", "13800000001", "M");
    // The desk shows the rule and its bonus before confirming; the quote writes nothing.
    let quote = desk
        .top_up_quote(
            &ctx,
            &TopUpInput { member: "13800000001".into(), amount: "500".into(), receipt: "T1".into(), at: None },
        )
        .unwrap();
    assert_eq!(
        (quote.rule.as_deref(), quote.bonus.as_str(), quote.principal.as_str()),
        (Some("充500送50"), "50.00", "500.00")
    );
    assert_eq!(count(&desk, "top_ups") + count(&desk, "sv_ledger"), 0);
    let o = top_up(&mut desk, &ctx, "13800000001", "500", "T1").unwrap();
    assert_eq!((o.amount.as_str(), o.bonus.as_str(), o.rule.as_deref()), ("500.00", "50.00", Some("充500送50")));
    assert_eq!((o.principal.as_str(), o.bonus_balance.as_str(), o.duplicate), ("500.00", "50.00", false));
    let again = top_up(&mut desk, &ctx, "13800000001", "500", "T1").unwrap();
    assert!(again.duplicate);
    assert_eq!((again.principal.as_str(), again.bonus_balance.as_str()), ("500.00", "50.00"));
    let other = top_up(&mut desk, &ctx, "13800000001", "600", "T1").unwrap_err();
    assert_eq!(other.code, ErrorCode::ReceiptConflict);
    // The highest rule reached applies once: 1,200 gets 120 (充1000送120), not 50 + 120.
    let big = top_up(&mut desk, &ctx, "13800000001", "1200", "T2").unwrap();
    assert_eq!(
        (big.bonus.as_str(), big.principal.as_str(), big.bonus_balance.as_str()),
        ("120.00", "1700.00", "170.00")
    );
    // A top-up earns no points and is no visit.
    let card = desk.member_card(&ctx, "13800000001").unwrap();
    assert_eq!(card.points_balance, 0);
    assert_eq!((card.stored_value.principal.as_str(), card.stored_value.bonus.as_str()), ("1700.00", "170.00"));
    assert_eq!(count(&desk, "receipts"), 0);
    // Below a rule's threshold: no bonus.
    let small = top_up(&mut desk, &ctx, "13800000001", "100", "T3").unwrap();
    assert_eq!((small.bonus.as_str(), small.rule), ("0.00", None));
    assert_ledger_invariants(&desk);
}

#[test]
fn top_ups_out_of_range_or_on_a_sales_receipt_number_are_refused_and_write_nothing() {
    let (mut desk, ctx) = store_without_pack("2026-12-01");
    enroll(&mut desk, &ctx, "张三", "13800000001", "M");
    buy(&mut desk, &ctx, "13800000001", "100", "R1");
    for (amount, code) in
        [("9.99", ErrorCode::InvalidAmount), ("50000.01", ErrorCode::InvalidAmount), ("abc", ErrorCode::InvalidAmount)]
    {
        assert_eq!(top_up(&mut desk, &ctx, "13800000001", amount, "T1").unwrap_err().code, code, "{amount}");
    }
    assert_eq!(top_up(&mut desk, &ctx, "13800000001", "100", "R1").unwrap_err().code, ErrorCode::ReceiptConflict);
    assert_eq!(count(&desk, "top_ups") + count(&desk, "sv_ledger"), 0);
    // And a checkout may not take a top-up's number.
    top_up(&mut desk, &ctx, "13800000001", "100", "T9").unwrap();
    let refused = desk
        .checkout(
            &ctx,
            &desk::checkout::CheckoutInput {
                member: "13800000001".into(),
                amount: "10".into(),
                receipt: "T9".into(),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::ReceiptConflict);
    // The front desk tops up; customer service does not.
    let service = desk::Ctx { role: desk::Role::CustomerService, ..ctx.clone() };
    assert_eq!(top_up(&mut desk, &service, "13800000001", "100", "T10").unwrap_err().code, ErrorCode::NotAllowed);
    let front = desk::Ctx { role: desk::Role::FrontDesk, ..ctx.clone() };
    assert!(top_up(&mut desk, &front, "13800000001", "100", "T10").is_ok());
}

#[test]
fn a_payout_is_the_managers_with_a_reason_and_takes_the_bonus_in_proportion() {
    let (mut desk, ctx) = store_without_pack("2026-12-01");
    enroll(&mut desk, &ctx, "张三", "13800000001", "M");
    top_up(&mut desk, &ctx, "13800000001", "500", "T1").unwrap();
    let front = desk::Ctx { role: desk::Role::FrontDesk, ..ctx.clone() };
    assert_eq!(desk.payout(&front, "13800000001", "100", "搬家").unwrap_err().code, ErrorCode::NotAllowed);
    assert_eq!(desk.payout(&ctx, "13800000001", "100", " ").unwrap_err().code, ErrorCode::ReasonRequired);
    assert_eq!(desk.payout(&ctx, "13800000001", "500.01", "搬家").unwrap_err().code, ErrorCode::InvalidAmount);
    // 200 of 500 principal takes 20 of the 50 bonus.
    let p = desk.payout(&ctx, "13800000001", "200", "搬家").unwrap();
    assert_eq!((p.principal_paid.as_str(), p.bonus_removed.as_str()), ("200.00", "20.00"));
    assert_eq!((p.principal.as_str(), p.bonus_balance.as_str()), ("300.00", "30.00"));
    // All of it removes all the bonus.
    let all = desk.payout(&ctx, "13800000001", "all", "搬家").unwrap();
    assert_eq!((all.principal_paid.as_str(), all.bonus_removed.as_str()), ("300.00", "30.00"));
    assert_eq!((all.principal.as_str(), all.bonus_balance.as_str()), ("0.00", "0.00"));
    assert_eq!(desk.payout(&ctx, "13800000001", "all", "搬家").unwrap_err().code, ErrorCode::InvalidAmount);
    let audit = desk
        .audit_entries(
            &ctx,
            &desk::staff::AuditQuery { action: Some("sv.payout".into()), ..desk::staff::AuditQuery::default() },
        )
        .unwrap();
    assert_eq!(audit.len(), 2);
    assert_ledger_invariants(&desk);
}

fn pay(
    desk: &mut desk::Desk,
    ctx: &desk::Ctx,
    amount: &str,
    receipt: &str,
    stored_value: &str,
    pin: Option<&str>,
) -> desk::DeskResult<desk::ReceiptOutcome> {
    desk.checkout(
        ctx,
        &desk::checkout::CheckoutInput {
            member: "13800000001".into(),
            amount: amount.into(),
            receipt: receipt.into(),
            stored_value: Some(stored_value.into()),
            sv_pin: pin.map(str::to_string),
            ..Default::default()
        },
    )
}

fn account(desk: &desk::Desk, ctx: &desk::Ctx) -> (String, String) {
    let card = desk.member_card(ctx, "13800000001").unwrap();
    (card.stored_value.principal, card.stored_value.bonus)
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

#[test]
fn paying_300_of_399_99_from_500_plus_50_splits_27_27_bonus_and_earns_points_on_the_rest() {
    // The worked case of rules §14 and the issue: 储值 ¥300.00 = 本金 ¥272.73 + 赠送 ¥27.27,
    // other payment ¥99.99; points on 399.99 − 27.27 = 372.72.
    let (mut desk, ctx) = store_without_pack("2026-12-01");
    enroll(&mut desk, &ctx, "张三", "13800000001", "M");
    top_up(&mut desk, &ctx, "13800000001", "500", "T1").unwrap();
    let quote = desk
        .checkout_quote(
            &ctx,
            &desk::checkout::CheckoutInput {
                member: "13800000001".into(),
                amount: "399.99".into(),
                receipt: "R1".into(),
                stored_value: Some("300".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!((quote.sv_principal.as_str(), quote.sv_bonus.as_str()), ("272.73", "27.27"));
    assert_eq!(count(&desk, "receipts"), 0, "a quote writes nothing");
    let o = pay(&mut desk, &ctx, "399.99", "R1", "300", None).unwrap();
    assert_eq!(o.sv_taken.as_deref(), Some("300.00"));
    assert_eq!((o.sv_principal.as_str(), o.sv_bonus.as_str(), o.other_payment.as_str()), ("272.73", "27.27", "99.99"));
    assert_eq!(o.points_earned, Some(372));
    assert_eq!((o.principal.as_str(), o.bonus_balance.as_str()), ("227.27", "22.73"));
    assert_eq!(account(&desk, &ctx), pair("227.27", "22.73"));
    // Spend for tiers and the figures counts all 399.99 (the gift threshold too).
    assert_eq!(o.paid, "399.99");
    // The same receipt again is the same sale: nothing taken twice.
    let again = pay(&mut desk, &ctx, "399.99", "R1", "300", None).unwrap();
    assert!(again.duplicate);
    assert_eq!(account(&desk, &ctx), pair("227.27", "22.73"));
    // `all` takes what is due up to the balance: 250 of a 300 sale, the rest paid otherwise.
    let all = pay(&mut desk, &ctx, "300", "R2", "all", None).unwrap();
    assert_eq!((all.sv_taken.as_deref(), all.other_payment.as_str()), (Some("250.00"), "50.00"));
    assert_eq!(account(&desk, &ctx), pair("0.00", "0.00"));
    assert_ledger_invariants(&desk);
}

#[test]
fn more_than_the_balance_or_than_is_due_is_refused_and_writes_nothing() {
    let (mut desk, ctx) = store_without_pack("2026-12-01");
    enroll(&mut desk, &ctx, "张三", "13800000001", "M");
    top_up(&mut desk, &ctx, "13800000001", "500", "T1").unwrap();
    let before = (count(&desk, "receipts"), count(&desk, "sv_ledger"), count(&desk, "points_ledger"));
    let short = pay(&mut desk, &ctx, "800", "R1", "600", None).unwrap_err();
    assert_eq!(short.code, ErrorCode::StoredValueInsufficient);
    assert!(short.message.contains("550.00"), "{}", short.message);
    assert_eq!(pay(&mut desk, &ctx, "100", "R1", "120", None).unwrap_err().code, ErrorCode::InvalidAmount);
    assert_eq!(pay(&mut desk, &ctx, "100", "R1", "0", None).unwrap_err().code, ErrorCode::InvalidAmount);
    assert_eq!(pay(&mut desk, &ctx, "100", "R1", "abc", None).unwrap_err().code, ErrorCode::InvalidAmount);
    assert_eq!((count(&desk, "receipts"), count(&desk, "sv_ledger"), count(&desk, "points_ledger")), before);
    // An empty account and `all`: refused, not a sale paid 0 from stored value.
    enroll(&mut desk, &ctx, "李四", "13800000002", "F");
    let empty = desk
        .checkout(
            &ctx,
            &desk::checkout::CheckoutInput {
                member: "13800000002".into(),
                amount: "10".into(),
                receipt: "R2".into(),
                stored_value: Some("all".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(empty.code, ErrorCode::StoredValueInsufficient);
}

#[test]
fn a_refund_goes_back_to_stored_value_first_in_the_parts_the_sale_took() {
    let (mut desk, ctx) = store_without_pack("2026-12-01");
    enroll(&mut desk, &ctx, "张三", "13800000001", "M");
    top_up(&mut desk, &ctx, "13800000001", "500", "T1").unwrap();
    pay(&mut desk, &ctx, "399.99", "R1", "300", None).unwrap();
    // Refund 100: all of it back to stored value (90.91 + 9.09), 93 points clawed back
    // (the basis falls from 372.72 to 279.54).
    let r = refund(&mut desk, &ctx, "R1", "F1", "100");
    assert_eq!(r.sv_returned.as_deref(), Some("100.00"));
    assert_eq!((r.sv_principal.as_str(), r.sv_bonus.as_str(), r.other_payment.as_str()), ("90.91", "9.09", "0.00"));
    assert_eq!(r.points_clawed_back, Some(93));
    assert_eq!(account(&desk, &ctx), pair("318.18", "31.82"));
    // Refund 250 more: the 200 the sale still has in stored value goes back, 50 another way.
    let r2 = refund(&mut desk, &ctx, "R1", "F2", "250");
    assert_eq!((r2.sv_returned.as_deref(), r2.other_payment.as_str()), (Some("200.00"), "50.00"));
    assert_eq!((r2.sv_principal.as_str(), r2.sv_bonus.as_str()), ("181.82", "18.18"));
    // The account is back where it was before the sale, to the fen.
    assert_eq!(account(&desk, &ctx), pair("500.00", "50.00"));
    // The last 49.99 is paid back another way and takes the last of the points.
    let r3 = refund(&mut desk, &ctx, "R1", "F3", "49.99");
    assert_eq!(r3.sv_returned.as_deref(), Some("0.00"));
    assert_eq!(r3.points_balance, 0);
    assert_ledger_invariants(&desk);
}

#[test]
fn a_payment_pin_is_asked_and_five_wrong_tries_lock_stored_value_until_the_next_store_day() {
    let (mut desk, ctx) = store_without_pack("2026-12-01");
    enroll(&mut desk, &ctx, "张三", "13800000001", "M");
    top_up(&mut desk, &ctx, "13800000001", "500", "T1").unwrap();
    assert_eq!(desk.set_sv_pin(&ctx, "13800000001", Some("12345")).unwrap_err().code, ErrorCode::InvalidPin);
    assert!(desk.set_sv_pin(&ctx, "13800000001", Some("246810")).unwrap());
    let card = desk.member_card(&ctx, "13800000001").unwrap();
    assert!(card.sv_pin);
    // The PIN is kept as an Argon2 hash, never as typed.
    let hash: String = desk.conn().query_row("SELECT sv_pin_hash FROM members", (), |r| r.get(0)).unwrap();
    assert!(hash.starts_with("$argon2") && !hash.contains("246810"));
    assert_eq!(pay(&mut desk, &ctx, "100", "R1", "50", None).unwrap_err().code, ErrorCode::SvPinRequired);
    for left in (1..=4).rev() {
        let wrong = pay(&mut desk, &ctx, "100", "R1", "50", Some("111111")).unwrap_err();
        assert_eq!(wrong.code, ErrorCode::WrongPin);
        assert!(wrong.message.contains(&format!("还可再试 {left} 次")), "{}", wrong.message);
    }
    assert_eq!(pay(&mut desk, &ctx, "100", "R1", "50", Some("111111")).unwrap_err().code, ErrorCode::SvPinLocked);
    // Locked: even the right PIN is refused today, and nothing of the sale was written.
    assert_eq!(pay(&mut desk, &ctx, "100", "R1", "50", Some("246810")).unwrap_err().code, ErrorCode::SvPinLocked);
    assert_eq!(count(&desk, "receipts"), 0);
    assert_eq!(account(&desk, &ctx), pair("500.00", "50.00"));
    // Paying another way still works.
    buy(&mut desk, &ctx, "13800000001", "100", "R1");
    // The next store day the right PIN pays.
    let ctx = day(&mut desk, "2026-12-02");
    let o = pay(&mut desk, &ctx, "100", "R2", "50", Some("246810")).unwrap();
    assert_eq!(o.sv_taken.as_deref(), Some("50.00"));
    // A right PIN forgets the wrong tries: four more wrong ones do not lock.
    for _ in 0..4 {
        pay(&mut desk, &ctx, "100", "R3", "50", Some("000000")).unwrap_err();
    }
    pay(&mut desk, &ctx, "100", "R3", "50", Some("246810")).unwrap();
    for _ in 0..4 {
        assert_eq!(pay(&mut desk, &ctx, "100", "R4", "50", Some("000000")).unwrap_err().code, ErrorCode::WrongPin);
    }
    // Removing the PIN: no PIN asked.
    assert!(!desk.set_sv_pin(&ctx, "13800000001", None).unwrap());
    pay(&mut desk, &ctx, "100", "R4", "50", None).unwrap();
    let audit = desk
        .audit_entries(
            &ctx,
            &desk::staff::AuditQuery { action: Some("member.sv_pin_set".into()), ..desk::staff::AuditQuery::default() },
        )
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_ledger_invariants(&desk);
}

#[test]
fn the_manager_edits_the_top_up_rules_and_each_keeps_its_history() {
    let (mut desk, ctx) = store_without_pack("2026-12-01");
    enroll(&mut desk, &ctx, "张三", "13800000001", "M");
    let rules = desk.top_up_rules(&ctx, false).unwrap();
    let five_hundred = rules.iter().find(|r| r.label == "充500送50").unwrap().id;
    let edit = desk::stored_value::TopUpRuleInput {
        replaces: Some(five_hundred),
        threshold: "500".into(),
        bonus_kind: "money".into(),
        bonus: Some("80".into()),
        from: Some(d("2026-12-01")),
        until: Some(d("2026-12-31")),
        ..Default::default()
    };
    let front = desk::Ctx { role: desk::Role::FrontDesk, ..ctx.clone() };
    assert_eq!(desk.save_top_up_rule(&front, &edit).unwrap_err().code, ErrorCode::NotAllowed);
    assert_eq!(desk.retire_top_up_rule(&front, five_hundred).unwrap_err().code, ErrorCode::NotAllowed);
    let bad = desk::stored_value::TopUpRuleInput { bonus: Some("800".into()), ..edit.clone() };
    assert_eq!(desk.save_top_up_rule(&ctx, &bad).unwrap_err().code, ErrorCode::InvalidInput);
    let saved = desk.save_top_up_rule(&ctx, &edit).unwrap();
    assert_eq!(saved.label, "充500送80");
    // December's top-up of 600 gets the new rule; January's gets none from it.
    assert_eq!(top_up(&mut desk, &ctx, "13800000001", "600", "T1").unwrap().bonus, "80.00");
    let running = desk.top_up_rules(&ctx, false).unwrap();
    assert!(running.iter().all(|r| r.id != five_hundred));
    let history = desk.top_up_rules(&ctx, true).unwrap();
    let old = history.iter().find(|r| r.id == five_hundred).unwrap();
    assert!(!old.active);
    assert_eq!(old.replaced_by, Some(saved.id));
    assert!(old.retired_at.is_some() && old.retired_by.is_some());
    let january = day(&mut desk, "2027-01-02");
    assert_eq!(top_up(&mut desk, &january, "13800000001", "600", "T2").unwrap().bonus, "0.00");
    // Points and a coupon as the bonus.
    let points = desk::stored_value::TopUpRuleInput {
        threshold: "300".into(),
        bonus_kind: "points".into(),
        bonus_points: Some(300),
        ..Default::default()
    };
    desk.save_top_up_rule(&january, &points).unwrap();
    let o = top_up(&mut desk, &january, "13800000001", "300", "T3").unwrap();
    assert_eq!((o.bonus_points, o.bonus.as_str()), (300, "0.00"));
    let no_template = desk::stored_value::TopUpRuleInput {
        threshold: "3000".into(),
        bonus_kind: "coupon".into(),
        bonus_coupon: Some("no_such".into()),
        ..Default::default()
    };
    assert_eq!(desk.save_top_up_rule(&january, &no_template).unwrap_err().code, ErrorCode::CouponNotFound);
    // Stopping a rule keeps it in the history.
    desk.retire_top_up_rule(&january, saved.id).unwrap();
    assert!(desk.top_up_rules(&january, true).unwrap().iter().any(|r| r.id == saved.id && !r.active));
    assert_eq!(desk.retire_top_up_rule(&january, saved.id).unwrap_err().code, ErrorCode::InvalidInput);
    assert_ledger_invariants(&desk);
}

#[test]
fn the_stored_value_ledger_exports_to_csv_and_xlsx() {
    let (mut desk, ctx) = store_without_pack("2026-12-01");
    enroll(&mut desk, &ctx, "张三", "13800000001", "M");
    top_up(&mut desk, &ctx, "13800000001", "500", "T1").unwrap();
    pay(&mut desk, &ctx, "399.99", "R1", "300", None).unwrap();
    let csv = desk.export_sv_ledger(&ctx, d("2026-12-01"), d("2026-12-31"), desk::export::ExportFormat::Csv).unwrap();
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with("id,on_date,member_no,name,kind,principal,bonus,principal_after,bonus_after"));
    assert!(lines[1].contains(",top_up,500.00,0.00,500.00,0.00,T1,"), "{}", lines[1]);
    assert!(lines[2].contains(",bonus,0.00,50.00,500.00,50.00,T1,"), "{}", lines[2]);
    assert!(lines[3].contains(",spend,-272.73,-27.27,227.27,22.73,R1,"), "{}", lines[3]);
    let xlsx = desk.export_sv_ledger(&ctx, d("2026-12-01"), d("2026-12-31"), desk::export::ExportFormat::Xlsx).unwrap();
    assert!(xlsx.starts_with(b"PK"));
    let none = desk.export_sv_ledger(&ctx, d("2026-11-01"), d("2026-11-30"), desk::export::ExportFormat::Csv).unwrap();
    assert_eq!(String::from_utf8(none[3..].to_vec()).unwrap().lines().count(), 1);
}

#[test]
fn an_import_brings_opening_stored_value_in_as_principal() {
    let (mut desk, ctx) = store_without_pack("2026-12-01");
    let file = "name,phone,opening_stored_value\n张三,13800000001,1234.50\n李四,13800000002,\n";
    let report = desk.import_members(&ctx, file.as_bytes(), desk::import::ImportOptions::default()).unwrap();
    assert_eq!(report.written, 2, "{report:?}");
    assert_eq!(account(&desk, &ctx), pair("1234.50", "0.00"));
    let bad = "name,phone,opening_stored_value\n王五,13800000003,-5\n赵六,13800000004,1.234\n";
    let report = desk.import_members(&ctx, bad.as_bytes(), desk::import::ImportOptions::default()).unwrap();
    assert_eq!((report.written, report.errors.len()), (0, 2), "{report:?}");
    assert!(report.errors.iter().all(|e| e.column == "opening_stored_value"));
    // The figures tell it from the month's top-ups.
    let f = desk.figures(&ctx, Some("2026-12"), Some("2026-12"), None).unwrap();
    assert_eq!(
        (f.period.stored_value.brought_in.as_str(), f.period.stored_value.topped_up.as_str()),
        ("1234.50", "0.00")
    );
    assert_eq!(f.period.stored_value.principal, "1234.50");
    assert_ledger_invariants(&desk);
}

#[derive(Debug, Clone)]
enum Op {
    TopUp(u32),
    Payout(Option<u32>),
    /// A sale of this many fen, paying this share (‰) of it by stored value, or all.
    Pay(u32, Option<u16>),
    /// A refund of this share (‰) of what is left of the last sale.
    Refund(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1_000u32..300_000).prop_map(Op::TopUp),
        proptest::option::of(1u32..200_000).prop_map(Op::Payout),
        (1u32..100_000, proptest::option::of(1u16..=1000)).prop_map(|(f, s)| Op::Pay(f, s)),
        (1u16..=1000).prop_map(Op::Refund),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn top_ups_payments_refunds_and_payouts_keep_each_account_the_sum_of_its_ledger(ops in proptest::collection::vec(op(), 1..12)) {
        let (mut desk, ctx) = store_without_pack("2026-12-01");
        enroll(&mut desk, &ctx, "张三", "13800000001", "M");
        let mut paid_in = 0i64;
        let mut paid_out = 0i64;
        let mut spent = 0i64;
        let mut returned = 0i64;
        let mut last_sale: Option<(String, i64)> = None;
        for (i, op) in ops.iter().enumerate() {
            match op {
                Op::TopUp(fen) => {
                    let amount = loyalty::money::format(loyalty::money::from_fen(i64::from(*fen)));
                    top_up(&mut desk, &ctx, "13800000001", &amount, &format!("T{i}")).unwrap();
                    paid_in += i64::from(*fen);
                }
                Op::Payout(fen) => {
                    let amount = fen.map(|f| loyalty::money::format(loyalty::money::from_fen(i64::from(f)))).unwrap_or("all".into());
                    if let Ok(p) = desk.payout(&ctx, "13800000001", &amount, "测试") {
                        paid_out += loyalty::money::to_fen(p.principal_paid.parse().unwrap());
                    }
                }
                Op::Pay(fen, share) => {
                    let fen = i64::from(*fen);
                    let asked = match share {
                        Some(s) => loyalty::money::format(loyalty::money::from_fen((fen * i64::from(*s) / 1000).max(1))),
                        None => "all".to_string(),
                    };
                    let amount = loyalty::money::format(loyalty::money::from_fen(fen));
                    let receipt = format!("R{i}");
                    if let Ok(o) = pay(&mut desk, &ctx, &amount, &receipt, &asked, None) {
                        let principal = loyalty::money::to_fen(o.sv_principal.parse().unwrap());
                        spent += principal;
                        last_sale = Some((receipt, fen));
                    }
                }
                Op::Refund(share) => {
                    if let Some((of, left)) = last_sale.as_mut() {
                        let fen = (*left * i64::from(*share) / 1000).max(1).min(*left);
                        if fen > 0 {
                            let amount = loyalty::money::format(loyalty::money::from_fen(fen));
                            let r = refund(&mut desk, &ctx, of, &format!("F{i}"), &amount);
                            returned += loyalty::money::to_fen(r.sv_principal.parse().unwrap());
                            *left -= fen;
                        }
                    }
                }
            }
            assert_ledger_invariants(&desk);
        }
        // A payout never pays out more principal than was paid in.
        let card = desk.member_card(&ctx, "13800000001").unwrap();
        let principal = loyalty::money::to_fen(card.stored_value.principal.parse().unwrap());
        prop_assert_eq!(principal, paid_in - paid_out - spent + returned);
    }
}

#[test]
fn the_card_and_the_slips_carry_what_the_till_prints() {
    let (mut desk, ctx) = store_without_pack("2026-12-01");
    enroll(&mut desk, &ctx, "张三", "13800000001", "M");
    let mut s = desk.program_settings();
    s.store_name = "  ".into();
    assert_eq!(desk.save_program_settings(&ctx, s.clone()).unwrap_err().code, ErrorCode::InvalidInput);
    s.store_name = "幸福超市".into();
    desk.save_program_settings(&ctx, s).unwrap();
    let card = desk.card_print(&ctx, "13800000001").unwrap();
    assert_eq!((card.store_name.as_str(), card.name.as_str(), card.tier_label.as_str()), ("幸福超市", "张三", "普通"));
    assert!(loyalty::stored_value::is_card_code(&card.card_code));
    assert!(card.barcode_svg.starts_with("<svg") && card.barcode_svg.contains("<rect"));
    assert!(card.qr_svg.contains("<svg") && card.qr_svg.contains("<path"));
    top_up(&mut desk, &ctx, "13800000001", "500", "T1").unwrap();
    pay(&mut desk, &ctx, "399.99", "R1", "300", None).unwrap();
    let width = desk::print::SlipWidth::parse("58").unwrap();
    let slip = desk.slip(&ctx, "R1", width).unwrap();
    assert_eq!(slip.kind, desk::print::SlipKind::Sale);
    assert_eq!(
        (slip.paid.as_deref(), slip.sv_taken.as_deref(), slip.other_payment.as_deref()),
        (Some("399.99"), Some("300.00"), Some("99.99"))
    );
    assert_eq!((slip.sv_principal.as_deref(), slip.sv_bonus.as_deref()), (Some("272.73"), Some("27.27")));
    assert_eq!((slip.points, slip.points_balance), (372, 372));
    assert_eq!(slip.expiring_within_30_days, None);
    assert_eq!((slip.stored_value.principal.as_str(), slip.stored_value.bonus.as_str()), ("227.27", "22.73"));
    let top = desk.slip(&ctx, "T1", width).unwrap();
    assert_eq!(
        (top.kind, top.top_up.as_deref(), top.top_up_bonus.as_deref()),
        (desk::print::SlipKind::TopUp, Some("500.00"), Some("50.00"))
    );
    refund(&mut desk, &ctx, "R1", "F1", "100");
    let back = desk.slip(&ctx, "F1", width).unwrap();
    assert_eq!(
        (back.kind, back.sv_taken.as_deref(), back.points),
        (desk::print::SlipKind::Refund, Some("100.00"), -93)
    );
    assert_eq!(desk.slip(&ctx, "NOPE", width).unwrap_err().code, ErrorCode::ReceiptNotFound);
    assert_eq!(desk::print::SlipWidth::parse("70").unwrap_err().code, ErrorCode::InvalidInput);
}
