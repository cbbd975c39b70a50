//! The command line as scripts use it (interface.md): JSON shapes, exit codes, the store
//! date, imports and exports, backups, and an import killed half-way.

mod common;
use common::*;
use std::process::Command;

#[test]
fn enrol_checkout_refund_and_show_with_the_interface_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let m = cli_json(
        &db,
        "2026-11-23",
        &["enroll", "--name", "张三", "--phone", "+86 138-0013-8000", "--gender", "F", "--birthday", "1990-05-01"],
        0,
    );
    assert_eq!(m["member_no"], "M000001");
    assert_eq!(m["phone"], "13800138000");
    let c = cli_json(
        &db,
        "2026-11-23",
        &["checkout", "--member", "13800138000", "--amount", "599.50", "--receipt", "R1", "--at", "2026-11-23 10:15"],
        0,
    );
    for key in [
        "receipt",
        "member_no",
        "gross",
        "discount",
        "paid",
        "points_earned",
        "points_balance",
        "coupon_used",
        "gift",
        "duplicate",
    ] {
        assert!(c.get(key).is_some(), "checkout has {key}: {c}");
    }
    assert_eq!(
        (c["paid"].as_str(), c["points_earned"].as_i64(), c["gift"].as_str()),
        (Some("599.50"), Some(599), Some("满500赠品"))
    );
    let dup =
        cli_json(&db, "2026-11-23", &["checkout", "--member", "M000001", "--amount", "599.5", "--receipt", "R1"], 0);
    // 50 welcome points of the new-member pack, then 599.
    assert_eq!((dup["duplicate"].as_bool(), dup["points_balance"].as_i64()), (Some(true), Some(649)));
    let r = cli_json(&db, "2026-11-24", &["refund", "--of", "R1", "--receipt", "T1", "--amount", "100.00"], 0);
    assert_eq!((r["points_clawed_back"].as_i64(), r["points_balance"].as_i64()), (Some(100), Some(549)));
    let card = cli_json(&db, "2026-11-24", &["member", "show", "138 0013 8000"], 0);
    for key in [
        "member_no",
        "name",
        "greeting",
        "phone",
        "gender",
        "birthday",
        "tier",
        "points_balance",
        "vip",
        "contact_ok",
        "lots",
        "coupons",
    ] {
        assert!(card.get(key).is_some(), "member show has {key}");
    }
    assert_eq!((card["greeting"].as_str(), card["tier"].as_str()), (Some("张女士"), Some("regular")));
    let lots = card["lots"].as_array().unwrap();
    assert_eq!(lots.len(), 2, "the welcome lot and the receipt's lot: {card}");
    assert!(lots.iter().all(|l| l["valid_until"] == "2027-11-23"));
    assert_eq!(lots.iter().map(|l| l["points_remaining"].as_i64().unwrap()).sum::<i64>(), 549);
    assert_eq!(card["coupons"][0]["status"], "unused", "the new-member coupon: {card}");
    let found = cli_json(&db, "2026-11-24", &["member", "search", "zs"], 0);
    assert_eq!(found["members"][0]["member_no"], "M000001");
}

#[test]
fn refusals_exit_2_with_a_code_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    cli_json(&db, "2026-11-23", &["enroll", "--name", "张三", "--phone", "13800138000"], 0);
    for (amount, code) in [
        ("abc", "invalid_amount"),
        ("-5", "invalid_amount"),
        ("0", "invalid_amount"),
        ("12.345", "invalid_amount"),
        ("1000000.01", "invalid_amount"),
    ] {
        let e = cli_json(
            &db,
            "2026-11-23",
            &["checkout", "--member", "13800138000", "--amount", amount, "--receipt", "R1"],
            2,
        );
        assert_eq!(e["error"]["code"], code, "{amount}");
        assert!(!e["error"]["message"].as_str().unwrap().is_empty());
    }
    for (phone, code) in [("12345", "invalid_phone"), ("13800138000", "phone_taken")] {
        let e = cli_json(&db, "2026-11-23", &["enroll", "--name", "李四", "--phone", phone], 2);
        assert_eq!(e["error"]["code"], code);
    }
    let long = "李".repeat(41);
    assert_eq!(
        cli_json(&db, "2026-11-23", &["enroll", "--name", &long, "--phone", "13900139000"], 2)["error"]["code"],
        "invalid_name"
    );
    assert_eq!(
        cli_json(&db, "2026-11-23", &["enroll", "--name", "", "--phone", "13900139000"], 2)["error"]["code"],
        "invalid_name"
    );
    let s = cli_json(&db, "2026-11-23", &["status"], 0);
    assert_eq!((s["members"].as_i64(), s["receipts"].as_i64()), (Some(1), Some(0)));
    let back = cli_json(&db, "2026-11-22", &["status"], 2);
    assert_eq!(back["error"]["code"], "store_date_backwards");
}

#[test]
fn the_env_store_date_and_data_file_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("env.db");
    let out = Command::new(BIN)
        .args(["--json", "status"])
        .env("MEMBERDESK_DB", &db)
        .env("MEMBERDESK_TODAY", "2026-11-23")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["opening_day"], "2026-11-23");
    assert!(db.exists());
}

#[test]
fn imports_gbk_files_and_reports_bad_lines_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let file = dir.path().join("members.csv");
    let (gbk, _, _) =
        encoding_rs::GBK.encode("name,phone,gender,opening_points\n王芳,13800138000,女,300\n李雷,12345,男,0\n");
    std::fs::write(&file, &gbk).unwrap();
    let r = cli_json(&db, "2026-11-23", &["import", "members", file.to_str().unwrap()], 2);
    assert_eq!(r["written"], 0);
    assert_eq!(r["errors"][0]["line"], 3);
    assert_eq!(r["errors"][0]["column"], "phone");
    let dry =
        cli_json(&db, "2026-11-23", &["import", "members", file.to_str().unwrap(), "--skip-invalid", "--dry-run"], 0);
    assert_eq!(dry["written"], 1);
    assert_eq!(cli_json(&db, "2026-11-23", &["status"], 0)["members"], 0);
    let ok = cli_json(&db, "2026-11-23", &["import", "members", file.to_str().unwrap(), "--skip-invalid"], 0);
    assert_eq!(ok["written"], 1);
    let card = cli_json(&db, "2026-11-23", &["member", "show", "13800138000"], 0);
    assert_eq!((card["name"].as_str(), card["points_balance"].as_i64()), (Some("王芳"), Some(300)));
    let out = dir.path().join("members-out.csv");
    cli_json(&db, "2026-11-23", &["export", "members", "--out", out.to_str().unwrap()], 0);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    assert!(String::from_utf8(bytes).unwrap().contains("王芳"));
}

#[test]
fn backup_then_restore_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    cli_json(&db, "2026-11-23", &["enroll", "--name", "张三", "--phone", "13800138000"], 0);
    let b = cli_json(&db, "2026-11-23", &["backup"], 0);
    let file = b["file"].as_str().unwrap().to_string();
    assert!(file.contains("backups"));
    cli_json(&db, "2026-11-23", &["enroll", "--name", "李四", "--phone", "13900139000"], 0);
    let r = cli_json(&db, "2026-11-23", &["restore", &file], 0);
    assert_eq!(r["members"], 1);
    assert_eq!(cli_json(&db, "2026-11-23", &["status"], 0)["members"], 1);
}

#[test]
fn a_damaged_data_file_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    std::fs::write(&db, "这不是数据库".repeat(500)).unwrap();
    let e = cli_json(&db, "2026-11-23", &["status"], 2);
    assert_eq!(e["error"]["code"], "data_file_damaged");
    assert!(e["error"]["message"].as_str().unwrap().contains("损坏"));
}

#[test]
fn an_import_killed_half_way_leaves_all_of_it_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    cli_json(&db, "2026-11-23", &["status"], 0);
    let file = dir.path().join("big.csv");
    let mut csv = String::from("name,phone,opening_points\n");
    let rows = 60_000;
    for i in 0..rows {
        csv.push_str(&format!("会员,137{i:08},10\n"));
    }
    std::fs::write(&file, csv).unwrap();
    let mut child = Command::new(BIN)
        .arg("--db")
        .arg(&db)
        .args(["--today", "2026-11-23", "import", "members", file.to_str().unwrap()])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let killed = child.try_wait().unwrap().is_none();
    child.kill().ok();
    child.wait().unwrap();
    let members = cli_json(&db, "2026-11-23", &["status"], 0)["members"].as_i64().unwrap();
    assert!(members == 0 || members == rows, "all or none, found {members} (killed mid-way: {killed})");
}

/// On a terminal an import draws its progress bar on stderr (rows checked, then written);
/// in a pipe, as scripts run it, stderr and stdout carry nothing of it.
#[test]
fn an_import_shows_a_progress_bar_on_a_terminal_and_nothing_in_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    cli_json(&db, "2026-11-23", &["status"], 0);
    let write = |name: &str, from: usize| {
        let file = dir.path().join(name);
        let mut csv = String::from("name,phone\n");
        for i in from..from + 20_000 {
            csv.push_str(&format!("会员,137{i:08}\n"));
        }
        std::fs::write(&file, csv).unwrap();
        file
    };
    // In a pipe: the answer on stdout, nothing else anywhere.
    let piped = write("piped.csv", 0);
    let out = cli(&db, "2026-11-23", &["import", "members", piped.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(serde_json::from_str::<serde_json::Value>(stdout.trim()).unwrap()["written"], 20_000);
    assert!(out.stderr.is_empty(), "no bar in a pipe: {}", String::from_utf8_lossy(&out.stderr));
    // On a terminal (util-linux `script` gives the command one): the bar, in Chinese.
    if on_postgres() || Command::new("script").arg("--version").output().is_err() {
        return;
    }
    let file = write("terminal.csv", 20_000);
    let command =
        format!("{BIN} --db {} --today 2026-11-23 import members {}", db.to_str().unwrap(), file.to_str().unwrap());
    let out = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("MEMBERDESK_PIN")
        .env("COLUMNS", "120")
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(shown.contains("行") && shown.contains("20000"), "the bar shows the rows: {shown}");
    assert!(shown.contains("检查") || shown.contains("写入"), "and the stage: {shown}");
    assert!(shown.contains("写入 20000"), "the answer follows: {shown}");
    assert_eq!(cli_json(&db, "2026-11-23", &["status"], 0)["members"], 40_000);
}

#[test]
fn tiers_run_on_the_1st_and_their_changes_export_to_csv_and_excel() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let members = dir.path().join("m.csv");
    std::fs::write(&members, "name,phone,gender\n张三,13812345678,F\n").unwrap();
    cli_json(&db, "2026-11-23", &["import", "members", members.to_str().unwrap()], 0);
    let sales = dir.path().join("p.csv");
    let mut csv = String::from("receipt_no,phone,time,amount\n");
    for i in 0..10 {
        csv.push_str(&format!("H{i},13812345678,2026-0{}-15 10:00,1500.00\n", 1 + i % 9));
    }
    std::fs::write(&sales, csv).unwrap();
    cli_json(&db, "2026-11-23", &["import", "purchases", sales.to_str().unwrap()], 0);
    // The first command on 12-01 brings the store up to it: the December run happens.
    let run = cli_json(&db, "2026-12-01", &["tiers", "changes", "--month", "2026-12"], 0);
    assert_eq!(
        (run["month"].as_str(), run["evaluated"].as_i64(), run["changed"].as_i64()),
        (Some("2026-12"), Some(1), Some(1))
    );
    let c = &run["changes"][0];
    for key in ["member_no", "from", "to", "score", "consumption", "interaction"] {
        assert!(c.get(key).is_some(), "change has {key}");
    }
    assert_eq!(
        (c["from"].as_str(), c["to"].as_str(), c["score"].as_str()),
        (Some("regular"), Some("core"), Some("102.00"))
    );
    let again = cli_json(&db, "2026-12-01", &["tiers", "evaluate", "--month", "2026-12"], 0);
    assert_eq!((again["ran_now"].as_bool(), again["changed"].as_i64()), (Some(false), Some(1)));
    let out = dir.path().join("changes.csv");
    cli_json(&db, "2026-12-01", &["export", "tier-changes", "--month", "2026-12", "--out", out.to_str().unwrap()], 0);
    let text = String::from_utf8(std::fs::read(&out).unwrap()).unwrap();
    assert!(text.starts_with('\u{feff}') && text.contains("M000001,张三,普通,核心,102.00"), "{text}");
    let xlsx = dir.path().join("changes.xlsx");
    cli_json(
        &db,
        "2026-12-01",
        &["export", "tier-changes", "--month", "2026-12", "--format", "xlsx", "--out", xlsx.to_str().unwrap()],
        0,
    );
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"), "an Excel workbook (zip)");
    let card = cli_json(
        &db,
        "2026-12-01",
        &["checkout", "--member", "13812345678", "--amount", "199.99", "--receipt", "N1"],
        0,
    );
    assert_eq!(card["points_earned"], 239, "Core's 1.2 after the run");
}

#[test]
fn coupons_catalog_and_redemption_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let a = cli_json(&db, "2026-11-02", &["enroll", "--name", "张三", "--phone", "13800138000", "--gender", "F"], 0);
    let b = cli_json(
        &db,
        "2026-11-02",
        &["enroll", "--name", "李四", "--phone", "13900139000", "--referrer", a["referral_code"].as_str().unwrap()],
        0,
    );
    let first_order = b["coupons"].as_array().unwrap().iter().find(|c| c["value"] == "0.80").unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let o = cli_json(
        &db,
        "2026-11-02",
        &["checkout", "--member", "13900139000", "--amount", "199.99", "--receipt", "R1", "--coupon", &first_order],
        0,
    );
    assert_eq!(
        (o["discount"].as_str(), o["paid"].as_str(), o["points_earned"].as_i64()),
        (Some("40.00"), Some("159.99"), Some(159))
    );
    assert_eq!(o["coupon_used"], first_order.as_str());
    let e = cli_json(
        &db,
        "2026-11-02",
        &["checkout", "--member", "13900139000", "--amount", "10", "--receipt", "R2", "--coupon", &first_order],
        2,
    );
    assert_eq!(e["error"]["code"], "coupon_used");
    let referrer = cli_json(&db, "2026-11-02", &["member", "show", "13800138000"], 0);
    assert_eq!(referrer["points_balance"], 150, "50 welcome + 100 for the referral");
    let catalog = cli_json(&db, "2026-11-02", &["catalog"], 0);
    let items = catalog["items"].as_array().unwrap();
    for key in ["id", "name", "points", "stock"] {
        assert!(items[0].get(key).is_some(), "catalog item has {key}");
    }
    let gift = items.iter().find(|i| i["points"] == 1000).unwrap();
    assert_eq!(gift["stock"], 10);
    let voucher = items.iter().find(|i| i["points"] == 500).unwrap()["id"].as_i64().unwrap().to_string();
    let short = cli_json(&db, "2026-11-02", &["redeem", "--member", "13800138000", "--item", &voucher], 2);
    assert_eq!(short["error"]["code"], "points_insufficient");
    cli_json(&db, "2026-11-02", &["adjust", "--member", "13800138000", "--points", "400", "--reason", "活动补发"], 0);
    let r = cli_json(&db, "2026-11-02", &["redeem", "--member", "13800138000", "--item", &voucher], 0);
    for key in ["member_no", "item", "points_spent", "points_balance", "coupon"] {
        assert!(r.get(key).is_some(), "redeem has {key}");
    }
    assert_eq!((r["points_spent"].as_i64(), r["points_balance"].as_i64()), (Some(500), Some(50)));
    assert_eq!(r["coupon"]["description"], "50元无门槛");
}

#[test]
fn the_contact_list_and_the_sms_export_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    cli_json(
        &db,
        "2026-09-20",
        &["enroll", "--name", "张三", "--phone", "13800138000", "--gender", "F", "--birthday", "1990-09-25"],
        0,
    );
    cli_json(&db, "2026-09-20", &["enroll", "--name", "李四", "--phone", "13900139000", "--gender", "M"], 0);
    cli_json(
        &db,
        "2026-09-20",
        &["enroll", "--name", "王五", "--phone", "13700137000", "--gender", "M", "--no-contact"],
        0,
    );
    // 中秋 2026 is 09-25, and so is 张三's birthday: on the list of 09-23.
    let list = cli_json(&db, "2026-09-23", &["contacts"], 0);
    assert_eq!(list["date"], "2026-09-23");
    let entries = list["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "王五 did not agree to be contacted: {list}");
    for key in ["member_no", "name", "phone", "tier", "vip", "channel", "reasons"] {
        assert!(entries[0].get(key).is_some(), "entry has {key}");
    }
    let zhang = entries.iter().find(|e| e["name"] == "张三").unwrap();
    let kinds: Vec<&str> = zhang["reasons"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["birthday", "holiday"]);
    assert_eq!(zhang["channel"], "call");
    let li = entries.iter().find(|e| e["name"] == "李四").unwrap();
    assert_eq!(li["channel"], "sms");
    assert_eq!(li["reasons"][0]["detail"], "中秋节（09-25）");
    let out = dir.path().join("sms.csv");
    let exported = cli_json(
        &db,
        "2026-09-23",
        &["export", "contacts", "--date", "2026-09-23", "--channel", "sms", "--out", out.to_str().unwrap()],
        0,
    );
    assert_eq!(exported["texts"], 1, "{exported}");
    let text = String::from_utf8(std::fs::read(&out).unwrap()).unwrap();
    assert!(text.starts_with("\u{feff}phone,name,text"), "{text}");
    assert!(text.contains("13900139000,李四,李先生您好！中秋节快到了"), "{text}");
    let future = cli_json(&db, "2026-09-23", &["contacts", "--date", "2026-09-24"], 2);
    assert_eq!(future["error"]["code"], "date_in_future");
}

#[test]
fn once_a_pin_exists_every_command_names_its_staff_with_the_pin_and_their_rights() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let day = "2026-11-23";
    // No PIN yet: the built-in 命令行 with a manager's rights.
    cli_json_as(&db, day, None, &["enroll", "--name", "张三", "--phone", "13812345678", "--gender", "F"], 0);
    cli_json_as(&db, day, None, &["staff", "add", "--name", "店长", "--role", "manager", "--pin", "2468"], 0);
    let e = cli_json_as(&db, day, None, &["member", "show", "13812345678"], 2);
    assert_eq!(e["error"]["code"], "staff_required");
    let e = cli_json_as(&db, "2027-06-01", None, &["status"], 2);
    assert_eq!(e["error"]["code"], "staff_required", "without the PIN not even the date moves");
    let status = cli_json_as(&db, day, Some(("店长", "2468")), &["status"], 0);
    assert_eq!(status["store_date"], day);
    let e = cli_json_as(&db, day, Some(("店长", "1111")), &["member", "show", "13812345678"], 2);
    assert_eq!(e["error"]["code"], "wrong_pin");
    let e = cli_json_as(&db, day, Some(("店长", "")), &["member", "show", "13812345678"], 2);
    assert!(e["error"]["message"].as_str().unwrap().contains("MEMBERDESK_PIN"), "{e}");
    let audit = cli_json_as(&db, day, Some(("店长", "2468")), &["audit", "--action", "sign_in_failed"], 0);
    assert_eq!(audit["entries"].as_array().unwrap().len(), 1, "a missing PIN is no attempt");
    let boss = Some(("店长", "2468"));
    cli_json_as(&db, day, boss, &["staff", "add", "--name", "小王", "--role", "front_desk", "--pin", "1357"], 0);
    let front = Some(("小王", "1357"));
    let hit = cli_json_as(&db, day, front, &["member", "search", "5678"], 0);
    assert_eq!(hit["members"][0]["phone"], "138****5678", "masked for the front desk");
    cli_json_as(&db, day, front, &["checkout", "--member", "13812345678", "--amount", "100", "--receipt", "R1"], 0);
    let e = cli_json_as(&db, day, front, &["refund", "--of", "R1", "--receipt", "T1", "--amount", "100"], 2);
    assert_eq!(e["error"]["code"], "not_allowed");
    let e =
        cli_json_as(&db, day, front, &["export", "members", "--out", dir.path().join("m.csv").to_str().unwrap()], 2);
    assert_eq!(e["error"]["code"], "not_allowed");
    assert!(!dir.path().join("m.csv").exists());
    let list = cli_json_as(&db, day, boss, &["staff", "list"], 0);
    let names: Vec<&str> = list["staff"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["店长", "小王"]);
    assert!(list["staff"][1].get("locked_until").is_some() && list["staff"][1]["active"] == true);
    let e = cli_json_as(&db, day, boss, &["staff", "set", "--name", "店长", "--active", "no"], 2);
    assert_eq!(e["error"]["code"], "last_manager");
    let audit = cli_json_as(&db, day, boss, &["audit", "--staff", "小王"], 0);
    let entry = &audit["entries"][0];
    for key in ["at", "staff", "action", "entity", "entity_id", "before", "after"] {
        assert!(entry.get(key).is_some(), "audit entries have {key}: {entry}");
    }
    assert_eq!((entry["action"].as_str(), entry["staff"].as_str()), (Some("checkout"), Some("小王")));
    let by_member = cli_json_as(&db, day, boss, &["audit", "--member", "13812345678", "--action", "member."], 0);
    assert_eq!(by_member["entries"][0]["staff"], "命令行", "enrolled before the first PIN");
}

#[test]
fn argument_errors_with_json_print_an_error_document_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    for args in [
        &["adjust", "--member", "M000001", "--points", "abc", "--reason", "x"][..],
        &["redeem", "--member", "M000001", "--item", "abc"][..],
        &["checkout", "--member", "M000001"][..],
    ] {
        let e = cli_json_as(&db, "2026-11-23", None, args, 2);
        assert_eq!(e["error"]["code"], "invalid_input", "{args:?}: {e}");
        assert!(e["error"]["message"].as_str().unwrap().starts_with("命令行参数有误"), "{e}");
    }
}

#[test]
fn a_store_date_needs_a_four_digit_year_and_amounts_two_decimals_however_long() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let e = cli_json_as(&db, "+20261-01-01", None, &["status"], 2);
    assert_eq!(e["error"]["code"], "invalid_input");
    cli_json_as(&db, "2026-11-23", None, &["enroll", "--name", "张三", "--phone", "13812345678"], 0);
    let e = cli_json_as(&db, "2028-01-01", None, &["status"], 2);
    assert_eq!(e["error"]["code"], "store_date_jump_too_far");
    let long = "199.9999999999999999999999999999";
    let e = cli_json_as(
        &db,
        "2026-11-23",
        None,
        &["checkout", "--member", "13812345678", "--amount", long, "--receipt", "R1"],
        2,
    );
    assert_eq!(e["error"]["code"], "invalid_amount");
    let status = cli_json_as(&db, "2026-11-23", None, &["status"], 0);
    assert_eq!(status["receipts"], 0);
}

#[test]
fn a_backup_into_a_folder_that_is_a_file_is_refused_as_a_file_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    std::fs::write(dir.path().join("plain"), "x").unwrap();
    let out = dir.path().join("plain/backup.db");
    let e = cli_json_as(&db, "2026-11-23", None, &["backup", "--out", out.to_str().unwrap()], 2);
    assert_eq!(e["error"]["code"], "file_unreadable", "{e}");
}

#[test]
fn branches_and_counters_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chain.db");
    let t = "2026-12-01";
    let added = cli_json(&db, t, &["branch", "add", "--code", "sh01", "--name", "上海店"], 0);
    assert_eq!(added["code"], "sh01");
    let list = cli_json(&db, t, &["branch", "list"], 0);
    let codes: Vec<&str> = list["branches"].as_array().unwrap().iter().map(|b| b["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["main", "sh01"]);
    assert_eq!(
        cli_json(&db, t, &["branch", "add", "--code", "sh01", "--name", "x"], 2)["error"]["code"],
        "branch_code_taken"
    );
    cli_json(&db, t, &["enroll", "--name", "张三", "--phone", "13812345678"], 0);
    // The same receipt number at two branches: two receipts; at one branch: a duplicate.
    let buy = |branch: &str| {
        cli_json(
            &db,
            t,
            &[
                "--branch",
                branch,
                "--counter",
                "前台1",
                "checkout",
                "--member",
                "13812345678",
                "--amount",
                "100",
                "--receipt",
                "0001",
            ],
            0,
        )
    };
    assert_eq!(buy("main")["duplicate"], false);
    assert_eq!(buy("sh01")["duplicate"], false);
    assert_eq!(buy("sh01")["duplicate"], true);
    let status = cli_json(&db, t, &["--branch", "sh01", "--counter", "前台1", "status"], 0);
    assert_eq!((status["branch"].as_str(), status["counter"].as_str()), (Some("sh01"), Some("前台1")));
    assert_eq!(cli_json(&db, t, &["--branch", "nowhere", "status"], 2)["error"]["code"], "branch_not_found");
    // `--branch` after `staff` is the account's branch.
    cli_json(
        &db,
        t,
        &["staff", "add", "--name", "王店长", "--role", "manager", "--pin", "4321", "--branch", "sh01"],
        0,
    );
    let staff = cli_json_as(&db, t, Some(("王店长", "4321")), &["staff", "list"], 0);
    let names: Vec<&str> = staff["staff"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["王店长"], "a branch manager sees their branch's staff: {staff}");
    let e = cli_json_as(&db, t, Some(("王店长", "4321")), &["branch", "add", "--code", "bj01", "--name", "北京店"], 2);
    assert_eq!(e["error"]["code"], "not_allowed");
    let copy = dir.path().join("copy.db");
    let e = cli_json_as(&db, t, Some(("王店长", "4321")), &["migrate", "--to", copy.to_str().unwrap()], 2);
    assert_eq!(e["error"]["code"], "not_allowed", "a branch manager does not move the chain's store");
}

#[test]
fn migrate_copies_the_file_to_a_server_and_a_server_back_to_a_file() {
    let Some(server) = fresh_server_db() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shop.db");
    let t = "2026-12-01";
    let run = |db: &str, args: &[&str], exit: i32| -> serde_json::Value {
        let out = Command::new(BIN)
            .args(["--db", db, "--today", t, "--json"])
            .args(args)
            .env_remove("MEMBERDESK_DB")
            .env_remove("MEMBERDESK_PIN")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(exit), "{}", String::from_utf8_lossy(&out.stdout));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let f = file.to_str().unwrap();
    run(f, &["demo", "--members", "40", "--months", "3"], 0);
    let report = run(f, &["migrate", "--to", &server], 0);
    assert_eq!((report["members"].as_i64(), report["verified"].as_bool()), (Some(40), Some(true)));
    let again = run(f, &["migrate", "--to", &server], 2);
    assert_eq!(again["error"]["code"], "target_not_empty");
    let on_server = run(&server, &["member", "show", "M000001"], 0);
    let on_file = run(f, &["member", "show", "M000001"], 0);
    assert_eq!(on_server["points_balance"], on_file["points_balance"]);
    let back = dir.path().join("back.db");
    let report = run(&server, &["migrate", "--to", back.to_str().unwrap()], 0);
    assert_eq!(report["members"].as_i64(), Some(40));
    // A password in the URL never shows in a message.
    let e = run("postgres://md:Hidden-77@127.0.0.1:9/x", &["status"], 2);
    assert_eq!(e["error"]["code"], "store_unreachable");
    assert!(!e.to_string().contains("Hidden-77"), "{e}");
}

/// `report figures` (interface: "The manager's program"): the shape, money and rates as
/// strings, an empty base as null; `interaction --score` feeds NPS; a bad score and a
/// non-manager are refused with exit 2.
#[test]
fn report_figures_gives_the_months_figures_and_nps_from_scored_surveys() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    cli_json(&db, "2026-10-05", &["enroll", "--name", "张三", "--phone", "13800138000", "--gender", "F"], 0);
    cli_json(&db, "2026-10-05", &["checkout", "--member", "13800138000", "--amount", "199.99", "--receipt", "R1"], 0);
    let scored =
        cli_json(&db, "2026-10-06", &["interaction", "--member", "13800138000", "--kind", "survey", "--score", "9"], 0);
    assert_eq!(scored["score"], 9);
    let bad = cli_json(
        &db,
        "2026-10-06",
        &["interaction", "--member", "13800138000", "--kind", "survey", "--score", "11"],
        2,
    );
    assert_eq!(bad["error"]["code"], "invalid_input");

    let f = cli_json(&db, "2026-11-02", &["report", "figures"], 0);
    assert_eq!((f["from"].as_str(), f["to"].as_str()), (Some("2026-10"), Some("2026-10")), "{f}");
    assert_eq!(f["members"]["total"], 1);
    assert_eq!(f["members"]["new"], 1);
    assert_eq!(f["members"]["active"], 1);
    assert_eq!(f["sales"]["net_spend"], "199.99");
    assert_eq!(f["sales"]["visits"], 1);
    assert_eq!(f["sales"]["spend_per_visit"], "199.99");
    assert_eq!(f["repurchase_rate"], "0.0");
    assert!(f["retention_rate"].is_null(), "nobody visited in September: {f}");
    assert_eq!(f["top20_share"], "100.0");
    assert_eq!(f["nps"]["score"], "100.0");
    assert_eq!(f["nps"]["n"], 1);
    // 50 welcome points, 199 for the receipt and 20 for the survey.
    assert_eq!(f["points"]["issued"], 269);
    assert_eq!(f["points"]["outstanding"], 269);
    assert_eq!(f["points"]["liability"], "26.90");
    for key in ["coupons", "referrals", "contacts", "stored_value", "months_before"] {
        assert!(!f[key].is_null(), "{key} in {f}");
    }
    assert_eq!(f["months_before"].as_array().unwrap().len(), 12);
    let range = cli_json(
        &db,
        "2026-11-02",
        &["report", "figures", "--from", "2026-09", "--to", "2026-10", "--branch", "main"],
        0,
    );
    assert_eq!((range["from"].as_str(), range["branch"].as_str()), (Some("2026-09"), Some("main")));
    let wrong = cli_json(&db, "2026-11-02", &["report", "figures", "--from", "2026-9"], 2);
    assert_eq!(wrong["error"]["code"], "invalid_input");

    cli_json(&db, "2026-11-02", &["staff", "add", "--name", "店长", "--role", "manager", "--pin", "1234"], 0);
    cli_json(&db, "2026-11-02", &["staff", "add", "--name", "收银小王", "--role", "front_desk", "--pin", "5555"], 0);
    let refused = cli_json_as(&db, "2026-11-02", Some(("收银小王", "5555")), &["report", "figures"], 2);
    assert_eq!(refused["error"]["code"], "not_allowed");
}

#[test]
fn screening_lists_the_quarters_candidates_and_approval_sets_vip() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    cli_json(&db, "2026-10-05", &["enroll", "--name", "王芳", "--phone", "13800138001", "--gender", "F"], 0);
    cli_json(&db, "2026-10-05", &["enroll", "--name", "李雷", "--phone", "13800138002", "--gender", "M"], 0);
    for day in 6..12 {
        let date = format!("2026-10-{day:02}");
        let receipt = format!("R{day}");
        cli_json(&db, &date, &["checkout", "--member", "13800138001", "--amount", "500.00", "--receipt", &receipt], 0);
    }
    cli_json(&db, "2026-10-12", &["checkout", "--member", "13800138002", "--amount", "50.00", "--receipt", "L1"], 0);
    for day in ["2026-10-13", "2026-10-14"] {
        cli_json(&db, day, &["interaction", "--member", "13800138001", "--kind", "survey", "--score", "10"], 0);
    }
    let none = cli_json(&db, "2026-12-20", &["screening", "list"], 2);
    assert_eq!(none["error"]["code"], "invalid_input", "nothing screened before the first quarter's day");

    // Brought up to 2027-01-02: 2027Q1 was made on New Year's Day over 2026.
    let s = cli_json(&db, "2027-01-02", &["screening", "list"], 0);
    assert_eq!(s["quarter"], "2027Q1", "{s}");
    let candidates = s["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 1, "{s}");
    let c = &candidates[0];
    assert_eq!(c["member_no"], "M000001");
    assert_eq!(c["met"], 3);
    assert_eq!(c["vip"], false);
    let held: Vec<bool> = ["visits", "referrals", "interactions", "top_spend", "tier"]
        .iter()
        .map(|k| c["criteria"][k].as_bool().unwrap())
        .collect();
    assert_eq!(held, [true, false, true, true, false], "{c}");
    assert_eq!(c["values"]["visits"], 6);
    assert_eq!(c["values"]["top_spend"], "3000.00");

    let again = cli_json(&db, "2027-01-02", &["screening", "run", "--quarter", "2027Q1"], 0);
    assert_eq!(again["ran_now"], false);
    let future = cli_json(&db, "2027-01-02", &["screening", "run", "--quarter", "2027Q2"], 2);
    assert_eq!(future["error"]["code"], "invalid_input");

    let ok = cli_json(&db, "2027-01-02", &["screening", "approve", "--member", "M000001"], 0);
    assert_eq!((ok["status"].as_str(), ok["vip"].as_bool()), (Some("approved"), Some(true)));
    let card = cli_json(&db, "2027-01-02", &["member", "show", "13800138001"], 0);
    assert_eq!(card["vip"], true);
    let off = cli_json(&db, "2027-01-02", &["member", "vip", "--member", "M000001", "--off", "--note", "搬家"], 0);
    assert_eq!(off["vip"], false);
    let neither = cli_json(&db, "2027-01-02", &["member", "vip", "--member", "M000001"], 2);
    assert!(!neither["error"]["code"].is_null());
    let archived = cli_json(&db, "2027-01-02", &["member", "archive", "M000002"], 0);
    assert_eq!(archived["archived"], true, "{archived}");
    cli_json(&db, "2027-01-02", &["member", "unarchive", "M000002"], 0);
}

#[test]
fn member_merge_duplicates_and_erase_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let t = "2026-10-05";
    cli_json(&db, t, &["enroll", "--name", "陈静", "--phone", "13800138000", "--gender", "F"], 0);
    cli_json(&db, t, &["enroll", "--name", "陈静", "--phone", "13800138001", "--gender", "F"], 0);
    cli_json(&db, t, &["checkout", "--member", "13800138001", "--amount", "88.00", "--receipt", "R1"], 0);
    let d = cli_json(&db, t, &["member", "duplicates"], 0);
    assert_eq!(d["pairs"].as_array().unwrap().len(), 1, "{d}");
    assert_eq!(d["pairs"][0]["reason"], "same_name_and_phone_one_digit_apart");

    let p = cli_json(&db, t, &["member", "merge", "--keep", "M000001", "--merge", "M000002", "--preview"], 0);
    assert_eq!(p["done"], false);
    let m = cli_json(&db, t, &["member", "merge", "--keep", "M000001", "--merge", "M000002"], 0);
    assert_eq!((m["kept"].as_str(), m["merged"].as_str()), (Some("M000001"), Some("M000002")), "{m}");
    assert_eq!(m["moved"]["receipts"], 1);
    for key in ["lots", "coupons", "receipts", "interactions", "contacts"] {
        assert!(m["moved"][key].is_i64(), "{key} in {m}");
    }
    // Two welcome packs (50 each) and 88 for the receipt.
    assert_eq!(m["points_balance"], 188);
    assert_eq!(p["points_balance"], m["points_balance"], "the preview said so");
    let card = cli_json(&db, t, &["member", "show", "13800138001"], 0);
    assert_eq!(card["member_no"], "M000001", "the old phone finds the kept member");
    assert_eq!(card["points_balance"], 188);
    let again = cli_json(&db, t, &["member", "merge", "--keep", "M000001", "--merge", "M000002"], 2);
    assert_eq!(again["error"]["code"], "invalid_input");

    let unconfirmed = cli_json(&db, t, &["member", "erase", "M000001"], 2);
    assert_eq!(unconfirmed["error"]["code"], "invalid_input");
    let by_phone = cli_json(&db, t, &["member", "erase", "13800138000", "--confirm"], 2);
    assert!(by_phone["error"]["message"].as_str().unwrap().contains("M000001"), "{by_phone}");
    let erased = cli_json(&db, t, &["member", "erase", "M000001", "--confirm"], 0);
    assert_eq!((erased["erased"].as_bool(), erased["name"].as_str()), (Some(true), Some("")));
    assert_eq!(erased["points_balance"], 188);
    let gone = cli_json(&db, t, &["member", "show", "13800138000"], 2);
    assert_eq!(gone["error"]["code"], "member_not_found");
}

#[test]
fn member_card_shows_the_code_search_and_checkout_take_it_and_a_replaced_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let t = "2026-12-01";
    cli_json(&db, t, &["enroll", "--name", "张三", "--phone", "13800138000", "--gender", "M"], 0);
    let card = cli_json(&db, t, &["member", "card", "13800138000"], 0);
    let code = card["card_code"].as_str().unwrap().to_string();
    assert_eq!((code.len(), card["member_no"].as_str()), (12, Some("M000001")), "{card}");
    assert!(loyalty::stored_value::is_card_code(&code));
    let shown = cli_json(&db, t, &["member", "show", "M000001"], 0);
    assert_eq!(shown["card_code"].as_str(), Some(code.as_str()));
    let found = cli_json(&db, t, &["member", "search", &code], 0);
    assert!(found.to_string().contains("M000001"), "{found}");
    let sale = cli_json(&db, t, &["checkout", "--member", &code, "--amount", "50.00", "--receipt", "R1"], 0);
    assert_eq!(sale["member_no"], "M000001");

    let new = cli_json(&db, t, &["member", "card", "M000001", "--replace"], 0);
    assert_ne!(new["card_code"].as_str(), Some(code.as_str()));
    assert_eq!(new["replaced"], true);
    let refused = cli_json(&db, t, &["member", "show", &code], 2);
    assert_eq!(refused["error"]["code"], "card_replaced");
    assert_eq!(refused["error"]["message"], "此卡已换新，请使用新卡");
    let again = cli_json(&db, t, &["checkout", "--member", &code, "--amount", "50.00", "--receipt", "R2"], 2);
    assert_eq!(again["error"]["code"], "card_replaced");
}

#[test]
fn topup_payout_and_the_rules_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let t = "2026-12-01";
    cli_json(&db, t, &["enroll", "--name", "张三", "--phone", "13800138000", "--gender", "M"], 0);
    let rules = cli_json(&db, t, &["sv", "rules"], 0);
    let labels: Vec<&str> = rules["rules"].as_array().unwrap().iter().map(|r| r["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["充500送50", "充1000送120", "充2000送300"]);
    let o = cli_json(&db, t, &["topup", "--member", "13800138000", "--amount", "500", "--receipt", "T1"], 0);
    for (key, want) in [
        ("receipt", "T1"),
        ("member_no", "M000001"),
        ("amount", "500.00"),
        ("bonus", "50.00"),
        ("principal", "500.00"),
        ("bonus_balance", "50.00"),
    ] {
        assert_eq!(o[key].as_str(), Some(want), "{key} in {o}");
    }
    assert_eq!((o["bonus_points"].as_i64(), o["duplicate"].as_bool()), (Some(0), Some(false)));
    assert!(o["bonus_coupon"].is_null());
    let again = cli_json(&db, t, &["topup", "--member", "13800138000", "--amount", "500", "--receipt", "T1"], 0);
    assert_eq!((again["duplicate"].as_bool(), again["principal"].as_str()), (Some(true), Some("500.00")));
    let low = cli_json(&db, t, &["topup", "--member", "13800138000", "--amount", "5", "--receipt", "T2"], 2);
    assert_eq!(low["error"]["code"], "invalid_amount");
    let shown = cli_json(&db, t, &["member", "show", "13800138000"], 0);
    assert_eq!(shown["stored_value"]["principal"], "500.00");
    assert_eq!(shown["stored_value"]["bonus"], "50.00");
    let no_reason = cli_json(&db, t, &["payout", "--member", "13800138000", "--amount", "all"], 2);
    assert_eq!(no_reason["error"]["code"], "reason_required");
    let p = cli_json(&db, t, &["payout", "--member", "13800138000", "--amount", "all", "--reason", "退卡"], 0);
    assert_eq!((p["principal_paid"].as_str(), p["bonus_removed"].as_str()), (Some("500.00"), Some("50.00")));
    assert_eq!((p["principal"].as_str(), p["bonus_balance"].as_str()), (Some("0.00"), Some("0.00")));
}

#[test]
fn checkout_by_stored_value_with_the_pin_a_refund_back_the_rules_and_the_export() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let t = "2026-12-01";
    cli_json(&db, t, &["enroll", "--name", "张三", "--phone", "13800138000", "--gender", "M"], 0);
    cli_json(&db, t, &["topup", "--member", "13800138000", "--amount", "500", "--receipt", "T1"], 0);
    let sale = ["checkout", "--member", "13800138000", "--amount", "399.99", "--receipt", "R1"];
    let o = cli_json(&db, t, &[&sale[..], &["--stored-value", "300"]].concat(), 0);
    for (key, want) in [
        ("paid", "399.99"),
        ("sv_taken", "300.00"),
        ("sv_principal", "272.73"),
        ("sv_bonus", "27.27"),
        ("principal", "227.27"),
        ("bonus_balance", "22.73"),
    ] {
        assert_eq!(o[key].as_str(), Some(want), "{key} in {o}");
    }
    // Points on 399.99 − 27.27 (plus the new-member pack's welcome points).
    let card = cli_json(&db, t, &["member", "show", "13800138000"], 0);
    let welcome = card["points_balance"].as_i64().unwrap() - o["points_earned"].as_i64().unwrap();
    assert_eq!(o["points_earned"].as_i64(), Some(372), "{o} (welcome {welcome})");
    // A plain checkout says it took nothing from stored value.
    let plain = cli_json(&db, t, &["checkout", "--member", "13800138000", "--amount", "10", "--receipt", "R2"], 0);
    assert_eq!((plain["sv_taken"].as_str(), plain["principal"].as_str()), (Some("0.00"), Some("227.27")));
    // A refund goes back to stored value first.
    let r = cli_json(&db, t, &["refund", "--of", "R1", "--receipt", "F1", "--amount", "100"], 0);
    assert_eq!((r["sv_returned"].as_str(), r["points_clawed_back"].as_i64()), (Some("100.00"), Some(93)));
    assert_eq!((r["principal"].as_str(), r["bonus_balance"].as_str()), (Some("318.18"), Some("31.82")));
    // The payment PIN.
    let short = cli_json(&db, t, &["member", "pin", "13800138000", "--set", "12"], 2);
    assert_eq!(short["error"]["code"], "invalid_pin");
    cli_json(&db, t, &["member", "pin", "13800138000", "--set", "246810"], 0);
    let sale3 = ["checkout", "--member", "13800138000", "--amount", "50", "--receipt", "R3", "--stored-value", "all"];
    assert_eq!(cli_json(&db, t, &sale3, 2)["error"]["code"], "sv_pin_required");
    assert_eq!(cli_json(&db, t, &[&sale3[..], &["--sv-pin", "000000"]].concat(), 2)["error"]["code"], "wrong_pin");
    let paid = cli_json(&db, t, &[&sale3[..], &["--sv-pin", "246810"]].concat(), 0);
    assert_eq!(paid["sv_taken"].as_str(), Some("50.00"));
    // The manager's rules: a new rule, an edit that retires the old one, the history.
    let added = cli_json(&db, t, &["sv", "rule", "--threshold", "300", "--points", "300"], 0);
    assert_eq!(added["label"], "充300送300积分");
    let id = added["id"].as_i64().unwrap().to_string();
    let edited = cli_json(&db, t, &["sv", "rule", "--replaces", &id, "--threshold", "300", "--bonus", "20"], 0);
    assert_eq!(edited["label"], "充300送20");
    let running = cli_json(&db, t, &["sv", "rules"], 0);
    assert_eq!(running["rules"].as_array().unwrap().len(), 4);
    let history = cli_json(&db, t, &["sv", "rules", "--history"], 0);
    let old = history["rules"].as_array().unwrap().iter().find(|r| r["id"].as_i64().unwrap().to_string() == id);
    assert_eq!(old.unwrap()["replaced_by"], edited["id"]);
    assert_eq!(
        cli_json(&db, t, &["sv", "rule", "--threshold", "5", "--bonus", "1"], 2)["error"]["code"],
        "invalid_input"
    );
    // What the till prints.
    let slip = cli_json(&db, t, &["print", "slip", "R1", "--width", "58"], 0);
    assert_eq!(
        (slip["kind"].as_str(), slip["width"].as_str(), slip["sv_taken"].as_str()),
        (Some("sale"), Some("58"), Some("300.00"))
    );
    let card = cli_json(&db, t, &["print", "card", "13800138000"], 0);
    assert!(card["barcode_svg"].as_str().unwrap().starts_with("<svg"));
    // The ledger to a file.
    let file = dir.path().join("sv.csv");
    cli_json(&db, t, &["export", "stored-value", "--out", file.to_str().unwrap()], 0);
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count(), 1 + 5, "{text}");
    assert!(text.contains(",refund,90.91,9.09,318.18,31.82,F1,"), "{text}");
}

#[test]
fn errors_are_logged_with_their_code_and_never_a_full_phone_number() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    cli_json(&db, "2026-11-23", &["enroll", "--name", "张三", "--phone", "13800138000"], 0);
    let e = cli_json(&db, "2026-11-23", &["enroll", "--name", "李四", "--phone", "13800138000"], 2);
    assert_eq!(e["error"]["code"], "phone_taken");
    let s = cli_json(&db, "2026-11-23", &["status"], 0);
    let folder = std::path::PathBuf::from(s["log_folder"].as_str().expect("status names the log folder"));
    if !on_postgres() {
        assert_eq!(folder, dir.path().join("logs"), "a data file logs beside itself");
    }
    let mut text = String::new();
    for f in std::fs::read_dir(&folder).unwrap() {
        let f = f.unwrap().path();
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        assert!(name.starts_with("memberdesk.") && name.ends_with(".log"), "{name}");
        text.push_str(&std::fs::read_to_string(&f).unwrap());
    }
    assert!(text.contains("code=\"phone_taken\"") || text.contains("code=phone_taken"), "{text}");
    assert!(text.contains("手机号 138****8000 已登记给会员 M000001"), "{text}");
    assert!(!text.contains("13800138000"), "a full phone number in the log: {text}");
    assert!(text.contains("MemberDesk") && text.contains("(command line) enroll"), "{text}");
    assert_eq!(s["schema_version"], 20);
    assert_eq!(s["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn each_counter_keeps_its_printer_settings() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let p = cli_json(&db, "2026-11-23", &["--counter", "前台1", "print-settings"], 0);
    assert_eq!((p["slip_width"].as_str(), p["slip_margin_mm"].as_i64()), (Some("80"), Some(2)));
    let p = cli_json(
        &db,
        "2026-11-23",
        &["--counter", "前台1", "print-settings", "--slip-width", "58", "--card-margin", "2"],
        0,
    );
    assert_eq!((p["slip_width"].as_str(), p["card_margin_mm"].as_i64()), (Some("58"), Some(2)));
    let other = cli_json(&db, "2026-11-23", &["--counter", "前台2", "print-settings"], 0);
    assert_eq!(other["slip_width"], "80");
    let bad = cli_json(&db, "2026-11-23", &["--counter", "前台1", "print-settings", "--slip-margin", "12"], 2);
    assert_eq!(bad["error"]["code"], "invalid_input");
    assert_eq!(cli_json(&db, "2026-11-23", &["--counter", "前台1", "print-settings"], 0)["slip_width"], "58");
}
