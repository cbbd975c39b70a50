//! Shared helpers for the app's integration tests: running the real binary on a scratch
//! data file.

#![allow(dead_code)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_memberdesk");

/// Runs `memberdesk --db DB --today TODAY --json ARGS…`.
pub fn cli(db: &Path, today: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(["--today", today, "--json"])
        .args(args)
        .env_remove("MEMBERDESK_TODAY")
        .env_remove("MEMBERDESK_DB")
        .output()
        .expect("the binary runs")
}

/// Runs the CLI and parses its JSON, asserting the exit code.
pub fn cli_json(db: &Path, today: &str, args: &[&str], exit: i32) -> Value {
    let out = cli(db, today, args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(exit),
        "{args:?}: stdout {stdout} stderr {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {stdout}"))
}
