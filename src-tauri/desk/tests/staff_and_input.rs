//! Staff sign-in, roles and the audit trail (rules §11), and bad input refused cleanly:
//! each numbered defect of issue 9 in the layer where its rule lives.

mod common;
use common::*;
use desk::checkout::RefundInput;
use desk::import::ImportOptions;
use desk::staff::{AuditQuery, SignInPurpose, StaffChange};
use desk::{Ctx, Desk, ErrorCode, Role};

fn at(s: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

/// A store with a manager 王店长 (PIN 2468), 前台小张 (1111) and 客服小李 (2222).
fn staffed() -> (Desk, Ctx) {
    let (mut desk, ctx) = store_on("2026-11-23");
    desk.set_up_first_manager(&ctx, "王店长", "2468").unwrap();
    desk.staff_add(&ctx, "前台小张", Role::FrontDesk, "1111", None).unwrap();
    desk.staff_add(&ctx, "客服小李", Role::CustomerService, "2222", None).unwrap();
    (desk, ctx)
}

fn as_staff(desk: &mut Desk, name: &str, pin: &str) -> Ctx {
    let who = desk.sign_in(name, pin, SignInPurpose::SignIn, d("2026-11-23"), at("2026-11-23 10:00")).unwrap();
    desk.staff_ctx(&who, d("2026-11-23"), at("2026-11-23 10:00"))
}

fn audit_actions(desk: &Desk, ctx: &Ctx, q: AuditQuery) -> Vec<String> {
    desk.audit_entries(ctx, &q).unwrap().into_iter().map(|e| e.action).collect()
}

#[test]
fn the_first_manager_is_set_up_once_and_pins_are_argon2id_hashes() {
    let (mut desk, ctx) = store_on("2026-11-23");
    assert!(!desk.sign_in_required().unwrap(), "a new store has no PIN yet");
    assert_eq!(desk.set_up_first_manager(&ctx, "王店长", "12").unwrap_err().code, ErrorCode::InvalidPin);
    let who = desk.set_up_first_manager(&ctx, "王店长", "2468").unwrap();
    assert_eq!(who.role, Role::Manager);
    assert!(desk.sign_in_required().unwrap());
    let hash: String =
        desk.conn().query_row("SELECT pin_hash FROM staff WHERE name = '王店长'", (), |r| r.get(0)).unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains("2468"), "{hash}");
    let again = desk.set_up_first_manager(&ctx, "李店长", "1357").unwrap_err();
    assert_eq!(again.code, ErrorCode::NotAllowed, "only while no account has a PIN");
    let roster: Vec<String> = desk.staff_roster().unwrap().into_iter().map(|s| s.name).collect();
    assert_eq!(roster, ["王店长"], "the built-in 命令行 never shows on the sign-in screen");
}

#[test]
fn five_wrong_pins_lock_the_account_for_five_minutes_and_every_attempt_is_audited() {
    let (mut desk, manager) = staffed();
    let day = d("2026-11-23");
    for (i, left) in [4, 3, 2, 1].into_iter().enumerate() {
        let e = desk
            .sign_in("前台小张", "9999", SignInPurpose::SignIn, day, at(&format!("2026-11-23 10:0{i}")))
            .unwrap_err();
        assert_eq!((e.code, e.message.clone()), (ErrorCode::WrongPin, format!("PIN 不正确，还可再试 {left} 次")));
    }
    let e = desk.sign_in("前台小张", "9999", SignInPurpose::SignIn, day, at("2026-11-23 10:04")).unwrap_err();
    assert_eq!(e.code, ErrorCode::StaffLocked);
    assert!(e.message.contains("10:09"), "{}", e.message);
    // Locked: even the right PIN is refused until 10:09.
    let e = desk.sign_in("前台小张", "1111", SignInPurpose::SignIn, day, at("2026-11-23 10:08")).unwrap_err();
    assert_eq!(e.code, ErrorCode::StaffLocked);
    let list = desk.staff_list(&manager).unwrap();
    assert_eq!(
        list.iter().find(|s| s.name == "前台小张").unwrap().locked_until.as_deref(),
        Some("2026-11-23 10:09:00")
    );
    assert!(desk.sign_in("前台小张", "1111", SignInPurpose::SignIn, day, at("2026-11-23 10:09")).is_ok());
    let actions = audit_actions(&desk, &manager, AuditQuery { staff: Some("前台小张".into()), ..Default::default() });
    assert_eq!(
        actions,
        [
            "staff.sign_in",
            "staff.sign_in_refused",
            "staff.locked",
            "staff.sign_in_failed",
            "staff.sign_in_failed",
            "staff.sign_in_failed",
            "staff.sign_in_failed",
            "staff.sign_in_failed"
        ]
    );
    // A deactivated account cannot sign in (and the refusal is audited too).
    desk.staff_set(&manager, "前台小张", &StaffChange { active: Some(false), ..Default::default() }).unwrap();
    let e = desk.sign_in("前台小张", "1111", SignInPurpose::SignIn, day, at("2026-11-23 11:00")).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotAllowed);
}

#[test]
fn the_last_active_manager_can_be_neither_deactivated_nor_demoted_and_nobody_is_deleted() {
    let (mut desk, manager) = staffed();
    let off = StaffChange { active: Some(false), ..Default::default() };
    let demote = StaffChange { role: Some(Role::FrontDesk), ..Default::default() };
    assert_eq!(desk.staff_set(&manager, "王店长", &off).unwrap_err().code, ErrorCode::LastManager);
    assert_eq!(desk.staff_set(&manager, "王店长", &demote).unwrap_err().code, ErrorCode::LastManager);
    desk.staff_add(&manager, "赵经理", Role::Manager, "5555", None).unwrap();
    desk.staff_set(&manager, "王店长", &demote).unwrap();
    assert_eq!(desk.staff_set(&manager, "赵经理", &off).unwrap_err().code, ErrorCode::LastManager);
    assert_eq!(desk.staff_list(&manager).unwrap().len(), 4, "accounts are never deleted");
    let renamed =
        desk.staff_set(&manager, "前台小张", &StaffChange { name: Some("前台小章".into()), ..Default::default() });
    assert_eq!(renamed.unwrap().name, "前台小章");
    let taken = desk.staff_add(&manager, "客服小李", Role::CustomerService, "1234", None).unwrap_err();
    assert_eq!(taken.code, ErrorCode::StaffNameTaken);
    let audit =
        desk.audit_entries(&manager, &AuditQuery { action: Some("staff.set".into()), ..Default::default() }).unwrap();
    assert_eq!(audit[0].before.as_deref(), Some("前台小张 前台 在用"));
    assert_eq!(audit[0].after.as_deref(), Some("前台小章 前台 在用"));
}

#[test]
fn the_front_desk_cannot_refund_adjust_or_export_and_nothing_is_written() {
    let (mut desk, manager) = staffed();
    enroll(&mut desk, &manager, "张三", "13812345678", "F");
    let front = as_staff(&mut desk, "前台小张", "1111");
    buy(&mut desk, &front, "13812345678", "100", "R1");
    let before = (count(&desk, "receipts"), count(&desk, "points_ledger"), count(&desk, "audit_log"));
    let refund = RefundInput { of: "R1".into(), receipt: "T1".into(), amount: "100".into(), at: None };
    let e = desk.refund(&front, &refund).unwrap_err();
    assert_eq!((e.code, e.message.as_str()), (ErrorCode::NotAllowed, "前台账号不能退货，请店长操作"));
    assert_eq!(desk.adjust(&front, "13812345678", 10, "补发").unwrap_err().code, ErrorCode::NotAllowed);
    assert_eq!(desk.export_members_csv(&front).unwrap_err().code, ErrorCode::NotAllowed);
    assert_eq!(desk.contact_queue(&front).unwrap_err().code, ErrorCode::NotAllowed);
    assert_eq!((count(&desk, "receipts"), count(&desk, "points_ledger"), count(&desk, "audit_log")), before);
    // Customer service works contacts and notes, never the till.
    let service = as_staff(&mut desk, "客服小李", "2222");
    let e = desk.checkout(&service, &Default::default()).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotAllowed);
    let card = desk.set_notes(&service, "13812345678", "喜欢绿茶").unwrap();
    assert_eq!(card.notes, "喜欢绿茶");
    let refund = desk.refund(&manager, &refund).unwrap();
    assert_eq!(refund.points_clawed_back, Some(100));
}

#[test]
fn non_managers_see_masked_phones_in_lists_and_exports_and_the_card_shows_the_full_number() {
    let (mut desk, manager) = staffed();
    enroll(&mut desk, &manager, "张三", "13812345678", "F");
    let front = as_staff(&mut desk, "前台小张", "1111");
    assert_eq!(desk.search(&front, "5678", 5).unwrap()[0].phone.as_deref(), Some("138****5678"));
    assert_eq!(desk.search(&manager, "5678", 5).unwrap()[0].phone.as_deref(), Some("13812345678"));
    assert_eq!(desk.member_card(&front, "13812345678").unwrap().phone.as_deref(), Some("13812345678"));
    let service = as_staff(&mut desk, "客服小李", "2222");
    let calls = String::from_utf8(desk.export_contacts_csv(&service, None, Some("call")).unwrap()).unwrap();
    assert!(!calls.contains("13812345678"));
    let dir = tempfile::tempdir().unwrap();
    let e = desk.export_sms(&service, None, &dir.path().join("sms.csv")).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotAllowed, "the SMS list carries full numbers: a manager's export");
}

#[test]
fn the_audit_log_names_who_did_what_and_filters_by_staff_action_member_and_dates() {
    let (mut desk, manager) = staffed();
    enroll(&mut desk, &manager, "张三", "13812345678", "F");
    enroll(&mut desk, &manager, "李四", "13900001111", "M");
    let front = as_staff(&mut desk, "前台小张", "1111");
    buy(&mut desk, &front, "13812345678", "100", "R1");
    buy(&mut desk, &front, "13900001111", "50", "R2");
    desk.adjust(&manager, "13812345678", 20, "活动补发").unwrap();
    let q = AuditQuery { member: Some("13812345678".into()), ..Default::default() };
    let rows = desk.audit_entries(&manager, &q).unwrap();
    let seen: Vec<(String, String)> =
        rows.iter().map(|r| (r.action.clone(), r.staff.clone().unwrap_or_default())).collect();
    assert_eq!(
        seen,
        [
            ("points.adjust".to_string(), "命令行".to_string()),
            ("checkout".into(), "前台小张".into()),
            ("member.enroll".into(), "命令行".into())
        ]
    );
    assert_eq!(rows[0].before.as_deref(), Some("150"), "adjustments keep before and after");
    let front_only =
        audit_actions(&desk, &manager, AuditQuery { staff: Some("前台小张".into()), ..Default::default() });
    assert_eq!(front_only, ["checkout", "checkout", "staff.sign_in"]);
    let none = AuditQuery { from: Some(d("2026-11-24")), ..Default::default() };
    assert!(desk.audit_entries(&manager, &none).unwrap().is_empty());
    assert_eq!(desk.audit_entries(&front, &AuditQuery::default()).unwrap_err().code, ErrorCode::NotAllowed);
    let csv = desk
        .export_audit(
            &manager,
            &AuditQuery { action: Some("points.".into()), ..Default::default() },
            desk::export::ExportFormat::Csv,
        )
        .unwrap();
    let text = String::from_utf8(csv).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("活动补发"));
    let adjust = audit_actions(&desk, &manager, AuditQuery { action: Some("adjust".into()), ..Default::default() });
    assert_eq!(adjust, ["points.adjust"], "the action filter matches a part of the action");
}

#[test]
fn exports_cannot_carry_formulas_into_excel() {
    let (mut desk, ctx) = store_on("2026-11-23");
    let card = enroll(&mut desk, &ctx, "张三", "13812345678", "F");
    desk.set_notes(&ctx, &card.member_no, "=HYPERLINK(\"http://example.invalid\",\"点这里\")").unwrap();
    let csv = String::from_utf8(desk.export_members_csv(&ctx).unwrap()).unwrap();
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://example.invalid\"\",\"\"点这里\"\")\""), "{csv}");
    for (cell, shown) in [
        ("+1+2", "'+1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("\tx", "'\tx"),
        ("-50", "-50"),
        ("12.5", "12.5"),
        ("张三", "张三"),
    ] {
        assert_eq!(desk::export::spreadsheet_text(cell), shown);
    }
}

#[test]
fn defect_1_a_refund_row_before_its_sale_at_the_same_time_is_applied_after_the_sale() {
    let (mut desk, ctx) = store_on("2026-11-23");
    enroll(&mut desk, &ctx, "张三", "13812345678", "F");
    let csv = "receipt_no,phone,time,amount,kind,refund_of\n\
               T1,13812345678,2026-11-20 10:00,30,refund,S1\n\
               S1,13812345678,2026-11-20 10:00,100,sale,\n";
    let r = desk.import_purchases(&ctx, csv.as_bytes(), ImportOptions::default()).unwrap();
    assert_eq!((r.written, r.errors.len()), (2, 0), "{:?}", r.errors);
    let net: i64 = desk
        .conn()
        .query_row("SELECT sum(CASE kind WHEN 'sale' THEN paid_fen ELSE -paid_fen END) FROM receipts", (), |r| r.get(0))
        .unwrap();
    assert_eq!(net, 7000);
}

#[test]
fn defect_2_restore_and_check_refuse_a_file_with_a_damaged_index() {
    let dir = tempfile::tempdir().unwrap();
    let damaged = dir.path().join("damaged.db");
    {
        let (mut desk, ctx) = store_on("2026-11-23");
        enroll(&mut desk, &ctx, "张三", "13812345678", "F");
        desk.backup(&ctx, Some(&damaged)).unwrap();
    }
    // The name index keeps an entry for a name that changed while it was hidden: every
    // page reads and the counts agree (quick_check passes), but the index no longer matches.
    {
        let c = rusqlite::Connection::open(&damaged).unwrap();
        let (sql, root): (String, i64) = c
            .query_row("SELECT sql, rootpage FROM sqlite_master WHERE name = 'members_name'", (), |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        c.execute_batch("PRAGMA writable_schema = ON; DELETE FROM sqlite_master WHERE name = 'members_name';").unwrap();
        drop(c);
        let c = rusqlite::Connection::open(&damaged).unwrap();
        c.execute_batch("UPDATE members SET name = '李四'").unwrap();
        c.execute("PRAGMA writable_schema = ON", ()).unwrap();
        c.execute(
            "INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES ('index', 'members_name', 'members', ?1, ?2)",
            rusqlite::params![root, sql],
        )
        .unwrap();
        drop(c);
        let c = rusqlite::Connection::open(&damaged).unwrap();
        let quick: String = c.query_row("PRAGMA quick_check", (), |r| r.get(0)).unwrap();
        assert_eq!(quick, "ok", "the damage a quick check does not see");
    }
    let (mut desk, ctx) = file_store(dir.path());
    let e = desk.restore(&ctx, &damaged).unwrap_err();
    assert_eq!(e.code, ErrorCode::DataFileDamaged, "{}", e.message);
    assert!(!dir.path().join("backups").exists(), "a refused restore leaves no stray copy behind");
    let check = Desk::open(&damaged).and_then(|d| d.check_integrity());
    assert_eq!(check.unwrap_err().code, ErrorCode::DataFileDamaged);
}

#[test]
fn defect_3_a_file_mixing_utf8_and_gbk_is_refused_with_the_first_line_that_is_not_utf8() {
    let (mut desk, ctx) = store_on("2026-11-23");
    let mut bytes = b"\xEF\xBB\xBFname,phone\n".to_vec();
    bytes.extend("张三,13812345678\n".as_bytes());
    let (gbk, _, _) = encoding_rs::GBK.encode("王五,13900001111\n");
    bytes.extend(gbk.iter());
    let e = desk.import_members(&ctx, &bytes, ImportOptions::default()).unwrap_err();
    assert_eq!(e.code, ErrorCode::FileUnreadable);
    assert!(e.message.contains("第 3 行"), "{}", e.message);
    // Without the BOM the same mix is refused too; a file all in GBK reads as Chinese.
    let e = desk.import_members(&ctx, &bytes[3..], ImportOptions::default()).unwrap_err();
    assert!(e.message.contains("第 3 行"), "{}", e.message);
    let (all_gbk, _, _) = encoding_rs::GBK.encode("name,phone\r\n王五,13900001111\r\n");
    let r = desk.import_members(&ctx, &all_gbk, ImportOptions::default()).unwrap();
    assert_eq!(r.written, 1);
    assert_eq!(desk.member_card(&ctx, "13900001111").unwrap().name, "王五");
    assert_eq!(count(&desk, "members"), 1, "nothing of the refused files was written");
}

#[test]
fn defect_7_a_backup_into_a_folder_that_is_a_file_is_a_file_error() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, ctx) = store_on("2026-11-23");
    std::fs::write(dir.path().join("plain"), "x").unwrap();
    let e = desk.backup(&ctx, Some(&dir.path().join("plain/backup.db"))).unwrap_err();
    assert_eq!(e.code, ErrorCode::FileUnreadable, "{}", e.message);
    assert!(e.is_refusal());
}

#[test]
fn defect_8_the_store_date_never_jumps_more_than_400_days_even_confirmed() {
    let (mut desk, _) = store_on("2026-11-23");
    let e = desk.bring_up_to(d("2027-12-29"), true, "2027-12-29 09:00:00").unwrap_err();
    assert_eq!(e.code, ErrorCode::StoreDateJumpTooFar);
    assert!(desk.bring_up_to(d("2027-12-28"), true, "2027-12-28 09:00:00").is_ok());
}

#[test]
fn defect_9_bad_rows_of_a_crlf_file_are_reported_on_the_files_own_lines() {
    let (mut desk, ctx) = store_on("2026-11-23");
    for newline in ["\n", "\r\n"] {
        let csv = ["name,phone", "张三,13812345678", "坏行,12345", "李四,13900001111", "\"多行\r\n备注\",123", ""]
            .join(newline);
        let r =
            desk.import_members(&ctx, csv.as_bytes(), ImportOptions { dry_run: true, skip_invalid: false }).unwrap();
        let lines: Vec<u64> = r.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 5], "line ends {newline:?}");
    }
}

#[test]
fn defect_10_settings_and_templates_refuse_numbers_that_would_overflow_naming_the_field() {
    let (mut desk, ctx) = store_on("2026-11-23");
    let mut s = desk.program_settings();
    s.lot_valid_months = 1_000_000;
    let e = desk.save_program_settings(&ctx, s).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("lot_valid_months"), "{}", e.message);
    let mut t = desk.coupon_templates(&ctx).unwrap().into_iter().find(|t| t.key == "new_member").unwrap();
    t.min_spend = "99999999999999".into();
    assert_eq!(desk.save_coupon_template(&ctx, &t).unwrap_err().code, ErrorCode::InvalidInput);
    let mut item = desk.catalog(&ctx).unwrap()[0].clone();
    item.stock = Some(i64::MAX);
    assert_eq!(desk.save_catalog_item(&ctx, &item).unwrap_err().code, ErrorCode::InvalidInput);
    assert_eq!(desk.settings_history(&ctx).unwrap().len(), 0, "nothing was saved");
}

/// A store in a data file (not in memory) opened on 2026-11-23.
fn file_store(dir: &std::path::Path) -> (Desk, Ctx) {
    let mut desk = Desk::open(&dir.join("shop.db")).unwrap();
    desk.bring_up_to(d("2026-11-23"), true, "2026-11-23 09:00:00").unwrap();
    let ctx = desk.manager_ctx(d("2026-11-23"), at("2026-11-23 09:00")).unwrap();
    (desk, ctx)
}

#[test]
fn a_failed_daily_backup_is_recorded_and_shows_in_the_status() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, ctx) = file_store(dir.path());
    std::fs::write(dir.path().join("backups"), "a file where the folder should be").unwrap();
    assert!(desk.daily_backup(&ctx).is_err());
    let status = desk.status().unwrap();
    let b = status.daily_backup.expect("the failure is kept");
    assert!(!b.ok && b.message.as_deref().unwrap_or("").contains("无法写入"), "{b:?}");
    std::fs::remove_file(dir.path().join("backups")).unwrap();
    desk.daily_backup(&ctx).unwrap();
    assert!(desk.status().unwrap().daily_backup.unwrap().ok);
}

#[test]
fn a_read_only_command_writes_nothing_on_open_so_lookups_answer_during_an_import() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    {
        let (mut desk, ctx) = file_store(dir.path());
        enroll(&mut desk, &ctx, "张三", "13812345678", "F");
    }
    // Another process holds the write lock (a long import).
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE; INSERT INTO store_meta (key, value) VALUES ('x', 'y');").unwrap();
    let mut desk = Desk::open(&db).unwrap();
    desk.bring_up_to(d("2026-11-23"), true, "2026-11-23 10:00:00").unwrap();
    let ctx = desk.manager_ctx(d("2026-11-23"), at("2026-11-23 10:00")).unwrap();
    assert_eq!(desk.member_card(&ctx, "13812345678").unwrap().name, "张三");
    let started = std::time::Instant::now();
    let e = desk
        .checkout(
            &ctx,
            &desk::checkout::CheckoutInput {
                member: "13812345678".into(),
                amount: "10".into(),
                receipt: "R1".into(),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::StoreBusy, "{}", e.message);
    assert!(e.is_refusal());
    assert!(started.elapsed() >= std::time::Duration::from_secs(4), "it waited for its bound first");
    holder.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn a_stored_tier_this_build_does_not_know_is_an_error_never_a_silent_regular() {
    let (mut desk, ctx) = store_on("2026-11-23");
    enroll(&mut desk, &ctx, "张三", "13812345678", "F");
    let damage = if on_postgres() {
        "ALTER TABLE members DROP CONSTRAINT members_tier_check; UPDATE members SET tier = 'gold';"
    } else {
        "PRAGMA ignore_check_constraints = ON; UPDATE members SET tier = 'gold'; PRAGMA ignore_check_constraints = OFF;"
    };
    desk.conn().execute_batch(damage).unwrap();
    let e = desk.member_card(&ctx, "13812345678").unwrap_err();
    assert_eq!(e.code, ErrorCode::DataFileDamaged);
    assert!(e.message.contains("gold"), "{}", e.message);
}

#[test]
fn defect_4_an_import_checks_its_rows_without_the_write_lock() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let (mut desk, ctx) = file_store(dir.path());
    // The till of another counter is in the middle of a write.
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE; INSERT INTO store_meta (key, value) VALUES ('x', 'y');").unwrap();
    let started = std::time::Instant::now();
    let bad = "name,phone\n张三,13812345678\n坏行,12345\n";
    let r = desk.import_members(&ctx, bad.as_bytes(), ImportOptions::default()).unwrap();
    assert_eq!((r.written, r.errors.len(), r.errors[0].line), (0, 1, 3), "refused with its line, at once");
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "no wait for the lock: {:?}", started.elapsed());
    holder.execute_batch("COMMIT").unwrap();
    // The store changed while nothing was written: a good file goes in (checked again if need be).
    let good = "name,phone\n张三,13812345678\n";
    assert_eq!(desk.import_members(&ctx, good.as_bytes(), ImportOptions::default()).unwrap().written, 1);
    assert_eq!(count(&desk, "members"), 1);
}

#[test]
fn an_import_whose_store_changed_while_it_checked_runs_again_under_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let (mut desk, ctx) = file_store(dir.path());
    // Another counter writes, and commits a new member a moment later: the import's first
    // write finds its reading out of date, so it is checked again under the lock.
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let other = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(800));
        holder.execute_batch("INSERT INTO store_meta (key, value) VALUES ('x', 'y'); COMMIT;").unwrap();
    });
    let good = "name,phone\n张三,13812345678\n李四,13900001111\n";
    let r = desk.import_members(&ctx, good.as_bytes(), ImportOptions::default()).unwrap();
    other.join().unwrap();
    assert_eq!(r.written, 2);
    assert_eq!(count(&desk, "members"), 2);
    assert_eq!(
        desk.audit_entries(&ctx, &AuditQuery { action: Some("import.members".into()), ..Default::default() })
            .unwrap()
            .len(),
        1,
        "written once"
    );
}
