//! Shared helpers for the app's integration tests: running the real binary on a scratch
//! store. `MEMBERDESK_TEST_ENGINE=postgres` (with `MEMBERDESK_TEST_PG`, the throwaway
//! cluster's admin URL) gives each scratch data file path a fresh schema on the server
//! instead, so the same tests run on both engines.

#![allow(dead_code)]

use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Mutex;

pub const BIN: &str = env!("CARGO_BIN_EXE_memberdesk");

/// The manager account the window tests sign in with once the store has PINs.
pub const MANAGER: (&str, &str) = ("店长", "1234");

/// Runs `memberdesk --db DB --today TODAY --json --staff 店长 ARGS…` with the manager's PIN
/// (ignored while no account has a PIN: then the CLI is the built-in 命令行).
pub fn cli(db: &Path, today: &str, args: &[&str]) -> Output {
    cli_as(db, today, Some(MANAGER), args)
}

/// Whether the tests run on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("MEMBERDESK_TEST_ENGINE").is_ok_and(|e| e == "postgres")
}

/// The throwaway cluster's admin URL (`.ci/test` starts it); under CI it must be there.
pub fn test_server() -> Option<String> {
    match std::env::var("MEMBERDESK_TEST_PG") {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            assert!(std::env::var("CI").is_err(), "CI runs with MEMBERDESK_TEST_PG (.ci/test starts a cluster)");
            eprintln!("MEMBERDESK_TEST_PG is not set: this PostgreSQL test is skipped");
            None
        }
    }
}

/// A fresh schema on the test server, as a `--db` URL.
pub fn fresh_server_db() -> Option<String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let server = store::ServerUrl::new(&test_server()?);
    let name = format!("c{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
    // On a thread of its own: the PostgreSQL client blocks, which a test's async runtime
    // (the window tests) does not allow on its own threads.
    let made = std::thread::spawn(move || store::create_schema(&server, &name).map(|u| u.secret().to_string()));
    Some(made.join().expect("the schema thread").unwrap())
}

/// What `--db` gets for a scratch data file: the file, or (on PostgreSQL) the schema that
/// stands for it, the same one each time.
pub fn db_arg(db: &Path) -> std::ffi::OsString {
    let mut map = SCHEMAS.lock().unwrap();
    let map = map.get_or_insert_with(HashMap::new);
    if let Some(url) = map.get(db) {
        return url.into();
    }
    // A path that exists is a data file the test made itself (a damaged one): kept as is.
    if !on_postgres() || db.exists() {
        return db.as_os_str().to_owned();
    }
    map.entry(db.to_path_buf())
        .or_insert_with(|| fresh_server_db().expect("MEMBERDESK_TEST_ENGINE=postgres needs MEMBERDESK_TEST_PG"))
        .clone()
        .into()
}

/// Makes the scratch data file path `db` stand for the database `url` in every CLI call of
/// this test process, whatever the engine the suite runs on (tests of a shared server).
pub fn bind_to_server(db: &Path, url: &str) {
    SCHEMAS.lock().unwrap().get_or_insert_with(HashMap::new).insert(db.to_path_buf(), url.to_string());
}

static SCHEMAS: Mutex<Option<HashMap<std::path::PathBuf, String>>> = Mutex::new(None);

/// The same as a given account (or as nobody: no `--staff`, no PIN).
pub fn cli_as(db: &Path, today: &str, staff: Option<(&str, &str)>, args: &[&str]) -> Output {
    let mut c = Command::new(BIN);
    c.arg("--db").arg(db_arg(db)).args(["--today", today, "--json"]);
    c.env_remove("MEMBERDESK_TODAY").env_remove("MEMBERDESK_DB").env_remove("MEMBERDESK_PIN");
    if let Some((name, pin)) = staff {
        c.args(["--staff", name]).env("MEMBERDESK_PIN", pin);
    }
    c.args(args).output().expect("the binary runs")
}

/// Runs as an account and parses the JSON, asserting the exit code.
pub fn cli_json_as(db: &Path, today: &str, staff: Option<(&str, &str)>, args: &[&str], exit: i32) -> Value {
    let out = cli_as(db, today, staff, args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(exit),
        "{args:?}: stdout {stdout} stderr {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {stdout}"))
}

/// Runs the CLI (as the manager once PINs exist) and parses its JSON, asserting the exit code.
pub fn cli_json(db: &Path, today: &str, args: &[&str], exit: i32) -> Value {
    cli_json_as(db, today, Some(MANAGER), args, exit)
}
