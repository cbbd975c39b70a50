//! Several counters on one store at once (rules §15): each counter is a thread with its own
//! connection, as a PC is. On SQLite the write transactions queue for the file's lock; on
//! PostgreSQL they run side by side and conflicts are retried inside the operation. Either
//! way the result must be as if they ran one after the other: no points lost or doubled, no
//! lot overdrawn, no stock below zero, each receipt and each phone recorded once, each
//! month's tier run and each day's list made once.

mod common;

use common::*;
use desk::checkout::{CheckoutInput, RefundInput};
use desk::members::MemberInput;
use desk::{Desk, ErrorCode};
use std::sync::{Arc, Barrier};

/// A counter: its own connection to the shared store, at a branch and counter.
fn counter(location: &store::Location, branch: Option<&str>, name: &str) -> Desk {
    let mut desk = Desk::open_location(location).unwrap();
    desk.set_station(branch, name).unwrap();
    desk
}

/// `n` counters, each connected first, and the barrier they all start at.
fn counters_ready(location: &store::Location, n: usize) -> (Arc<Barrier>, Vec<Desk>) {
    let desks = (0..n).map(|c| counter(location, None, &format!("前台{c}"))).collect();
    (Arc::new(Barrier::new(n)), desks)
}

fn scalar(desk: &Desk, sql: &str) -> i64 {
    desk.conn().query_row(sql, (), |r| r.get(0)).unwrap()
}

#[test]
fn counters_checking_out_refunding_redeeming_and_enrolling_at_once_end_as_if_one_after_the_other() {
    let (location, _dir) = fresh_location();
    let mut first = counter(&location, None, "前台1");
    let ctx = day(&mut first, "2026-12-01");
    let phones = ["13800000001", "13800000002", "13800000003"];
    for (i, p) in phones.iter().enumerate() {
        enroll(&mut first, &ctx, &format!("会员{}", ["甲", "乙", "丙"][i]), p, "F");
    }
    const COUNTERS: usize = 6;
    const ROUNDS: usize = 25;
    let (barrier, desks) = counters_ready(&location, COUNTERS);
    let handles: Vec<_> = desks
        .into_iter()
        .enumerate()
        .map(|(c, mut desk)| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut refused = Vec::new();
                barrier.wait();
                for round in 0..ROUNDS {
                    let member = phones[(c + round) % phones.len()];
                    let receipt = format!("C{c}-{round}");
                    // The same receipt is also sent by the next counter: recorded once.
                    let shared = format!("S{}-{round}", c / 2);
                    for (no, who) in [(receipt.as_str(), member), (shared.as_str(), phones[round % phones.len()])] {
                        let input = CheckoutInput {
                            member: who.into(),
                            amount: "600".into(),
                            receipt: no.into(),
                            ..Default::default()
                        };
                        if let Err(e) = desk.checkout(&ctx, &input) {
                            refused.push(e);
                        }
                    }
                    if round % 3 == 0 {
                        let r = RefundInput {
                            of: receipt.clone(),
                            receipt: format!("R{c}-{round}"),
                            amount: "600".into(),
                            at: None,
                        };
                        if let Err(e) = desk.refund(&ctx, &r) {
                            refused.push(e);
                        }
                    }
                    if round % 4 == 1 {
                        // The gift (1,000 points, 10 in stock) races the refunds.
                        if let Err(e) = desk.redeem(&ctx, member, 3) {
                            refused.push(e);
                        }
                    }
                    if round % 5 == 2 {
                        // Two branches enrolling the same phone: one member.
                        let m = MemberInput {
                            name: "新会员".into(),
                            phone: format!("139000000{round:02}"),
                            gender: "M".into(),
                            ..Default::default()
                        };
                        if let Err(e) = desk.enroll(&ctx, &m) {
                            refused.push(e);
                        }
                    }
                }
                refused
            })
        })
        .collect();
    let mut refusals = Vec::new();
    for h in handles {
        refusals.extend(h.join().expect("no counter panics"));
    }
    for e in &refusals {
        assert!(
            matches!(e.code, ErrorCode::PhoneTaken | ErrorCode::PointsInsufficient | ErrorCode::OutOfStock),
            "only the rules refuse, never the collision: {e:?}"
        );
    }
    let check = counter(&location, None, "检查");
    assert_ledger_invariants(&check);
    // Each receipt once: 6 counters × 25 own receipts + the shared ones (3 pairs × 25).
    assert_eq!(
        scalar(&check, "SELECT count(*) FROM receipts WHERE kind = 'sale'"),
        (COUNTERS * ROUNDS + 3 * ROUNDS) as i64
    );
    assert_eq!(
        scalar(&check, "SELECT count(DISTINCT receipt_no) FROM receipts"),
        scalar(&check, "SELECT count(*) FROM receipts")
    );
    // Every refund of a whole receipt was recorded once and clawed its points back.
    assert_eq!(
        scalar(&check, "SELECT count(*) FROM receipts WHERE kind = 'refund'"),
        (COUNTERS * ROUNDS.div_ceil(3)) as i64
    );
    // Stock never below zero; redemptions + stock = the 10 there were.
    let stock = scalar(&check, "SELECT stock FROM catalog_items WHERE id = 3");
    let redeemed = scalar(&check, "SELECT count(*) FROM redemptions WHERE item_id = 3");
    assert!(stock >= 0);
    assert_eq!(stock + redeemed, 10);
    // Each new phone enrolled once.
    let new_phones = scalar(&check, "SELECT count(*) FROM members WHERE phone LIKE '139%'");
    assert_eq!(new_phones, (0..ROUNDS).filter(|r| r % 5 == 2).count() as i64);
    assert_eq!(
        refusals.iter().filter(|e| e.code == ErrorCode::PhoneTaken).count() as i64,
        COUNTERS as i64 * new_phones - new_phones
    );
    // The points the members hold are exactly those the ledger says were earned and spent.
    let held = scalar(&check, "SELECT CAST(sum(points_balance) AS BIGINT) FROM members");
    let ledger = scalar(&check, "SELECT CAST(sum(points) AS BIGINT) FROM points_ledger");
    assert_eq!(held, ledger);
}

#[test]
fn five_counters_starting_the_1st_at_nine_make_the_months_run_and_the_days_list_once() {
    let (location, _dir) = fresh_location();
    let mut first = counter(&location, None, "前台1");
    let ctx = day(&mut first, "2026-10-20");
    enroll(&mut first, &ctx, "张三", "13812345678", "F");
    buy(&mut first, &ctx, "13812345678", "3000", "A1");
    drop(first);
    let barrier = Arc::new(Barrier::new(5));
    let desks: Vec<Desk> = (0..5).map(|c| counter(&location, None, &format!("前台{c}"))).collect();
    let reports: Vec<_> = desks
        .into_iter()
        .map(|mut desk| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                desk.bring_up_to(d("2026-11-01"), true, "2026-11-01 09:00:00").unwrap()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    assert_eq!(reports.iter().filter(|r| r.days_advanced > 0).count(), 1, "one counter made the day: {reports:?}");
    assert_eq!(reports.iter().map(|r| r.tier_runs.len()).sum::<usize>(), 1);
    let check = counter(&location, None, "检查");
    assert_eq!(scalar(&check, "SELECT count(*) FROM tier_runs WHERE month = '2026-11'"), 1);
    assert_eq!(scalar(&check, "SELECT count(*) FROM contact_days WHERE list_date = '2026-11-01'"), 1);
    assert_eq!(scalar(&check, "SELECT count(*) FROM contact_days"), 13, "each day from 10-20 to 11-01 once");
    assert_ledger_invariants(&check);
}

#[test]
fn receipt_numbers_are_unique_per_branch_and_members_are_chain_wide() {
    let (location, _dir) = fresh_location();
    let mut hq = counter(&location, None, "前台1");
    let ctx = day(&mut hq, "2026-12-01");
    let added = hq.branch_add(&ctx, "sh01", "上海南京路店").unwrap();
    assert_eq!((added.code.as_str(), added.name.as_str()), ("sh01", "上海南京路店"));
    assert_eq!(hq.branch_add(&ctx, "sh01", "又一家").unwrap_err().code, ErrorCode::BranchCodeTaken);
    assert_eq!(hq.branch_add(&ctx, "上海", "x").unwrap_err().code, ErrorCode::InvalidInput);
    let codes: Vec<String> = hq.branch_list(&ctx).unwrap().into_iter().map(|b| b.code).collect();
    assert_eq!(codes, ["main", "sh01"]);
    enroll(&mut hq, &ctx, "张三", "13812345678", "F");
    let at_hq = buy(&mut hq, &ctx, "13812345678", "100", "0001");
    let mut sh = counter(&location, Some("sh01"), "前台A");
    // The same number at another branch is another receipt; the member and points are one.
    let at_sh = buy(&mut sh, &ctx, "13812345678", "200", "0001");
    assert!(!at_sh.duplicate);
    assert_eq!(at_sh.points_balance, at_hq.points_balance + at_sh.points_earned.unwrap());
    // At the same branch it is the same receipt.
    assert!(buy(&mut sh, &ctx, "13812345678", "200", "0001").duplicate);
    let refund = sh
        .refund(&ctx, &RefundInput { of: "0001".into(), receipt: "R1".into(), amount: "200".into(), at: None })
        .unwrap();
    assert_eq!(refund.points_clawed_back, at_sh.points_earned, "the refund finds its own branch's receipt");
    let place: (i64, String) = sh
        .conn()
        .query_row(
            "SELECT b.id, r.counter FROM receipts r JOIN branches b ON b.id = r.branch_id WHERE r.receipt_no = 'R1'",
            (),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(place.1, "前台A", "the receipt records its counter");
    assert_eq!(sh.status().unwrap().branch, "sh01");
    let mut elsewhere = Desk::open_location(&location).unwrap();
    assert_eq!(elsewhere.set_station(Some("nowhere"), "x").unwrap_err().code, ErrorCode::BranchNotFound);
}

#[test]
fn migrate_copies_a_store_into_an_empty_database_verifies_it_and_refuses_one_with_data() {
    let Some(server) = test_server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let source = store::Location::File(dir.path().join("shop.db"));
    let mut desk = Desk::open_location(&source).unwrap();
    let ctx = day(&mut desk, "2026-11-01");
    desk.fill_demo(&ctx, 60, 4, 7).unwrap();
    let ctx = day(&mut desk, "2026-12-01");
    let target = fresh_server_location(&server);
    let report = desk.migrate_to(&ctx, &target).unwrap();
    assert!(report.verified);
    assert_eq!(report.members, 60);
    let copy = Desk::open_location(&target).unwrap();
    assert_ledger_invariants(&copy);
    for table in ["members", "receipts", "points_lots", "points_ledger", "coupons", "contact_entries", "tier_runs"] {
        assert_eq!(count(&copy, table), count(&desk, table), "{table}");
    }
    assert_eq!(count(&copy, "audit_log") + 1, count(&desk, "audit_log"), "the source's audit records the copy");
    let card = desk.member_card(&ctx, "M000001").unwrap();
    let copied = copy.member_card(&ctx, "M000001").unwrap();
    assert_eq!((copied.points_balance, copied.lots.len()), (card.points_balance, card.lots.len()));
    // New rows on the server continue after the copied ids.
    let mut server_desk = Desk::open_location(&target).unwrap();
    enroll(&mut server_desk, &ctx, "新会员", "13900009999", "M");
    // The first and last sale kept on the member rows came across, and a sale on the copy
    // keeps them again (the copy turns that trigger off while it fills the tables).
    let visits = |d: &Desk| -> Vec<(i64, Option<String>, Option<String>)> {
        d.conn()
            .prepare("SELECT id, first_sale_date, last_sale_date FROM members ORDER BY id")
            .unwrap()
            .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(visits(&copy)[..60], visits(&desk)[..]);
    buy(&mut server_desk, &ctx, "13900009999", "50", "AFTER-COPY");
    assert_eq!(visits(&server_desk)[60].2.as_deref(), Some("2026-12-01"));
    assert_eq!(visits(&server_desk)[60].1.as_deref(), Some("2026-12-01"));
    // A target with data is refused, and left as it was.
    let again = desk.migrate_to(&ctx, &target).unwrap_err();
    assert_eq!(again.code, ErrorCode::TargetNotEmpty);
    assert_eq!(count(&server_desk, "members"), 61);
    // The way back: a single-file copy of the shared store.
    let back = store::Location::File(dir.path().join("copy.db"));
    let report = server_desk.migrate_to(&ctx, &back).unwrap();
    assert_eq!(report.members, 61);
    let mut file_copy = Desk::open_location(&back).unwrap();
    assert_eq!(count(&file_copy, "receipts"), count(&server_desk, "receipts"));
    assert_eq!(visits(&file_copy), visits(&server_desk));
    let tomorrow = day(&mut file_copy, "2026-12-02");
    buy(&mut file_copy, &tomorrow, "13900009999", "50", "IN-THE-FILE");
    assert_eq!(visits(&file_copy)[60].2.as_deref(), Some("2026-12-02"), "the file's trigger is back");
    assert_ledger_invariants(&file_copy);
}

#[test]
fn a_shared_store_is_backed_up_to_a_file_and_restored_from_it() {
    let Some(server) = test_server() else { return };
    let location = fresh_server_location(&server);
    let dir = tempfile::tempdir().unwrap();
    let mut desk = Desk::open_location(&location).unwrap();
    desk.set_backup_folder(dir.path().to_path_buf());
    let ctx = day(&mut desk, "2026-12-01");
    enroll(&mut desk, &ctx, "张三", "13812345678", "F");
    let balance = buy(&mut desk, &ctx, "13812345678", "300", "A1").points_balance;
    let backup = desk.backup(&ctx, None).unwrap();
    assert!(backup.file.starts_with(&dir.path().display().to_string()));
    enroll(&mut desk, &ctx, "李四", "13912345678", "M");
    let restored = desk.restore(&ctx, std::path::Path::new(&backup.file)).unwrap();
    assert_eq!(restored.members, 1, "back to the backup's one member");
    assert!(restored.previous_data_kept_at.is_some(), "the data before the restore is kept");
    assert_ledger_invariants(&desk);
    assert_eq!(desk.member_card(&ctx, "13812345678").unwrap().points_balance, balance);
    // The daily backup happens on a shared store too.
    assert!(desk.daily_backup(&ctx).unwrap().is_some());
}

#[test]
fn the_servers_password_never_shows_in_an_error() {
    let Some(server) = test_server() else { return };
    // A port where nothing listens, with a password in the URL.
    let url = store::ServerUrl::new("postgres://md:Secret-Pw-42@127.0.0.1:9/nothing");
    let e = Desk::open_location(&store::Location::Server(url.clone())).err().expect("nothing listens there");
    assert_eq!(e.code, ErrorCode::StoreUnreachable);
    assert!(!e.message.contains("Secret-Pw-42"), "{}", e.message);
    assert!(e.message.contains("postgres://md:***@127.0.0.1:9/nothing"), "{}", e.message);
    assert_eq!(format!("{url}"), "postgres://md:***@127.0.0.1:9/nothing");
    assert!(!format!("{:?}", store::Location::Server(url)).contains("Secret"));
    // A refused sign-in names the server, not the password.
    let base = server.secret().replace("postgres://md@", "postgres://nobody:Wrong-Pw-7@");
    let e = Desk::open_location(&store::Location::parse(&base)).err().expect("no such role");
    assert_eq!(e.code, ErrorCode::StoreUnreachable);
    assert!(!e.message.contains("Wrong-Pw-7"), "{}", e.message);
}

/// A server connection runs without the just-in-time compiler, which made the busiest day's
/// follow-up query 70 ms slower (docs/performance.md).
#[test]
fn a_server_connection_runs_without_jit() {
    let Some(server) = test_server() else { return };
    let desk = Desk::open_location(&fresh_server_location(&server)).unwrap();
    let jit: String = desk.conn().query_row("SELECT current_setting('jit')", (), |r| r.get(0)).unwrap();
    assert_eq!(jit, "off");
}

#[test]
fn counters_topping_up_paying_and_paying_out_one_account_at_once_never_overdraw_it() {
    let (location, _dir) = fresh_location();
    let mut first = counter(&location, None, "前台1");
    let ctx = day(&mut first, "2026-12-01");
    enroll(&mut first, &ctx, "会员甲", "13800000001", "F");
    first
        .top_up(
            &ctx,
            &desk::stored_value::TopUpInput {
                member: "13800000001".into(),
                amount: "1000".into(),
                receipt: "T0".into(),
                at: None,
            },
        )
        .unwrap();
    const COUNTERS: usize = 4;
    let (barrier, desks) = counters_ready(&location, COUNTERS);
    let handles: Vec<_> = desks
        .into_iter()
        .enumerate()
        .map(|(c, mut desk)| {
            let barrier = barrier.clone();
            let ctx = ctx.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let mut paid_out = 0i64;
                for round in 0..8 {
                    // Every counter tries to pay out 300 of principal and to pay a 150 sale
                    // from stored value; some top up 100.
                    if let Ok(p) = desk.payout(&ctx, "13800000001", "300", "测试") {
                        paid_out += loyalty::money::to_fen(p.principal_paid.parse().unwrap());
                    }
                    let sale = desk::checkout::CheckoutInput {
                        member: "13800000001".into(),
                        amount: "150".into(),
                        receipt: format!("S{c}-{round}"),
                        stored_value: Some("150".into()),
                        ..Default::default()
                    };
                    match desk.checkout(&ctx, &sale) {
                        Ok(o) => paid_out += loyalty::money::to_fen(o.sv_principal.parse().unwrap()),
                        Err(e) => assert_eq!(e.code, desk::ErrorCode::StoredValueInsufficient, "{}", e.message),
                    }
                    if round % 2 == 0 {
                        let input = desk::stored_value::TopUpInput {
                            member: "13800000001".into(),
                            amount: "100".into(),
                            receipt: format!("T{c}-{round}"),
                            at: None,
                        };
                        desk.top_up(&ctx, &input).unwrap();
                    }
                }
                paid_out
            })
        })
        .collect();
    let paid_out: i64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let after = Desk::open_location(&location).unwrap();
    assert_ledger_invariants(&after);
    let principal = scalar(&after, "SELECT sv_principal_fen FROM members WHERE phone = '13800000001'");
    // 1,000 plus 4 counters × 4 top-ups of 100, less what was paid out and spent: nothing lost
    // or doubled.
    assert_eq!(principal, 100_000 + 4 * 4 * 10_000 - paid_out);
    assert!(principal >= 0);
    assert_eq!(scalar(&after, "SELECT count(*) FROM top_ups"), 1 + 16);
}

/// On PostgreSQL a write whose answer nobody reads (the audit row, the ledger row, the
/// month sums) waits and goes to the server with the next statement, one round trip for
/// both (docs/performance.md). A read after it sees it; a failure among the waiting writes
/// fails the commit and leaves nothing of the transaction; a rollback drops what waited;
/// outside a transaction nothing waits.
#[test]
fn writes_sent_with_the_next_statement_are_seen_by_it_and_fail_the_transaction_as_a_whole() {
    use store::params;
    let Some(server) = test_server() else { return };
    let store = store::Store::open_location(&fresh_server_location(&server)).unwrap();
    let conn = store.conn();
    conn.execute_batch("CREATE TABLE probe (id BIGINT PRIMARY KEY, note TEXT NOT NULL)").unwrap();
    let count =
        |conn: &store::Connection| conn.query_row("SELECT count(*) FROM probe", (), |r| r.get::<_, i64>(0)).unwrap();
    let insert = "INSERT INTO probe (id, note) VALUES (?1, ?2)";

    let tx = store.transaction().unwrap();
    tx.execute_later(insert, params![1, "甲"]).unwrap();
    assert_eq!(tx.queued_statements(), 2, "BEGIN and the insert wait");
    assert_eq!(count(&tx), 1, "the read sees the insert sent before it");
    assert_eq!(tx.queued_statements(), 0);
    tx.execute_later(insert, params![2, "乙"]).unwrap();
    tx.commit().unwrap();
    assert_eq!(count(conn), 2, "the commit took the insert that waited for it");

    let tx = store.transaction().unwrap();
    tx.execute_later(insert, params![3, "丙"]).unwrap();
    tx.execute_later(insert, params![1, "甲again"]).unwrap();
    let e = tx.commit().unwrap_err();
    assert!(e.to_string().contains("23505"), "the duplicate key is the error: {e}");
    assert_eq!(count(conn), 2, "nothing of the failed transaction was kept");

    let tx = store.transaction().unwrap();
    tx.execute_later(insert, params![4, "丁"]).unwrap();
    tx.rollback().unwrap();
    assert_eq!(conn.queued_statements(), 0);
    assert_eq!(count(conn), 2);

    conn.execute_later(insert, params![5, "戊"]).unwrap();
    assert_eq!(conn.queued_statements(), 0, "outside a transaction it runs at once");
    assert_eq!(count(conn), 3);
}

/// PostgreSQL: a statement prepared with `prepare_generic` runs with its generic plan (made
/// once), the setting sent with it in the same round trip and reset after it, failing or
/// not, inside a transaction or outside; other statements keep the server's own choice.
#[test]
fn a_generic_plan_statement_leaves_the_connection_as_it_found_it() {
    let Some(server) = test_server() else { return };
    let store = store::Store::open_location(&fresh_server_location(&server)).unwrap();
    let conn = store.conn();
    let mode = |conn: &store::Connection| {
        conn.query_row("SELECT current_setting('plan_cache_mode')", (), |r| r.get::<_, String>(0)).unwrap()
    };
    let plans = |conn: &store::Connection| {
        conn.query_row(
            "SELECT generic_plans FROM pg_prepared_statements WHERE statement LIKE 'SELECT count(*) FROM members WHERE name >=%'",
            (),
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
    };
    let sql = "SELECT count(*) FROM members WHERE name >= ?1 AND name < ?2";
    for _ in 0..3 {
        let n: i64 =
            conn.prepare_generic(sql).unwrap().query_row(store::params!["张", "张\u{7f}"], |r| r.get(0)).unwrap();
        assert_eq!(n, 0);
    }
    assert_eq!(plans(conn), 3, "each run took the generic plan");
    assert_eq!(mode(conn), "auto", "and the setting went back");
    assert_eq!(conn.queued_statements(), 0);
    // One that fails on the server, outside a transaction: the reset sent with it still runs.
    let zero = conn
        .prepare_generic("SELECT CAST(1 AS BIGINT) / (CAST(?1 AS BIGINT) - ?1)")
        .unwrap()
        .query_row(store::params![7], |r| r.get::<_, i64>(0));
    assert!(zero.unwrap_err().to_string().contains("22012"), "division by zero is the error");
    assert_eq!(mode(conn), "auto", "reset after the failure");
    assert_eq!(conn.queued_statements(), 0);
    // A failing one (text where a number goes) inside a transaction: the transaction fails,
    // and after its rollback the setting is the server's own again.
    let tx = store.transaction().unwrap();
    let bad = tx
        .prepare_generic("SELECT count(*) FROM members WHERE id = ?1")
        .unwrap()
        .query_row(store::params!["not a number"], |r| r.get::<_, i64>(0));
    assert!(bad.is_err());
    tx.rollback().unwrap();
    assert_eq!(mode(conn), "auto");
}

/// A counter that keeps losing to the others (here its transaction fails as a serialization
/// failure would, SQLSTATE 40001) is retried, and after three losses in a row its attempts
/// run alone: no other write may be open meanwhile. Every turn is given back after the
/// operation, whether it succeeded or failed, so the next counter is never kept waiting.
#[test]
fn a_counter_that_keeps_losing_a_conflict_runs_alone_and_gives_its_turn_back() {
    let Some(server) = test_server() else { return };
    let location = fresh_server_location(&server);
    let store = store::Store::open_location(&location).unwrap();
    let other = store::Store::open_location(&location).unwrap();
    let pid: i32 = store.conn().query_row("SELECT pg_backend_pid()", (), |r| r.get(0)).unwrap();
    let turn = store::locks::WRITE_TURN;
    // Whether another counter could start a write now (take the turn shared, and give it back).
    let others_may_write = || -> bool {
        let free: bool =
            other.conn().query_row("SELECT pg_try_advisory_lock_shared(?1)", [turn], |r| r.get(0)).unwrap();
        if free {
            other.conn().execute("SELECT pg_advisory_unlock_shared(?1)", [turn]).unwrap();
        }
        free
    };
    let held = || -> i64 {
        other
            .conn()
            .query_row("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = ?1", [pid], |r| r.get(0))
            .unwrap()
    };
    let mut seen = Vec::new();
    let n: i64 = store
        .write(|tx| {
            // The turn goes to the server with the transaction's first statement.
            let _: i64 = tx.query_row("SELECT 1", (), |r| r.get(0))?;
            seen.push(others_may_write());
            if seen.len() <= 5 {
                tx.execute_batch("DO $$ BEGIN RAISE EXCEPTION 'lost' USING ERRCODE = '40001'; END $$")?;
            }
            Ok::<_, store::StoreError>(tx.query_row("SELECT count(*) FROM members", (), |r| r.get(0))?)
        })
        .unwrap();
    assert_eq!(n, 0);
    assert_eq!(seen, [true, true, true, false, false, false], "three losses side by side, then alone");
    assert_eq!(held(), 0, "the turn was given back after the commit");
    assert!(others_may_write());
    // An operation that fails for a reason of its own, on the server, ends in its turn given back.
    let failed = store.write(|tx| {
        tx.execute_batch("SELECT 1 / 0")?;
        Ok::<_, store::StoreError>(())
    });
    assert!(failed.is_err());
    assert_eq!(held(), 0, "given back after the rollback");
    // One that fails before reaching the server (the desk refused the input) took no turn.
    let refused =
        store.write(|_tx| Err::<(), _>(store::StoreError::Unwritable { path: "x".into(), detail: "y".into() }));
    assert!(refused.is_err());
    assert_eq!(held(), 0);
    assert_eq!(store.conn().queued_statements(), 0);
}
