//! Rules §9 end to end: the contact list of a store date — birthdays (solar and lunar),
//! holidays with their audience, follow-ups, recall, expiring points, tier changes — merged
//! one entry per member, with its channel; closed days caught up; and working the list.

mod common;
use common::*;
use desk::contacts::ContactOutcome;
use desk::members::MemberInput;
use desk::{Desk, ErrorCode};

fn member(
    desk: &mut Desk,
    ctx: &desk::Ctx,
    name: &str,
    phone: &str,
    gender: &str,
    birthday: &str,
    lunar: bool,
    leap: bool,
) {
    desk.enroll(
        ctx,
        &MemberInput {
            name: name.into(),
            phone: phone.into(),
            gender: gender.into(),
            birthday: birthday.into(),
            lunar,
            leap,
            ..Default::default()
        },
    )
    .unwrap();
}

/// The member asks not to be contacted (the edit form's 同意回访 unticked).
fn withdraw_consent(desk: &mut Desk, ctx: &desk::Ctx, name: &str, phone: &str, gender: &str, birthday: &str) {
    let input = MemberInput {
        name: name.into(),
        phone: phone.into(),
        gender: gender.into(),
        birthday: birthday.into(),
        contact_ok: Some(false),
        ..Default::default()
    };
    desk.update_member(ctx, phone, &input).unwrap();
}

/// The reasons (kind: detail) of each member on the list of `date`, by member number.
fn list(desk: &Desk, ctx: &desk::Ctx, date: &str) -> Vec<(String, String, Vec<String>)> {
    desk.contact_list(ctx, Some(d(date)))
        .unwrap()
        .entries
        .into_iter()
        .map(|e| (e.member_no, e.channel, e.reasons.into_iter().map(|r| format!("{}: {}", r.kind, r.detail)).collect()))
        .collect()
}

fn kinds(desk: &Desk, ctx: &desk::Ctx, date: &str, member_no: &str) -> Vec<String> {
    list(desk, ctx, date)
        .into_iter()
        .find(|(no, _, _)| no == member_no)
        .map(|(_, _, r)| r.into_iter().map(|k| k.split(':').next().unwrap().to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn feb_29_birthdays_are_greeted_on_feb_28_in_common_years_and_feb_29_in_leap_years() {
    let (mut desk, ctx) = store_on("2027-02-20");
    member(&mut desk, &ctx, "张三", "13800138000", "F", "1992-02-29", false, false);
    let ctx = day(&mut desk, "2027-02-26");
    assert_eq!(kinds(&desk, &ctx, "2027-02-26", "M000001"), ["birthday"], "2027-02-28 is two days ahead");
    let ctx = day(&mut desk, "2028-02-28");
    assert!(kinds(&desk, &ctx, "2028-02-26", "M000001").is_empty(), "2028 has Feb 29");
    assert_eq!(kinds(&desk, &ctx, "2028-02-27", "M000001"), ["birthday"]);
}

#[test]
fn lunar_birthdays_with_the_day_30_and_leap_month_fallbacks() {
    let (mut desk, ctx) = store_on("2026-03-01");
    member(&mut desk, &ctx, "张三", "13800138000", "F", "1980-02-30", true, false); // lunar 2/30
    member(&mut desk, &ctx, "李四", "13900139000", "M", "1984-06-10", true, true); // leap 6/10
                                                                                   // 2026's second lunar month has 29 days: 2/30 falls on 2/29 = 2026-04-16; greeted 04-14.
    let ctx = day(&mut desk, "2026-04-14");
    assert_eq!(list(&desk, &ctx, "2026-04-14")[0].2, ["birthday: 农历生日，公历 04-16"]);
    // 2026 has no leap sixth month: the regular 6/10 = 2026-07-23; greeted 07-21.
    let ctx = day(&mut desk, "2026-07-21");
    assert_eq!(kinds(&desk, &ctx, "2026-07-21", "M000002"), ["birthday"]);
}

#[test]
fn holidays_greet_their_audience_two_days_ahead() {
    let (mut desk, ctx) = store_on("2026-09-20");
    member(&mut desk, &ctx, "张三", "13800000001", "F", "1990-01-05", false, false);
    member(&mut desk, &ctx, "李四", "13800000002", "M", "1960-03-01", false, false);
    member(&mut desk, &ctx, "王五", "13800000003", "M", "1970-03-01", false, false);
    member(&mut desk, &ctx, "赵六", "13800000004", "M", "03-01", false, false);
    // 中秋 2026 is 09-25: everybody on 09-23.
    let ctx = day(&mut desk, "2026-09-23");
    let l = list(&desk, &ctx, "2026-09-23");
    assert_eq!(l.len(), 4);
    assert!(l.iter().all(|(_, _, r)| r == &["holiday: 中秋节（09-25）"]));
    // 重阳 2026 is 10-18: only members aged 60+ with a known birth year.
    let ctx = day(&mut desk, "2026-10-16");
    let nos: Vec<_> = list(&desk, &ctx, "2026-10-16").into_iter().map(|e| e.0).collect();
    assert_eq!(nos, ["M000002"]);
    // 妇女节: women only.
    let ctx = day(&mut desk, "2027-03-06");
    let nos: Vec<_> = list(&desk, &ctx, "2027-03-06").into_iter().map(|e| e.0).collect();
    assert_eq!(nos, ["M000001"]);
}

#[test]
fn reasons_merge_into_one_entry_and_the_channel_follows_them() {
    let (mut desk, ctx) = store_on("2026-09-01");
    member(&mut desk, &ctx, "张三", "13800000001", "F", "1990-09-25", false, false); // birthday on 中秋
    member(&mut desk, &ctx, "李四", "13800000002", "M", "", false, false);
    member(&mut desk, &ctx, "王五", "13800000003", "M", "", false, false);
    desk.conn().execute("UPDATE members SET tier = 'core' WHERE member_no = 'M000003'", ()).unwrap();
    let ctx = day(&mut desk, "2026-09-23");
    let l = list(&desk, &ctx, "2026-09-23");
    assert_eq!(l[0].0, "M000003", "Core before Regular");
    assert_eq!(l[0].1, "call", "a Core member is called for a holiday");
    let zhang = l.iter().find(|e| e.0 == "M000001").unwrap();
    assert_eq!(zhang.2.len(), 2, "birthday and holiday in one entry: {zhang:?}");
    assert_eq!(zhang.1, "call");
    assert_eq!(l.iter().find(|e| e.0 == "M000002").unwrap().1, "sms", "holiday only, Regular: SMS");
}

#[test]
fn follow_ups_recall_and_expiring_points() {
    let (mut desk, ctx) = store_without_pack("2026-06-01");
    for (n, p) in [("甲", "13800000001"), ("乙", "13800000002"), ("丙", "13800000003")] {
        member(&mut desk, &ctx, n, p, "F", "", false, false);
    }
    let ctx = day(&mut desk, "2026-06-10");
    buy(&mut desk, &ctx, "13800000001", "50.00", "A1"); // first checkout: follow up even under 300
    buy(&mut desk, &ctx, "13800000002", "20.00", "B0");
    let ctx = day(&mut desk, "2026-06-20");
    buy(&mut desk, &ctx, "13800000002", "299.99", "B1"); // not first, under 300: no call
    buy(&mut desk, &ctx, "13800000003", "300.00", "C1");
    buy(&mut desk, &ctx, "13800000003", "800.00", "C2");
    refund(&mut desk, &ctx, "C2", "T1", "800.00"); // fully refunded: no follow-up for C2
    let ctx = day(&mut desk, "2026-06-23");
    assert_eq!(kinds(&desk, &ctx, "2026-06-13", "M000001"), ["follow_up"]);
    let l = list(&desk, &ctx, "2026-06-23");
    assert_eq!(l.len(), 1, "{l:?}");
    assert_eq!(l[0].0, "M000003");
    assert_eq!(l[0].2, ["follow_up: 2026-06-20 小票 C1 消费 ¥300.00（首次消费）"], "C2 was fully refunded");
    // Member 1's last visit was 06-10: recall on 09-08, with the recall coupon.
    let ctx = day(&mut desk, "2026-09-08");
    assert_eq!(kinds(&desk, &ctx, "2026-09-08", "M000001"), ["lapsed"]);
    let recall = list(&desk, &ctx, "2026-09-08").into_iter().find(|e| e.0 == "M000001").unwrap();
    assert_eq!(recall.2, ["lapsed: 最后一次消费 2026-06-10，已 90 天未到店"]);
    let card = desk.member_card(&ctx, "13800000001").unwrap();
    let recall = card.coupons.iter().find(|c| c.name.contains("回归")).unwrap();
    assert_eq!((recall.valid_from, recall.valid_until), (d("2026-09-08"), d("2026-09-21")));
    // Lots earned 06-20 are valid until 2027-06-20: the expiring call is on 2027-05-21.
    let ctx = day(&mut desk, "2027-05-21");
    let l = list(&desk, &ctx, "2027-05-21");
    let three = l.iter().find(|e| e.0 == "M000003").unwrap();
    assert_eq!(three.2, ["points_expiring: 300 积分将于 2027-06-20 到期"]);
}

#[test]
fn a_birthday_entry_brings_its_coupon_and_members_without_consent_never_appear() {
    let (mut desk, ctx) = store_on("2026-11-01");
    member(&mut desk, &ctx, "张三", "13800000001", "F", "1990-11-20", false, false);
    desk.enroll(
        &ctx,
        &MemberInput {
            name: "李四".into(),
            phone: "13800000002".into(),
            birthday: "1990-11-20".into(),
            contact_ok: Some(false),
            ..Default::default()
        },
    )
    .unwrap();
    member(&mut desk, &ctx, "王五", "13800000003", "M", "1990-11-20", false, false);
    desk.set_archived(&ctx, "13800000003", true).unwrap();
    let ctx = day(&mut desk, "2026-11-18");
    let l = list(&desk, &ctx, "2026-11-18");
    assert_eq!(l.len(), 1);
    assert_eq!(l[0].0, "M000001");
    let card = desk.member_card(&ctx, "13800000001").unwrap();
    let c = card.coupons.iter().find(|c| c.name.contains("生日")).unwrap();
    assert_eq!((c.description.as_str(), c.valid_from, c.valid_until), ("满100减20", d("2026-11-18"), d("2026-11-27")));
}

#[test]
fn consent_withdrawn_mid_month_stops_the_calls() {
    let (mut desk, ctx) = store_on("2026-09-01");
    member(&mut desk, &ctx, "张三", "13800000001", "F", "1990-09-25", false, false);
    member(&mut desk, &ctx, "李四", "13800000002", "F", "1990-09-26", false, false);
    let ctx = day(&mut desk, "2026-09-15");
    withdraw_consent(&mut desk, &ctx, "李四", "13800000002", "F", "1990-09-26");
    let ctx = day(&mut desk, "2026-09-24");
    assert_eq!(kinds(&desk, &ctx, "2026-09-23", "M000001"), ["birthday", "holiday"]);
    assert!(kinds(&desk, &ctx, "2026-09-24", "M000002").is_empty());
}

#[test]
fn five_closed_days_are_caught_up_marked_overdue_and_regenerating_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let mut desk = Desk::open(&path).unwrap();
    let ctx = day(&mut desk, "2026-11-01");
    for (i, bday) in
        ["1990-11-04", "1990-11-05", "1990-11-06", "1990-11-07", "1990-11-08", "1990-11-09"].iter().enumerate()
    {
        member(&mut desk, &ctx, "张三", &format!("1380000000{i}"), "F", bday, false, false);
    }
    // Closed from 11-02 to 11-06; opened again on 11-07.
    let ctx = day(&mut desk, "2026-11-07");
    let queue = desk.contact_queue(&ctx).unwrap();
    let dates: Vec<String> = queue.iter().map(|e| e.list_date.to_string()).collect();
    assert_eq!(queue.len(), 6, "{dates:?}");
    assert_eq!(queue.iter().filter(|e| e.overdue).count(), 5, "the 5 missed days are overdue, today's is not");
    let n = count(&desk, "contact_entries");
    let coupons = count(&desk, "coupons");
    drop(desk);
    let mut desk = Desk::open(&path).unwrap();
    let ctx = day(&mut desk, "2026-11-07");
    assert_eq!((count(&desk, "contact_entries"), count(&desk, "coupons")), (n, coupons), "nothing twice");
    assert_eq!(desk.contact_queue(&ctx).unwrap().len(), 6);
}

#[test]
fn tier_changes_are_called_on_the_1st() {
    let (mut desk, ctx) = store_on("2026-11-23");
    member(&mut desk, &ctx, "张三", "13800000001", "F", "", false, false);
    desk.adjust(&ctx, "13800000001", 1, "x").unwrap();
    let csv = "receipt_no,phone,time,amount\nH1,13800000001,2026-05-01,9000.00\nH2,13800000001,2026-06-01,1.00\n";
    desk.import_purchases(&ctx, csv.as_bytes(), desk::import::ImportOptions::default()).unwrap();
    let ctx = day(&mut desk, "2026-12-01");
    assert_eq!(list(&desk, &ctx, "2026-12-01")[0].2, ["tier_change: 等级由普通会员调整为活跃会员"]);
}

#[test]
fn working_the_list_done_no_answer_reschedule_and_do_not_call() {
    let (mut desk, ctx) = store_on("2026-11-01");
    for (i, bday) in ["1990-11-05", "1990-11-05", "1990-11-05", "1990-11-05"].iter().enumerate() {
        member(&mut desk, &ctx, "张三", &format!("1380000000{i}"), "F", bday, false, false);
    }
    let ctx = day(&mut desk, "2026-11-03");
    let q = desk.contact_queue(&ctx).unwrap();
    assert_eq!(q.len(), 4);
    assert!(q[0].scripts[0].starts_with("张女士您好！后天是您的生日"), "{}", q[0].scripts[0]);
    let done =
        desk.record_contact(&ctx, q[0].id.unwrap(), ContactOutcome::Done, "已致电祝福，顾客很高兴", None).unwrap();
    assert_eq!(done.status, "done");
    let log = desk.contact_log(&q[0].member_no, 10).unwrap();
    assert_eq!(log[0].note, "已致电祝福，顾客很高兴");
    assert_eq!(
        desk.record_contact(&ctx, q[0].id.unwrap(), ContactOutcome::Done, "", None).unwrap_err().code,
        ErrorCode::InvalidInput
    );
    // No answer: back tomorrow, at most three attempts.
    let e = q[1].id.unwrap();
    desk.record_contact(&ctx, e, ContactOutcome::NoAnswer, "无人接听", None).unwrap();
    assert!(desk.contact_queue(&ctx).unwrap().iter().all(|x| x.id != Some(e)), "not again today");
    let ctx = day(&mut desk, "2026-11-04");
    assert!(desk.contact_queue(&ctx).unwrap().iter().any(|x| x.id == Some(e)), "back the next day");
    desk.record_contact(&ctx, e, ContactOutcome::NoAnswer, "", None).unwrap();
    let ctx = day(&mut desk, "2026-11-05");
    let last = desk.record_contact(&ctx, e, ContactOutcome::NoAnswer, "", None).unwrap();
    assert_eq!((last.status.as_str(), last.attempts), ("gave_up", 3));
    // Rescheduled to a later date.
    let r = q[2].id.unwrap();
    assert_eq!(
        desk.record_contact(&ctx, r, ContactOutcome::Rescheduled, "", Some(d("2026-11-05"))).unwrap_err().code,
        ErrorCode::InvalidInput
    );
    desk.record_contact(&ctx, r, ContactOutcome::Rescheduled, "顾客说周末再联系", Some(d("2026-11-08"))).unwrap();
    assert!(desk.contact_queue(&ctx).unwrap().iter().all(|x| x.id != Some(r)));
    // Do-not-call withdraws consent.
    desk.record_contact(&ctx, q[3].id.unwrap(), ContactOutcome::DoNotCall, "要求不再来电", None).unwrap();
    assert!(!desk.member_card(&ctx, &q[3].member_no).unwrap().contact_ok);
    let ctx = day(&mut desk, "2026-11-08");
    let ids: Vec<i64> = desk.contact_queue(&ctx).unwrap().iter().filter_map(|x| x.id).collect();
    assert_eq!(ids, [r]);
}

#[test]
fn a_member_with_an_overdue_entry_and_todays_is_one_card_with_grouped_reasons() {
    let (mut desk, ctx) = store_on("2026-11-01");
    member(&mut desk, &ctx, "王芳", "13800000001", "F", "1990-11-05", false, false);
    member(&mut desk, &ctx, "李雷", "13800000002", "M", "", false, false);
    for r in ["R1", "R2", "R3"] {
        buy(&mut desk, &ctx, "13800000001", "300.00", r);
    }
    // 11-03 lists her birthday (two days ahead); nobody calls that day.
    let ctx = day(&mut desk, "2026-11-03");
    assert_eq!(desk.contact_queue(&ctx).unwrap().len(), 1);
    // 11-04 lists the three receipts of 11-01 for a follow-up: one card, not two.
    let ctx = day(&mut desk, "2026-11-04");
    let q = desk.contact_queue(&ctx).unwrap();
    let mine: Vec<_> = q.iter().filter(|e| e.member_no == "M000001").collect();
    assert_eq!(mine.len(), 1, "{q:?}");
    let card = mine[0];
    assert!(card.overdue);
    assert_eq!(card.list_date, d("2026-11-03"));
    assert_eq!(card.entry_ids.len(), 2);
    let groups: Vec<(&str, usize)> = card.reason_groups.iter().map(|g| (g.kind.as_str(), g.count)).collect();
    assert_eq!(groups, [("birthday", 1), ("follow_up", 3)], "消费回访 ×3, not 消费回访、消费回访、消费回访");
    let receipts = &card.reason_groups[1].details;
    assert!(["R1", "R2", "R3"].iter().all(|r| receipts.iter().any(|x| x.contains(r))), "{receipts:?}");
    assert_eq!(card.reschedule_default, d("2026-11-05"), "call again tomorrow by default");
    // "Call again later" without a day: tomorrow, for the whole card.
    desk.record_contact(&ctx, card.id.unwrap(), ContactOutcome::Rescheduled, "在开会", None).unwrap();
    assert!(desk.contact_queue(&ctx).unwrap().iter().all(|e| e.member_no != "M000001"));
    let ctx = day(&mut desk, "2026-11-05");
    let q = desk.contact_queue(&ctx).unwrap();
    let again: Vec<_> = q.iter().filter(|e| e.member_no == "M000001").collect();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].entry_ids.len(), 2, "both came back together");
    desk.record_contact(&ctx, again[0].id.unwrap(), ContactOutcome::Done, "已回访并祝福生日", None).unwrap();
    assert!(desk.contact_queue(&ctx).unwrap().iter().all(|e| e.member_no != "M000001"), "one call answered both");
    assert_eq!(desk.contact_log("M000001", 10).unwrap().len(), 2, "one attempt logged per call");
}

/// Exports the SMS list of the store date (and days before not sent yet) as text.
fn sms_export(desk: &mut Desk, ctx: &desk::Ctx) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sms.csv");
    let done = desk.export_sms(ctx, None, &path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(done.texts + 1, text.lines().count(), "the count is the file's rows");
    assert_eq!(done.bytes, text.len());
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, [std::ffi::OsString::from("sms.csv")], "no temporary file is left behind");
    text
}

#[test]
fn a_holiday_for_everybody_goes_out_as_one_sms_batch_and_calls_stay_entries() {
    let (mut desk, ctx) = store_on("2026-12-20");
    member(&mut desk, &ctx, "张三", "13800000001", "F", "", false, false); // Regular: SMS
    member(&mut desk, &ctx, "李四", "13800000002", "M", "", false, false); // Regular: SMS
    member(&mut desk, &ctx, "王五", "13800000003", "M", "", false, false); // Core: a call
    member(&mut desk, &ctx, "赵六", "13800000004", "F", "", false, false); // VIP: a call
    member(&mut desk, &ctx, "钱七", "13800000005", "F", "", false, false); // first sale: a call
    member(&mut desk, &ctx, "孙八", "13800000006", "M", "", false, false); // Active: SMS, then says no
    desk.conn()
        .execute_batch(
            "UPDATE members SET tier = 'core' WHERE member_no = 'M000003';
             UPDATE members SET vip = 1 WHERE member_no = 'M000004';
             UPDATE members SET tier = 'active' WHERE member_no = 'M000006';",
        )
        .unwrap();
    let ctx = day(&mut desk, "2026-12-27");
    buy(&mut desk, &ctx, "13800000005", "20.00", "Q1");
    // 元旦 is two days after 12-30: everybody is greeted.
    let ctx = day(&mut desk, "2026-12-30");
    let l = list(&desk, &ctx, "2026-12-30");
    let channel = |no: &str| l.iter().find(|e| e.0 == no).map(|e| e.1.clone()).unwrap_or_default();
    assert_eq!(l.len(), 6, "{l:?}");
    assert_eq!(
        ["M000001", "M000002", "M000003", "M000004", "M000005", "M000006"].map(channel),
        ["sms", "sms", "call", "call", "call", "sms"]
    );
    let qian = l.iter().find(|e| e.0 == "M000005").unwrap();
    assert_eq!(qian.2, ["holiday: 元旦（01-01）", "follow_up: 2026-12-27 小票 Q1 消费 ¥20.00（首次消费）"]);
    let full = desk.contact_list(&ctx, Some(d("2026-12-30"))).unwrap().entries;
    let zhao = full.iter().find(|e| e.member_no == "M000004").unwrap();
    assert_eq!((zhao.vip, zhao.tier.as_str(), zhao.id.is_some()), (true, "regular", true));
    let order: Vec<&str> = full.iter().map(|e| e.member_no.as_str()).collect();
    assert_eq!(order, ["M000003", "M000006", "M000004", "M000001", "M000002", "M000005"], "Core, Active, then VIP");
    // The calls are entries to work; the three texts are one batch.
    assert_eq!(count(&desk, "contact_entries"), 3);
    assert_eq!(count(&desk, "contact_sms_batches"), 1);
    let queue = desk.contact_queue(&ctx).unwrap();
    assert!(queue.iter().all(|e| e.channel == "call" && e.id.is_some()), "texts are not worked one by one");
    let batches = desk.sms_batches(&ctx).unwrap();
    assert_eq!(batches.len(), 1);
    assert_eq!((batches[0].members, batches[0].reasons[0].detail.as_str()), (3, "元旦（01-01）"));
    assert_eq!(batches[0].exported_at, None);

    // 孙八 asks not to be texted before the list is sent: left out of the export.
    withdraw_consent(&mut desk, &ctx, "孙八", "13800000006", "M", "");
    // A file that cannot be written leaves the texts unsent.
    let blocked = tempfile::tempdir().unwrap();
    std::fs::write(blocked.path().join("not-a-folder"), "x").unwrap();
    let failed = desk.export_sms(&ctx, None, &blocked.path().join("not-a-folder/sms.csv"));
    assert_eq!(failed.unwrap_err().code, ErrorCode::FileUnreadable);
    assert_eq!(desk.sms_batches(&ctx).unwrap()[0].exported_at, None);
    let csv = sms_export(&mut desk, &ctx);
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines,
        [
            "phone,name,text",
            "13800000001,张三,张女士您好！元旦快到了，会员台祝您和家人节日快乐！",
            "13800000002,李四,李先生您好！元旦快到了，会员台祝您和家人节日快乐！",
        ]
    );
    let batches = desk.sms_batches(&ctx).unwrap();
    assert_eq!(batches[0].exported_at.as_deref(), Some("2026-12-30 10:00:00"));
    assert_eq!(batches[0].exported_by.as_deref(), Some("命令行"));
    // The next day the exported batch is no longer shown, and generating again adds nothing.
    let ctx = day(&mut desk, "2026-12-31");
    assert!(desk.sms_batches(&ctx).unwrap().is_empty());
    assert_eq!((count(&desk, "contact_entries"), count(&desk, "contact_sms_batches")), (3, 1));
}

#[test]
fn texts_of_a_closed_day_wait_for_the_next_export_and_each_set_of_holidays_is_its_own_batch() {
    let (mut desk, ctx) = store_on("2027-03-01");
    member(&mut desk, &ctx, "张三", "13800000001", "F", "", false, false);
    member(&mut desk, &ctx, "李四", "13800000002", "M", "", false, false);
    desk.save_holiday(
        &ctx,
        &desk::contacts::HolidaySetting {
            id: 0,
            name: "店庆".into(),
            calendar: "solar".into(),
            month: 3,
            day: 8,
            audience: "all".into(),
            active: true,
        },
    )
    .unwrap();
    // Closed on 03-06 (妇女节 and 店庆 on 03-08); opened on 03-07.
    let ctx = day(&mut desk, "2027-03-07");
    let batches = desk.sms_batches(&ctx).unwrap();
    let sets: Vec<(Vec<String>, i64, bool)> =
        batches.iter().map(|b| (b.reasons.iter().map(|r| r.detail.clone()).collect(), b.members, b.overdue)).collect();
    assert_eq!(
        sets,
        [
            (vec!["店庆（03-08）".to_string()], 1, true),
            (vec!["妇女节（03-08）".to_string(), "店庆（03-08）".to_string()], 1, true),
        ]
    );
    let csv = sms_export(&mut desk, &ctx);
    assert_eq!(csv.lines().count(), 3, "the overdue day's texts go out with today's export: {csv}");
    assert!(desk.sms_batches(&ctx).unwrap().is_empty());
    // The day's list still shows who was greeted.
    assert_eq!(list(&desk, &ctx, "2027-03-06").len(), 2);
}

#[test]
fn a_sale_entered_for_an_earlier_day_becomes_the_first() {
    let (mut desk, ctx) = store_without_pack("2026-06-01");
    member(&mut desk, &ctx, "张三", "13800000001", "F", "", false, false);
    member(&mut desk, &ctx, "李四", "13800000002", "M", "", false, false);
    let ctx = day(&mut desk, "2026-06-10");
    buy(&mut desk, &ctx, "13800000001", "50.00", "A1");
    buy(&mut desk, &ctx, "13800000002", "50.00", "B1");
    // Entered after B1, for an earlier day.
    let csv = "receipt_no,phone,time,amount\nH1,13800000002,2026-06-05 10:00,10.00\n";
    desk.import_purchases(&ctx, csv.as_bytes(), desk::import::ImportOptions::default()).unwrap();
    let ctx = day(&mut desk, "2026-06-13");
    let l = list(&desk, &ctx, "2026-06-13");
    let nos: Vec<&str> = l.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(nos, ["M000001"], "李四's first sale was the one of 06-05");
}

#[test]
fn members_who_said_no_get_no_follow_up_recall_points_or_tier_call() {
    let (mut desk, ctx) = store_without_pack("2026-06-01");
    member(&mut desk, &ctx, "张三", "13800000001", "F", "", false, false);
    member(&mut desk, &ctx, "李四", "13800000002", "M", "", false, false);
    let ctx = day(&mut desk, "2026-06-10");
    buy(&mut desk, &ctx, "13800000001", "9000.00", "A1");
    buy(&mut desk, &ctx, "13800000002", "9000.00", "B1");
    withdraw_consent(&mut desk, &ctx, "李四", "13800000002", "M", "");
    let nos = |desk: &Desk, ctx: &desk::Ctx, date: &str| -> Vec<String> {
        list(desk, ctx, date).into_iter().map(|e| e.0).collect()
    };
    let ctx = day(&mut desk, "2026-06-13");
    assert_eq!(nos(&desk, &ctx, "2026-06-13"), ["M000001"], "follow-up");
    let ctx = day(&mut desk, "2026-07-01");
    assert_eq!(nos(&desk, &ctx, "2026-07-01"), ["M000001"], "tier change");
    let ctx = day(&mut desk, "2026-09-08");
    assert_eq!(nos(&desk, &ctx, "2026-09-08"), ["M000001"], "recall");
    let ctx = day(&mut desk, "2027-05-11");
    assert_eq!(nos(&desk, &ctx, "2027-05-11"), ["M000001"], "points expiring");
}

#[test]
fn the_recall_text_says_the_stores_own_number_of_days() {
    let (mut desk, ctx) = store_on("2026-06-01");
    let mut s = desk.program_settings();
    s.lapsed_days = 60;
    desk.save_program_settings(&ctx, s).unwrap();
    member(&mut desk, &ctx, "张三", "13800000001", "F", "", false, false);
    let ctx = day(&mut desk, "2026-06-10");
    buy(&mut desk, &ctx, "13800000001", "50.00", "A1");
    let ctx = day(&mut desk, "2026-08-09");
    let recall = list(&desk, &ctx, "2026-08-09").into_iter().find(|e| e.0 == "M000001").unwrap();
    assert_eq!(recall.2, ["lapsed: 最后一次消费 2026-06-10，已 60 天未到店"]);
}

/// A busy birthday day: 1,005 members greeted at once each get their own birthday coupon
/// (the day's coupons are issued together, more than one statement of a thousand), with
/// codes of their own.
#[test]
fn a_busy_birthday_day_gives_each_member_one_coupon_of_their_own() {
    let (mut desk, ctx) = store_on("2026-11-01");
    for i in 0..1005 {
        member(&mut desk, &ctx, "张丽", &format!("1380000{i:04}"), "F", "1990-11-20", false, false);
    }
    let ctx = day(&mut desk, "2026-11-18");
    assert_eq!(list(&desk, &ctx, "2026-11-18").len(), 1005);
    let mut codes = std::collections::HashSet::new();
    for i in [0, 999, 1000, 1004] {
        let card = desk.member_card(&ctx, &format!("1380000{i:04}")).unwrap();
        let birthday: Vec<_> = card.coupons.iter().filter(|c| c.name.contains("生日")).collect();
        assert_eq!(birthday.len(), 1, "member {i}: {:?}", card.coupons);
        assert!(codes.insert(birthday[0].code.clone()), "a code of its own");
    }
    let issued: i64 =
        desk.conn().query_row("SELECT count(*) FROM coupons WHERE reason = '生日券'", (), |r| r.get(0)).unwrap();
    assert_eq!(issued, 1005);
}
