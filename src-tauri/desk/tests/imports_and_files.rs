//! Imports (interface.md "Files"), exports, backup and restore, and a damaged data file.

mod common;
use common::*;
use desk::import::{ImportOptions, ImportProgress, ImportStage};
use desk::{Desk, ErrorCode};

/// A name per number, written with the ten stems (names may not contain digits).
fn name_for(i: usize) -> String {
    let stems: Vec<char> = "甲乙丙丁戊己庚辛壬癸".chars().collect();
    let mut n = i;
    let mut s = String::from("会员");
    loop {
        s.push(stems[n % 10]);
        n /= 10;
        if n == 0 {
            break s;
        }
    }
}

fn members_csv(rows: usize, bad_line: Option<usize>) -> String {
    let mut s = String::from("name,phone,gender,birthday,opening_points\n");
    for i in 0..rows {
        let line = i + 2;
        if Some(line) == bad_line {
            s.push_str("坏行,12345,F,,0\n");
        } else {
            s.push_str(&format!("{},139{:08},F,1980-01-{:02},{}\n", name_for(i), i, 1 + i % 28, i % 7 * 10));
        }
    }
    s
}

#[test]
fn one_bad_row_among_a_thousand_writes_nothing_and_names_its_line() {
    let (mut desk, ctx) = store_on("2026-11-23");
    let csv = members_csv(1000, Some(502));
    let r = desk.import_members(&ctx, csv.as_bytes(), ImportOptions::default()).unwrap();
    assert!(r.refused(ImportOptions::default()));
    assert_eq!(r.written, 0);
    assert_eq!(r.errors.len(), 1);
    assert_eq!((r.errors[0].line, r.errors[0].column.as_str()), (502, "phone"));
    assert_eq!(count(&desk, "members"), 0);
    let skip = ImportOptions { skip_invalid: true, dry_run: false };
    let r = desk.import_members(&ctx, csv.as_bytes(), skip).unwrap();
    assert_eq!((r.written, r.skipped_invalid), (999, 1));
    assert_eq!(count(&desk, "members"), 999);
    assert_ledger_invariants(&desk);
    let again = desk.import_members(&ctx, csv.as_bytes(), skip).unwrap();
    assert_eq!((again.written, again.skipped_duplicates), (0, 999), "re-importing adds nobody twice");
}

/// The progress a bar shows: each stage's reports in order, from 0 to all its rows, each
/// report as far as or further than the one before.
fn stages(reports: &[ImportProgress]) -> Vec<(ImportStage, usize, usize)> {
    let mut out: Vec<(ImportStage, usize, usize)> = Vec::new();
    for p in reports {
        match out.last_mut() {
            Some((stage, first, last)) if *stage == p.stage => {
                assert!(p.done >= *last, "never backwards: {reports:?}");
                assert_eq!(*first, 0);
                *last = p.done;
            }
            _ => out.push((p.stage, p.done, p.done)),
        }
    }
    out
}

#[test]
fn an_import_reports_its_rows_checked_then_written_for_a_progress_bar() {
    let (mut desk, ctx) = store_on("2026-11-23");
    let csv = members_csv(1000, None);
    let mut seen = Vec::new();
    let r = desk.import_members_watched(&ctx, csv.as_bytes(), ImportOptions::default(), &mut |p| seen.push(p)).unwrap();
    assert_eq!(r.written, 1000);
    assert_eq!(stages(&seen), [(ImportStage::Checking, 0, 1000), (ImportStage::Writing, 0, 1000)]);
    assert!(seen.iter().all(|p| p.total == 1000));
    assert!((10..=410).contains(&seen.len()), "a few hundred reports at most, not one a row: {}", seen.len());
    // A refused file is checked, never written.
    let mut seen = Vec::new();
    let bad = members_csv(300, Some(100));
    let r = desk.import_members_watched(&ctx, bad.as_bytes(), ImportOptions::default(), &mut |p| seen.push(p)).unwrap();
    assert_eq!(r.written, 0);
    assert!(seen.iter().all(|p| p.stage == ImportStage::Checking), "{seen:?}");
    // Purchases and interactions report the same way.
    let mut seen = Vec::new();
    let purchases =
        "receipt_no,phone,time,amount\nP1,13900000001,2026-11-20 10:00,50\nP2,13900000002,2026-11-21 10:00,60\n";
    let r = desk
        .import_purchases_watched(&ctx, purchases.as_bytes(), ImportOptions::default(), &mut |p| seen.push(p))
        .unwrap();
    assert_eq!(r.written, 2);
    assert_eq!(stages(&seen), [(ImportStage::Checking, 0, 2), (ImportStage::Writing, 0, 2)]);
    let mut seen = Vec::new();
    let interactions = "phone,date,kind,note\n13900000001,2026-11-20,survey,\n";
    desk.import_interactions_watched(&ctx, interactions.as_bytes(), ImportOptions::default(), &mut |p| seen.push(p))
        .unwrap();
    assert_eq!(stages(&seen), [(ImportStage::Checking, 0, 1), (ImportStage::Writing, 0, 1)]);
}

#[test]
fn dry_run_checks_everything_and_writes_nothing() {
    let (mut desk, ctx) = store_on("2026-11-23");
    let r = desk
        .import_members(&ctx, members_csv(10, None).as_bytes(), ImportOptions { dry_run: true, skip_invalid: false })
        .unwrap();
    assert_eq!(r.written, 10);
    assert_eq!(count(&desk, "members"), 0);
}

#[test]
fn gbk_and_bom_files_read_as_chinese() {
    let (mut desk, ctx) = store_on("2026-11-23");
    let text = "name,phone,gender,notes\n张三,13800138000,女,喜欢绿茶\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let r = desk.import_members(&ctx, &gbk, ImportOptions::default()).unwrap();
    assert_eq!(r.written, 1, "{:?}", r.errors);
    let card = desk.member_card(&ctx, "13800138000").unwrap();
    assert_eq!((card.name.as_str(), card.gender.as_str(), card.notes.as_str()), ("张三", "F", "喜欢绿茶"));
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice("name,phone\n李四,13900139000\n".as_bytes());
    assert_eq!(desk.import_members(&ctx, &bom, ImportOptions::default()).unwrap().written, 1);
}

#[test]
fn unknown_columns_are_refused() {
    let (mut desk, ctx) = store_on("2026-11-23");
    let e = desk
        .import_members(&ctx, "name,phone,wechat\n张三,13800138000,x\n".as_bytes(), ImportOptions::default())
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ImportInvalid);
    assert!(e.message.contains("wechat"));
}

#[test]
fn purchases_before_the_opening_day_are_history_and_later_ones_earn() {
    let (mut desk, ctx) = store_on("2026-11-01");
    desk.import_members(&ctx, "name,phone,opening_points\n张三,13800138000,120\n".as_bytes(), ImportOptions::default())
        .unwrap();
    let ctx = day(&mut desk, "2026-11-23");
    let csv = "receipt_no,phone,time,amount,kind,refund_of\n\
               H1,13800138000,2026-05-01 10:00,300.00,sale,\n\
               H2,13800138000,2026-11-05,200.00,,\n\
               H3,13800138000,2026-11-06 09:30,50.00,refund,H2\n\
               H4,13800138000,2026-06-01,80.00,refund,H1\n";
    let r = desk.import_purchases(&ctx, csv.as_bytes(), ImportOptions::default()).unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.written, 4);
    let card = desk.member_card(&ctx, "13800138000").unwrap();
    assert_eq!(card.points_balance, 120 + 200 - 50, "H1 is history: no points, and its refund takes none");
    let h = desk.history(&ctx, "13800138000", 10).unwrap();
    assert!(h.iter().any(|r| r.receipt == "H1" && r.history));
    let again = desk.import_purchases(&ctx, csv.as_bytes(), ImportOptions::default()).unwrap();
    assert_eq!((again.written, again.skipped_duplicates), (0, 4));
    assert_ledger_invariants(&desk);
}

/// Each member's first sale (its receipt), first-sale day and last-sale day (what the card,
/// the recall list and the figures read), by phone; and the receipts' indexes and triggers.
fn sale_days_and_receipt_schema(
    desk: &Desk,
) -> (Vec<(String, Option<String>, Option<String>, Option<String>)>, Vec<String>) {
    let c = desk.conn();
    let mut stmt = c
        .prepare(
            "SELECT m.phone, f.receipt_no, m.first_sale_date, m.last_sale_date
             FROM members m LEFT JOIN receipts f ON f.id = m.first_sale_id ORDER BY m.phone",
        )
        .unwrap();
    let days = stmt
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let schema = if on_postgres() {
        vec![]
    } else {
        let mut stmt =
            c.prepare("SELECT type || ' ' || name FROM sqlite_master WHERE tbl_name = 'receipts' ORDER BY 1").unwrap();
        stmt.query_map((), |r| r.get(0)).unwrap().collect::<Result<Vec<_>, _>>().unwrap()
    };
    (days, schema)
}

/// Purchase history for members `from..to`: three sales each on days of their own, out of
/// order, and a refund of the last, all before the opening day.
fn history_csv(from: usize, to: usize) -> String {
    let mut s = String::from("receipt_no,phone,time,amount,kind,refund_of\n");
    for i in from..to {
        for (k, day) in [(0, 20 - i % 9), (1, 3 + i % 5), (2, 12)] {
            s.push_str(&format!("P{i}-{k},139{i:08},2026-0{}-{day:02} 10:{k:02},{}.50,sale,\n", 5 + k, 40 + i));
        }
        s.push_str(&format!("P{i}-R,139{i:08},2026-08-01 09:00,10.00,refund,P{i}-2\n"));
    }
    s
}

type ImportFn = fn(&mut Desk, &desk::Ctx, &[u8], ImportOptions) -> desk::DeskResult<desk::import::ImportReport>;

/// Two stores, each `prepare`d, that import a small and a large file (`files[0]`, `[1]`) in
/// the two orders, then a dry run of `files[2]`; what `read` finds in each.
fn in_both_orders<T>(
    prepare: impl Fn(&mut Desk, &desk::Ctx),
    files: [String; 3],
    import: ImportFn,
    read: impl Fn(&Desk, &desk::Ctx) -> T,
) -> [T; 2] {
    [false, true].map(|small_first| {
        let (mut desk, ctx) = store_on("2026-11-23");
        prepare(&mut desk, &ctx);
        let order = if small_first { [0, 1] } else { [1, 0] };
        for f in order {
            let r = import(&mut desk, &ctx, files[f].as_bytes(), ImportOptions::default()).unwrap();
            assert!(r.errors.is_empty(), "{:?}", r.errors);
        }
        // A dry run of a large file sets nothing aside for good either.
        let dry = ImportOptions { dry_run: true, ..Default::default() };
        assert!(import(&mut desk, &ctx, files[2].as_bytes(), dry).unwrap().dry_run);
        assert_ledger_invariants(&desk);
        read(&desk, &ctx)
    })
}

/// A large file of history loads with the receipts' date indexes and the first/last-sale
/// trigger set aside (SQLite), a file smaller than what the store holds row by row: both
/// leave every member's first and last sale, and the receipts' indexes and triggers, as
/// the other would have. The same receipts, imported in the other order, compared.
#[test]
fn a_large_history_import_leaves_the_first_and_last_sales_a_row_by_row_import_leaves() {
    let stores = in_both_orders(
        |desk, ctx| {
            let r = desk.import_members(ctx, members_csv(30, None).as_bytes(), ImportOptions::default()).unwrap();
            assert_eq!(r.written, 30);
        },
        [history_csv(0, 10), history_csv(10, 30), history_csv(30, 60)],
        Desk::import_purchases,
        |desk, _| sale_days_and_receipt_schema(desk),
    );
    let (days, schema) = &stores[0];
    assert_eq!(days.len(), 30);
    // Member 3: sales on 05-17, 06-06 and 07-12; its refund is no sale.
    assert_eq!(
        days[3],
        ("13900000003".into(), Some("P3-0".into()), Some("2026-05-17".into()), Some("2026-07-12".into()))
    );
    assert!(days.iter().all(|d| d.1.is_some()), "every member has a first sale: {days:?}");
    assert_eq!(&stores[1], &stores[0], "(first and last sales, receipts' schema) after small-then-large");
    if !on_postgres() {
        assert!(schema.iter().any(|n| n == "trigger receipts_sale_visits"), "{schema:?}");
        assert!(schema.iter().filter(|n| n.starts_with("index ")).count() >= 5, "{schema:?}");
    }
}

/// Every third member (`i % 3 == 0`) moved up twice before the import: regular → core on
/// 06-05 and core → loyal on 07-01 (the runs as the tier runs record them).
fn tier_history(desk: &Desk, members: usize) {
    let c = desk.conn();
    for (month, day) in [("2026-06", "2026-06-05"), ("2026-07", "2026-07-01")] {
        c.execute(
            &format!(
                "INSERT INTO tier_runs (month, evaluation_day, evaluated, changed, duration_ms, settings,
                     distribution, created_at)
                 VALUES ('{month}', '{day}', {members}, 0, 1, '{{}}', '{{}}', '{day} 02:00:00')"
            ),
            (),
        )
        .unwrap();
    }
    for i in (0..members).step_by(3) {
        for (month, from, to) in [("2026-06", "regular", "core"), ("2026-07", "core", "loyal")] {
            c.execute(
                &format!(
                    "INSERT INTO tier_changes (run_id, member_id, from_tier, to_tier, score, consumption, interaction)
                     SELECT (SELECT id FROM tier_runs WHERE month = '{month}'), id, '{from}', '{to}', '0', '0', '0'
                     FROM members WHERE phone = '139{i:08}'"
                ),
                (),
            )
            .unwrap();
        }
        c.execute(&format!("UPDATE members SET tier = 'loyal' WHERE phone = '139{i:08}'"), ()).unwrap();
    }
}

/// Each receipt (number, multiplier, paid, refunded, points, history) and each month sum
/// (phone, month, visits, net, last visit).
type ReceiptsAndMonths = (Vec<(String, String, i64, i64, i64, bool)>, Vec<(String, String, i64, i64, Option<String>)>);

fn receipts_and_month_sums(desk: &Desk) -> ReceiptsAndMonths {
    let c = desk.conn();
    let receipts = c
        .prepare(
            "SELECT receipt_no, multiplier, paid_fen, refunded_fen, points, history FROM receipts ORDER BY receipt_no",
        )
        .unwrap()
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let months = c
        .prepare(
            "SELECT m.phone, s.month, s.visits, s.net_fen, s.last_visit FROM sales_months s
             JOIN members m ON m.id = s.member_id ORDER BY 1, 2",
        )
        .unwrap()
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    (receipts, months)
}

/// A large file of history writes its sales through the load (SQLite): their month sums
/// built once at the end and each sale's tier of its day read from the tier history in
/// memory. The receipts and the month sums come out as a row-by-row import leaves them:
/// the same receipts imported in the other order, compared, and member 3's figured out.
#[test]
fn a_large_history_import_keeps_the_month_sums_and_the_tier_of_the_day_a_row_by_row_import_keeps() {
    let stores = in_both_orders(
        |desk, ctx| {
            desk.import_members(ctx, members_csv(30, None).as_bytes(), ImportOptions::default()).unwrap();
            tier_history(desk, 30);
        },
        [history_csv(0, 10), history_csv(10, 30), history_csv(30, 60)],
        Desk::import_purchases,
        |desk, _| receipts_and_month_sums(desk),
    );
    assert_eq!(&stores[1], &stores[0], "(receipts, month sums) after small-then-large");
    let (receipts, months) = &stores[0];
    assert_eq!(receipts.len(), 120);
    let of = |no: &str| receipts.iter().find(|r| r.0 == no).cloned().unwrap();
    // Member 3 (moved up): 05-17 still regular (before any run: the first change's from),
    // 06-06 core (the run of 06-05), 07-12 loyal; member 4 (never moved) regular throughout.
    assert_eq!(of("P3-0"), ("P3-0".into(), "1".into(), 4350, 0, 0, true));
    assert_eq!(of("P3-1"), ("P3-1".into(), "1.2".into(), 4350, 0, 0, true));
    assert_eq!(of("P3-2"), ("P3-2".into(), "1.5".into(), 4350, 1000, 0, true));
    assert_eq!(of("P4-2").1, "1");
    // Member 12's June sale is on 06-05, the day of the run: core already; member 6's, on
    // 06-04, the day before: still regular.
    assert_eq!(of("P12-1").1, "1.2");
    assert_eq!(of("P6-1").1, "1");
    let phone3 = "13900000003".to_string();
    let month = |m: &str| months.iter().find(|r| r.0 == phone3 && r.1 == m).cloned().unwrap();
    assert_eq!(month("2026-05"), (phone3.clone(), "2026-05".into(), 1, 4350, Some("2026-05-17".into())));
    assert_eq!(month("2026-07"), (phone3.clone(), "2026-07".into(), 1, 3350, Some("2026-07-12".into())));
    assert_eq!(months.iter().filter(|r| r.0 == phone3).count(), 3);
}

/// Members `from..to`: a name and a phone of their own each.
fn members_range_csv(from: usize, to: usize) -> String {
    let mut s = String::from("name,phone,gender,birthday,opening_points\n");
    for i in from..to {
        s.push_str(&format!("{},139{i:08},F,1980-01-{:02},{}\n", name_for(i), 1 + i % 28, i % 7 * 10));
    }
    s
}

/// Each member's name pieces (by phone), the members' and the pieces' indexes, and what
/// a few lookups find (the names, sorted).
fn name_pieces_schema_and_finds(
    desk: &Desk,
    ctx: &desk::Ctx,
) -> (Vec<(String, String)>, Vec<String>, Vec<Vec<String>>) {
    let c = desk.conn();
    let mut stmt = c
        .prepare("SELECT m.phone, g.gram FROM members m JOIN member_name_grams g ON g.member_id = m.id ORDER BY 1, 2")
        .unwrap();
    let rows: Vec<(String, String)> =
        stmt.query_map((), |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<Vec<_>, _>>().unwrap();
    let mut pieces: Vec<(String, String)> = Vec::new();
    for (phone, gram) in rows {
        match pieces.last_mut() {
            Some((p, grams)) if *p == phone => {
                grams.push(' ');
                grams.push_str(&gram);
            }
            _ => pieces.push((phone, gram)),
        }
    }
    let schema = if on_postgres() {
        vec![]
    } else {
        let mut stmt = c
            .prepare(
                "SELECT 'main ' || type || ' ' || name FROM sqlite_master
                     WHERE tbl_name IN ('members', 'member_name_grams')
                 UNION ALL SELECT 'temp ' || type || ' ' || name FROM sqlite_temp_master
                 ORDER BY 1",
            )
            .unwrap();
        stmt.query_map((), |r| r.get(0)).unwrap().collect::<Result<Vec<_>, _>>().unwrap()
    };
    let finds = ["丙", "甲乙", "会员丁", "hyb", "huiyuanjia", "13900000017"]
        .iter()
        .map(|q| {
            let mut names: Vec<String> = desk.search(ctx, q, 100).unwrap().into_iter().map(|h| h.name).collect();
            names.sort();
            names
        })
        .collect();
    (pieces, schema, finds)
}

/// A members file of at least as many members as the store holds goes in with the
/// members' indexes set aside and the name pieces piled apart (SQLite), a smaller one row
/// by row: both leave the same name pieces, the same indexes, nothing of the pile, and
/// lookups that find the same members. The same members, imported in the other order.
#[test]
fn a_large_members_import_leaves_the_indexes_and_name_pieces_a_row_by_row_import_leaves() {
    let stores = in_both_orders(
        |_, _| {},
        [members_range_csv(0, 12), members_range_csv(12, 40), members_range_csv(40, 100)],
        Desk::import_members,
        name_pieces_schema_and_finds,
    );
    let (pieces, schema, finds) = &stores[0];
    assert_eq!(pieces.len(), 40);
    // 会员乙 (member 1): its six pieces of one to four characters, lower-cased.
    assert_eq!(pieces[1], ("13900000001".into(), "乙 会 会员 会员乙 员 员乙".into()));
    // Members 3, 13, 23 and 33 (the names spell the number's digits, the last first).
    assert_eq!(finds[2], ["会员丁", "会员丁丁", "会员丁丙", "会员丁乙"], "{finds:?}");
    assert_eq!(finds[5], ["会员辛乙"], "{finds:?}");
    assert_eq!(&stores[1], &stores[0], "(name pieces, schema, lookups) after small-then-large");
    if !on_postgres() {
        assert!(schema.iter().filter(|n| n.starts_with("main index members_")).count() >= 11, "{schema:?}");
        assert!(schema.contains(&"main index member_name_grams_member".to_string()), "{schema:?}");
        assert!(!schema.iter().any(|n| n.starts_with("temp ")), "{schema:?}");
    }
}

/// Each member's (member number, referral code, card code), in member number order.
fn member_keys(desk: &Desk) -> Vec<(String, String, String)> {
    let c = desk.conn();
    let mut stmt = c.prepare("SELECT member_no, referral_code, card_code FROM members ORDER BY member_no").unwrap();
    stmt.query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().collect::<Result<Vec<_>, _>>().unwrap()
}

/// A large members file makes its members' numbers, referral codes and card codes in memory
/// (store::members::MemberLoad::for_import: on SQLite when the file outnumbers the store, on
/// PostgreSQL from PG_LOAD_FROM members; a small file on PostgreSQL goes row by row): either
/// way they follow on from the store's, never repeat one the store holds, and the front
/// desk's next enrolment takes the next number; a dry run and a refused file take none.
#[test]
fn a_large_members_import_numbers_and_codes_its_members_as_enrolment_would() {
    for rows in [40, store::members::PG_LOAD_FROM] {
        numbers_and_codes_of_an_import(rows);
    }
}

fn numbers_and_codes_of_an_import(rows: usize) {
    let (mut desk, ctx) = store_on("2026-11-23");
    let first = enroll(&mut desk, &ctx, "张一", "13800000001", "F");
    assert_eq!(first.member_no, "M000001");
    // The first member's referral code is the one the file's first member (sequence 2)
    // would have been given: that member must get the next salt's.
    let clash = loyalty::member::referral_code(2, 0);
    desk.conn().execute("UPDATE members SET referral_code = ?1 WHERE member_no = 'M000001'", [&clash]).unwrap();
    let dry = ImportOptions { dry_run: true, ..Default::default() };
    assert!(desk.import_members(&ctx, members_csv(rows, None).as_bytes(), dry).unwrap().dry_run);
    let refused = desk.import_members(&ctx, members_csv(rows, Some(30)).as_bytes(), ImportOptions::default()).unwrap();
    assert_eq!(refused.written, 0);
    let r = desk.import_members(&ctx, members_csv(rows, None).as_bytes(), ImportOptions::default()).unwrap();
    assert_eq!(r.written, rows);
    let next = enroll(&mut desk, &ctx, "张二", "13800000002", "F");
    assert_eq!(next.member_no, loyalty::member::member_no(rows as i64 + 2), "the sequence goes on after the file's");

    let keys = member_keys(&desk);
    assert_eq!(keys.len(), rows + 2);
    let numbers: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
    let expected: Vec<String> = (1..=rows as i64 + 2).map(loyalty::member::member_no).collect();
    assert_eq!(numbers, expected);
    assert_eq!(keys[1].1, loyalty::member::referral_code(2, 1), "the salted code where the store held the first");
    for (i, (no, referral, card)) in keys.iter().enumerate().skip(2).take(rows - 1) {
        assert_eq!(referral, &loyalty::member::referral_code(i as i64 + 1, 0), "{no}");
        assert!(loyalty::stored_value::is_card_code(card), "{no}: {card}");
    }
    let distinct = |f: fn(&(String, String, String)) -> &String| {
        keys.iter().map(f).collect::<std::collections::HashSet<_>>().len()
    };
    assert_eq!(distinct(|k| &k.1), rows + 2);
    assert_eq!(distinct(|k| &k.2), rows + 2);
    // A scanned card of the file finds its member.
    let hits = desk.search(&ctx, &keys[20].2, 5).unwrap();
    assert_eq!(hits.iter().map(|h| h.member_no.as_str()).collect::<Vec<_>>(), [keys[20].0.as_str()]);
    assert_ledger_invariants(&desk);
}

/// A members file with opening points, opening stored value and referrers (each ninth member
/// names the one before as referrer, each eleventh brings 88.50 yuan).
fn members_with_balances_csv(rows: usize) -> String {
    let mut s = String::from("name,phone,gender,birthday,opening_points,opening_stored_value,referred_by_phone\n");
    for i in 0..rows {
        let referrer = if i % 9 == 5 { format!("139{:08}", i - 1) } else { String::new() };
        let stored = if i % 11 == 3 { "88.50" } else { "" };
        s.push_str(&format!(
            "{},139{i:08},{},1980-01-{:02},{},{stored},{referrer}\n",
            name_for(i),
            if i % 2 == 0 { "F" } else { "M" },
            1 + i % 28,
            i % 7 * 10
        ));
    }
    s
}

/// What a members import leaves, member by member (by phone), without the card codes (drawn
/// at random): the member, the referrer, the name pieces, the lots, the points entries and the
/// stored-value entries; then the month sums of points.
fn members_as_imported(desk: &Desk) -> Vec<String> {
    let c = desk.conn();
    let rows = |n: usize, sql: &str| -> Vec<String> {
        let mut stmt = c.prepare(sql).unwrap();
        stmt.query_map((), |r| {
            Ok((0..n)
                .map(|i| r.get::<_, Option<String>>(i).map(|v| v.unwrap_or_else(|| "NULL".into())))
                .collect::<Result<Vec<_>, _>>()?
                .join("|"))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    };
    let mut all = rows(
        9,
        "SELECT m.phone, m.member_no, m.name, m.gender, CAST(m.points_balance AS TEXT), CAST(m.sv_principal_fen AS TEXT),
                r.phone, m.name_pinyin,
                (SELECT string_agg(g.gram, ' ' ORDER BY g.gram) FROM member_name_grams g WHERE g.member_id = m.id)
         FROM members m LEFT JOIN members r ON r.id = m.referred_by ORDER BY m.phone",
    );
    all.extend(rows(
        11,
        "SELECT m.phone, l.source, CAST(l.points AS TEXT), CAST(l.remaining AS TEXT), l.earned_on, l.valid_until,
                CAST(e.points AS TEXT), CAST(e.balance_after AS TEXT), e.kind, e.reason, e.on_date
         FROM points_lots l JOIN members m ON m.id = l.member_id JOIN points_ledger e ON e.lot_id = l.id
         ORDER BY m.phone",
    ));
    all.extend(rows(
        5,
        "SELECT m.phone, s.kind, CAST(s.principal_fen AS TEXT), CAST(s.principal_after AS TEXT), s.reason
         FROM sv_ledger s JOIN members m ON m.id = s.member_id ORDER BY m.phone",
    ));
    all.extend(rows(
        3,
        "SELECT month, kind, CAST(sum(points) AS TEXT) FROM points_months GROUP BY month, kind ORDER BY month, kind",
    ));
    all
}

/// The indexes, constraints (foreign keys included) and triggers of `tables`, each with its
/// definition (and on PostgreSQL whether the trigger is on), sorted.
fn catalog_of(desk: &Desk, tables: &[&str]) -> Vec<String> {
    let names = tables.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", ");
    let sql = if on_postgres() {
        format!(
            "SELECT 'index ' || tablename || ' ' || replace(indexdef, current_schema() || '.', '') FROM pg_indexes
                 WHERE schemaname = current_schema() AND tablename IN ({names})
             UNION ALL
             SELECT 'constraint ' || c.relname || ' ' || k.conname || ' '
                    || replace(pg_get_constraintdef(k.oid), current_schema() || '.', '')
                 FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
                 WHERE c.relnamespace = current_schema()::regnamespace AND c.relname IN ({names})
             UNION ALL
             SELECT 'trigger ' || c.relname || ' ' || t.tgname || ' ' || CAST(t.tgenabled AS text)
                 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                 WHERE c.relnamespace = current_schema()::regnamespace AND c.relname IN ({names})
                   AND NOT t.tgisinternal
             ORDER BY 1"
        )
    } else {
        format!(
            "SELECT type || ' ' || tbl_name || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master
                 WHERE tbl_name IN ({names})
             ORDER BY 1"
        )
    };
    let c = desk.conn();
    let mut stmt = c.prepare(&sql).unwrap();
    stmt.query_map((), |r| r.get(0)).unwrap().collect::<Result<Vec<String>, _>>().unwrap()
}

/// The tables a members load writes.
const MEMBER_LOAD_TABLES: [&str; 4] = ["members", "member_name_grams", "points_lots", "points_ledger"];

/// A file large enough to be a bulk load (on PostgreSQL its members, lots and entries go
/// with COPY a block at a time, its pieces in their key's order at the end), into an empty
/// store (on PostgreSQL: the indexes and foreign keys set aside and built again), leaves
/// exactly what the same members imported forty at a time, row by row, leave: numbers,
/// balances, lots, entries, stored value, referrers, pieces, indexes and keys.
#[test]
fn a_bulk_members_import_leaves_what_the_same_rows_imported_row_by_row_leave() {
    let rows = store::members::PG_LOAD_FROM + 7;
    let csv = members_with_balances_csv(rows);
    let (mut bulk, ctx) = store_on("2026-11-23");
    let r = bulk.import_members(&ctx, csv.as_bytes(), ImportOptions::default()).unwrap();
    assert_eq!((r.written, r.errors.len()), (rows, 0), "{:?}", r.errors.first());
    let (mut by_row, ctx2) = store_on("2026-11-23");
    let lines: Vec<&str> = csv.lines().collect();
    // The first forty go in as a load of their own (the store is empty): then each forty
    // are fewer than the store holds (SQLite) and fewer than PG_LOAD_FROM (PostgreSQL).
    for chunk in lines[1..].chunks(40) {
        let part = format!("{}\n{}\n", lines[0], chunk.join("\n"));
        let r = by_row.import_members(&ctx2, part.as_bytes(), ImportOptions::default()).unwrap();
        assert_eq!(r.written, chunk.len(), "{:?}", r.errors.first());
    }
    let (left, right) = (members_as_imported(&bulk), members_as_imported(&by_row));
    assert_eq!(left.len(), right.len());
    for (a, b) in left.iter().zip(&right) {
        assert_eq!(a, b);
    }
    assert!(left.iter().any(|l| l.contains("|8850|8850|")), "stored value came in");
    let referred = left.iter().filter(|l| l.split('|').count() == 9 && l.split('|').nth(6) != Some("NULL")).count();
    assert_eq!(referred, (0..rows).filter(|i| i % 9 == 5).count(), "each referrer found");
    assert_ledger_invariants(&bulk);
    let catalog = catalog_of(&bulk, &MEMBER_LOAD_TABLES);
    assert_eq!(catalog, catalog_of(&by_row, &MEMBER_LOAD_TABLES), "the same indexes and keys");
    let keys = catalog.iter().filter(|l| l.contains("FOREIGN KEY") || l.contains("REFERENCES")).count();
    assert!(keys >= 4, "the members' referrer, the pieces', lots' and entries' members: {catalog:#?}");
    for index in [
        "members_phone_last4",
        "members_birthday",
        "member_name_grams_member",
        "points_lots_open",
        "points_ledger_member",
    ] {
        assert!(catalog.iter().any(|l| l.contains(&format!(" {index} "))), "{index} is back: {catalog:#?}");
    }
    // The front desk enrols the next member on both alike.
    let a = enroll(&mut bulk, &ctx, "张二", "13800000002", "F");
    let b = enroll(&mut by_row, &ctx2, "张二", "13800000002", "F");
    assert_eq!(a.member_no, b.member_no);
}

/// A file of history of at least `PG_LOAD_FROM` receipts into a store without receipts is a
/// load (on PostgreSQL: sent with COPY, the receipts' indexes, keys and trigger set aside);
/// its refunds find their sales in it. It leaves the receipts, month sums, first and last
/// sales, indexes, keys and triggers that the same rows imported forty members at a time,
/// row by row, leave.
#[test]
fn a_bulk_history_import_leaves_what_the_same_rows_imported_row_by_row_leave() {
    let members = store::members::PG_LOAD_FROM / 4 + 3;
    let history = history_csv(0, members);
    let (mut bulk, ctx) = store_on("2026-11-23");
    let (mut by_row, ctx2) = store_on("2026-11-23");
    for (desk, ctx) in [(&mut bulk, &ctx), (&mut by_row, &ctx2)] {
        let r = desk.import_members(ctx, members_csv(members, None).as_bytes(), ImportOptions::default()).unwrap();
        assert_eq!(r.written, members);
    }
    let r = bulk.import_purchases(&ctx, history.as_bytes(), ImportOptions::default()).unwrap();
    assert_eq!((r.written, r.errors.len()), (members * 4, 0), "{:?}", r.errors.first());
    let lines: Vec<&str> = history.lines().collect();
    for chunk in lines[1..].chunks(160) {
        let part = format!("{}\n{}\n", lines[0], chunk.join("\n"));
        let r = by_row.import_purchases(&ctx2, part.as_bytes(), ImportOptions::default()).unwrap();
        assert_eq!(r.written, chunk.len(), "{:?}", r.errors.first());
    }
    assert_eq!(receipts_and_month_sums(&bulk), receipts_and_month_sums(&by_row));
    assert_eq!(sale_days_and_receipt_schema(&bulk).0, sale_days_and_receipt_schema(&by_row).0);
    let (receipts, _) = receipts_and_month_sums(&bulk);
    assert_eq!(receipts.len(), members * 4);
    assert_eq!(receipts.iter().filter(|r| r.3 == 1000).count(), members, "each refund found its sale");
    let tables = ["receipts", "members"];
    let catalog = catalog_of(&bulk, &tables);
    assert_eq!(catalog, catalog_of(&by_row, &tables), "the same indexes, keys and triggers");
    assert!(catalog.iter().any(|l| l.contains("receipts_sale_visits")), "{catalog:#?}");
    // The same file again: every receipt is recorded already, and nothing is written twice.
    let again = bulk.import_purchases(&ctx, history.as_bytes(), ImportOptions::default()).unwrap();
    assert_eq!((again.written, again.skipped_duplicates), (0, members * 4));
    // A checkout after the load is the everyday path again: its month sum and last sale.
    buy(&mut bulk, &ctx, "13900000001", "88.00", "AFTER-1");
    let days = sale_days_and_receipt_schema(&bulk).0;
    assert_eq!(days[1].3.as_deref(), Some("2026-11-23"), "{:?}", days[1]);
}

#[test]
fn bad_purchase_rows_are_each_reported() {
    let (mut desk, ctx) = store_on("2026-11-23");
    desk.import_members(&ctx, "name,phone\n张三,13800138000\n".as_bytes(), ImportOptions::default()).unwrap();
    let csv = "receipt_no,phone,time,amount,kind,refund_of\n\
               P1,13800138000,2026-11-01,abc,sale,\n\
               P2,13911112222,2026-11-01,10.00,sale,\n\
               P3,13800138000,2026-12-01,10.00,sale,\n\
               P4,13800138000,2026-11-01,10.00,refund,NOPE\n\
               P5,13800138000,2026-11-01,10.00,sale,\n\
               P6,13800138000,2026-11-02,10.01,refund,P5\n";
    let r = desk.import_purchases(&ctx, csv.as_bytes(), ImportOptions::default()).unwrap();
    let lines: Vec<(u64, &str)> = r.errors.iter().map(|e| (e.line, e.column.as_str())).collect();
    assert_eq!(lines, [(2, "amount"), (3, "phone"), (4, "time"), (5, "refund_of"), (7, "amount")]);
    assert_eq!(count(&desk, "receipts"), 0);
}

#[test]
fn exports_are_utf8_with_bom_for_excel() {
    let (mut desk, ctx) = store_on("2026-11-23");
    enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    buy(&mut desk, &ctx, "13800138000", "88.00", "R1");
    let m = desk.export_members_csv(&ctx).unwrap();
    assert!(m.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(m[3..].to_vec()).unwrap();
    assert!(text.contains("M000001,张三,13800138000,F"), "{text}");
    let l = String::from_utf8(desk.export_ledger_csv(&ctx).unwrap()[3..].to_vec()).unwrap();
    assert!(l.lines().any(|line| line.contains(",earn,88,138,R1,")), "after the 50 welcome points: {l}");
}

#[test]
fn backup_and_restore_round_trip_keeping_the_current_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let mut desk = Desk::open(&db).unwrap();
    let ctx = day(&mut desk, "2026-11-23");
    enroll(&mut desk, &ctx, "张三", "13800138000", "F");
    let b = desk.backup(&ctx, Some(&dir.path().join("b1.db"))).unwrap();
    enroll(&mut desk, &ctx, "李四", "13900139000", "M");
    let r = desk.restore(&ctx, std::path::Path::new(&b.file)).unwrap();
    assert_eq!(r.members, 1);
    assert!(std::path::Path::new(r.previous_data_kept_at.as_ref().unwrap()).exists());
    assert!(desk.member_card(&ctx, "13900139000").is_err());
    drop(desk);
    let desk = Desk::open(&db).unwrap();
    assert_eq!(desk.status().unwrap().members, 1, "the restore is in the file");
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, b"not a database at all").unwrap();
    let mut desk = desk;
    let e = desk.restore(&ctx, &garbage).unwrap_err();
    assert_eq!(e.code, ErrorCode::DataFileDamaged);
    assert_eq!(desk.status().unwrap().members, 1, "a bad backup changes nothing");
}

#[test]
fn a_damaged_data_file_is_reported_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    {
        let mut desk = Desk::open(&db).unwrap();
        let ctx = day(&mut desk, "2026-11-23");
        for i in 0..300 {
            enroll(&mut desk, &ctx, "张三", &format!("138{:08}", i), "F");
        }
        desk.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    }
    // Scribble over pages in the middle of the file.
    let mut bytes = std::fs::read(&db).unwrap();
    let len = bytes.len();
    for b in &mut bytes[len / 3..len / 3 + 8192] {
        *b = 0x5A;
    }
    std::fs::write(&db, &bytes).unwrap();
    // Opening checks the structure in milliseconds; the full check finds scribbled pages.
    let e = Desk::open(&db).and_then(|d| d.check_integrity()).err().expect("the damage is found");
    assert_eq!(e.code, ErrorCode::DataFileDamaged, "{}", e.message);
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "never re-created");
}

/// The demo on a data file is written through a rollback journal when it has the file to
/// itself, and through the WAL beside another counter's connection (which keeps the file in
/// WAL): either way the same store comes out, whole, and the file is in WAL again after.
#[test]
fn the_demo_on_a_data_file_comes_out_the_same_alone_or_beside_another_connection_and_back_in_wal() {
    if on_postgres() {
        return;
    }
    let built = [false, true].map(|beside_another| {
        let (location, _dir) = fresh_location();
        let mut desk = Desk::open_location(&location).unwrap();
        let other = beside_another.then(|| Desk::open_location(&location).unwrap());
        let ctx = day(&mut desk, "2026-11-23");
        let r = desk.fill_demo(&ctx, 40, 12, 5).unwrap();
        let mode: String = desk.conn().query_row("PRAGMA journal_mode", (), |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal", "beside another connection: {beside_another}");
        if let store::Location::File(file) = &location {
            assert!(!file.with_extension("db-journal").exists());
        }
        assert_ledger_invariants(&desk);
        // Built with the foreign keys not looked up (Store::write_fresh): none dangles, and
        // they are looked up again after.
        let dangling: i64 =
            desk.conn().query_row("SELECT count(*) FROM pragma_foreign_key_check", (), |r| r.get(0)).unwrap();
        assert_eq!(dangling, 0);
        let on: i64 = desk.conn().query_row("PRAGMA foreign_keys", (), |r| r.get(0)).unwrap();
        assert_eq!(on, 1);
        drop(other);
        let sums: (i64, i64, i64) = desk
            .conn()
            .query_row("SELECT count(*), sum(paid_fen), sum(refunded_fen) FROM receipts", (), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        (r.members, r.purchases, r.refunds, sums)
    });
    assert_eq!(built[0], built[1]);
    assert_eq!(built[0].0, 40);
}

#[test]
fn demo_fills_only_an_empty_store() {
    let (mut desk, ctx) = store_on("2026-11-23");
    let r = desk.fill_demo(&ctx, 50, 18, 7).unwrap();
    assert_eq!(r.members, 50);
    assert!(r.purchases >= 50);
    assert_ledger_invariants(&desk);
    // The history is written as a store records it, in time order (a day's sales together).
    let out_of_order: i64 = desk
        .conn()
        .query_row("SELECT count(*) FROM receipts a JOIN receipts b ON b.id = a.id + 1 WHERE b.at < a.at", (), |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(out_of_order, 0);
    let refunds_after_their_sale: i64 = desk
        .conn()
        .query_row("SELECT count(*) FROM receipts r JOIN receipts s ON s.id = r.refund_of WHERE s.id < r.id", (), |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(refunds_after_their_sale, r.refunds as i64);
    // The history went in with the receipts' indexes and the first/last-sale trigger set
    // aside: every member's first sale and last sale day are still those of their receipts,
    // and the store's indexes and trigger are all back.
    let wrong_first_or_last: i64 = desk
        .conn()
        .query_row(
            "SELECT count(*) FROM members m WHERE
                 m.first_sale_id IS DISTINCT FROM (SELECT r.id FROM receipts r WHERE r.member_id = m.id AND r.kind = 'sale'
                                         ORDER BY r.sale_date, r.at, r.id LIMIT 1)
              OR m.first_sale_date IS DISTINCT FROM (SELECT min(r.sale_date) FROM receipts r
                                           WHERE r.member_id = m.id AND r.kind = 'sale')
              OR m.last_sale_date IS DISTINCT FROM (SELECT max(r.sale_date) FROM receipts r
                                          WHERE r.member_id = m.id AND r.kind = 'sale')",
            (),
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(wrong_first_or_last, 0);
    let with_sales: i64 = desk
        .conn()
        .query_row("SELECT count(*) FROM members WHERE first_sale_id IS NOT NULL", (), |r| r.get(0))
        .unwrap();
    assert!(with_sales >= 45, "nearly every demo member has bought: {with_sales}");
    let indexes_and_triggers = |desk: &Desk| -> i64 {
        let sql = match desk.conn().engine() {
            store::Engine::Sqlite => {
                "SELECT count(*) FROM sqlite_master WHERE tbl_name = 'receipts' AND type IN ('index', 'trigger')"
            }
            store::Engine::Postgres => {
                "SELECT (SELECT count(*) FROM pg_indexes WHERE tablename = 'receipts')
                      + (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'receipts'::regclass AND NOT tgisinternal)"
            }
        };
        desk.conn().query_row(sql, (), |r| r.get(0)).unwrap()
    };
    let (empty, _ctx) = store_on("2026-11-23");
    assert_eq!(indexes_and_triggers(&desk), indexes_and_triggers(&empty), "as a store fresh from its migrations");
    // A member bought nothing yet: their first purchase after the demo is their first sale.
    enroll(&mut desk, &ctx, "新客", "13700001111", "F");
    buy(&mut desk, &ctx, "13700001111", "88", "AFTER-DEMO-1");
    let (first, last): (String, String) = desk
        .conn()
        .query_row(
            "SELECT CAST(first_sale_date AS TEXT), CAST(last_sale_date AS TEXT) FROM members WHERE phone = ?1",
            ["13700001111"],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((first.as_str(), last.as_str()), ("2026-11-23", "2026-11-23"), "the trigger is back");
    if desk.conn().engine() == store::Engine::Sqlite {
        // The bulk load kept its temporary storage in memory for its own transaction only.
        let temp_store: i64 = desk.conn().query_row("PRAGMA temp_store", (), |r| r.get(0)).unwrap();
        assert_eq!(temp_store, 0, "back to the default after the demo");
    }
    assert_eq!(desk.fill_demo(&ctx, 5, 3, 7).unwrap_err().code, ErrorCode::StoreNotEmpty);
}

#[test]
fn the_demo_stores_first_day_shows_something_on_every_screen() {
    // The store opens on 11-23 (its list, tier run and screening are made on an empty
    // store), then the demo fills it as a newcomer would from the first-start screen.
    let (mut desk, ctx) = store_on("2026-11-23");
    desk.fill_demo(&ctx, 300, 18, 20_261_123).unwrap();
    assert!(!desk.contact_list(&ctx, None).unwrap().entries.is_empty(), "today's contact list has entries");
    let review = desk.tier_review(&ctx, "2026-11").unwrap();
    let run = review.run.expect("the month's first tiers");
    assert_eq!(run.evaluated, 300);
    assert!(run.changed > 0, "the tier review shows changes");
    let screening = desk.screening(&ctx, None).unwrap();
    assert_eq!(screening.quarter, "2026Q4");
    assert!(screening.candidate_count > 0, "the screening lists candidates");
    let f = desk.figures(&ctx, None, None, None).unwrap();
    assert!(f.period.members.total > 0 && f.period.sales.visits > 0);
    assert!(f.period.nps.n > 0, "surveys with scores give an NPS");
    assert_ledger_invariants(&desk);
}

#[test]
fn interactions_import_history_counts_for_tiers_only_and_later_ones_earn() {
    let (mut desk, ctx) = store_on("2026-11-01");
    desk.import_members(&ctx, "name,phone\n张三,13800138000\n".as_bytes(), ImportOptions::default()).unwrap();
    let ctx = day(&mut desk, "2026-11-10");
    let bad = "phone,date,kind,note\n13800138000,2026-10-01,survey,\n13800138000,2026-11-12,event,\n13800138000,2026-11-05,dance,\n";
    let r = desk.import_interactions(&ctx, bad.as_bytes(), ImportOptions::default()).unwrap();
    let lines: Vec<(u64, &str)> = r.errors.iter().map(|e| (e.line, e.column.as_str())).collect();
    assert_eq!(lines, [(3, "date"), (4, "kind")]);
    assert_eq!(count(&desk, "interactions"), 0);
    let good = "phone,date,kind,note\n13800138000,2026-10-01,survey,旧系统\n13800138000,2026-11-05,feedback,好评\n";
    let r = desk.import_interactions(&ctx, good.as_bytes(), ImportOptions::default()).unwrap();
    assert_eq!(r.written, 2);
    // Before the opening day: tiers only; after it: 50 points for feedback.
    assert_eq!(desk.member_card(&ctx, "13800138000").unwrap().points_balance, 50);
    assert_eq!(desk.member_card(&ctx, "13800138000").unwrap().tier_view.interaction, "20.00");
}

/// A members workbook as Excel saves one: phones typed as numbers, birthdays as date cells.
fn members_workbook(rows: &[(&str, Option<f64>, &str, Option<(u16, u8, u8)>, f64)]) -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (c, h) in ["name", "phone", "gender", "birthday", "opening_points"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (i, (name, phone, gender, birthday, points)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, *name).unwrap();
        if let Some(p) = phone {
            sheet.write_number(r, 1, *p).unwrap();
        }
        sheet.write_string(r, 2, *gender).unwrap();
        if let Some((y, m, d)) = birthday {
            sheet.write_datetime_with_format(r, 3, ExcelDateTime::from_ymd(*y, *m, *d).unwrap(), &date).unwrap();
        }
        sheet.write_number(r, 4, *points).unwrap();
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn members_import_from_an_excel_workbook_with_the_same_checks_and_line_numbers() {
    let (mut desk, ctx) = store_on("2026-11-02");
    let bad = members_workbook(&[
        ("孙丽", Some(13800138000.0), "女", Some((1990, 3, 8)), 120.0),
        ("周强", Some(12345.0), "男", None, 0.0),
    ]);
    let r = desk.import_members(&ctx, &bad, ImportOptions::default()).unwrap();
    assert_eq!(r.written, 0, "a bad row refuses the whole file");
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert_eq!((r.errors[0].line, r.errors[0].column.as_str()), (3, "phone"), "row 3 of the sheet");

    let good = members_workbook(&[
        ("孙丽", Some(13800138000.0), "女", Some((1990, 3, 8)), 120.0),
        ("周强", Some(13900139000.0), "男", None, 0.0),
    ]);
    let r = desk.import_members(&ctx, &good, ImportOptions::default()).unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.written, 2);
    let card = desk.member_card(&ctx, "13800138000").unwrap();
    assert_eq!((card.name.as_str(), card.gender.as_str()), ("孙丽", "F"));
    assert_eq!(card.birthday.as_deref(), Some("1990-03-08"));
    assert_eq!(card.points_balance, 120);
    let junk = desk.import_members(&ctx, b"PK\x03\x04 not really a workbook", ImportOptions::default()).unwrap_err();
    assert_eq!(junk.code, desk::ErrorCode::FileUnreadable);
}
