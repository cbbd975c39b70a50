//! Speed targets on a demo store of 200,000 members and about 2,000,000 purchases:
//! every lookup kind under 2 ms median, a checkout (durable commit) under 5 ms median,
//! opening the store under 1 s (issue 2); the monthly tier evaluation under 5 s while
//! lookups keep answering (issue 3); one day's contact list under 200 ms (issue 5). The full page check of the file, which the desktop
//! app runs in the background after start, is measured too.
//!
//! Run: `cargo bench --bench store_speed` (the first run builds the demo store once into
//! target/bench-store/, which takes a few minutes). `BENCH_MEMBERS` overrides the size.
//! `BENCH_ONLY=keys` (issue 13): lookups of 10,000 keys drawn from the store, p50 and p99
//! of each kind beside its bare indexed query on the same connection.
//!
//! Both engines (issue 10): with `BENCH_PG=postgres://…/postgres` (an admin URL of a server
//! with fsync on, such as `PG_FSYNC=on .ci/pg start DIR` gives) the same benchmarks run on
//! PostgreSQL: the SQLite demo store is copied once into the database `bench_fixture_N` with
//! `migrate`, and each working copy is `CREATE DATABASE … TEMPLATE` of it. Results of each
//! engine are kept in target/bench-store/results-ENGINE-N.txt (N members), and every run ends with a table
//! of both side by side against the PostgreSQL targets (lookups and a checkout within 3× of
//! SQLite's, the tier run under 10 s, a day's contact list under 300 ms).

use chrono::{Datelike, NaiveDate};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use desk::checkout::CheckoutInput;
use desk::Desk;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use store::{Location, ServerUrl};

const TODAY: &str = "2026-11-23";

fn members() -> usize {
    std::env::var("BENCH_MEMBERS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000)
}

fn today() -> NaiveDate {
    TODAY.parse().unwrap()
}

/// The PostgreSQL server to run on (`BENCH_PG`), or none: SQLite.
fn server() -> Option<ServerUrl> {
    std::env::var("BENCH_PG").ok().filter(|v| !v.trim().is_empty()).map(|v| ServerUrl::new(&v))
}

/// The engine's name in the reports.
fn engine() -> &'static str {
    if server().is_some() {
        "postgres"
    } else {
        "sqlite"
    }
}

/// The SQLite demo store, built once and kept.
fn sqlite_fixture() -> PathBuf {
    let dir = bench_dir();
    let path = dir.join(format!("demo-{}.db", members()));
    if !path.exists() {
        let tmp = dir.join("building.db");
        let _ = std::fs::remove_file(&tmp);
        let started = Instant::now();
        let mut desk = Desk::open(&tmp).unwrap();
        desk.bring_up_to(today(), true, "").unwrap();
        let ctx = desk.manager_ctx(today(), today().and_hms_opt(9, 0, 0).unwrap()).unwrap();
        // The demo is one transaction of several hundred MB: with the store's own 64 MB page
        // cache it spills to the WAL. The builder's connection alone gets room for it
        // (200,000 members: 92 s, docs/performance.md).
        desk.conn().execute_batch("PRAGMA cache_size = -4000000;").unwrap();
        // 24 months at 2–18 visits a member: about 10 purchases each.
        let r = desk.fill_demo(&ctx, members(), 24, 42).unwrap();
        desk.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;").unwrap();
        drop(desk);
        std::fs::rename(&tmp, &path).unwrap();
        record_in("sqlite", "demo_build_s", started.elapsed().as_secs_f64());
        eprintln!(
            "built the demo store: {} members, {} purchases, {} refunds in {:.0?}",
            r.members,
            r.purchases,
            r.refunds,
            started.elapsed()
        );
    }
    path
}

fn bench_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-store");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The demo store on the engine benchmarked: the SQLite file, or (with `BENCH_PG`) the
/// database `bench_fixture_N` on the server, made once from the file by `migrate`.
fn fixture() -> Location {
    let file = sqlite_fixture();
    let Some(base) = server() else { return Location::File(file) };
    let name = format!("bench_fixture_{}", members());
    if !store::database_exists(&base, &name).unwrap() {
        let started = Instant::now();
        // Built under another name and renamed at the end, so that a run stopped halfway
        // leaves no half-filled fixture behind.
        let building = store::create_database(&base, "bench_building", None).unwrap();
        let source = working_copy(&Location::File(file));
        let mut desk = Desk::open_location(&source).unwrap();
        let ctx = desk.manager_ctx(today(), today().and_hms_opt(9, 0, 0).unwrap()).unwrap();
        let report = desk.migrate_to(&ctx, &Location::Server(building.clone())).unwrap();
        assert!(report.verified);
        drop(desk);
        let built = Desk::open_location(&Location::Server(building)).unwrap();
        built.conn().execute_batch("VACUUM ANALYZE").unwrap();
        drop(built);
        store::rename_database(&base, "bench_building", &name).unwrap();
        eprintln!("copied the demo store ({} members) to PostgreSQL in {:.0?}", report.members, started.elapsed());
    }
    Location::Server(base.with_database(&name))
}

/// A working copy of the fixture for benchmarks that write: a copy of the file, or on
/// PostgreSQL a new database made from the fixture as its template.
fn working_copy(fixture: &Location) -> Location {
    match fixture {
        Location::File(fixture) => {
            let copy = fixture.with_file_name("working.db");
            for ext in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{ext}", copy.display()));
            }
            std::fs::copy(fixture, &copy).unwrap();
            // Written to disk before any timing: otherwise the first commit's fsync pays for the
            // copy's half a gigabyte of write-back.
            std::fs::File::open(&copy).unwrap().sync_all().unwrap();
            Location::File(copy)
        }
        Location::Server(_) => {
            let base = server().unwrap();
            let name = format!("bench_fixture_{}", members());
            Location::Server(store::create_database(&base, "bench_working", Some(&name)).unwrap())
        }
    }
}

/// Figures of this run kept for the side-by-side table: `name value` lines in
/// target/bench-store/results-ENGINE-N.txt.
fn record(name: &str, value: f64) {
    record_in(engine(), name, value)
}

/// [`record`] for the engine `engine`.
fn record_in(engine: &str, name: &str, value: f64) {
    let path = results_file(engine);
    let mut figures = read_results(&path);
    figures.insert(name.to_string(), value);
    let text: String = figures.iter().map(|(k, v)| format!("{k} {v}\n")).collect();
    std::fs::write(path, text).unwrap();
}

/// Where an engine's figures at this run's size are kept: target/bench-store/results-ENGINE-N.txt.
fn results_file(engine: &str) -> PathBuf {
    bench_dir().join(format!("results-{engine}-{}.txt", members()))
}

/// Keeps criterion's medians of this run's benchmarks `names` (of this engine's group) with
/// the run's other figures, as `NAME_ms`.
fn record_medians(names: &[&str]) {
    for name in names {
        if let Some(ms) = criterion_median_ms(engine(), name) {
            record(&format!("{name}_ms"), ms);
        }
    }
}

fn read_results(path: &Path) -> BTreeMap<String, f64> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(' '))
        .filter_map(|(k, v)| Some((k.to_string(), v.parse().ok()?)))
        .collect()
}

/// Criterion's median of a benchmark of this run, in milliseconds.
fn criterion_median_ms(group: &str, name: &str) -> Option<f64> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/criterion/{group}/{name}/new/estimates.json"));
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    Some(json["median"]["point_estimate"].as_f64()? / 1e6)
}

/// `BENCH_ONLY=contacts` (or `tiers`, `speed`, `figures`) runs one part.
fn wanted(part: &str) -> bool {
    std::env::var("BENCH_ONLY").map(|v| v == part).unwrap_or(true)
}

fn benches(c: &mut Criterion) {
    if !wanted("speed") {
        return;
    }
    let fixture = fixture();
    let copy = working_copy(&fixture);
    let mut group = c.benchmark_group(engine());

    group.bench_function("open_store", |b| {
        b.iter(|| {
            let desk = Desk::open_location(&copy).unwrap();
            criterion::black_box(desk.status().unwrap());
        })
    });

    if let Location::File(file) = &copy {
        group.bench_function("full_check_background", |b| b.iter(|| store::check_file(file).unwrap()));
    }

    let mut desk = Desk::open_location(&copy).unwrap();
    desk.bring_up_to(today(), true, "").unwrap();
    let ctx = desk.manager_ctx(today(), today().and_hms_opt(9, 0, 0).unwrap()).unwrap();
    // Real keys from the store: a phone, its last 4, a member number, a name and its pinyin.
    let (phone, member_no, name): (String, String, String) = desk
        .conn()
        .query_row(
            "SELECT phone, member_no, name FROM members WHERE id = 123457 % (SELECT max(id) FROM members)",
            (),
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let keys = loyalty::name_keys::name_keys(&name);
    let last4 = phone[7..].to_string();
    let given: String = name.chars().skip(1).collect();
    let lookups = [
        ("lookup_phone", phone.clone()),
        ("lookup_last4", last4),
        ("lookup_member_no", member_no),
        ("lookup_name_exact", name.clone()),
        ("lookup_name_piece", given),
        ("lookup_one_character", "伟".to_string()),
        ("lookup_pinyin_initials", keys.initials.clone()),
        ("lookup_full_pinyin", keys.full.clone()),
    ];
    // What the engine itself costs, on the same connection: one round trip, and the bare
    // indexed query a phone lookup comes down to (the floor the lookups are measured against).
    group.bench_function("bare_round_trip", |b| {
        b.iter(|| criterion::black_box(desk.conn().query_row("SELECT 1", (), |r| r.get::<_, i64>(0)).unwrap()))
    });
    group.bench_function("bare_phone_query", |b| {
        b.iter(|| {
            let found: (i64, String, String) = desk
                .conn()
                .query_row("SELECT id, member_no, name FROM members WHERE phone = ?1", [&phone], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .unwrap();
            criterion::black_box(found)
        })
    });
    for (label, query) in lookups {
        let hits = desk.search(&ctx, &query, 20).unwrap();
        assert!(!hits.is_empty(), "{label} “{query}” finds someone");
        group.bench_function(label, |b| b.iter(|| criterion::black_box(desk.search(&ctx, &query, 20).unwrap())));
    }

    let mut n = 0u64;
    group.bench_function("checkout_durable", |b| {
        b.iter_batched(
            || {
                n += 1;
                sale_input(&phone, n, "BENCH-")
            },
            |input| criterion::black_box(desk.checkout(&ctx, &input).unwrap()),
            BatchSize::SmallInput,
        )
    });
    // The same checkout rolled back (a quote): what the checkout does before its commit. With
    // the bare insert rolled back below, it splits each durable figure into the work of the
    // statements and the commit (the WAL frames written and their flush).
    group.bench_function("checkout_quote", |b| {
        b.iter_batched(
            || {
                n += 1;
                sale_input(&phone, n, "BENCH-Q")
            },
            |input| criterion::black_box(desk.checkout_quote(&ctx, &input).unwrap()),
            BatchSize::SmallInput,
        )
    });
    // Stored value (issue 12): the same checkout paying 1.00 of it from the account (the
    // split, the spend entry, the sale's parts), right after the plain checkout above and
    // on the same member: target ≤ 1.5×. Enough in the account for every sample first.
    for i in 0..4 {
        let input = desk::stored_value::TopUpInput {
            member: phone.clone(),
            amount: "50000".into(),
            receipt: format!("BENCH-FUND-{n}-{i}"),
            at: None,
        };
        desk.top_up(&ctx, &input).unwrap();
    }
    group.bench_function("checkout_by_stored_value_durable", |b| {
        b.iter_batched(
            || {
                n += 1;
                CheckoutInput { stored_value: Some("1.00".into()), ..sale_input(&phone, n, "BENCH-") }
            },
            |input| criterion::black_box(desk.checkout(&ctx, &input).unwrap()),
            BatchSize::SmallInput,
        )
    });
    // A top-up, after both checkouts (thousands of updates of one member's row would
    // weigh on whatever is measured after them).
    group.bench_function("top_up_durable", |b| {
        b.iter_batched(
            || {
                n += 1;
                desk::stored_value::TopUpInput {
                    member: phone.clone(),
                    amount: format!("{}.{:02}", 600 + n % 900, n % 100),
                    receipt: format!("BENCH-T{n}"),
                    at: None,
                }
            },
            |input| criterion::black_box(desk.top_up(&ctx, &input).unwrap()),
            BatchSize::SmallInput,
        )
    });
    // The floor a durable checkout is measured against (issue 13): one receipt row written
    // by hand and committed, on the same connection with the same synchronous setting
    // (BEGIN, the INSERT, COMMIT: on a server, three round trips and the flush).
    let member_id: i64 =
        desk.conn().query_row("SELECT id FROM members WHERE phone = ?1", [&phone], |r| r.get(0)).unwrap();
    group.bench_function("bare_receipt_insert_commit", |b| {
        b.iter(|| {
            n += 1;
            bare_receipt(desk.conn(), member_id, &format!("BARE-{n}"), "COMMIT")
        })
    });
    group.bench_function("bare_receipt_insert_rollback", |b| {
        b.iter(|| {
            n += 1;
            bare_receipt(desk.conn(), member_id, &format!("BARE-R{n}"), "ROLLBACK")
        })
    });
    group.finish();
    commit_pages(&mut desk, &ctx, &phone, &mut n);
    record_medians(&[
        "open_store",
        "bare_round_trip",
        "bare_phone_query",
        "lookup_phone",
        "lookup_last4",
        "lookup_member_no",
        "lookup_name_exact",
        "lookup_name_piece",
        "lookup_one_character",
        "lookup_pinyin_initials",
        "lookup_full_pinyin",
        "checkout_durable",
        "checkout_by_stored_value_durable",
        "top_up_durable",
        "bare_receipt_insert_commit",
        "checkout_quote",
        "bare_receipt_insert_rollback",
        "full_check_background",
    ]);
    replanned(&desk);
}

/// The bench's `n`th sale to `phone`: 10.00–909.99, receipt `PREFIXn`.
fn sale_input(phone: &str, n: u64, prefix: &str) -> CheckoutInput {
    CheckoutInput {
        member: phone.to_string(),
        amount: format!("{}.{:02}", 10 + n % 900, n % 100),
        receipt: format!("{prefix}{n}"),
        ..Default::default()
    }
}

/// The floor a durable write is measured against: one receipt row written by hand on the
/// same connection with the same synchronous setting (BEGIN, the INSERT, then `end`:
/// COMMIT, or ROLLBACK for the statements' work alone; on a server three round trips).
fn bare_receipt(conn: &store::Connection, member_id: i64, receipt_no: &str, end: &str) {
    let begin = match conn.engine() {
        store::Engine::Sqlite => "BEGIN IMMEDIATE",
        store::Engine::Postgres => "BEGIN ISOLATION LEVEL SERIALIZABLE",
    };
    conn.execute_batch(begin).unwrap();
    conn.execute(
        "INSERT INTO receipts (receipt_no, kind, member_id, gross_fen, discount_fen, paid_fen, multiplier,
             points, history, at, sale_date, staff_id, created_at, branch_id, counter, sv_principal_fen,
             sv_bonus_fen)
         VALUES (?1, 'sale', ?2, ?3, 0, ?3, '1', 0, 0, '2026-11-23 09:00:00', '2026-11-23', 1,
             '2026-11-23 09:00:00', 1, '', 0, 0)",
        store::params![receipt_no, member_id, 1000 + receipt_no.len() as i64],
    )
    .unwrap();
    conn.execute_batch(end).unwrap();
}

/// What one durable write puts in the log, averaged over 20 of each (issue 13's checkout
/// ratios: the commit's cost grows with the pages it writes): SQLite's WAL frames (a page
/// each, the log emptied before every write) or PostgreSQL's WAL bytes, in KiB, of a
/// checkout, a top-up and the bare receipt insert. Kept as `log_kib_*`.
fn commit_pages(desk: &mut Desk, ctx: &desk::Ctx, phone: &str, n: &mut u64) {
    let engine = desk.conn().engine();
    let mark = |desk: &Desk| -> f64 {
        match engine {
            store::Engine::Sqlite => {
                desk.conn().query_row("PRAGMA wal_checkpoint(TRUNCATE)", (), |r| r.get::<_, i64>(0)).unwrap();
                0.0
            }
            store::Engine::Postgres => desk
                .conn()
                .query_row("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8", (), |r| r.get(0))
                .unwrap(),
        }
    };
    let written_kib = |desk: &Desk, from: f64| -> f64 {
        match engine {
            store::Engine::Sqlite => {
                let page: i64 = desk.conn().query_row("PRAGMA page_size", (), |r| r.get(0)).unwrap();
                let frames: i64 = desk.conn().query_row("PRAGMA wal_checkpoint(PASSIVE)", (), |r| r.get(1)).unwrap();
                frames as f64 * (page + 24) as f64 / 1024.0
            }
            store::Engine::Postgres => (mark(desk) - from) / 1024.0,
        }
    };
    let member_id: i64 =
        desk.conn().query_row("SELECT id FROM members WHERE phone = ?1", [phone], |r| r.get(0)).unwrap();
    let (mut checkout, mut top_up, mut bare) = (0.0, 0.0, 0.0);
    const TIMES: u32 = 20;
    for _ in 0..TIMES {
        *n += 1;
        let from = mark(desk);
        desk.checkout(ctx, &sale_input(phone, *n, "BENCH-L")).unwrap();
        checkout += written_kib(desk, from);
        let from = mark(desk);
        let input = desk::stored_value::TopUpInput {
            member: phone.to_string(),
            amount: format!("{}.00", 600 + *n % 900),
            receipt: format!("BENCH-LT{n}"),
            at: None,
        };
        desk.top_up(ctx, &input).unwrap();
        top_up += written_kib(desk, from);
        let from = mark(desk);
        bare_receipt(desk.conn(), member_id, &format!("BARE-L{n}"), "COMMIT");
        bare += written_kib(desk, from);
    }
    let each = |kib: f64| kib / f64::from(TIMES);
    eprintln!(
        "log written per durable write: checkout {:.1} KiB, top-up {:.1} KiB, bare insert + commit {:.1} KiB",
        each(checkout),
        each(top_up),
        each(bare)
    );
    record("log_kib_checkout", each(checkout));
    record("log_kib_top_up", each(top_up));
    record("log_kib_bare_insert", each(bare));
}

/// PostgreSQL: the statements of this connection that the server planned afresh for most
/// of their executions (a custom plan each time, `pg_prepared_statements`), with their
/// counts: planning a statement can cost more than running it.
fn replanned(desk: &Desk) {
    if desk.conn().engine() != store::Engine::Postgres {
        return;
    }
    let rows: Vec<(String, i64, i64)> = desk
        .conn()
        .prepare(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements
             WHERE custom_plans > 50 AND custom_plans > generic_plans ORDER BY custom_plans DESC",
        )
        .unwrap()
        .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    eprintln!("\nstatements planned afresh on most executions: {}", rows.len());
    for (sql, generic, custom) in rows {
        let short: String = sql.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(150).collect();
        eprintln!("  custom {custom:>6}  generic {generic:>6}  {short}");
    }
}

/// The demo store was made with November's tier run (its first tiers): on a working copy
/// it is forgotten, so that the benchmark runs the month again in full (every member's
/// facts read and evaluated; fewer tiers change, since they were set by the first run).
fn forget_the_months_run(desk: &Desk) {
    desk.conn()
        .execute_batch(
            "DELETE FROM tier_changes WHERE run_id IN (SELECT id FROM tier_runs WHERE month = '2026-11');
             DELETE FROM tier_runs WHERE month = '2026-11';",
        )
        .unwrap();
}

/// The monthly tier evaluation of all 200,000 members (each sample on a fresh copy of the
/// store, since a month runs only once); and, while one runs, lookups on a second
/// connection as the front desk makes them.
fn tier_evaluation(c: &mut Criterion) {
    if !wanted("tiers") {
        return;
    }
    let fixture = fixture();
    let mut group = c.benchmark_group(engine());
    group.sample_size(10);
    group.bench_function("tier_evaluation", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let copy = working_copy(&fixture);
                let mut desk = Desk::open_location(&copy).unwrap();
                desk.bring_up_to(today(), true, "").unwrap();
                forget_the_months_run(&desk);
                let ctx = desk.manager_ctx(today(), today().and_hms_opt(9, 0, 0).unwrap()).unwrap();
                let started = Instant::now();
                let run = desk.evaluate_tiers(&ctx, Some("2026-11")).unwrap();
                total += started.elapsed();
                assert!(run.ran_now && run.evaluated as f64 >= members() as f64 * 0.99);
            }
            total
        })
    });
    // The floor (issue 13): one aggregate scan of the window's sales by member, the bare
    // query the run's spend facts come down to, on a copy as the run reads it.
    let (start, until) = loyalty::tiers::window(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
    let copy = working_copy(&fixture);
    let bare = Desk::open_location(&copy).unwrap();
    if server().is_some() {
        // The settings the run's read takes for its transaction (store::tiers'
        // bulk_read_settings), for the bare query's session: without them PostgreSQL's
        // aggregate spilled to disk and read the table beside the index, and the ratio
        // would have compared settings, not work.
        bare.conn().execute_batch("SET work_mem = '256MB'; SET random_page_cost = 1.1").unwrap();
    }
    group.bench_function("bare_tier_window_scan", |b| {
        b.iter(|| {
            let mut stmt = bare
                .conn()
                .prepare(
                    "SELECT member_id, sum(paid_fen - refunded_fen), count(*) FROM receipts
                     WHERE kind = 'sale' AND sale_date >= ?1 AND sale_date < ?2 GROUP BY member_id",
                )
                .unwrap();
            let rows: Vec<(i64, i64, i64)> = stmt
                .query_map(store::params![start, until], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            rows.len()
        })
    });
    drop(bare);
    group.finish();
    if let Some(ms) = criterion_median_ms(engine(), "tier_evaluation") {
        record("tier_run_s", ms / 1e3);
    }
    record_medians(&["bare_tier_window_scan"]);

    // Lookups while an evaluation runs on the writer connection.
    let copy = working_copy(&fixture);
    let mut desk = Desk::open_location(&copy).unwrap();
    desk.bring_up_to(today(), true, "").unwrap();
    forget_the_months_run(&desk);
    let ctx = desk.manager_ctx(today(), today().and_hms_opt(9, 0, 0).unwrap()).unwrap();
    let reader = Desk::open_location(&copy).unwrap();
    let phones: Vec<String> = reader
        .conn()
        .prepare("SELECT phone FROM members ORDER BY id LIMIT 500")
        .unwrap()
        .query_map((), |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = done.clone();
    let writer = std::thread::spawn(move || {
        let started = Instant::now();
        let run = desk.evaluate_tiers(&ctx, Some("2026-11")).unwrap();
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
        (started.elapsed(), run.evaluated, run.changed)
    });
    let mut latencies = Vec::new();
    let mut i = 0;
    while !done.load(std::sync::atomic::Ordering::SeqCst) {
        let started = Instant::now();
        let hits = reader.search(&ctx, &phones[i % phones.len()], 20).unwrap();
        latencies.push(started.elapsed());
        assert_eq!(hits.len(), 1);
        i += 1;
    }
    let (took, evaluated, changed) = writer.join().unwrap();
    latencies.sort();
    record("tier_run_with_lookups_s", took.as_secs_f64());
    record("lookup_during_tier_run_max_ms", latencies[latencies.len() - 1].as_secs_f64() * 1e3);
    record("lookup_during_tier_run_p99_ms", latencies[(latencies.len() - 1) * 99 / 100].as_secs_f64() * 1e3);
    eprintln!(
        "tier evaluation of {evaluated} members ({changed} changed) took {took:.2?}; lookups meanwhile: {} answered, median {:.2?}, max {:.2?}",
        latencies.len(),
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1]
    );
}

/// One day's contact list for 200,000 members, as the store opens each day: every day from
/// 11-24 to 12-30, which takes in busy follow-up days, the 1st (whose opening also runs the
/// monthly tier evaluation, timed on its own above) and 12-30, when 元旦 two days ahead
/// greets every member.
fn contact_list(_c: &mut Criterion) {
    if !wanted("contacts") {
        return;
    }
    let fixture = fixture();
    let copy = working_copy(&fixture);
    let mut desk = Desk::open_location(&copy).unwrap();
    desk.bring_up_to(today(), true, "").unwrap();
    let (mut made_in, mut opened_in) = (Vec::new(), Vec::new());
    let mut date = today();
    while date < NaiveDate::from_ymd_opt(2026, 12, 30).unwrap() {
        date = date.succ_opt().unwrap();
        let started = Instant::now();
        desk.bring_up_to(date, true, "").unwrap();
        let took = started.elapsed();
        let ctx = desk.manager_ctx(date, date.and_hms_opt(9, 0, 0).unwrap()).unwrap();
        let list = desk.contact_list(&ctx, Some(date)).unwrap().entries;
        let texts = list.iter().filter(|e| e.channel == "sms").count();
        let note = match date.format("%m-%d").to_string().as_str() {
            "12-01" => " (and the tier evaluation)",
            "12-30" => " (元旦 for everybody)",
            _ => "",
        };
        let made = desk.contact_list_duration_ms(date).unwrap().expect("the day's list was made");
        eprintln!(
            "contact list {date}: {} entries ({} calls, {texts} texts), made in {made} ms, day opened in {took:.2?}{note}",
            list.len(),
            list.len() - texts
        );
        made_in.push((made, date));
        if date.day() != 1 {
            opened_in.push((took, date));
        }
    }
    made_in.sort();
    opened_in.sort();
    record("contact_list_median_ms", made_in[made_in.len() / 2].0 as f64);
    record("contact_list_max_ms", made_in[made_in.len() - 1].0 as f64);
    record("day_opened_max_ms", opened_in[opened_in.len() - 1].0.as_secs_f64() * 1e3);
    eprintln!(
        "contact list, {} days: made in median {} ms, max {} ms ({}); days opened (not the 1st) median {:.2?}, max {:.2?} ({})",
        made_in.len(),
        made_in[made_in.len() / 2].0,
        made_in[made_in.len() - 1].0,
        made_in[made_in.len() - 1].1,
        opened_in[opened_in.len() / 2].0,
        opened_in[opened_in.len() - 1].0,
        opened_in[opened_in.len() - 1].1
    );
}

/// The program figures of 12 months (with the 12 months before each, as the report gives
/// them) on the 200,000-member store, beside the bare query they come down to: one scan of
/// the window's receipts grouped by member and month.
fn figures_of_a_year(c: &mut Criterion) {
    if !wanted("figures") {
        return;
    }
    let fixture = fixture();
    let copy = working_copy(&fixture);
    let mut desk = Desk::open_location(&copy).unwrap();
    desk.bring_up_to(today(), true, "").unwrap();
    let ctx = desk.manager_ctx(today(), today().and_hms_opt(9, 0, 0).unwrap()).unwrap();
    let mut group = c.benchmark_group(engine());
    group.sample_size(10).measurement_time(Duration::from_secs(15));
    group.bench_function("figures_12_months", |b| {
        b.iter(|| desk.figures(&ctx, Some("2025-11"), Some("2026-10"), None).unwrap())
    });
    // The quarter's big-customer screening, made afresh each time (the quarter's made one
    // is forgotten first, in the same transaction the screening writes in).
    let quarter = loyalty::screening::Quarter::of(today()).to_string();
    let mut screening_s = Vec::new();
    for _ in 0..3 {
        desk.conn()
            .execute(
                "DELETE FROM screening_candidates WHERE run_id IN (SELECT id FROM screening_runs WHERE quarter = ?1)",
                [&quarter],
            )
            .unwrap();
        desk.conn().execute("DELETE FROM screening_runs WHERE quarter = ?1", [&quarter]).unwrap();
        let started = Instant::now();
        let view = desk.run_screening(&ctx, Some(&quarter)).unwrap();
        screening_s.push(started.elapsed().as_secs_f64());
        assert!(view.candidate_count > 0);
    }
    screening_s.sort_by(|a, b| a.total_cmp(b));
    record("screening_quarter_s", screening_s[1]);
    eprintln!("the quarter's screening: median of 3 {:.2} s", screening_s[1]);
    // The bare scan of the receipts the figures read before the month sums (migration 11),
    // for comparison: once (at a million members it takes half a minute).
    {
        let started = Instant::now();
        let conn = desk.conn();
        let mut stmt = conn
            .prepare(
                "SELECT member_id, substr(sale_date, 1, 7), count(*), sum(paid_fen) FROM receipts
                 WHERE kind = 'sale' AND sale_date >= '2023-11-01' AND sale_date <= '2026-10-31' GROUP BY 1, 2",
            )
            .unwrap();
        let rows: Vec<(i64, String, i64, i64)> = stmt
            .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        criterion::black_box(rows.len());
        record("bare_figures_scan_ms", started.elapsed().as_secs_f64() * 1e3);
    }
    // The bare read of the month sums the figures come down to (migration 11).
    group.bench_function("bare_summary_scan", |b| {
        b.iter(|| {
            let conn = desk.conn();
            let mut stmt = conn
                .prepare(
                    "SELECT month, member_id, visits, net_fen, last_visit FROM sales_months
                     WHERE month >= '2023-11' AND month <= '2026-10' ORDER BY month, member_id, branch_id",
                )
                .unwrap();
            let rows: Vec<(String, i64, i64, i64, Option<String>)> = stmt
                .query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            rows.len()
        })
    });
    group.finish();
    record_medians(&["figures_12_months", "bare_summary_scan"]);
}

/// Imports from an old system (issue 13): `members()` members from CSV into an empty store,
/// then ten purchases each, all before the opening day (history), each file timed as one
/// import. The targets are 1,000,000 members in 60 s and 10,000,000 purchases in 10
/// minutes; at another size the limit is scaled to it (the work is per row).
fn imports(_c: &mut Criterion) {
    if !wanted("imports") {
        return;
    }
    let n = members();
    let dir = bench_dir().join("imports");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let location = match server() {
        None => Location::File(dir.join("imported.db")),
        Some(base) => Location::Server(store::create_database(&base, "bench_imports", None).unwrap()),
    };
    let mut desk = Desk::open_location(&location).unwrap();
    desk.bring_up_to(today(), true, "").unwrap();
    let ctx = desk.manager_ctx(today(), today().and_hms_opt(9, 0, 0).unwrap()).unwrap();
    // The files as an old system exports them: one member a line, ten purchases each over
    // the two years before the opening day, in the order they were rung up.
    let surnames: Vec<char> = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗".chars().collect();
    let given: Vec<char> = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂".chars().collect();
    let mut members_csv = String::from("name,phone,gender,birthday,joined_on,opening_points\n");
    for i in 0..n {
        let g = given.len();
        let name: String =
            [surnames[i % surnames.len()], given[(i / 20) % g], given[(i / (20 * g)) % g]].iter().collect();
        members_csv.push_str(&format!(
            "{name},13{:09},{},{}-{:02}-{:02},2024-{:02}-{:02},{}\n",
            (i as u64 * 7_919 + 3_456_789) % 1_000_000_000,
            if i % 5 < 3 { "F" } else { "M" },
            1950 + i % 55,
            1 + i % 12,
            1 + i % 28,
            1 + i % 12,
            1 + i % 28,
            i % 7 * 100
        ));
    }
    // The purchases: ten a member over the two years before the opening day, in the order
    // they were rung up (made only when the run imports them).
    let purchases = n * 10;
    let purchases_csv = || {
        let mut csv = String::from("receipt_no,phone,time,amount\n");
        let start = NaiveDate::from_ymd_opt(2024, 11, 1).unwrap();
        let days = (today() - start).num_days() as u64;
        for k in 0..purchases as u64 {
            let i = (k * 2_654_435_761) % n as u64;
            let day = start + chrono::Days::new(k * days / purchases as u64);
            csv.push_str(&format!(
                "OLD{k:09},13{:09},{} {:02}:{:02},{}.{:02}\n",
                (i * 7_919 + 3_456_789) % 1_000_000_000,
                day,
                9 + k % 12,
                k % 60,
                10 + (k * 37) % 900,
                k % 100
            ));
        }
        csv
    };
    let import = |desk: &mut Desk, what: &str, text: &str, rows: usize| {
        let bar = indicatif::ProgressBar::new(rows as u64);
        let started = Instant::now();
        // Where the time goes: the checks until the first row is written, the rows, and what
        // follows the last report of a row (the indexes built again, the sums, the commit).
        let (mut writing_from, mut last_row_at) = (None, None);
        let mut progress = |p: desk::import::ImportProgress| {
            bar.set_position(p.done as u64);
            if p.stage == desk::import::ImportStage::Writing {
                writing_from.get_or_insert(started.elapsed().as_secs_f64());
                if p.done < p.total {
                    last_row_at = Some(started.elapsed().as_secs_f64());
                }
            }
        };
        let r = match what {
            "members" => desk.import_members_watched(&ctx, text.as_bytes(), Default::default(), &mut progress),
            _ => desk.import_purchases_watched(&ctx, text.as_bytes(), Default::default(), &mut progress),
        }
        .unwrap();
        let took = started.elapsed().as_secs_f64();
        bar.finish_and_clear();
        assert!(r.errors.is_empty(), "{:?}", &r.errors[..r.errors.len().min(3)]);
        assert_eq!(r.written, rows);
        eprintln!("imported {rows} {what} in {took:.1} s ({:.0} rows/s)", rows as f64 / took);
        if let (Some(w), Some(l)) = (writing_from, last_row_at) {
            eprintln!(
                "  checked in {w:.1} s, rows written by {l:.1} s, the rest (indexes, sums, commit) {:.1} s",
                took - l
            );
        }
        took
    };
    let members_s = import(&mut desk, "members", &members_csv, n);
    drop(members_csv);
    record("import_members_s", members_s);
    // `BENCH_IMPORT=members` stops after the members (a million purchases per 100,000
    // members take a while).
    if std::env::var("BENCH_IMPORT").map(|v| v != "members").unwrap_or(true) {
        let purchases_s = import(&mut desk, "purchases", &purchases_csv(), purchases);
        record("import_purchases_s", purchases_s);
    }
    // (On a server the database bench_imports stays until the next run replaces it.)
    drop(desk);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The member columns a lookup reads, for the bare queries below.
const MEMBER_COLUMNS: &str = "m.id, m.member_no, m.name, m.gender, m.phone, m.birthday_calendar, m.birthday_year,
    m.birthday_month, m.birthday_day, m.birthday_leap, m.joined_on, m.referral_code, m.referred_by, m.contact_ok,
    m.vip, m.notes, m.tier, m.points_balance, m.archived, m.merged_into, m.erased_at, m.card_code";

/// The median and the 99th percentile of `samples` (µs), in ms.
fn p50_p99(samples: &mut [f64]) -> (f64, f64) {
    samples.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize] / 1e3;
    (at(0.5), at(0.99))
}

/// Lookups over 10,000 keys drawn from the store (issue 13), none repeated: for each kind
/// the desk's lookup and the bare indexed query it comes down to, on the same connection
/// with the same keys. `BENCH_KEYS` sets how many. Prints p50 and p99 of both and their
/// ratio; the figures go to the side-by-side table.
fn random_keys(_c: &mut Criterion) {
    if !wanted("keys") {
        return;
    }
    let fixture = fixture();
    let desk = Desk::open_location(&fixture).unwrap();
    let ctx = desk.manager_ctx(today(), today().and_hms_opt(9, 0, 0).unwrap()).unwrap();
    let n: usize = std::env::var("BENCH_KEYS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    // A spread of members in an order both engines give alike (a multiplicative hash).
    let rows: Vec<(String, String, String, String)> = desk
        .conn()
        .prepare(
            "SELECT phone, member_no, card_code, name FROM members
             WHERE archived = 0 AND erased_at IS NULL AND phone IS NOT NULL AND card_code IS NOT NULL
             ORDER BY (id * 2654435761) % 1000003 LIMIT ?1",
        )
        .unwrap()
        .query_map([n as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let bare_sql = |body: &str| format!("SELECT {MEMBER_COLUMNS} {body}");
    let by_index = bare_sql("FROM members m WHERE m.phone = ?1");
    let last4 = bare_sql("FROM members m WHERE m.phone_last4 = ?1 AND m.archived = 0 ORDER BY m.id LIMIT 20");
    let member_no = bare_sql("FROM members m WHERE m.member_no = ?1");
    let card = bare_sql("FROM members m WHERE m.card_code = ?1");
    let name = bare_sql("FROM members m WHERE m.name = ?1 AND m.archived = 0 ORDER BY m.id LIMIT 20");
    let gram = bare_sql(
        "FROM member_name_grams g JOIN members m ON m.id = g.member_id
         WHERE g.gram = ?1 AND m.archived = 0 ORDER BY g.member_id LIMIT 20",
    );
    let initials = bare_sql(
        "FROM members m WHERE m.name_initials >= ?1 AND m.name_initials < ?2 AND m.archived = 0
         ORDER BY m.name_initials, m.id LIMIT 20",
    );
    let full = bare_sql(
        "FROM members m WHERE m.name_pinyin >= ?1 AND m.name_pinyin < ?2 AND m.archived = 0
         ORDER BY m.name_pinyin, m.id LIMIT 20",
    );
    // Each kind: the key the cashier types, and the bare query with its values.
    type Key = (String, Vec<String>);
    let kinds: Vec<(&str, &str, Box<dyn Fn(&(String, String, String, String)) -> Key>)> = vec![
        ("phone", &by_index, Box::new(|r| (r.0.clone(), vec![r.0.clone()]))),
        ("last4", &last4, Box::new(|r| (r.0[7..].to_string(), vec![r.0[7..].to_string()]))),
        ("member_no", &member_no, Box::new(|r| (r.1.clone(), vec![r.1.clone()]))),
        ("card_code", &card, Box::new(|r| (r.2.clone(), vec![r.2.clone()]))),
        ("name_exact", &name, Box::new(|r| (r.3.clone(), vec![r.3.clone()]))),
        (
            "name_piece",
            &gram,
            Box::new(|r| {
                let given: String = r.3.chars().skip(1).take(2).collect();
                (given.clone(), vec![given])
            }),
        ),
        (
            "one_character",
            &gram,
            Box::new(|r| {
                let last: String = r.3.chars().last().into_iter().collect();
                (last.clone(), vec![last])
            }),
        ),
        (
            "pinyin_initials",
            &initials,
            Box::new(|r| {
                let k = loyalty::name_keys::name_keys(&r.3).initials;
                (k.clone(), vec![k.clone(), format!("{k}\u{7f}")])
            }),
        ),
        (
            "full_pinyin",
            &full,
            Box::new(|r| {
                let k = loyalty::name_keys::name_keys(&r.3).full;
                (k.clone(), vec![k.clone(), format!("{k}\u{7f}")])
            }),
        ),
    ];
    eprintln!("\n{} keys drawn from {} members, {}", rows.len(), members(), engine());
    eprintln!("{:<18} {:>10} {:>10} {:>10} {:>10} {:>8}", "kind", "p50 ms", "p99 ms", "bare p50", "bare p99", "ratio");
    // `BENCH_KINDS=name_exact,full_pinyin` runs only those kinds (for a profiler).
    let only: Option<Vec<String>> =
        std::env::var("BENCH_KINDS").ok().map(|v| v.split(',').map(|k| k.trim().to_string()).collect());
    for (kind, sql, key_of) in &kinds {
        if only.as_ref().is_some_and(|o| !o.iter().any(|k| k == kind)) {
            continue;
        }
        let keys: Vec<Key> = rows.iter().map(|r| key_of(r)).filter(|(k, _)| !k.is_empty()).collect();
        let mut lookup_us = Vec::with_capacity(keys.len());
        let mut bare_us = Vec::with_capacity(keys.len());
        for (key, values) in &keys {
            let started = Instant::now();
            criterion::black_box(desk.search(&ctx, key, 20).unwrap());
            lookup_us.push(started.elapsed().as_secs_f64() * 1e6);
            let started = Instant::now();
            // Planned once on PostgreSQL, as the lookup's own statement is.
            let mut stmt = desk.conn().prepare_generic(sql).unwrap();
            let values: Vec<store::db::Value> = values.iter().map(|v| store::db::Value::Text(v.clone())).collect();
            // Every column it selects is read, as any caller of the query must (the lookup
            // turns the same columns into members).
            let found = stmt
                .query_map(values, |r| {
                    (0..r.column_count()).map(|i| r.get::<_, store::db::Value>(i)).collect::<Result<Vec<_>, _>>()
                })
                .unwrap()
                .map(Result::unwrap)
                .count();
            criterion::black_box(found);
            bare_us.push(started.elapsed().as_secs_f64() * 1e6);
        }
        let (p50, p99) = p50_p99(&mut lookup_us);
        let (b50, b99) = p50_p99(&mut bare_us);
        eprintln!("{kind:<18} {p50:>10.3} {p99:>10.3} {b50:>10.3} {b99:>10.3} {:>7.2}×", p50 / b50);
        record(&format!("keys_{kind}_p50_ms"), p50);
        record(&format!("keys_{kind}_p99_ms"), p99);
        record(&format!("keys_{kind}_bare_p50_ms"), b50);
    }
    replanned(&desk);
}

/// Both engines side by side, from this run and the last run of the other engine, with the
/// PostgreSQL targets of issue 10.
fn side_by_side(_c: &mut Criterion) {
    // Only figures of this size, each engine's from its own runs (criterion's own files keep
    // the last run of any size).
    let figures: [BTreeMap<String, f64>; 2] = ["sqlite", "postgres"].map(|e| read_results(&results_file(e)));
    side_by_side_table(&figures);
    targets_table(&figures);
}

fn side_by_side_table(figures: &[BTreeMap<String, f64>; 2]) {
    let names: std::collections::BTreeSet<String> = figures.iter().flat_map(|f| f.keys().cloned()).collect();
    eprintln!("\n{} members — SQLite and PostgreSQL side by side", members());
    eprintln!("{:<32} {:>12} {:>12} {:>8}  target (PostgreSQL)", "figure", "SQLite", "PostgreSQL", "ratio");
    for name in names {
        let (lite, pg) = (figures[0].get(&name).copied(), figures[1].get(&name).copied());
        let ratio = match (lite, pg) {
            (Some(l), Some(p)) if l > 0.0 => format!("{:.2}×", p / l),
            _ => "—".into(),
        };
        let target = match name.as_str() {
            n if n.starts_with("lookup_") && n.ends_with("_ms") && !n.contains("during") => {
                verdict(pg, lite.map(|l| l * 3.0), "≤ 3× SQLite")
            }
            "checkout_durable_ms" => {
                let bare = |i: usize| figures[i].get("bare_receipt_insert_commit_ms").copied();
                let ratio = |i: usize, v: Option<f64>| match (v, bare(i)) {
                    (Some(v), Some(b)) if b > 0.0 => format!("{:.2}×", v / b),
                    _ => "—".into(),
                };
                format!(
                    "{}; to the bare insert + commit: SQLite {}, PostgreSQL {} (issue 13: ≤ 1.5×)",
                    verdict(pg, lite.map(|l| l * 3.0), "≤ 3× SQLite"),
                    ratio(0, lite),
                    ratio(1, pg)
                )
            }
            "checkout_by_stored_value_durable_ms" => {
                let plain = |i: usize| figures[i].get("checkout_durable_ms").map(|m| m * 1.5);
                format!(
                    "SQLite {}; PostgreSQL {}",
                    verdict(lite, plain(0), "≤ 1.5× plain checkout"),
                    verdict(pg, plain(1), "≤ 1.5× plain checkout")
                )
            }
            n if n.starts_with("keys_") && n.ends_with("_p50_ms") && !n.contains("bare") => {
                let bare_name = n.replace("_p50_ms", "_bare_p50_ms");
                let within = |i: usize, v: Option<f64>| match (v, figures[i].get(&bare_name)) {
                    (Some(v), Some(b)) => format!("{:.2}× bare {}", v / b, if v <= 3.0 * b { "ok" } else { "MISSED" }),
                    _ => "—".into(),
                };
                format!(
                    "SQLite {}, {}; PostgreSQL {}, {} (issue 13: < 0.5 ms, ≤ 3× bare)",
                    verdict(lite, Some(0.5), "< 0.5 ms"),
                    within(0, lite),
                    verdict(pg, Some(0.5), "< 0.5 ms"),
                    within(1, pg)
                )
            }
            n if n.starts_with("keys_") && n.ends_with("_p99_ms") => format!(
                "SQLite {}; PostgreSQL {}",
                verdict(lite, Some(2.0), "< 2 ms"),
                verdict(pg, Some(2.0), "< 2 ms")
            ),
            "tier_run_s" => verdict(pg, Some(10.0), "< 10 s"),
            "contact_list_max_ms" => verdict(pg, Some(300.0), "< 300 ms"),
            "figures_12_months_ms" => {
                format!("{}; SQLite {}", verdict(pg, Some(1000.0), "< 1 s"), verdict(lite, Some(1000.0), "< 1 s"))
            }
            _ => String::new(),
        };
        let show = |v: Option<f64>| v.map(|v| format!("{v:.3}")).unwrap_or_else(|| "—".into());
        eprintln!("{name:<32} {:>12} {:>12} {ratio:>8}  {target}", show(lite), show(pg));
    }
}

/// Issue 13's summary: each target with its measured value on each engine, its limit and
/// `ok` or `MISSED` (or `—`: not measured in the runs kept). Limits of work per row (the
/// imports, the demo build) are scaled to the size run; at 1,000,000 members they are the
/// issue's own.
fn targets_table(figures: &[BTreeMap<String, f64>; 2]) {
    let scale = members() as f64 / 1e6;
    let get = |i: usize, k: &str| figures[i].get(k).copied();
    let ratio = |i: usize, a: &str, b: &str| match (get(i, a), get(i, b)) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    };
    // (target, SQLite value, PostgreSQL value, limit, unit)
    let mut rows: Vec<(String, Option<f64>, Option<f64>, f64, &str)> = Vec::new();
    for kind in [
        "phone",
        "last4",
        "member_no",
        "card_code",
        "name_exact",
        "name_piece",
        "one_character",
        "pinyin_initials",
        "full_pinyin",
    ] {
        let p50 = format!("keys_{kind}_p50_ms");
        let p99 = format!("keys_{kind}_p99_ms");
        let bare = format!("keys_{kind}_bare_p50_ms");
        rows.push((format!("lookup {kind} p50"), get(0, &p50), get(1, &p50), 0.5, "ms"));
        rows.push((format!("lookup {kind} p99"), get(0, &p99), get(1, &p99), 2.0, "ms"));
        rows.push((format!("lookup {kind} p50 ÷ bare"), ratio(0, &p50, &bare), ratio(1, &p50, &bare), 3.0, "×"));
    }
    for (label, name) in [
        ("checkout", "checkout_durable_ms"),
        ("top-up", "top_up_durable_ms"),
        ("stored-value checkout", "checkout_by_stored_value_durable_ms"),
    ] {
        rows.push((
            format!("{label} ÷ bare insert + commit"),
            ratio(0, name, "bare_receipt_insert_commit_ms"),
            ratio(1, name, "bare_receipt_insert_commit_ms"),
            1.5,
            "×",
        ));
    }
    let tier_s = |i: usize| get(i, "tier_run_s");
    rows.push(("tier run of every member".into(), tier_s(0), tier_s(1), 10.0, "s"));
    let tier_ratio = |i: usize| match (tier_s(i), get(i, "bare_tier_window_scan_ms")) {
        (Some(t), Some(b)) if b > 0.0 => Some(t * 1e3 / b),
        _ => None,
    };
    rows.push(("tier run ÷ bare window scan".into(), tier_ratio(0), tier_ratio(1), 2.0, "×"));
    let during = "lookup_during_tier_run_p99_ms";
    rows.push(("lookups during the tier run, p99".into(), get(0, during), get(1, during), 5.0, "ms"));
    let list = "contact_list_max_ms";
    rows.push(("contact list, worst day 11-24…12-30".into(), get(0, list), get(1, list), 300.0, "ms"));
    let fig = "figures_12_months_ms";
    rows.push(("figures of 12 months".into(), get(0, fig), get(1, fig), 1000.0, "ms"));
    let scr = "screening_quarter_s";
    rows.push(("the quarter's screening".into(), get(0, scr), get(1, scr), 10.0, "s"));
    rows.push(("opening the store".into(), get(0, "open_store_ms"), get(1, "open_store_ms"), 1000.0, "ms"));
    let start = "app_start_to_search_s";
    rows.push(("app start to the focused search box".into(), get(0, start), get(1, start), 1.5, "s"));
    let rss = "app_resident_mb";
    rows.push(("app resident memory".into(), get(0, rss), get(1, rss), 150.0, "MB"));
    let im = "import_members_s";
    rows.push((format!("import {} members", members()), get(0, im), get(1, im), 60.0 * scale, "s"));
    let ip = "import_purchases_s";
    rows.push((format!("import {} purchases", members() * 10), get(0, ip), get(1, ip), 600.0 * scale, "s"));
    let demo = "demo_build_s";
    rows.push((format!("building the {}-member demo", members()), get(0, demo), None, 300.0 * scale, "s"));

    eprintln!("\nIssue 13 targets at {} members (limits of per-row work scaled to the size run)", members());
    eprintln!("{:<44} {:>10} {:>7}  {:>10} {:>7}  {:>9}", "target", "SQLite", "", "PostgreSQL", "", "limit");
    let cell = |v: Option<f64>, limit: f64| match v {
        Some(v) => (format!("{v:.3}"), if v <= limit { "ok" } else { "MISSED" }),
        None => ("—".to_string(), ""),
    };
    for (label, lite, pg, limit, unit) in rows {
        let (l, lv) = cell(lite, limit);
        let (p, pv) = cell(pg, limit);
        eprintln!("{label:<44} {l:>10} {lv:>7}  {p:>10} {pv:>7}  {:>9}", format!("{limit} {unit}"));
    }
}

fn verdict(measured: Option<f64>, limit: Option<f64>, label: &str) -> String {
    match (measured, limit) {
        (Some(m), Some(l)) => format!("{label}: {}", if m <= l { "ok" } else { "MISSED" }),
        _ => format!("{label}: not measured"),
    }
}

criterion_group! {
    name = speed;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = benches
}

criterion_group! {
    name = monthly;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(20)).warm_up_time(Duration::from_millis(1));
    targets = tier_evaluation
}

criterion_group! {
    name = daily;
    config = Criterion::default();
    targets = contact_list
}
criterion_group! {
    name = yearly;
    config = Criterion::default();
    targets = figures_of_a_year
}
criterion_group! {
    name = keys;
    config = Criterion::default();
    targets = random_keys
}
criterion_group! {
    name = loads;
    config = Criterion::default();
    targets = imports
}
criterion_group! {
    name = summary;
    config = Criterion::default();
    targets = side_by_side
}
criterion_main!(speed, keys, monthly, daily, yearly, loads, summary);
