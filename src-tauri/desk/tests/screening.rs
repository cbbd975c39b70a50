//! Rules §10 end to end: the quarter's big-customer screening over real receipts,
//! interactions, referrals and the tier run of that day; its catch-up, idempotency, the
//! manager's decisions and the VIP flag. Runs on either engine (`common`).

mod common;
use common::*;
use desk::import::ImportOptions;
use desk::staff::AuditQuery;
use desk::{Desk, ErrorCode};

fn import(desk: &mut Desk, ctx: &desk::Ctx, members: &str, purchases: &str, interactions: &str) {
    let r = desk.import_members(ctx, members.as_bytes(), ImportOptions::default()).unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let r = desk.import_purchases(ctx, purchases.as_bytes(), ImportOptions::default()).unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let r = desk.import_interactions(ctx, interactions.as_bytes(), ImportOptions::default()).unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
}

/// Eleven members who visited in 2026, spending 100 each but for 甲 (12,400 in 8 visits),
/// 乙 (9,000 in 2) and 丁 (600 in 6). The 90th percentile by nearest rank is the 10th of
/// 11: 9,000. 甲 referred one member, 丁 two; 甲 took part in 3 surveys.
fn the_year_2026(desk: &mut Desk, ctx: &desk::Ctx) {
    let members = "name,phone,referred_by_phone\n\
        甲,13900000001,\n乙,13900000002,\n丙,13900000003,\n丁,13900000004,\n\
        戊,13900000005,13900000001\n己,13900000006,13900000004\n庚,13900000007,13900000004\n\
        辛,13900000008,\n壬,13900000009,\n癸,13900000010,\n子,13900000011,\n";
    let mut purchases = String::from("receipt_no,phone,time,amount\n");
    for i in 0..8 {
        purchases.push_str(&format!("A{i},13900000001,2026-0{}-10 10:00,1550.00\n", i + 1));
    }
    purchases.push_str("B1,13900000002,2026-05-01 10:00,4500.00\nB2,13900000002,2026-06-01 10:00,4500.00\n");
    for i in 0..6 {
        purchases.push_str(&format!("D{i},13900000004,2026-0{}-12 10:00,100.00\n", i + 1));
    }
    for (i, phone) in ["13900000003", "13900000005", "13900000006", "13900000007", "13900000008"]
        .iter()
        .chain(&["13900000009", "13900000010", "13900000011"])
        .enumerate()
    {
        purchases.push_str(&format!("E{i},{phone},2026-09-0{} 10:00,100.00\n", i + 1));
    }
    let interactions = "phone,date,kind,note\n\
        13900000001,2026-03-01,survey,\n13900000001,2026-06-01,feedback,\n13900000001,2026-09-01,event,\n";
    import(desk, ctx, members, &purchases, interactions);
}

#[test]
fn the_quarters_screening_lists_the_issues_candidate_with_each_criterion_and_its_number() {
    let (mut desk, ctx) = store_on("2026-11-23");
    the_year_2026(&mut desk, &ctx);
    desk.set_vip(&ctx, "13900000003", true, "老顾客").unwrap();
    assert_eq!(
        desk.screening(&ctx, None).unwrap_err().code,
        ErrorCode::InvalidInput,
        "no screening before the first quarter's day"
    );

    // New Year's Day: the tier run, then 2027Q1's screening over 2026.
    let ctx = day(&mut desk, "2027-01-01");
    let s = desk.screening(&ctx, None).unwrap();
    assert_eq!(s.quarter, "2027Q1");
    assert_eq!((s.window_start, s.window_end, s.screening_day), (d("2026-01-01"), d("2026-12-31"), d("2027-01-01")));
    assert_eq!(s.top_spend_threshold.as_deref(), Some("9000.00"));
    assert_eq!(s.candidate_count, 1);
    let listed: Vec<&str> = s.candidates.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(listed, ["甲", "丙"], "the candidate, then the member already VIP; 乙 and 丁 meet two or fewer");

    // visits 8 ≥ 6 ✓, referrals 1, interactions 3 ≥ 2 ✓, spend ¥12,400 in the top 10% ✓, tier Core ✓
    let a = &s.candidates[0];
    assert_eq!((a.values.visits, a.values.referrals, a.values.interactions), (8, 1, 3));
    assert_eq!((a.values.top_spend.as_str(), a.values.tier.as_str()), ("12400.00", "core"));
    assert!(a.criteria.visits && !a.criteria.referrals && a.criteria.interactions && a.criteria.top_spend);
    assert!(a.criteria.tier, "Core from the day's run: C = 124 + 16 = 140, I = 30 + 30 = 60, S = 108");
    assert_eq!((a.met, a.candidate, a.vip, a.status.as_str()), (4, true, false, "pending"));
    let c = &s.candidates[1];
    assert_eq!((c.vip, c.was_vip, c.candidate, c.met), (true, true, false, 0));

    // Made once: asking again changes nothing.
    let again = desk.run_screening(&ctx, Some("2027Q1")).unwrap();
    assert!(!again.ran_now);
    assert_eq!(again.candidates, s.candidates);

    // The manager's decisions, audited.
    assert_eq!(
        desk.decide_candidate(&ctx, None, "13900000001", false, " ").unwrap_err().code,
        ErrorCode::ReasonRequired,
        "a dismissal needs a note"
    );
    assert_eq!(
        desk.decide_candidate(&ctx, None, "13900000002", true, "").unwrap_err().code,
        ErrorCode::InvalidInput,
        "乙 is not on the list"
    );
    let approved = desk.decide_candidate(&ctx, None, "13900000001", true, "").unwrap();
    assert_eq!((approved.status.as_str(), approved.vip), ("approved", true));
    assert!(desk.member_card(&ctx, "13900000001").unwrap().vip, "the card shows VIP");
    let dismissed = desk.decide_candidate(&ctx, Some("2027Q1"), "13900000003", false, "已是大客户，保持").unwrap();
    assert_eq!((dismissed.status.as_str(), dismissed.note.as_str()), ("dismissed", "已是大客户，保持"));
    let audit =
        desk.audit_entries(&ctx, &AuditQuery { action: Some("screening".into()), ..AuditQuery::default() }).unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["screening.dismiss", "screening.approve"]);
}

#[test]
fn missed_quarters_catch_up_and_a_quarter_not_begun_is_refused() {
    let (mut desk, ctx) = store_on("2026-11-23");
    the_year_2026(&mut desk, &ctx);
    // Closed from December to April: 2027Q1 and 2027Q2 are both made when the store opens.
    let ctx = day(&mut desk, "2027-04-03");
    let q1 = desk.screening(&ctx, Some("2027Q1")).unwrap();
    let q2 = desk.screening(&ctx, None).unwrap();
    assert_eq!((q1.quarter.as_str(), q2.quarter.as_str()), ("2027Q1", "2027Q2"));
    assert_eq!(q1.candidate_count, 1);
    // 2027Q2 looks at 2026-04-01 … 2027-03-31: 甲's visits of January to March fall out.
    assert_eq!(q2.window_start, d("2026-04-01"));
    let a = q2.candidates.iter().find(|c| c.name == "甲");
    assert!(a.is_none_or(|a| a.values.visits == 5), "{a:?}");
    let err = desk.run_screening(&ctx, Some("2027Q3")).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("还没有开始"), "{}", err.message);
    assert_eq!(desk.run_screening(&ctx, Some("2027Q5")).unwrap_err().code, ErrorCode::InvalidInput);
}

#[test]
fn the_vip_flag_is_set_and_cleared_by_a_manager_only() {
    let (mut desk, ctx) = store_on("2026-11-23");
    the_year_2026(&mut desk, &ctx);
    assert!(desk.set_vip(&ctx, "13900000002", true, "").unwrap().vip);
    assert!(!desk.set_vip(&ctx, "13900000002", false, "不再来店").unwrap().vip);
    let desk_ctx = desk::Ctx { role: desk::Role::FrontDesk, ..ctx.clone() };
    assert_eq!(desk.set_vip(&desk_ctx, "13900000002", true, "").unwrap_err().code, ErrorCode::NotAllowed);
    assert_eq!(desk.screening(&desk_ctx, None).unwrap_err().code, ErrorCode::NotAllowed);
    let audit =
        desk.audit_entries(&ctx, &AuditQuery { action: Some("member.vip".into()), ..AuditQuery::default() }).unwrap();
    assert_eq!(audit.len(), 2);
    assert!(audit[0].after.as_deref().unwrap().contains("不再来店"));
}
