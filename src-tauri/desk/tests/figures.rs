//! Rules §13 end to end: the program figures of a month over real checkouts, refunds,
//! surveys and the contact list, on either engine, checked against numbers worked by hand.

mod common;
use common::*;
use desk::export::ExportFormat;
use desk::ErrorCode;

#[test]
fn octobers_figures_from_checkouts_refunds_and_surveys_match_the_hand_worked_numbers() {
    let (mut desk, ctx) = store_without_pack("2026-09-10");
    enroll(&mut desk, &ctx, "张三", "13800000001", "F");
    enroll(&mut desk, &ctx, "李四", "13800000002", "M");
    buy(&mut desk, &ctx, "13800000001", "100", "R1");

    let ctx = day(&mut desk, "2026-10-05");
    enroll(&mut desk, &ctx, "王五", "13800000003", "M");
    buy(&mut desk, &ctx, "13800000001", "300", "R2");
    buy(&mut desk, &ctx, "13800000003", "200", "R3");
    let ctx = day(&mut desk, "2026-10-15");
    buy(&mut desk, &ctx, "13800000001", "100", "R4");
    refund(&mut desk, &ctx, "R4", "R4-退", "100");
    let ctx = day(&mut desk, "2026-10-20");
    buy(&mut desk, &ctx, "13800000002", "50", "R5");
    refund(&mut desk, &ctx, "R5", "R5-退", "20");
    desk.record_interaction(&ctx, "13800000001", "survey", None, "", Some(10)).unwrap();
    desk.record_interaction(&ctx, "13800000002", "survey", None, "", Some(6)).unwrap();
    // Stored value: 500 topped up (充500送50), then 100 of it paid out with 10 of the bonus.
    let topped = desk.top_up(
        &ctx,
        &desk::stored_value::TopUpInput {
            member: "13800000003".into(),
            amount: "500".into(),
            receipt: "T1".into(),
            at: None,
        },
    );
    assert_eq!(topped.unwrap().bonus, "50.00");
    desk.payout(&ctx, "13800000003", "100", "顾客要求").unwrap();

    let ctx = day(&mut desk, "2026-11-23");
    let r = desk.figures(&ctx, Some("2026-10"), None, None).unwrap();
    let f = &r.period;
    assert_eq!((f.from.as_str(), f.to.as_str()), ("2026-10", "2026-10"));
    assert_eq!((f.members.total, f.members.new, f.members.active, f.members.lapsed), (3, 1, 3, 0));
    // R2 300 + R3 200 + R5 50 − 20; R4 was refunded whole: no visit, no spend.
    assert_eq!(f.sales.net_spend, "530.00");
    assert_eq!(f.sales.visits, 3);
    assert_eq!(f.sales.spend_per_visit.as_deref(), Some("176.67"));
    // Each October visitor came once; September's one visitor (张三) came back.
    assert_eq!(f.repurchase_rate.as_deref(), Some("0.0"));
    assert_eq!(f.retention_rate.as_deref(), Some("100.0"));
    // 12 months to October: 张三 400, 王五 200, 李四 30; the top ⌈0.6⌉ = 1 spent 400 of 630.
    assert_eq!(f.top20_share.as_deref(), Some("63.5"));
    // Lots of October: 300 + 200 + 100 + 50 from receipts and 2 × 20 for the surveys;
    // clawed back 100 (R4) + 20 (R5). Outstanding: September's 100 + 690 − 120.
    assert_eq!((f.points.issued, f.points.clawed_back, f.points.redeemed), (690, 120, 0));
    assert_eq!(f.points.outstanding, 670);
    assert_eq!(f.points.liability, "67.00");
    // One promoter (10) and one detractor (6).
    assert_eq!((f.nps.score.as_deref(), f.nps.n), (Some("0.0"), 2));
    // Follow-up calls due in October, none made yet: R2 (¥300) and the first checkouts of
    // 王五 (R3) and 李四 (R5), three days after each.
    assert_eq!(
        (f.contacts.due, f.contacts.done, f.contacts.completion.as_deref()),
        (3, 0, Some("0.0")),
        "{:?}",
        f.contacts
    );
    assert_eq!(f.contacts.due_by_reason.get("follow_up"), Some(&3));
    let sv = &f.stored_value;
    assert_eq!(
        (sv.topped_up.as_str(), sv.bonus.as_str(), sv.paid_out.as_str(), sv.spent.as_str()),
        ("500.00", "50.00", "100.00", "0.00")
    );
    assert_eq!((sv.principal.as_str(), sv.bonus_outstanding.as_str()), ("400.00", "40.00"));
    assert_eq!(r.months_before[11].stored_value.principal, "0.00", "nothing was owed in September");

    // The comparison: the 12 months before, oldest first; September had 张三's one visit.
    assert_eq!(r.months_before.len(), 12);
    let september = &r.months_before[11];
    assert_eq!((september.from.as_str(), september.sales.net_spend.as_str()), ("2026-09", "100.00"));
    assert_eq!(september.retention_rate, None, "nobody visited in August: an empty base");

    // The default is the last full month (on 11-23: October); a branch counts its own
    // receipts only.
    assert_eq!(desk.figures(&ctx, None, None, None).unwrap().period, r.period);
    let main = desk.figures(&ctx, Some("2026-10"), None, Some("main")).unwrap();
    assert_eq!(main.period.sales.net_spend, "530.00");
    assert_eq!(desk.figures(&ctx, Some("2026-10"), None, Some("nowhere")).unwrap_err().code, ErrorCode::BranchNotFound);

    // The same figures in the files: numbers in Excel, the same text in CSV.
    use calamine::{Data, Reader};
    let xlsx = desk.export_figures(&ctx, Some("2026-10"), None, None, ExportFormat::Xlsx).unwrap();
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
    assert_eq!(book.sheet_names(), ["效果评估", "优惠券"]);
    let sheet = book.worksheet_range("效果评估").unwrap();
    let line = |key: &str| sheet.rows().find(|r| r[1] == Data::String(key.into())).unwrap().to_vec();
    assert_eq!(sheet.rows().next().unwrap()[2], Data::String("2026-10".into()));
    assert_eq!(line("sales.net_spend")[2], Data::Float(530.0));
    assert_eq!(line("top20_share")[2], Data::Float(63.5));
    assert_eq!(line("points.outstanding")[2], Data::Float(670.0));
    assert_eq!(line("sales.net_spend")[14], Data::Float(100.0), "September, the last of the 12 months before");
    assert_eq!(line("retention_rate")[14], Data::String("—".into()), "an empty base is —, not 0");
    let csv =
        String::from_utf8(desk.export_figures(&ctx, Some("2026-10"), None, None, ExportFormat::Csv).unwrap()).unwrap();
    assert!(csv.lines().any(|l| l.starts_with("会员消费净额（元）,sales.net_spend,530.00,")), "{csv}");
}

#[test]
fn figures_refuse_a_bad_period_and_staff_who_are_not_managers() {
    let (desk, ctx) = store_on("2026-11-23");
    for (from, to) in [(Some("2026-13"), None), (Some("2026-10"), Some("2026-09")), (Some("2027-01"), None)] {
        assert_eq!(desk.figures(&ctx, from, to, None).unwrap_err().code, ErrorCode::InvalidInput, "{from:?} {to:?}");
    }
    for role in [loyalty::Role::FrontDesk, loyalty::Role::CustomerService] {
        let staff = desk::Ctx { role, ..ctx.clone() };
        assert_eq!(desk.figures(&staff, None, None, None).unwrap_err().code, ErrorCode::NotAllowed, "{role:?}");
    }
}

#[test]
fn a_score_is_0_to_10_and_only_with_a_survey() {
    let (mut desk, ctx) = store_on("2026-11-23");
    enroll(&mut desk, &ctx, "张三", "13800000001", "F");
    for (kind, score) in [("survey", 11), ("survey", -1), ("feedback", 9)] {
        let e = desk.record_interaction(&ctx, "13800000001", kind, None, "", Some(score)).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{kind} {score}");
    }
    assert_eq!(count(&desk, "interactions"), 0, "nothing was written");
    let ok = desk.record_interaction(&ctx, "13800000001", "survey", None, "", Some(9)).unwrap();
    assert_eq!(ok.score, Some(9));
}

#[test]
fn a_members_visits_at_two_branches_add_up_for_the_chain_and_count_apart_per_branch() {
    let (mut desk, ctx) = store_without_pack("2026-10-05");
    desk.branch_add(&ctx, "east", "东店").unwrap();
    enroll(&mut desk, &ctx, "张三", "13800000001", "F");
    buy(&mut desk, &ctx, "13800000001", "100", "R1");
    desk.set_station(Some("east"), "east-1").unwrap();
    let ctx = day(&mut desk, "2026-10-09");
    buy(&mut desk, &ctx, "13800000001", "250", "R1");
    let ctx = day(&mut desk, "2026-10-12");
    buy(&mut desk, &ctx, "13800000001", "80", "R2");
    refund(&mut desk, &ctx, "R2", "R2-退", "80");

    let ctx = day(&mut desk, "2026-11-02");
    let chain = desk.figures(&ctx, Some("2026-10"), None, None).unwrap().period;
    // One member, two visits in two branches: a repurchase for the chain; R2 refunded whole.
    assert_eq!((chain.sales.net_spend.as_str(), chain.sales.visits), ("350.00", 2));
    assert_eq!(chain.repurchase_rate.as_deref(), Some("100.0"));
    let east = desk.figures(&ctx, Some("2026-10"), None, Some("east")).unwrap().period;
    assert_eq!((east.sales.net_spend.as_str(), east.sales.visits), ("250.00", 1));
    assert_eq!(east.repurchase_rate.as_deref(), Some("0.0"));
    let main = desk.figures(&ctx, Some("2026-10"), None, Some("main")).unwrap().period;
    assert_eq!((main.sales.net_spend.as_str(), main.sales.visits), ("100.00", 1));
    assert_ledger_invariants(&desk);
}
