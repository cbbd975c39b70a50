//! Shared helpers for the app's integration tests: running the real binary on a scratch
//! data file.

#![allow(dead_code)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_memberdesk");

/// The manager account the window tests sign in with once the store has PINs.
pub const MANAGER: (&str, &str) = ("店长", "1234");

/// Runs `memberdesk --db DB --today TODAY --json --staff 店长 ARGS…` with the manager's PIN
/// (ignored while no account has a PIN: then the CLI is the built-in 命令行).
pub fn cli(db: &Path, today: &str, args: &[&str]) -> Output {
    cli_as(db, today, Some(MANAGER), args)
}

/// The same as a given account (or as nobody: no `--staff`, no PIN).
pub fn cli_as(db: &Path, today: &str, staff: Option<(&str, &str)>, args: &[&str]) -> Output {
    let mut c = Command::new(BIN);
    c.arg("--db").arg(db).args(["--today", today, "--json"]);
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
