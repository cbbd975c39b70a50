//! The desktop app's commands: each reads the state, calls one `desk` operation and
//! returns its view or its `{code, message}` error. No rules here. They are `async` so
//! they run off the window's thread; lookups go to the reader connection.

use crate::state::AppState;
use desk::checkout::{CheckoutInput, RefundInput};
use desk::contacts::{ContactEntryView, ContactOutcome, ContactScript, HolidaySetting, SmsBatchView};
use desk::coupons::{CatalogItem, CouponTemplate, RedeemOptions, RedeemOutcome};
use desk::export::ExportFormat;
use desk::interactions::InteractionOutcome;
use desk::members::MemberInput;
use desk::staff::{AuditQuery, SessionEvent, SignedIn, StaffChange, StaffView};
use desk::tiers::{TierReview, TierRunView};
use desk::Role;
use desk::{
    AdjustOutcome, DeskError, DeskResult, ErrorCode, MemberCard, MemberHit, ReceiptOutcome, ReceiptView, StoreStatus,
};
use loyalty::ProgramSettings;
use serde::Serialize;
use tauri::State;

#[derive(Serialize)]
pub struct AppStatus {
    #[serde(flatten)]
    pub status: StoreStatus,
    pub store_date_now: chrono::NaiveDate,
    /// The background check of the data file: checking, ok, or damaged with a message.
    pub integrity: crate::state::Integrity,
}

/// Opens the store day (expiring lots, running due tier evaluations) and reports the store.
#[tauri::command]
pub async fn app_status(state: State<'_, AppState>, confirm: Option<bool>) -> DeskResult<AppStatus> {
    let integrity = state.integrity();
    if let crate::state::Integrity::Damaged { .. } = integrity {
        // Writes are refused; still show what the reader sees.
        return state.with_reader_system(|desk, ctx| {
            Ok(AppStatus { status: desk.status()?, store_date_now: ctx.store_date, integrity })
        });
    }
    // Confirming a long jump of the clock's date is a manager's (rules §1).
    let confirm = confirm.unwrap_or(false);
    if confirm && !state.may_confirm_date() {
        return Err(DeskError::new(ErrorCode::NotAllowed, "营业日期的跳跃须由店长登录后确认"));
    }
    state.with_system(confirm, |desk, ctx| {
        Ok(AppStatus { status: desk.status()?, store_date_now: ctx.store_date, integrity: integrity.clone() })
    })
}

/// Which store this window works on.
#[derive(Serialize)]
pub struct ConnectionView {
    /// `sqlite` (this PC's file) or `postgres` (a shared server).
    pub engine: &'static str,
    /// The file's path, or the server's URL without its password.
    pub database: String,
    pub branch: Option<String>,
    pub counter: Option<String>,
    /// Why it could not be opened, if so (the window then offers to connect again).
    pub error: Option<DeskError>,
    /// A server whose password is to be asked for.
    pub needs_password: bool,
    pub may_change: bool,
}

#[tauri::command]
pub async fn store_connection(state: State<'_, AppState>) -> DeskResult<ConnectionView> {
    let location = state.location();
    let saved = crate::connection::SavedConnection::load(&state.app_folder);
    let error = state.open_error();
    let needs_password = match &location {
        store::Location::Server(url) => !url.has_password() && error.is_some(),
        store::Location::File(_) => false,
    };
    Ok(ConnectionView {
        engine: match location.engine() {
            store::Engine::Sqlite => "sqlite",
            store::Engine::Postgres => "postgres",
        },
        database: location.to_string(),
        branch: saved.as_ref().and_then(|s| s.branch.clone()),
        counter: saved.as_ref().and_then(|s| s.counter.clone()),
        error,
        needs_password,
        may_change: state.may_change_connection(),
    })
}

/// What the connection form sends.
#[derive(serde::Deserialize)]
pub struct ConnectionForm {
    /// `postgres://user@host:port/dbname` (a password in it is taken out before saving).
    pub url: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub counter: Option<String>,
}

fn server_of(form: &ConnectionForm) -> DeskResult<store::Location> {
    let url = form.url.trim();
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(DeskError::new(
            ErrorCode::InvalidInput,
            "地址应以 postgres:// 开头，例如 postgres://md@192.168.1.10:5432/memberdesk",
        ));
    }
    let server = store::ServerUrl::new(url);
    let server = if form.password.is_empty() { server } else { server.with_password(&form.password) };
    Ok(store::Location::Server(server))
}

/// Tries the server without changing anything: reachable, the sign-in accepted.
#[tauri::command]
pub async fn store_connection_test(form: ConnectionForm) -> DeskResult<String> {
    let store::Location::Server(url) = server_of(&form)? else { unreachable!("a server") };
    let version = store::test_server(&url)?;
    Ok(format!("连接成功：{version}"))
}

/// Connects this window to a shared server (and remembers it, without the password), or
/// gives the password of the saved one at start.
#[tauri::command]
pub async fn store_connect(state: State<'_, AppState>, form: ConnectionForm) -> DeskResult<ConnectionView> {
    if !state.may_change_connection() {
        return Err(DeskError::new(ErrorCode::NotAllowed, "更换数据库须由店长登录后操作"));
    }
    let location = server_of(&form)?;
    let saved = crate::connection::SavedConnection {
        url: form.url.trim().to_string(),
        branch: form.branch.clone().filter(|b| !b.trim().is_empty()),
        counter: form.counter.clone().filter(|c| !c.trim().is_empty()),
    };
    // Opened once here, at the form's branch and counter, so that a wrong address or a
    // branch the database does not have is refused before anything is saved.
    crate::state::open_desk_at(&location, saved.branch.clone(), saved.counter.clone())?;
    saved
        .save(&state.app_folder)
        .map_err(|e| DeskError::new(ErrorCode::FileUnreadable, format!("无法保存连接设置：{e}")))?;
    state.connect(location);
    store_connection(state).await
}

/// Back to this PC's own data file.
#[tauri::command]
pub async fn store_disconnect(state: State<'_, AppState>) -> DeskResult<ConnectionView> {
    if !state.may_change_connection() {
        return Err(DeskError::new(ErrorCode::NotAllowed, "更换数据库须由店长登录后操作"));
    }
    crate::connection::SavedConnection::forget(&state.app_folder)
        .map_err(|e| DeskError::new(ErrorCode::FileUnreadable, format!("无法删除连接设置：{e}")))?;
    state.connect(crate::clock::store_location(None));
    store_connection(state).await
}

/// The Downloads folder (or the data file's folder where there is none).
fn downloads(state: &AppState) -> std::path::PathBuf {
    dirs::download_dir().unwrap_or_else(|| state.app_folder.clone())
}

/// Writes an export; returns its path.
fn write_download(path: &std::path::Path, bytes: &[u8]) -> DeskResult<String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| DeskError::new(ErrorCode::FileUnreadable, format!("无法写入 {}：{e}", path.display())))?;
    }
    std::fs::write(path, bytes)
        .map_err(|e| DeskError::new(ErrorCode::FileUnreadable, format!("无法写入 {}：{e}", path.display())))?;
    Ok(path.display().to_string())
}

/// Who is signed in, whether the screen is locked, whether the store still needs its
/// first manager, and the active accounts to pick from.
#[tauri::command]
pub async fn session_status(state: State<'_, AppState>) -> DeskResult<serde_json::Value> {
    let view = state.session_view()?;
    let roster = state.with_reader_raw(|desk| desk.staff_roster())?;
    Ok(serde_json::json!({ "session": view, "roster": roster }))
}

/// The first start of a new store: the manager's name and PIN (then signed in).
#[tauri::command]
pub async fn staff_setup(state: State<'_, AppState>, name: String, pin: String) -> DeskResult<SignedIn> {
    state.set_up(&name, &pin)
}

/// The first start with demo data: the demo store and its three accounts, whose PINs are
/// returned once to be shown.
#[tauri::command]
pub async fn demo_start(state: State<'_, AppState>, members: usize, months: u32) -> DeskResult<desk::demo::DemoReport> {
    state.with_system(false, |desk, ctx| desk.start_demo(ctx, members, months, 20_261_123))
}

#[tauri::command]
pub async fn sign_in(state: State<'_, AppState>, name: String, pin: String) -> DeskResult<SignedIn> {
    state.sign_in(&name, &pin)
}

#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> DeskResult<()> {
    state.end_session(SessionEvent::SignOut)
}

/// Locks the screen (idle, or 锁屏): unlocking takes a PIN.
#[tauri::command]
pub async fn session_lock(state: State<'_, AppState>) -> DeskResult<()> {
    state.end_session(SessionEvent::ScreenLock)
}

#[tauri::command]
pub async fn staff_list(state: State<'_, AppState>) -> DeskResult<Vec<StaffView>> {
    state.with_reader(|desk, ctx| desk.staff_list(ctx))
}

#[tauri::command]
pub async fn staff_add(state: State<'_, AppState>, name: String, role: Role, pin: String) -> DeskResult<StaffView> {
    state.with_desk(|desk, ctx| desk.staff_add(ctx, &name, role, &pin, None))
}

#[tauri::command]
pub async fn staff_set(state: State<'_, AppState>, name: String, change: StaffChange) -> DeskResult<StaffView> {
    state.with_desk(|desk, ctx| desk.staff_set(ctx, &name, &change))
}

#[tauri::command]
pub async fn audit_query(state: State<'_, AppState>, query: AuditQuery) -> DeskResult<Vec<store::audit::AuditRow>> {
    state.with_reader(|desk, ctx| desk.audit_entries(ctx, &query))
}

/// Writes the filtered audit log to the Downloads folder; returns the file's path.
#[tauri::command]
pub async fn audit_export(state: State<'_, AppState>, query: AuditQuery, format: String) -> DeskResult<String> {
    let format = ExportFormat::parse(&format)?;
    let bytes = state.with_reader(|desk, ctx| desk.export_audit(ctx, &query, format))?;
    let (date, _) = state.store_date()?;
    let ext = if format == ExportFormat::Csv { "csv" } else { "xlsx" };
    write_download(&downloads(&state).join(format!("操作日志-{date}.{ext}")), &bytes)
}

/// Changes a member's care notes only (front desk, customer service, manager).
#[tauri::command]
pub async fn member_notes(state: State<'_, AppState>, member: String, notes: String) -> DeskResult<MemberCard> {
    state.with_desk(|desk, ctx| desk.set_notes(ctx, &member, &notes))
}

/// The contact entry being worked, with the full number to dial.
#[tauri::command]
pub async fn contact_entry(state: State<'_, AppState>, entry: i64) -> DeskResult<ContactEntryView> {
    state.with_reader(|desk, ctx| desk.contact_entry(ctx, entry))
}

#[tauri::command]
pub async fn member_search(state: State<'_, AppState>, query: String) -> DeskResult<Vec<MemberHit>> {
    state.with_reader(|desk, ctx| desk.search(ctx, &query, 20))
}

#[tauri::command]
pub async fn member_show(state: State<'_, AppState>, member: String) -> DeskResult<MemberCard> {
    state.with_reader(|desk, ctx| desk.member_card(ctx, &member))
}

#[tauri::command]
pub async fn member_enroll(state: State<'_, AppState>, input: MemberInput) -> DeskResult<MemberCard> {
    state.with_desk(|desk, ctx| desk.enroll(ctx, &input))
}

#[tauri::command]
pub async fn member_update(state: State<'_, AppState>, member: String, input: MemberInput) -> DeskResult<MemberCard> {
    state.with_desk(|desk, ctx| desk.update_member(ctx, &member, &input))
}

#[tauri::command]
pub async fn member_archive(state: State<'_, AppState>, member: String, archived: bool) -> DeskResult<MemberCard> {
    state.with_desk(|desk, ctx| desk.set_archived(ctx, &member, archived))
}

#[tauri::command]
pub async fn member_history(state: State<'_, AppState>, member: String) -> DeskResult<Vec<ReceiptView>> {
    state.with_reader(|desk, ctx| desk.history(ctx, &member, 200))
}

#[tauri::command]
pub async fn receipt_suggest(state: State<'_, AppState>) -> DeskResult<String> {
    state.with_reader(|desk, ctx| desk.suggest_receipt_no(ctx))
}

#[tauri::command]
pub async fn checkout(state: State<'_, AppState>, input: CheckoutInput) -> DeskResult<ReceiptOutcome> {
    state.with_desk(|desk, ctx| desk.checkout(ctx, &input))
}

#[tauri::command]
pub async fn refund(state: State<'_, AppState>, input: RefundInput) -> DeskResult<ReceiptOutcome> {
    state.with_desk(|desk, ctx| desk.refund(ctx, &input))
}

#[tauri::command]
pub async fn points_adjust(
    state: State<'_, AppState>,
    member: String,
    points: i64,
    reason: String,
) -> DeskResult<AdjustOutcome> {
    state.with_desk(|desk, ctx| desk.adjust(ctx, &member, points, &reason))
}

#[tauri::command]
pub async fn interaction_record(
    state: State<'_, AppState>,
    member: String,
    kind: String,
    date: Option<chrono::NaiveDate>,
    note: String,
    score: Option<i64>,
) -> DeskResult<InteractionOutcome> {
    state.with_desk(|desk, ctx| desk.record_interaction(ctx, &member, &kind, date, &note, score))
}

#[tauri::command]
pub async fn demo_fill(state: State<'_, AppState>, members: usize, months: u32) -> DeskResult<desk::demo::DemoReport> {
    state.with_desk(|desk, ctx| desk.fill_demo(ctx, members, months, 20_261_123))
}

#[tauri::command]
pub async fn tier_review(state: State<'_, AppState>, month: String) -> DeskResult<TierReview> {
    state.with_reader(|desk, ctx| desk.tier_review(ctx, &month))
}

#[tauri::command]
pub async fn tier_evaluate(state: State<'_, AppState>, month: Option<String>) -> DeskResult<TierRunView> {
    state.with_desk(|desk, ctx| desk.evaluate_tiers(ctx, month.as_deref()))
}

/// Writes a month's tier changes to the Downloads folder; returns the file's path.
#[tauri::command]
pub async fn tier_export(state: State<'_, AppState>, month: String, format: String) -> DeskResult<String> {
    let format = ExportFormat::parse(&format)?;
    let bytes = state.with_reader(|desk, ctx| desk.export_tier_changes(ctx, &month, format))?;
    let ext = if format == ExportFormat::Csv { "csv" } else { "xlsx" };
    write_download(&downloads(&state).join(format!("等级变动-{month}.{ext}")), &bytes)
}

#[tauri::command]
pub async fn settings_get(state: State<'_, AppState>) -> DeskResult<serde_json::Value> {
    state.with_reader(|desk, ctx| {
        Ok(serde_json::json!({ "settings": desk.program_settings(), "history": desk.settings_history(ctx)? }))
    })
}

#[tauri::command]
pub async fn settings_save(state: State<'_, AppState>, settings: ProgramSettings) -> DeskResult<ProgramSettings> {
    let saved = state.with_desk(|desk, ctx| desk.save_program_settings(ctx, settings))?;
    state.settings_changed()?;
    Ok(saved)
}

#[tauri::command]
pub async fn checkout_quote(state: State<'_, AppState>, input: CheckoutInput) -> DeskResult<ReceiptOutcome> {
    state.with_desk(|desk, ctx| desk.checkout_quote(ctx, &input))
}

#[tauri::command]
pub async fn catalog(state: State<'_, AppState>) -> DeskResult<Vec<CatalogItem>> {
    state.with_reader(|desk, ctx| desk.catalog(ctx))
}

#[tauri::command]
pub async fn redeem_options(state: State<'_, AppState>, member: String) -> DeskResult<RedeemOptions> {
    state.with_reader(|desk, ctx| desk.redeem_options(ctx, &member))
}

#[tauri::command]
pub async fn redeem(state: State<'_, AppState>, member: String, item: i64) -> DeskResult<RedeemOutcome> {
    state.with_desk(|desk, ctx| desk.redeem(ctx, &member, item))
}

#[tauri::command]
pub async fn catalog_save(state: State<'_, AppState>, item: CatalogItem) -> DeskResult<Vec<CatalogItem>> {
    state.with_desk(|desk, ctx| desk.save_catalog_item(ctx, &item))
}

#[tauri::command]
pub async fn coupon_templates(state: State<'_, AppState>) -> DeskResult<Vec<CouponTemplate>> {
    state.with_reader(|desk, ctx| desk.coupon_templates(ctx))
}

#[tauri::command]
pub async fn coupon_template_save(
    state: State<'_, AppState>,
    template: CouponTemplate,
) -> DeskResult<Vec<CouponTemplate>> {
    state.with_desk(|desk, ctx| desk.save_coupon_template(ctx, &template))
}

#[tauri::command]
pub async fn contact_queue(state: State<'_, AppState>) -> DeskResult<Vec<ContactEntryView>> {
    state.with_desk(|desk, ctx| desk.contact_queue(ctx))
}

#[tauri::command]
pub async fn contact_record(
    state: State<'_, AppState>,
    entry: i64,
    outcome: ContactOutcome,
    note: String,
    reschedule_to: Option<chrono::NaiveDate>,
) -> DeskResult<ContactEntryView> {
    state.with_desk(|desk, ctx| desk.record_contact(ctx, entry, outcome, &note, reschedule_to))
}

/// Writes the day's SMS list (with earlier days' texts not sent yet) or call list to the
/// Downloads folder; returns the file's path.
#[tauri::command]
pub async fn contact_export(state: State<'_, AppState>, channel: String) -> DeskResult<String> {
    let dir = downloads(&state);
    state.with_desk(|desk, ctx| {
        if channel == "sms" {
            let path = dir.join(format!("短信清单-{}.csv", ctx.store_date));
            Ok(desk.export_sms(ctx, None, &path)?.file)
        } else {
            let path = dir.join(format!("电话清单-{}.csv", ctx.store_date));
            write_download(&path, &desk.export_contacts_csv(ctx, None, Some("call"))?)
        }
    })
}

/// The SMS greetings to send: today's and earlier days' not exported yet.
#[tauri::command]
pub async fn contact_sms_batches(state: State<'_, AppState>) -> DeskResult<Vec<SmsBatchView>> {
    state.with_desk(|desk, ctx| desk.sms_batches(ctx))
}

#[tauri::command]
pub async fn contact_settings(state: State<'_, AppState>) -> DeskResult<serde_json::Value> {
    state.with_reader(|desk, ctx| {
        Ok(serde_json::json!({ "scripts": desk.contact_scripts(ctx)?, "holidays": desk.holidays(ctx)? }))
    })
}

#[tauri::command]
pub async fn contact_script_save(state: State<'_, AppState>, script: ContactScript) -> DeskResult<Vec<ContactScript>> {
    state.with_desk(|desk, ctx| desk.save_contact_script(ctx, &script))
}

#[tauri::command]
pub async fn holiday_save(state: State<'_, AppState>, holiday: HolidaySetting) -> DeskResult<Vec<HolidaySetting>> {
    state.with_desk(|desk, ctx| desk.save_holiday(ctx, &holiday))
}

// ---- the manager's program: figures, big customers, a clean member list ---------------

#[tauri::command]
pub async fn figures(
    state: State<'_, AppState>,
    from: Option<String>,
    to: Option<String>,
    branch: Option<String>,
) -> DeskResult<desk::figures::FiguresReport> {
    state.with_reader(|desk, ctx| desk.figures(ctx, from.as_deref(), to.as_deref(), branch.as_deref()))
}

/// Writes the figures to the Downloads folder; returns the file's path.
#[tauri::command]
pub async fn figures_export(
    state: State<'_, AppState>,
    from: Option<String>,
    to: Option<String>,
    branch: Option<String>,
    format: String,
) -> DeskResult<String> {
    let format = ExportFormat::parse(&format)?;
    let report = state.with_reader(|desk, ctx| desk.figures(ctx, from.as_deref(), to.as_deref(), branch.as_deref()))?;
    let bytes = report.file(format)?;
    let ext = if format == ExportFormat::Csv { "csv" } else { "xlsx" };
    let span = if report.period.from == report.period.to {
        report.period.from.clone()
    } else {
        format!("{}至{}", report.period.from, report.period.to)
    };
    write_download(&downloads(&state).join(format!("效果评估-{span}.{ext}")), &bytes)
}

#[tauri::command]
pub async fn screening_run(
    state: State<'_, AppState>,
    quarter: Option<String>,
) -> DeskResult<desk::screening::ScreeningView> {
    state.with_desk(|desk, ctx| desk.run_screening(ctx, quarter.as_deref()))
}

#[tauri::command]
pub async fn screening_list(
    state: State<'_, AppState>,
    quarter: Option<String>,
) -> DeskResult<desk::screening::ScreeningView> {
    state.with_reader(|desk, ctx| desk.screening(ctx, quarter.as_deref()))
}

#[tauri::command]
pub async fn screening_decide(
    state: State<'_, AppState>,
    quarter: Option<String>,
    member: String,
    approve: bool,
    note: String,
) -> DeskResult<desk::screening::CandidateView> {
    state.with_desk(|desk, ctx| desk.decide_candidate(ctx, quarter.as_deref(), &member, approve, &note))
}

#[tauri::command]
pub async fn member_vip(state: State<'_, AppState>, member: String, vip: bool, note: String) -> DeskResult<MemberCard> {
    state.with_desk(|desk, ctx| desk.set_vip(ctx, &member, vip, &note))
}

/// The member's card code; `replace`: a new card, the old code refused from now on.
#[tauri::command]
pub async fn member_card_code(
    state: State<'_, AppState>,
    member: String,
    replace: bool,
) -> DeskResult<desk::CardCodeView> {
    state.with_desk(|desk, ctx| desk.member_card_code(ctx, &member, replace))
}

#[tauri::command]
pub async fn member_duplicates(state: State<'_, AppState>) -> DeskResult<Vec<desk::merge::DuplicatePair>> {
    state.with_reader(|desk, ctx| desk.possible_duplicates(ctx, 200))
}

#[tauri::command]
pub async fn member_merge_preview(
    state: State<'_, AppState>,
    keep: String,
    merge: String,
) -> DeskResult<desk::merge::MergeView> {
    state.with_reader(|desk, ctx| desk.merge_preview(ctx, &keep, &merge))
}

#[tauri::command]
pub async fn member_merge(
    state: State<'_, AppState>,
    keep: String,
    merge: String,
) -> DeskResult<desk::merge::MergeView> {
    state.with_desk(|desk, ctx| desk.merge_members(ctx, &keep, &merge))
}

#[tauri::command]
pub async fn member_erase(state: State<'_, AppState>, member: String, confirm: String) -> DeskResult<MemberCard> {
    state.with_desk(|desk, ctx| desk.erase_member(ctx, &member, &confirm))
}

#[tauri::command]
pub async fn branch_list(state: State<'_, AppState>) -> DeskResult<Vec<desk::branches::BranchView>> {
    state.with_reader(|desk, ctx| desk.branch_list(ctx))
}

/// What a file imports (the desktop's import panel).
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Members,
    Purchases,
    Interactions,
}

/// Imports a CSV file or an Excel workbook the window read (its bytes); `dry_run` checks
/// every row and writes nothing. Its progress goes to the window as `import-progress`
/// events ([`desk::import::ImportProgress`]) for the panel's progress bar.
#[tauri::command]
pub async fn import_file<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    kind: ImportKind,
    bytes: Vec<u8>,
    dry_run: bool,
    skip_invalid: bool,
) -> DeskResult<desk::import::ImportReport> {
    use tauri::Emitter;
    let options = desk::import::ImportOptions { dry_run, skip_invalid };
    // A window that closed meanwhile misses the news; the import goes on.
    let mut progress = |p: desk::import::ImportProgress| {
        let _ = window.emit_to(window.label(), "import-progress", p);
    };
    state.with_desk(|desk, ctx| match kind {
        ImportKind::Members => desk.import_members_watched(ctx, &bytes, options, &mut progress),
        ImportKind::Purchases => desk.import_purchases_watched(ctx, &bytes, options, &mut progress),
        ImportKind::Interactions => desk.import_interactions_watched(ctx, &bytes, options, &mut progress),
    })
}

/// A top-up at the front desk (rules §14); idempotent by its receipt number.
#[tauri::command]
pub async fn sv_top_up(
    state: State<'_, AppState>,
    input: desk::stored_value::TopUpInput,
) -> DeskResult<desk::stored_value::TopUpOutcome> {
    state.with_desk(|desk, ctx| desk.top_up(ctx, &input))
}

/// Pays principal back out (退储值, manager): `amount` in yuan or `all`, with a reason.
#[tauri::command]
pub async fn sv_payout(
    state: State<'_, AppState>,
    member: String,
    amount: String,
    reason: String,
) -> DeskResult<desk::stored_value::PayoutOutcome> {
    state.with_desk(|desk, ctx| desk.payout(ctx, &member, &amount, &reason))
}

/// The top-up rules; `history` adds the retired ones.
#[tauri::command]
pub async fn sv_rules(state: State<'_, AppState>, history: bool) -> DeskResult<Vec<desk::stored_value::TopUpRuleView>> {
    state.with_reader(|desk, ctx| desk.top_up_rules(ctx, history))
}

/// Saves a top-up rule (the manager's); an edit names the rule it replaces.
#[tauri::command]
pub async fn sv_rule_save(
    state: State<'_, AppState>,
    input: desk::stored_value::TopUpRuleInput,
) -> DeskResult<desk::stored_value::TopUpRuleView> {
    state.with_desk(|desk, ctx| desk.save_top_up_rule(ctx, &input))
}

/// Stops a top-up rule (the manager's).
#[tauri::command]
pub async fn sv_rule_stop(state: State<'_, AppState>, id: i64) -> DeskResult<()> {
    state.with_desk(|desk, ctx| desk.retire_top_up_rule(ctx, id))
}

/// Sets (or with no PIN removes) the member's payment PIN; returns whether one is set.
#[tauri::command]
pub async fn member_sv_pin(state: State<'_, AppState>, member: String, pin: Option<String>) -> DeskResult<bool> {
    state.with_desk(|desk, ctx| desk.set_sv_pin(ctx, &member, pin.as_deref()))
}

/// Writes the stored-value ledger of `from`…`until` to the Downloads folder.
#[tauri::command]
pub async fn sv_export(
    state: State<'_, AppState>,
    from: chrono::NaiveDate,
    until: chrono::NaiveDate,
    format: String,
) -> DeskResult<String> {
    let format = ExportFormat::parse(&format)?;
    let bytes = state.with_reader(|desk, ctx| desk.export_sv_ledger(ctx, from, until, format))?;
    let ext = if format == ExportFormat::Csv { "csv" } else { "xlsx" };
    write_download(&downloads(&state).join(format!("储值流水-{from}-{until}.{ext}")), &bytes)
}

/// What a top-up would give (rule, bonus, account after), recording nothing.
#[tauri::command]
pub async fn sv_top_up_quote(
    state: State<'_, AppState>,
    input: desk::stored_value::TopUpInput,
) -> DeskResult<desk::stored_value::TopUpOutcome> {
    state.with_desk(|desk, ctx| desk.top_up_quote(ctx, &input))
}

/// The member card to print (the layout is the window's).
#[tauri::command]
pub async fn print_card(state: State<'_, AppState>, member: String) -> DeskResult<desk::print::CardPrint> {
    state.with_desk(|desk, ctx| desk.card_print(ctx, &member))
}

/// The slip of a receipt or top-up, for a 58 or 80 mm roll.
#[tauri::command]
pub async fn print_slip(
    state: State<'_, AppState>,
    receipt: String,
    width: String,
) -> DeskResult<desk::print::SlipPrint> {
    let width = desk::print::SlipWidth::parse(&width)?;
    state.with_reader(|desk, ctx| desk.slip(ctx, &receipt, width))
}

/// Prints what the window shows on paper of this size: through the print dialog, or with
/// `pdf` (a file name) straight to a PDF in the Downloads folder; returns the file's path.
#[tauri::command]
pub async fn print_page<R: tauri::Runtime>(
    window: tauri::WebviewWindow<R>,
    state: State<'_, AppState>,
    width_mm: f64,
    height_mm: f64,
    pdf: Option<String>,
) -> DeskResult<Option<String>> {
    if !(10.0..=400.0).contains(&width_mm) || !(10.0..=2000.0).contains(&height_mm) {
        return Err(DeskError::new(ErrorCode::InvalidInput, "纸张尺寸无效"));
    }
    let path = match pdf.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(name) => {
            let file = std::path::Path::new(name)
                .file_name()
                .map(std::path::PathBuf::from)
                .ok_or_else(|| DeskError::new(ErrorCode::InvalidInput, "PDF 文件名无效"))?;
            let dir = downloads(&state);
            std::fs::create_dir_all(&dir)
                .map_err(|e| DeskError::new(ErrorCode::FileUnreadable, format!("无法写入 {}：{e}", dir.display())))?;
            Some(dir.join(file))
        }
        None => None,
    };
    let paper = crate::printing::Paper { width_mm, height_mm };
    let (w, p) = (window.clone(), path.clone());
    tauri::async_runtime::spawn_blocking(move || crate::printing::print_page(&w, paper, p.as_deref()))
        .await
        .map_err(|e| DeskError::new(ErrorCode::Internal, e.to_string()))?
        .map_err(|e| DeskError::new(ErrorCode::FileUnreadable, format!("打印失败：{e}")))?;
    Ok(path.map(|p| p.display().to_string()))
}

/// The About screen: what support asks first.
#[derive(Serialize)]
pub struct AboutView {
    pub version: &'static str,
    /// `sqlite` or `postgres`.
    pub engine: &'static str,
    /// The data file's path, or the server's URL without its password.
    pub database: String,
    pub schema_version: usize,
    pub branch: String,
    pub branch_name: String,
    pub counter: String,
    pub daily_backup: Option<desk::backup::DailyBackupState>,
    /// Where this window logs (the data folder's `logs/`).
    pub log_folder: Option<String>,
}

#[tauri::command]
pub async fn app_about(state: State<'_, AppState>) -> DeskResult<AboutView> {
    let s = state.with_reader_system(|desk, _| desk.status())?;
    Ok(AboutView {
        version: env!("CARGO_PKG_VERSION"),
        engine: s.engine,
        database: s.database,
        schema_version: s.schema_version,
        branch: s.branch,
        branch_name: s.branch_name,
        counter: s.counter,
        daily_backup: s.daily_backup,
        log_folder: crate::logging::folder().map(|p| p.display().to_string()),
    })
}

/// The log's last lines, for the manager to copy to support.
#[derive(Serialize)]
pub struct LogTail {
    pub folder: Option<String>,
    pub text: String,
    pub lines: usize,
}

#[tauri::command]
pub async fn log_tail(state: State<'_, AppState>) -> DeskResult<LogTail> {
    state.with_desk(|_, ctx| ctx.require(desk::Operation::ViewAudit))?;
    let Some(folder) = crate::logging::folder() else {
        return Ok(LogTail { folder: None, text: String::new(), lines: 0 });
    };
    let lines = crate::logging::tail(folder, crate::logging::TAIL_LINES)
        .map_err(|e| DeskError::new(ErrorCode::FileUnreadable, format!("无法读取日志 {}：{e}", folder.display())))?;
    Ok(LogTail { folder: Some(folder.display().to_string()), lines: lines.len(), text: lines.join("\n") })
}

/// This counter's printer settings.
#[tauri::command]
pub async fn print_settings(state: State<'_, AppState>) -> DeskResult<desk::print::PrintSettings> {
    state.with_reader(|desk, _| desk.print_settings())
}

#[tauri::command]
pub async fn print_settings_save(
    state: State<'_, AppState>,
    input: desk::print::PrintSettingsInput,
) -> DeskResult<desk::print::PrintSettings> {
    state.with_desk(|desk, ctx| desk.save_print_settings(ctx, &input))
}
