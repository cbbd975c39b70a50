//! Real-window tests: the real app binary in a real webview, driven through tauri-driver
//! and WebKitWebDriver under X (run under Xvfb: `xvfb-run cargo test --test e2e_window`).
//! Each test starts the app on its own scratch data file prepared with the CLI.

mod common;
use common::*;
use fantoccini::{key::Key, Client, ClientBuilder, Locator};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One app window at a time: WebKitWebDriver sessions share the X display.
static ONE_WINDOW: Mutex<()> = Mutex::new(());

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn tauri_driver() -> PathBuf {
    if let Ok(p) = std::env::var("TAURI_DRIVER") {
        return p.into();
    }
    let home = std::env::var("HOME").unwrap_or_default();
    let cargo_bin = Path::new(&home).join(".cargo/bin/tauri-driver");
    if cargo_bin.exists() {
        cargo_bin
    } else {
        "tauri-driver".into()
    }
}

struct Window {
    client: Client,
    driver: Child,
    dir: tempfile::TempDir,
    db: PathBuf,
}

impl Window {
    /// Starts the app on a data file prepared by `prepare` (CLI calls) for store date TODAY.
    async fn open(prepare: impl FnOnce(&Path)) -> Window {
        Window::open_on(TODAY, prepare).await
    }

    /// The same on another store date.
    async fn open_on(today: &str, prepare: impl FnOnce(&Path)) -> Window {
        assert!(std::env::var("DISPLAY").is_ok(), "real-window tests need an X display: run them under xvfb-run");
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("window.db");
        // Exports go to the "Downloads" folder: here, the scratch folder.
        let config = dir.path().join("config");
        std::fs::create_dir_all(&config).unwrap();
        std::fs::write(
            config.join("user-dirs.dirs"),
            format!("XDG_DOWNLOAD_DIR=\"{}\"\n", dir.path().join("Downloads").display()),
        )
        .unwrap();
        prepare(&db);
        let port = free_port();
        let native = free_port();
        let driver = Command::new(tauri_driver())
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .env("MEMBERDESK_DB", &db)
            .env("MEMBERDESK_TODAY", today)
            .env("XDG_CONFIG_HOME", &config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tauri-driver is installed (cargo install tauri-driver --locked)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tauri-driver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert("tauri:options".into(), serde_json::json!({ "application": BIN }));
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session with the app");
        let w = Window { client, driver, dir, db };
        w.wait_text("#store-date", today).await;
        w
    }

    /// Waits until the element's text contains `want`; returns the text.
    async fn wait_text(&self, css: &str, want: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                last = el.text().await.unwrap_or_default();
                if last.contains(want) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.shot("timeout").await;
        panic!("{css} never showed “{want}” (last: “{last}”)");
    }

    async fn click(&self, css: &str) {
        self.client.find(Locator::Css(css)).await.unwrap().click().await.unwrap();
    }

    async fn type_into(&self, css: &str, text: &str) {
        let el = self.client.find(Locator::Css(css)).await.unwrap();
        el.clear().await.unwrap();
        el.send_keys(text).await.unwrap();
    }

    /// Saves a screenshot under target/e2e-shots/ for people to look at.
    async fn shot(&self, name: &str) {
        if let Ok(png) = self.client.screenshot().await {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e-shots");
            std::fs::create_dir_all(&dir).ok();
            std::fs::write(dir.join(format!("{name}.png")), png).ok();
        }
    }

    /// Closes the window and stops the driver; the scratch folder (with the data file)
    /// lives on in what it returns.
    async fn close(mut self) -> tempfile::TempDir {
        let _ = self.client.close().await;
        // SIGTERM lets tauri-driver stop WebKitWebDriver and the app.
        let _ = Command::new("kill").args(["-TERM", &self.driver.id().to_string()]).status();
        let _ = self.driver.wait();
        self.dir
    }
}

const TODAY: &str = "2026-11-23";

fn enter() -> String {
    char::from(Key::Enter).to_string()
}

fn two_members(db: &Path) {
    cli_json(
        db,
        TODAY,
        &["enroll", "--name", "张三", "--phone", "13812345678", "--gender", "F", "--notes", "喜欢绿茶，腿脚不便"],
        0,
    );
    cli_json(db, TODAY, &["enroll", "--name", "李四", "--phone", "13900001111", "--gender", "M"], 0);
}

#[tokio::test]
async fn find_a_member_by_the_last_4_digits_and_see_the_greeting() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|p| p.into_inner());
    let w = Window::open(two_members).await;
    w.type_into("#search", &format!("5678{}", enter())).await;
    w.wait_text("#card-greeting", "张女士您好").await;
    w.wait_text("#card-notes", "喜欢绿茶").await;
    w.wait_text("#card-no", "M000001").await;
    w.shot("greeting").await;
    w.close().await;
}

#[tokio::test]
async fn check_out_and_see_the_new_balance() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|p| p.into_inner());
    let w = Window::open(|db| {
        two_members(db);
        cli_json(db, TODAY, &["checkout", "--member", "13812345678", "--amount", "100", "--receipt", "OLD1"], 0);
    })
    .await;
    w.type_into("#search", &format!("zs{}", enter())).await;
    // 50 welcome points from the new-member pack and 100 from the first receipt.
    w.wait_text("#card-balance", "150").await;
    w.type_into("#checkout-amount", &format!("599.50{}", enter())).await;
    w.wait_text("#checkout-result", "积分 +599").await;
    w.wait_text("#checkout-result", "满500赠品").await;
    w.wait_text("#card-balance", "749").await;
    w.wait_text("#card-visits", "599.50").await;
    w.shot("checkout").await;
    let db = w.db.clone();
    let _dir = w.close().await;
    let card = cli_json(&db, TODAY, &["member", "show", "13812345678"], 0);
    assert_eq!(card["points_balance"], 749, "the window's checkout is in the data file");
}

#[tokio::test]
async fn an_invalid_amount_shows_the_chinese_error_and_writes_nothing() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|p| p.into_inner());
    let w = Window::open(two_members).await;
    w.type_into("#search", &format!("13812345678{}", enter())).await;
    w.wait_text("#card-greeting", "张女士").await;
    w.type_into("#checkout-amount", &format!("12.345{}", enter())).await;
    w.wait_text("#checkout-error", "金额无效：金额最多两位小数").await;
    w.type_into("#checkout-amount", &format!("abc{}", enter())).await;
    w.wait_text("#checkout-error", "不是数字").await;
    w.shot("invalid-amount").await;
    let db = w.db.clone();
    let _dir = w.close().await;
    let card = cli_json(&db, TODAY, &["member", "show", "13812345678"], 0);
    assert_eq!(card["points_balance"], 50, "the welcome points only");
    assert_eq!(card["recent_receipts"].as_array().unwrap().len(), 0, "nothing was written");
}

#[tokio::test]
async fn after_the_monthly_evaluation_the_manager_sees_the_change_and_the_card_the_new_tier() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|p| p.into_inner());
    let w = Window::open_on("2026-12-01", |db| {
        two_members(db);
        // 15,000 over 10 visits this year: C = 170, S = 102.00 → Core on December 1st.
        let sales = db.with_file_name("sales.csv");
        let mut csv = String::from("receipt_no,phone,time,amount\n");
        for i in 0..10 {
            csv.push_str(&format!("H{i},13812345678,2026-0{}-15 10:00,1500.00\n", 1 + i % 9));
        }
        std::fs::write(&sales, csv).unwrap();
        cli_json(db, TODAY, &["import", "purchases", sales.to_str().unwrap()], 0);
    })
    .await;
    w.click("#tab-manager").await;
    w.wait_text("#review-info", "评定 2 位会员，变动 1 位").await;
    w.wait_text("#review-changes", "M000001 张三").await;
    w.wait_text("#review-changes", "核心会员").await;
    w.wait_text("#review-changes", "102.00").await;
    w.shot("tier-review").await;
    w.click("#tab-desk").await;
    w.type_into("#search", &format!("5678{}", enter())).await;
    w.wait_text("#card-tier", "核心会员").await;
    w.wait_text("#tv-benefits", "1.2倍积分").await;
    w.wait_text("#tv-next", "即可升为忠诚会员").await;
    w.shot("card-core").await;
    w.close().await;
}

#[tokio::test]
async fn check_out_with_a_coupon_and_see_the_discount_the_points_and_the_coupon_used() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|p| p.into_inner());
    // Enrolment gives the new-member pack: 50 points and a 满100减10 coupon.
    let w = Window::open(two_members).await;
    w.type_into("#search", &format!("5678{}", enter())).await;
    w.wait_text("#card-coupons", "1 张可用").await;
    w.wait_text("#card-coupon-list", "满100减10").await;
    let pick = w.client.find(Locator::Css("#checkout-coupon-pick")).await.unwrap();
    pick.select_by_index(1).await.unwrap();
    w.type_into("#checkout-amount", "150").await;
    w.wait_text("#checkout-quote", "实付 ¥140.00（优惠 ¥10.00）· 积分 +140").await;
    w.type_into("#checkout-amount", &format!("150{}", enter())).await;
    w.wait_text("#checkout-result", "积分 +140").await;
    w.wait_text("#checkout-result", "−¥10.00").await;
    w.wait_text("#card-balance", "190").await;
    w.wait_text("#card-coupon-list", "已使用").await;
    w.shot("coupon-checkout").await;
    let db = w.db.clone();
    let _dir = w.close().await;
    let card = cli_json(&db, TODAY, &["member", "show", "13812345678"], 0);
    let used: Vec<_> = card["coupons"].as_array().unwrap().iter().filter(|c| c["status"] == "used").collect();
    assert_eq!(used.len(), 1);
    assert_eq!(card["recent_receipts"][0]["discount"], "10.00");
}

#[tokio::test]
async fn mark_a_contact_done_with_a_note_it_leaves_the_list_and_the_note_shows_on_the_card() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|p| p.into_inner());
    // Enrolled days before; their birthdays are two days after the store date, so the list
    // generated when the app opens on TODAY has them.
    let w = Window::open(|db| {
        cli_json(
            db,
            "2026-11-20",
            &[
                "enroll",
                "--name",
                "张三",
                "--phone",
                "13812345678",
                "--gender",
                "F",
                "--birthday",
                "1990-11-25",
                "--notes",
                "喜欢绿茶",
            ],
            0,
        );
        cli_json(
            db,
            "2026-11-20",
            &["enroll", "--name", "李四", "--phone", "13900001111", "--gender", "M", "--birthday", "1985-11-25"],
            0,
        );
    })
    .await;
    w.click("#tab-service").await;
    w.wait_text("#service-counts", "待联系 2 通电话").await;
    // Same tier, neither VIP: by member number, so 张三 (M000001) first.
    w.wait_text("#service-entries", "李先生 M000002").await;
    w.wait_text("#se-greeting", "张女士").await;
    w.wait_text("#se-reasons", "生日：公历 11-25").await;
    w.wait_text("#se-scripts", "张女士您好！后天是您的生日").await;
    w.wait_text("#se-notes", "喜欢绿茶").await;
    w.shot("contact-entry").await;
    w.type_into("#se-note", "已致电，顾客周末来店领生日礼").await;
    w.click("#se-done").await;
    w.wait_text("#service-counts", "待联系 1 通电话").await;
    let remaining = w.client.find(Locator::Css("#service-entries")).await.unwrap().text().await.unwrap();
    assert!(!remaining.contains("张女士"), "done entries leave the pending list: {remaining}");
    w.click("#tab-desk").await;
    w.type_into("#search", &format!("5678{}", enter())).await;
    w.wait_text("#card-contact-log", "已联系：已致电，顾客周末来店领生日礼").await;
    w.shot("card-contact-log").await;
    w.close().await;
}

#[tokio::test]
async fn the_days_sms_greetings_show_as_one_batch_and_exporting_marks_them_sent() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|p| p.into_inner());
    // The store's own holiday on 11-25, two days after TODAY: three Regular members get an
    // SMS greeting; 张三's birthday that day makes hers a call.
    let w = Window::open(|db| {
        for (name, phone, gender, birthday) in [
            ("张三", "13812345678", "F", "1990-11-25"),
            ("王五", "13700001111", "M", ""),
            ("赵六", "13600001111", "F", ""),
            ("孙八", "13500001111", "M", ""),
        ] {
            let mut args = vec!["enroll", "--name", name, "--phone", phone, "--gender", gender];
            if !birthday.is_empty() {
                args.extend(["--birthday", birthday]);
            }
            cli_json(db, "2026-11-20", &args, 0);
        }
        let mut desk = desk::Desk::open(db).unwrap();
        let day: chrono::NaiveDate = "2026-11-20".parse().unwrap();
        let ctx = desk.manager_ctx(day, day.and_hms_opt(9, 0, 0).unwrap()).unwrap();
        let holiday = desk::contacts::HolidaySetting {
            id: 0,
            name: "店庆".into(),
            calendar: "solar".into(),
            month: 11,
            day: 25,
            audience: "all".into(),
            active: true,
        };
        desk.save_holiday(&ctx, &holiday).unwrap();
    })
    .await;
    w.click("#tab-service").await;
    w.wait_text("#service-counts", "待联系 1 通电话 · 3 条短信").await;
    w.wait_text("#service-sms-batches", "短信问候 店庆（11-25） · 3 人").await;
    w.wait_text("#service-sms-batches", "待导出发送").await;
    let calls = w.client.find(Locator::Css("#service-entries")).await.unwrap().text().await.unwrap();
    assert!(calls.contains("张女士") && !calls.contains("王先生"), "texts are not in the call list: {calls}");
    w.shot("sms-batch").await;
    w.click("#service-sms").await;
    w.wait_text("#service-sms-batches", "店长 已导出").await;
    w.wait_text("#service-counts", "0 条短信").await;
    let file = w.dir.path().join("Downloads/短信清单-2026-11-23.csv");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines.contains(&"13700001111,王五,王先生您好！店庆快到了，会员台祝您和家人节日快乐！"), "{text}");
    w.shot("sms-batch-exported").await;
    w.close().await;
}

#[tokio::test]
async fn redeem_points_for_a_voucher_and_see_the_balance_before_and_after() {
    let _one = ONE_WINDOW.lock().unwrap_or_else(|p| p.into_inner());
    let w = Window::open(|db| {
        two_members(db);
        cli_json(db, TODAY, &["adjust", "--member", "13812345678", "--points", "550", "--reason", "活动补发"], 0);
    })
    .await;
    w.type_into("#search", &format!("5678{}", enter())).await;
    w.wait_text("#card-balance", "600").await;
    w.click("#btn-redeem").await;
    w.wait_text("#redeem-before", "600").await;
    // The backend says what each item leaves, or why it cannot be redeemed now.
    w.wait_text("#redeem-items", "50元无门槛券 · 500 · 不限量 · 兑换后 100").await;
    w.wait_text("#redeem-items", "小家电礼品 · 1000 · 库存 10 · 积分不足").await;
    w.shot("redeem-dialog").await;
    w.click("#redeem-items li:first-child input").await;
    w.click("#redeem-submit").await;
    w.wait_text("#card-balance", "100").await;
    w.wait_text("#card-coupon-list", "50元无门槛").await;
    w.close().await;
}
