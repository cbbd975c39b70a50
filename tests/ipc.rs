//! The desktop commands, headless: the real command handlers through Tauri's mock runtime,
//! as the webview's `invoke` calls them, with `{code, message}` errors.

use desk::{Operation, Role};
use memberdesk::state::AppState;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindowBuilder;

struct MockApp {
    _app: tauri::App<tauri::test::MockRuntime>,
    webview: tauri::WebviewWindow<tauri::test::MockRuntime>,
    db: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

/// A new store whose first manager 店长 (PIN 1234) set it up and is signed in.
fn app() -> MockApp {
    let app = app_on(tempfile::tempdir().unwrap());
    call(&app, "staff_setup", json!({ "name": "店长", "pin": "1234" })).unwrap();
    app
}

fn app_on(dir: tempfile::TempDir) -> MockApp {
    // The store date of the desktop app comes from the environment, as in the real shell.
    std::env::set_var("MEMBERDESK_TODAY", "2026-11-23");
    let state = AppState::open(store::Location::File(dir.path().join("ipc.db")));
    let app = memberdesk::app_builder(mock_builder(), state).build(mock_context(noop_assets())).unwrap();
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    MockApp { _app: app, webview, db: dir.path().join("ipc.db"), _dir: dir }
}

fn call(app: &MockApp, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        &app.webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            // The app's own origin on Linux and macOS (commands from remote origins are refused).
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

#[test]
fn the_front_desk_flow_through_the_commands() {
    let app = app();
    let status = call(&app, "app_status", json!({})).unwrap();
    assert_eq!((status["members"].as_i64(), status["store_date_now"].as_str()), (Some(0), Some("2026-11-23")));
    let card =
        call(&app, "member_enroll", json!({ "input": { "name": "欧阳娜娜", "phone": "13812345678", "gender": "F" } }))
            .unwrap();
    assert_eq!(card["greeting"], "欧阳女士");
    let hits = call(&app, "member_search", json!({ "query": "5678" })).unwrap();
    assert_eq!(hits[0]["member_no"], card["member_no"]);
    let receipt = call(&app, "receipt_suggest", json!({})).unwrap();
    assert_eq!(receipt, "R20261123-0001");
    let o = call(&app, "checkout", json!({ "input": { "member": "M000001", "amount": "520", "receipt": receipt } }))
        .unwrap();
    assert_eq!(
        (o["points_earned"].as_i64(), o["points_balance"].as_i64(), o["gift"].as_str()),
        (Some(520), Some(570), Some("满500赠品"))
    );
    assert_eq!(call(&app, "receipt_suggest", json!({})).unwrap(), "R20261123-0002");
    let history = call(&app, "member_history", json!({ "member": "13812345678" })).unwrap();
    assert_eq!(history.as_array().unwrap().len(), 1);
}

#[test]
fn errors_arrive_as_code_and_message_and_write_nothing() {
    let app = app();
    call(&app, "member_enroll", json!({ "input": { "name": "张三", "phone": "13800138000" } })).unwrap();
    let e =
        call(&app, "checkout", json!({ "input": { "member": "13800138000", "amount": "12.345", "receipt": "R1" } }))
            .unwrap_err();
    assert_eq!(e["code"], "invalid_amount");
    assert_eq!(e["message"], "金额最多两位小数");
    let e = call(&app, "member_enroll", json!({ "input": { "name": "李四", "phone": "138-0013-8000" } })).unwrap_err();
    assert_eq!(e["code"], "phone_taken");
    let e = call(&app, "points_adjust", json!({ "member": "13800138000", "points": 10, "reason": "" })).unwrap_err();
    assert_eq!(e["code"], "reason_required");
    let card = call(&app, "member_show", json!({ "member": "13800138000" })).unwrap();
    assert_eq!(card["points_balance"], 50, "the welcome points only");
    assert_eq!(card["recent_receipts"].as_array().unwrap().len(), 0);
}

#[test]
fn a_damaged_file_found_by_the_background_check_stops_writes_but_not_lookups() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ipc.db");
    {
        let mut desk = desk::Desk::open(&db).unwrap();
        desk.bring_up_to("2026-11-23".parse().unwrap(), true, "").unwrap();
        let ctx = desk.manager_ctx("2026-11-23".parse().unwrap(), "2026-11-23T10:00:00".parse().unwrap()).unwrap();
        desk.fill_demo(&ctx, 400, 6, 1).unwrap();
        desk.set_up_first_manager(&ctx, "店长", "1234").unwrap();
        desk.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    }
    let mut bytes = std::fs::read(&db).unwrap();
    let at = bytes.len() * 2 / 3;
    bytes[at..at + 8192].fill(0x5A);
    std::fs::write(&db, &bytes).unwrap();
    let app = app_on(dir);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        let s = call(&app, "app_status", json!({})).unwrap();
        if s["integrity"]["state"] != "checking" || std::time::Instant::now() > deadline {
            break s;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status["integrity"]["state"], "damaged", "{status}");
    // Signing in still works (it writes nothing on a damaged file); writes are refused.
    call(&app, "sign_in", json!({ "name": "店长", "pin": "1234" })).unwrap();
    let e = call(&app, "member_enroll", json!({ "input": { "name": "张三", "phone": "13800138000" } })).unwrap_err();
    assert_eq!(e["code"], "data_file_damaged");
    assert!(call(&app, "member_search", json!({ "query": "M000001" })).is_ok(), "lookups still answer");
}

/// Every desktop command with the operation it performs (None: the session's own commands,
/// open to anybody). The role × command walk below proves that the operations enforce the
/// permission table; `every_command_is_in_the_walk` keeps this table complete.
fn command_walk() -> Vec<(&'static str, Value, Option<Operation>)> {
    use Operation::*;
    let member = json!({ "name": "张三", "phone": "13812345678", "gender": "F" });
    vec![
        ("app_status", json!({}), None),
        ("session_status", json!({}), None),
        ("member_search", json!({ "query": "5678" }), Some(Lookup)),
        ("member_show", json!({ "member": "13812345678" }), Some(Lookup)),
        ("member_history", json!({ "member": "13812345678" }), Some(Lookup)),
        ("catalog", json!({}), Some(Lookup)),
        ("member_enroll", json!({ "input": { "name": "李四", "phone": "13900001111" } }), Some(Enrol)),
        ("member_update", json!({ "member": "13812345678", "input": member }), Some(EditMember)),
        ("member_notes", json!({ "member": "13812345678", "notes": "喜欢绿茶" }), Some(EditNotes)),
        ("receipt_suggest", json!({}), Some(Checkout)),
        (
            "checkout_quote",
            json!({ "input": { "member": "13812345678", "amount": "10", "receipt": "Q1" } }),
            Some(Checkout),
        ),
        ("checkout", json!({ "input": { "member": "13812345678", "amount": "10", "receipt": "W1" } }), Some(Checkout)),
        ("redeem_options", json!({ "member": "13812345678" }), Some(Redeem)),
        ("redeem", json!({ "member": "13812345678", "item": 2 }), Some(Redeem)),
        ("refund", json!({ "input": { "of": "R1", "receipt": "T1", "amount": "10" } }), Some(Refund)),
        ("points_adjust", json!({ "member": "13812345678", "points": 10, "reason": "补发" }), Some(AdjustPoints)),
        (
            "interaction_record",
            json!({ "member": "13812345678", "kind": "survey", "note": "" }),
            Some(RecordInteraction),
        ),
        ("contact_queue", json!({}), Some(WorkContacts)),
        ("contact_sms_batches", json!({}), Some(WorkContacts)),
        ("contact_entry", json!({ "entry": 1 }), Some(WorkContacts)),
        ("contact_record", json!({ "entry": 1, "outcome": "done", "note": "好" }), Some(WorkContacts)),
        ("contact_export", json!({ "channel": "call" }), Some(WorkContacts)),
        ("contact_export", json!({ "channel": "sms" }), Some(ExportSms)),
        ("tier_review", json!({ "month": "2026-11" }), Some(ReviewTiers)),
        ("tier_export", json!({ "month": "2026-11", "format": "csv" }), Some(ReviewTiers)),
        ("tier_evaluate", json!({ "month": "2026-11" }), Some(RunTiers)),
        ("settings_get", json!({}), Some(EditSettings)),
        ("settings_save", json!({ "settings": loyalty::ProgramSettings::default() }), Some(EditSettings)),
        (
            "catalog_save",
            json!({ "item": { "id": 0, "name": "保温杯", "points": 200, "stock": 5, "voucher": null, "active": true } }),
            Some(EditSettings),
        ),
        ("coupon_templates", json!({}), Some(EditSettings)),
        (
            "coupon_template_save",
            json!({ "template": { "key": "new_member", "name": "新手礼包", "kind": "amount", "value": "10", "min_spend": "100", "days_valid": 30, "active": true, "description": "" } }),
            Some(EditSettings),
        ),
        ("contact_settings", json!({}), Some(EditSettings)),
        (
            "contact_script_save",
            json!({ "script": { "kind": "birthday", "text": "{greeting}您好！生日快乐！" } }),
            Some(EditSettings),
        ),
        (
            "holiday_save",
            json!({ "holiday": { "id": 0, "name": "店庆", "calendar": "solar", "month": 11, "day": 25, "audience": "all", "active": true } }),
            Some(EditSettings),
        ),
        ("member_archive", json!({ "member": "13812345678", "archived": true }), Some(ArchiveMember)),
        ("demo_fill", json!({ "members": 5, "months": 2 }), Some(Demo)),
        ("staff_list", json!({}), Some(ManageStaff)),
        ("staff_add", json!({ "name": "新人", "role": "front_desk", "pin": "7777" }), Some(ManageStaff)),
        ("staff_set", json!({ "name": "新人", "change": { "role": "customer_service" } }), Some(ManageStaff)),
        ("audit_query", json!({ "query": {} }), Some(ViewAudit)),
        ("audit_export", json!({ "query": {}, "format": "xlsx" }), Some(ViewAudit)),
        ("branch_list", json!({}), Some(Lookup)),
        ("figures", json!({}), Some(ViewFigures)),
        ("figures_export", json!({ "format": "xlsx" }), Some(ViewFigures)),
        ("screening_run", json!({}), Some(ScreenMembers)),
        ("screening_list", json!({}), Some(ScreenMembers)),
        (
            "screening_decide",
            json!({ "member": "13812345678", "approve": false, "note": "不符合" }),
            Some(ScreenMembers),
        ),
        ("member_vip", json!({ "member": "13812345678", "vip": true, "note": "" }), Some(ScreenMembers)),
        ("member_card_code", json!({ "member": "13812345678", "replace": true }), Some(EditMember)),
        ("member_sv_pin", json!({ "member": "13812345678", "pin": "246810" }), Some(EditMember)),
        (
            "sv_top_up",
            json!({ "input": { "member": "13812345678", "amount": "500", "receipt": "TOPUP-IPC-1" } }),
            Some(TopUp),
        ),
        (
            "sv_top_up_quote",
            json!({ "input": { "member": "13812345678", "amount": "500", "receipt": "TOPUP-IPC-2" } }),
            Some(TopUp),
        ),
        ("sv_payout", json!({ "member": "13812345678", "amount": "10", "reason": "会员要求" }), Some(Payout)),
        ("print_card", json!({ "member": "13812345678" }), Some(Lookup)),
        ("print_slip", json!({ "receipt": "R1", "width": "58" }), Some(Lookup)),
        ("sv_rules", json!({ "history": true }), Some(Lookup)),
        (
            "sv_rule_save",
            json!({ "input": { "threshold": "300", "bonus_kind": "points", "bonus_points": 300 } }),
            Some(EditSettings),
        ),
        ("sv_rule_stop", json!({ "id": 1 }), Some(EditSettings)),
        ("sv_export", json!({ "from": "2026-01-01", "until": "2026-12-31", "format": "xlsx" }), Some(Export)),
        ("member_duplicates", json!({}), Some(MergeMembers)),
        ("member_merge_preview", json!({ "keep": "13812345678", "merge": "M000002" }), Some(MergeMembers)),
        ("member_merge", json!({ "keep": "13812345678", "merge": "M000002" }), Some(MergeMembers)),
        (
            "import_file",
            json!({ "kind": "members", "bytes": "name,phone\n王五,13700001111\n".as_bytes(), "dryRun": true, "skipInvalid": false }),
            Some(Import),
        ),
        ("member_erase", json!({ "member": "13812345678", "confirm": "M000009" }), Some(EraseMember)),
        ("log_tail", json!({}), Some(ViewAudit)),
        ("print_settings", json!({}), Some(Lookup)),
        ("print_settings_save", json!({ "input": { "slip_width": "58", "slip_margin_mm": "3" } }), Some(Lookup)),
        // What support asks first; shown before anyone signs in.
        ("app_about", json!({}), None),
        // The session's own: signing in, the first start, locking; tested on their own.
        ("staff_setup", json!({ "name": "x", "pin": "1234" }), None),
        ("demo_start", json!({ "members": 5, "months": 2 }), None),
        ("sign_in", json!({ "name": "x", "pin": "1234" }), None),
        ("session_lock", json!({}), None),
        ("sign_out", json!({}), None),
        // Which store the window works on: shown to anybody, changed by a manager only
        // (an address that is no server is refused before anything changes).
        ("store_connect", json!({ "form": { "url": "mysql://x" } }), Some(ManageBranches)),
        ("store_connection", json!({}), None),
        ("store_connection_test", json!({ "form": { "url": "mysql://x" } }), None),
        ("store_disconnect", json!({}), None),
        // Printing what the window shows (no data of its own): tested in the real window.
        ("print_page", json!({ "widthMm": 85.6, "heightMm": 54.0 }), None),
    ]
}

/// A store with one member and a receipt R1, its three accounts, signed in as `role`.
fn app_signed_in_as(role: Role) -> MockApp {
    let app = app();
    call(&app, "staff_add", json!({ "name": "前台小王", "role": "front_desk", "pin": "1111" })).unwrap();
    call(&app, "staff_add", json!({ "name": "客服小李", "role": "customer_service", "pin": "2222" })).unwrap();
    call(&app, "staff_add", json!({ "name": "老板", "role": "owner", "pin": "3333" })).unwrap();
    call(&app, "member_enroll", json!({ "input": { "name": "张三", "phone": "13812345678", "gender": "F" } })).unwrap();
    call(&app, "checkout", json!({ "input": { "member": "13812345678", "amount": "100", "receipt": "R1" } })).unwrap();
    let (name, pin) = match role {
        Role::FrontDesk => ("前台小王", "1111"),
        Role::CustomerService => ("客服小李", "2222"),
        Role::Manager => ("店长", "1234"),
        Role::Owner => ("老板", "3333"),
    };
    call(&app, "sign_in", json!({ "name": name, "pin": pin })).unwrap();
    app
}

/// Changes whenever another connection commits to the file.
fn data_version(db: &std::path::Path, probe: &rusqlite::Connection) -> i64 {
    let _ = db;
    probe.query_row("PRAGMA data_version", (), |r| r.get(0)).unwrap()
}

#[test]
fn every_command_and_every_role_the_allowed_work_the_others_are_refused_and_write_nothing() {
    std::env::set_var("XDG_DOWNLOAD_DIR", std::env::temp_dir());
    for role in Role::ALL {
        let app = app_signed_in_as(role);
        let probe = rusqlite::Connection::open(&app.db).unwrap();
        for (cmd, args, op) in command_walk() {
            let Some(op) = op else { continue };
            let before = data_version(&app.db, &probe);
            let result = call(&app, cmd, args.clone());
            if loyalty::staff::permits(role, op) {
                if let Err(e) = &result {
                    assert_ne!(e["code"], "not_allowed", "{role:?} may {cmd} ({op:?}): {e}");
                    assert_ne!(e["code"], "internal", "{role:?} {cmd}: {e}");
                }
            } else {
                let e = result.expect_err(&format!("{role:?} must not {cmd}"));
                assert_eq!(e["code"], "not_allowed", "{role:?} {cmd}: {e}");
                assert_eq!(data_version(&app.db, &probe), before, "{role:?} {cmd}: refused and wrote nothing");
            }
        }
    }
}

#[test]
fn every_command_is_in_the_walk() {
    let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src-tauri/src/lib.rs")).unwrap();
    let registered: std::collections::BTreeSet<String> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("commands::"))
        .map(|c| c.trim_end_matches(',').to_string())
        .collect();
    let walked: std::collections::BTreeSet<String> = command_walk().iter().map(|c| c.0.to_string()).collect();
    assert_eq!(registered, walked, "each desktop command is walked with every role");
}

#[test]
fn nothing_answers_before_sign_in_and_the_screen_locks_after_the_idle_time() {
    let app = app();
    call(&app, "sign_out", json!({})).unwrap();
    let e = call(&app, "member_search", json!({ "query": "5678" })).unwrap_err();
    assert_eq!(e["code"], "sign_in_required");
    let s = call(&app, "session_status", json!({})).unwrap();
    assert_eq!(s["session"]["setup_needed"], false);
    assert_eq!(s["roster"][0]["name"], "店长");
    let e = call(&app, "sign_in", json!({ "name": "店长", "pin": "0000" })).unwrap_err();
    assert_eq!((e["code"].as_str(), e["message"].as_str()), (Some("wrong_pin"), Some("PIN 不正确，还可再试 4 次")));
    call(&app, "sign_in", json!({ "name": "店长", "pin": "1234" })).unwrap();
    call(&app, "session_lock", json!({})).unwrap();
    let e = call(&app, "member_search", json!({ "query": "5678" })).unwrap_err();
    assert_eq!(e["code"], "session_locked");
    call(&app, "sign_in", json!({ "name": "店长", "pin": "1234" })).unwrap();
    assert!(call(&app, "member_search", json!({ "query": "5678" })).is_ok());
    let actions: Vec<String> = call(&app, "audit_query", json!({ "query": { "action": "staff." } }))
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        actions,
        ["staff.unlock", "staff.screen_lock", "staff.sign_in", "staff.sign_in_failed", "staff.sign_out", "staff.setup"]
    );
}

#[test]
fn only_a_signed_in_manager_may_confirm_a_long_jump_of_the_date() {
    let app = app_signed_in_as(Role::FrontDesk);
    let e = call(&app, "app_status", json!({ "confirm": true })).unwrap_err();
    assert_eq!(e["code"], "not_allowed");
    assert!(call(&app, "app_status", json!({})).is_ok(), "without confirming, the status answers");
    call(&app, "sign_in", json!({ "name": "店长", "pin": "1234" })).unwrap();
    assert!(call(&app, "app_status", json!({ "confirm": true })).is_ok());
}

/// An import tells the window how far it has got (`import-progress` events for the panel's
/// progress bar): its rows checked, then its rows written, ending at all of them.
#[test]
fn an_import_sends_its_progress_to_the_window() {
    use tauri::Listener;
    let app = app();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Value>::new()));
    let sink = seen.clone();
    app.webview
        .listen("import-progress", move |e| sink.lock().unwrap().push(serde_json::from_str(e.payload()).unwrap()));
    let mut csv = String::from("name,phone\n");
    for i in 0..500 {
        csv.push_str(&format!("会员{},1370000{i:04}\n", ["甲", "乙", "丙", "丁", "戊"][i % 5]));
    }
    let r = call(
        &app,
        "import_file",
        json!({ "kind": "members", "bytes": csv.as_bytes(), "dryRun": false, "skipInvalid": false }),
    )
    .unwrap();
    assert_eq!(r["written"], 500);
    let seen = seen.lock().unwrap();
    let at =
        |stage: &str, done: i64| seen.iter().any(|p| p["stage"] == stage && p["done"] == done && p["total"] == 500);
    assert!(at("checking", 0) && at("checking", 500) && at("writing", 0) && at("writing", 500), "{seen:?}");
    let first_writing = seen.iter().position(|p| p["stage"] == "writing").unwrap();
    assert!(seen[..first_writing].iter().all(|p| p["stage"] == "checking"), "checked first, then written");
}
