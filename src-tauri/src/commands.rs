//! The desktop app's commands: each reads the state, calls one `desk` operation and
//! returns its view or its `{code, message}` error. No rules here.

use crate::state::AppState;
use desk::checkout::{CheckoutInput, RefundInput};
use desk::members::MemberInput;
use desk::{AdjustOutcome, DeskResult, MemberCard, MemberHit, ReceiptOutcome, ReceiptView, StoreStatus};
use serde::Serialize;
use tauri::State;

#[derive(Serialize)]
pub struct AppStatus {
    #[serde(flatten)]
    pub status: StoreStatus,
    pub store_date_now: chrono::NaiveDate,
}

/// Opens the store day (expiring lots, recording the opening day) and reports the store.
#[tauri::command]
pub fn app_status(state: State<'_, AppState>, confirm: Option<bool>) -> DeskResult<AppStatus> {
    state.with_desk(confirm.unwrap_or(false), |desk, ctx| {
        let _ = desk.daily_backup(ctx);
        Ok(AppStatus { status: desk.status()?, store_date_now: ctx.store_date })
    })
}

#[tauri::command]
pub fn member_search(state: State<'_, AppState>, query: String) -> DeskResult<Vec<MemberHit>> {
    state.with_desk(false, |desk, ctx| desk.search(ctx, &query, 20))
}

#[tauri::command]
pub fn member_show(state: State<'_, AppState>, member: String) -> DeskResult<MemberCard> {
    state.with_desk(false, |desk, ctx| desk.member_card(ctx, &member))
}

#[tauri::command]
pub fn member_enroll(state: State<'_, AppState>, input: MemberInput) -> DeskResult<MemberCard> {
    state.with_desk(false, |desk, ctx| desk.enroll(ctx, &input))
}

#[tauri::command]
pub fn member_update(state: State<'_, AppState>, member: String, input: MemberInput) -> DeskResult<MemberCard> {
    state.with_desk(false, |desk, ctx| desk.update_member(ctx, &member, &input))
}

#[tauri::command]
pub fn member_archive(state: State<'_, AppState>, member: String, archived: bool) -> DeskResult<MemberCard> {
    state.with_desk(false, |desk, ctx| desk.set_archived(ctx, &member, archived))
}

#[tauri::command]
pub fn member_history(state: State<'_, AppState>, member: String) -> DeskResult<Vec<ReceiptView>> {
    state.with_desk(false, |desk, _| desk.history(&member, 200))
}

#[tauri::command]
pub fn receipt_suggest(state: State<'_, AppState>) -> DeskResult<String> {
    state.with_desk(false, |desk, ctx| desk.suggest_receipt_no(ctx))
}

#[tauri::command]
pub fn checkout(state: State<'_, AppState>, input: CheckoutInput) -> DeskResult<ReceiptOutcome> {
    state.with_desk(false, |desk, ctx| desk.checkout(ctx, &input))
}

#[tauri::command]
pub fn refund(state: State<'_, AppState>, input: RefundInput) -> DeskResult<ReceiptOutcome> {
    state.with_desk(false, |desk, ctx| desk.refund(ctx, &input))
}

#[tauri::command]
pub fn points_adjust(state: State<'_, AppState>, member: String, points: i64, reason: String) -> DeskResult<AdjustOutcome> {
    state.with_desk(false, |desk, ctx| desk.adjust(ctx, &member, points, &reason))
}

#[tauri::command]
pub fn demo_fill(state: State<'_, AppState>, members: usize, months: u32) -> DeskResult<desk::demo::DemoReport> {
    state.with_desk(false, |desk, ctx| desk.fill_demo(ctx, members, months, 20_261_123))
}
