//! Rules §2's clean member list end to end: the duplicate suggestion, merging one person
//! enrolled twice (the preview, what moves, the ledger afterwards, finding the kept member by
//! the old phone), and erasing a member's personal data. Runs on either engine (`common`).

mod common;
use chrono::Days;
use common::*;
use desk::checkout::RefundInput;
use desk::members::MemberInput;
use desk::staff::AuditQuery;
use desk::ErrorCode;
use proptest::prelude::*;

const KEPT: &str = "13800138000";
const TWICE: &str = "13800138009";

#[test]
fn one_person_enrolled_twice_is_suggested_previewed_and_merged_into_one() {
    let (mut desk, ctx) = store_on("2026-11-02");
    enroll(&mut desk, &ctx, "张丽", KEPT, "F");
    desk.enroll(
        &ctx,
        &MemberInput {
            name: "张丽".into(),
            phone: TWICE.into(),
            gender: "".into(),
            birthday: "05-01".into(),
            notes: "对花粉过敏".into(),
            ..Default::default()
        },
    )
    .unwrap();
    enroll(&mut desk, &ctx, "王强", "13900139000", "M");
    desk.set_notes(&ctx, KEPT, "喜欢绿茶").unwrap();
    buy(&mut desk, &ctx, KEPT, "120.00", "K1");
    buy(&mut desk, &ctx, TWICE, "300.00", "T1");
    desk.record_interaction(&ctx, TWICE, "survey", None, "满意", Some(9)).unwrap();

    let pairs = desk.possible_duplicates(&ctx, 50).unwrap();
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!((pairs[0].a.phone.as_deref(), pairs[0].b.phone.as_deref()), (Some(KEPT), Some(TWICE)));
    assert_eq!(pairs[0].reason_label, "同名，手机号只差一位");

    let before = desk.member_card(&ctx, KEPT).unwrap().points_balance;
    let other = desk.member_card(&ctx, TWICE).unwrap().points_balance;
    let audit_before = count(&desk, "audit_log");
    let p = desk.merge_preview(&ctx, KEPT, TWICE).unwrap();
    assert!(!p.done);
    // The new-member pack's lot and the receipt's lot; its welcome coupon; one receipt.
    assert_eq!((p.moved.receipts, p.moved.lots, p.moved.interactions), (1, 3, 1), "{p:?}");
    assert!(p.moved.coupons >= 1);
    assert!(p.moved.notes);
    assert_eq!(p.points_balance, before + other);
    assert_eq!(p.notes, "喜欢绿茶\n对花粉过敏");
    assert_eq!(count(&desk, "audit_log"), audit_before, "a preview writes nothing");
    let receipts_before = count(&desk, "receipts");

    let done = desk.merge_members(&ctx, KEPT, TWICE).unwrap();
    assert!(done.done);
    assert_eq!(done.moved, p.moved);
    let card = desk.member_card(&ctx, KEPT).unwrap();
    assert_eq!(card.points_balance, before + other);
    assert_eq!(card.notes, "喜欢绿茶\n对花粉过敏");
    assert_eq!(card.birthday.as_deref(), Some("05-01"), "the birthday the kept record lacked");
    assert!(card.recent_receipts.iter().any(|r| r.receipt == "T1"), "the other record's receipt");
    assert_eq!(count(&desk, "receipts"), receipts_before, "nothing is copied, only moved");
    assert_ledger_invariants(&desk);

    // The old phone and number find the kept member; the merged record is archived.
    assert_eq!(desk.member_card(&ctx, TWICE).unwrap().member_no, card.member_no);
    let hits = desk.search(&ctx, TWICE, 10).unwrap();
    assert_eq!(hits.iter().map(|h| h.member_no.as_str()).collect::<Vec<_>>(), [card.member_no.as_str()]);
    let hits = desk.search(&ctx, "张丽", 10).unwrap();
    assert_eq!(hits.len(), 1, "one 张丽 left: {hits:?}");
    assert!(desk.possible_duplicates(&ctx, 50).unwrap().is_empty());

    // A refund of the moved receipt claws back from the kept member.
    let r =
        desk.refund(&ctx, &RefundInput { of: "T1".into(), receipt: "T1-R".into(), amount: "300.00".into(), at: None });
    assert_eq!(r.unwrap().member_no, card.member_no);
    assert_ledger_invariants(&desk);

    // Merging again, or into oneself, is refused and writes nothing.
    assert_eq!(desk.merge_members(&ctx, KEPT, KEPT).unwrap_err().code, ErrorCode::InvalidInput);
    assert_eq!(desk.merge_members(&ctx, "13900139000", TWICE).unwrap_err().code, ErrorCode::InvalidInput);
    let audit = desk.audit_entries(&ctx, &AuditQuery { action: Some("member.merge".into()), ..Default::default() });
    assert_eq!(audit.unwrap().len(), 2, "the merge, filed under both members");
    let desk_ctx = desk::Ctx { role: desk::Role::FrontDesk, ..ctx };
    assert_eq!(desk.merge_preview(&desk_ctx, KEPT, "13900139000").unwrap_err().code, ErrorCode::NotAllowed);
}

#[test]
fn a_debt_on_one_record_is_repaid_from_the_others_lots() {
    let (mut desk, ctx) = store_without_pack("2026-11-02");
    enroll(&mut desk, &ctx, "李娜", KEPT, "F");
    enroll(&mut desk, &ctx, "李娜", TWICE, "F");
    buy(&mut desk, &ctx, KEPT, "100.00", "K1");
    desk.adjust(&ctx, KEPT, -100, "兑换礼品").unwrap();
    refund(&mut desk, &ctx, "K1", "K1-R", "100.00");
    assert_eq!(desk.member_card(&ctx, KEPT).unwrap().points_balance, -100, "a debt after the refund");
    buy(&mut desk, &ctx, TWICE, "250.00", "T1");
    let m = desk.merge_members(&ctx, KEPT, TWICE).unwrap();
    assert_eq!(m.points_balance, 150);
    let card = desk.member_card(&ctx, KEPT).unwrap();
    assert_eq!(card.points_balance, 150);
    assert_eq!(card.lots.iter().map(|l| l.points_remaining).sum::<i64>(), 150, "the lots hold the balance");
    assert_ledger_invariants(&desk);
}

#[test]
fn stored_value_moves_to_the_kept_member_with_an_entry_on_each_side() {
    let (mut desk, ctx) = store_without_pack("2026-11-02");
    enroll(&mut desk, &ctx, "李娜", KEPT, "F");
    enroll(&mut desk, &ctx, "李娜", TWICE, "F");
    let top_up = |desk: &mut desk::Desk, member: &str, amount: &str, receipt: &str| {
        let input = desk::stored_value::TopUpInput {
            member: member.into(),
            amount: amount.into(),
            receipt: receipt.into(),
            at: None,
        };
        desk.top_up(&ctx, &input).unwrap();
    };
    top_up(&mut desk, KEPT, "100", "T1");
    top_up(&mut desk, TWICE, "500", "T2");
    let preview = desk.merge_preview(&ctx, KEPT, TWICE).unwrap();
    assert_eq!((preview.stored_value.principal.as_str(), preview.stored_value.bonus.as_str()), ("600.00", "50.00"));
    let merged = desk.merge_members(&ctx, KEPT, TWICE).unwrap();
    assert_eq!(merged.stored_value, preview.stored_value, "the preview said so");
    let card = desk.member_card(&ctx, KEPT).unwrap();
    assert_eq!((card.stored_value.principal.as_str(), card.stored_value.bonus.as_str()), ("600.00", "50.00"));
    let old = desk.conn().query_row(
        "SELECT sv_principal_fen + sv_bonus_fen FROM members WHERE member_no = 'M000002'",
        (),
        |r| r.get::<_, i64>(0),
    );
    assert_eq!(old.unwrap(), 0, "nothing is left on the archived record");
    assert_eq!(count(&desk, "sv_ledger"), 3 + 2, "two top-ups (one with its bonus), one entry on each side");
    // The figures count the money once: owed 600 + 50 at the month's end.
    let ctx = day(&mut desk, "2026-12-01");
    let f = desk.figures(&ctx, Some("2026-11"), None, None).unwrap().period;
    assert_eq!((f.stored_value.topped_up.as_str(), f.stored_value.principal.as_str()), ("600.00", "600.00"));
    assert_eq!(f.stored_value.bonus_outstanding, "50.00");
    assert_ledger_invariants(&desk);
}

#[test]
fn erasing_blanks_the_person_keeps_the_books_and_needs_the_number_typed() {
    let (mut desk, ctx) = store_on("2026-11-02");
    desk.enroll(
        &ctx,
        &MemberInput {
            name: "赵敏".into(),
            phone: KEPT.into(),
            gender: "F".into(),
            birthday: "11-05".into(),
            notes: "住在三号楼".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let control = MemberInput {
        name: "钱多".into(),
        phone: "13700137000".into(),
        gender: "M".into(),
        birthday: "11-05".into(),
        ..Default::default()
    };
    let control = desk.enroll(&ctx, &control).unwrap().member_no;
    buy(&mut desk, &ctx, KEPT, "188.00", "E1");
    let no = desk.member_card(&ctx, KEPT).unwrap().member_no;
    let balance = desk.member_card(&ctx, KEPT).unwrap().points_balance;
    let audit_before = count(&desk, "audit_log");

    let wrong = desk.erase_member(&ctx, KEPT, "M999999").unwrap_err();
    assert_eq!(wrong.code, ErrorCode::InvalidInput);
    assert!(wrong.message.contains(&no), "{}", wrong.message);
    assert_eq!(count(&desk, "audit_log"), audit_before, "a refusal writes nothing");

    let card = desk.erase_member(&ctx, KEPT, &no).unwrap();
    assert!(card.erased && card.archived);
    assert_eq!((card.name.as_str(), card.phone.as_deref(), card.birthday.as_deref()), ("", None, None));
    assert_eq!(card.notes, "");
    assert_eq!(card.points_balance, balance, "the ledger stays for the books");
    assert_eq!(count(&desk, "receipts"), 1);
    assert_ledger_invariants(&desk);

    assert_eq!(desk.member_card(&ctx, KEPT).unwrap_err().code, ErrorCode::MemberNotFound, "the phone is gone");
    assert!(desk.search(&ctx, "赵敏", 10).unwrap().is_empty());
    assert_eq!(desk.set_archived(&ctx, &no, false).unwrap_err().code, ErrorCode::InvalidInput, "cannot come back");
    assert_eq!(desk.erase_member(&ctx, &no, &no).unwrap_err().code, ErrorCode::InvalidInput, "erased once");
    let export = String::from_utf8(desk.export_members_csv(&ctx).unwrap()).unwrap();
    assert!(!export.contains("赵敏") && !export.contains(KEPT), "{export}");
    // The list of 11-03 greets the birthdays of 11-05 (two days ahead): the other member, not her.
    let ctx = day(&mut desk, "2026-11-03");
    let list = desk.contact_list(&ctx, None).unwrap();
    assert!(list.entries.iter().any(|e| e.member_no == control), "{list:?}");
    assert!(list.entries.iter().all(|e| e.member_no != no));
    let audit = desk.audit_entries(&ctx, &AuditQuery { action: Some("member.erase".into()), ..Default::default() });
    let audit = audit.unwrap();
    assert_eq!(audit.len(), 1);
    assert!(audit[0].before.is_none() && audit[0].after.is_none(), "the audit keeps no personal data");
}

#[derive(Debug, Clone)]
enum Op {
    Buy { member: usize, fen: i64 },
    Refund { pick: usize, percent: u8 },
    Adjust { member: usize, points: i64 },
    Wait { days: u64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0usize..2, 1i64..100_000).prop_map(|(member, fen)| Op::Buy { member, fen }),
        2 => (0usize..20, 1u8..=100).prop_map(|(pick, percent)| Op::Refund { pick, percent }),
        2 => (0usize..2, -400i64..400).prop_map(|(member, points)| Op::Adjust { member, points }),
        1 => (1u64..120).prop_map(|days| Op::Wait { days }),
    ]
}

const PHONES: [&str; 2] = [KEPT, TWICE];

fn totals(desk: &desk::Desk) -> (i64, i64, i64) {
    desk.conn()
        .query_row(
            "SELECT CAST((SELECT coalesce(sum(points_balance), 0) FROM members) AS BIGINT),
                    (SELECT count(*) FROM points_ledger), (SELECT count(*) FROM receipts)",
            (),
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if on_postgres() { 20 } else { 80 }))]
    /// Whatever both records went through, a merge and then an erasure keep the ledger's
    /// invariants, count no point twice and lose none.
    #[test]
    fn merge_and_erasure_keep_the_ledger_invariants(ops in proptest::collection::vec(op(), 1..25)) {
        let (mut desk, mut ctx) = store_on("2026-01-05");
        enroll(&mut desk, &ctx, "周杰", KEPT, "M");
        enroll(&mut desk, &ctx, "周杰", TWICE, "M");
        let mut receipts: Vec<String> = vec![];
        let mut n = 0;
        for op in ops {
            match op {
                Op::Buy { member, fen } => {
                    n += 1;
                    let no = format!("R{n}");
                    buy(&mut desk, &ctx, PHONES[member], &format!("{}.{:02}", fen / 100, fen % 100), &no);
                    receipts.push(no);
                }
                Op::Refund { pick, percent } => {
                    if receipts.is_empty() { continue; }
                    let of = receipts[pick % receipts.len()].clone();
                    let left: i64 = desk.conn().query_row(
                        "SELECT paid_fen - refunded_fen FROM receipts WHERE receipt_no = ?1", [&of], |r| r.get(0)).unwrap();
                    let fen = left * i64::from(percent) / 100;
                    if fen == 0 { continue; }
                    n += 1;
                    refund(&mut desk, &ctx, &of, &format!("T{n}"), &format!("{}.{:02}", fen / 100, fen % 100));
                }
                Op::Adjust { member, points } => {
                    if points != 0 {
                        let _ = desk.adjust(&ctx, PHONES[member], points, "测试调整");
                    }
                }
                Op::Wait { days } => {
                    let date = ctx.store_date + Days::new(days);
                    ctx = day(&mut desk, &date.to_string());
                }
            }
        }
        let before = totals(&desk);
        let preview = desk.merge_preview(&ctx, KEPT, TWICE).unwrap();
        let merged = desk.merge_members(&ctx, KEPT, TWICE).unwrap();
        prop_assert_eq!(merged.points_balance, preview.points_balance);
        prop_assert_eq!(merged.moved.ledger_entries, preview.moved.ledger_entries);
        let after = totals(&desk);
        prop_assert_eq!((after.0, after.2), (before.0, before.2), "no point or receipt gained or lost");
        prop_assert_eq!(after.1, before.1 + merged.moved.ledger_entries, "the ledger only grows, by the transfer");
        assert_ledger_invariants(&desk);
        let card = desk.member_card(&ctx, TWICE).unwrap();
        prop_assert_eq!(card.points_balance, before.0);
        let no = card.member_no.clone();
        desk.erase_member(&ctx, KEPT, &no).unwrap();
        prop_assert_eq!(totals(&desk), after);
        assert_ledger_invariants(&desk);
    }
}
