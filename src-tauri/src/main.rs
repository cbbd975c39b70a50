// No console window on Windows release builds; the CLI attaches to its caller's.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if std::env::args_os().len() > 1 {
        std::process::exit(memberdesk::cli::main());
    }
    memberdesk::run_desktop();
}
