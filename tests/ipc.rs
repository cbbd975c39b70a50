//! The desktop commands, headless: the real command handlers through Tauri's mock runtime,
//! as the webview's `invoke` calls them, with `{code, message}` errors.

use memberdesk::state::AppState;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindowBuilder;

struct MockApp {
    _app: tauri::App<tauri::test::MockRuntime>,
    webview: tauri::WebviewWindow<tauri::test::MockRuntime>,
    _dir: tempfile::TempDir,
}

fn app() -> MockApp {
    app_on(tempfile::tempdir().unwrap())
}

fn app_on(dir: tempfile::TempDir) -> MockApp {
    // The store date of the desktop app comes from the environment, as in the real shell.
    std::env::set_var("MEMBERDESK_TODAY", "2026-11-23");
    let state = AppState::open(dir.path().join("ipc.db"));
    let app = memberdesk::app_builder(mock_builder(), state).build(mock_context(noop_assets())).unwrap();
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    MockApp { _app: app, webview, _dir: dir }
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
    let e = call(&app, "member_enroll", json!({ "input": { "name": "张三", "phone": "13800138000" } })).unwrap_err();
    assert_eq!(e["code"], "data_file_damaged");
    assert!(call(&app, "member_search", json!({ "query": "M000001" })).is_ok(), "lookups still answer");
}
