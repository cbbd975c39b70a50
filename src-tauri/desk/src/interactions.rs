//! Interactions (rules §8): a survey, feedback, an event or a share recorded by staff. Each
//! earns its points as a lot and counts for the member's tier. Before the opening day
//! (history) an interaction counts for tiers only.

use crate::members::resolve;
use crate::points::{award, Award};
use crate::{Ctx, Desk, DeskError, DeskResult, ErrorCode, Operation};
use chrono::NaiveDate;
use serde::Serialize;
use store::ledger::LedgerKind;

pub const KINDS: [&str; 4] = ["survey", "feedback", "event", "share"];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InteractionOutcome {
    pub member_no: String,
    pub kind: String,
    pub date: NaiveDate,
    pub points: i64,
    pub points_balance: i64,
    /// A survey's 0–10 recommend score, when one was given.
    pub score: Option<u8>,
}

pub(crate) fn kind_label(kind: &str) -> &'static str {
    match kind {
        "survey" => "问卷",
        "feedback" => "反馈",
        "event" => "活动",
        _ => "分享",
    }
}

/// Records one interaction inside the caller's transaction.
pub(crate) fn record(
    conn: &store::Connection,
    ctx: &Ctx,
    settings: &loyalty::ProgramSettings,
    member: &store::members::MemberRow,
    kind: &str,
    date: NaiveDate,
    note: &str,
    score: Option<i64>,
    opening: Option<NaiveDate>,
) -> DeskResult<InteractionOutcome> {
    let Some(i) = KINDS.iter().position(|k| *k == kind) else {
        return Err(DeskError::new(
            ErrorCode::InvalidInput,
            format!("互动类型“{kind}”无效：应为 survey、feedback、event 或 share"),
        ));
    };
    let score = score
        .map(loyalty::figures::check_score)
        .transpose()
        .map_err(|e| DeskError::new(ErrorCode::InvalidInput, e.to_string()))?;
    if score.is_some() && kind != "survey" {
        return Err(DeskError::new(ErrorCode::InvalidInput, "推荐意愿评分只随问卷（survey）记录"));
    }
    if date > ctx.store_date {
        return Err(DeskError::new(ErrorCode::DateInFuture, format!("日期 {date} 晚于营业日期 {}", ctx.store_date)));
    }
    let note = &loyalty::member::normalize_notes(note)?;
    let earns = opening.is_none_or(|o| date >= o);
    let points = if earns { settings.interaction_points[i] } else { 0 };
    let now = ctx.now_text();
    store::interactions::insert(conn, member.id, kind, date, note, points, score, ctx.staff_id, &now)?;
    let balance = award(
        conn,
        &Award {
            member_id: member.id,
            points,
            kind: LedgerKind::Bonus,
            source: "interaction",
            receipt_id: None,
            earned_on: date,
            reason: &format!("互动：{}", kind_label(kind)),
            staff_id: ctx.staff_id,
            now: &now,
        },
        settings,
    )?;
    Ok(InteractionOutcome {
        member_no: member.member_no.clone(),
        kind: kind.to_string(),
        date,
        points,
        points_balance: balance,
        score,
    })
}

impl Desk {
    /// Records an interaction for a member (date default: the store date).
    pub fn record_interaction(
        &mut self,
        ctx: &Ctx,
        member_key: &str,
        kind: &str,
        date: Option<NaiveDate>,
        note: &str,
        score: Option<i64>,
    ) -> DeskResult<InteractionOutcome> {
        ctx.require(Operation::RecordInteraction)?;
        let opening = self.opening_day()?;
        let settings = self.settings.clone();
        self.store.write(|tx| {
            let member = resolve(&tx, member_key)?;
            if member.archived {
                return Err(DeskError::new(ErrorCode::MemberArchived, format!("会员 {} 已归档", member.member_no)));
            }
            let out = record(
                &tx,
                ctx,
                &settings,
                &member,
                kind.trim(),
                date.unwrap_or(ctx.store_date),
                note.trim(),
                score,
                opening,
            )?;
            crate::audit(
                &tx,
                ctx,
                "interaction",
                "member",
                Some(&member.member_no),
                None,
                Some(&match out.score {
                    Some(s) => format!("{} {} +{} 评分 {s}", out.kind, out.date, out.points),
                    None => format!("{} {} +{}", out.kind, out.date, out.points),
                }),
            )?;
            Ok(out)
        })
    }
}
