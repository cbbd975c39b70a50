//! The quarterly big-customer screening (大客户筛选, rules §10): made once per quarter on its
//! first store day (the bring-up catches up missed quarters, after that day's tier run), or
//! on request for a quarter that has begun; the manager approves (VIP) or dismisses each
//! member listed, and sets or clears VIP by hand. Every decision is audited.

use crate::{audit, members::resolve, Ctx, Desk, DeskError, DeskResult, ErrorCode};
use chrono::NaiveDate;
use loyalty::money;
use loyalty::screening::{criteria, top_spend_threshold, Quarter, ScreeningInputs};
use loyalty::Operation;
use serde::Serialize;
use std::time::Instant;
use store::Connection;

/// Which of the five criteria held (interface: `criteria`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CriteriaHeld {
    pub visits: bool,
    pub referrals: bool,
    pub interactions: bool,
    pub top_spend: bool,
    pub tier: bool,
}

/// The numbers behind them: visits and interactions in the window, successful referrals
/// ever, net spend in the window, the tier in force on the screening day.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CriteriaValues {
    pub visits: i64,
    pub referrals: i64,
    pub interactions: i64,
    pub top_spend: String,
    pub tier: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CandidateView {
    pub member_no: String,
    pub name: String,
    pub criteria: CriteriaHeld,
    pub values: CriteriaValues,
    /// How many of the five held (a candidate: 3 or more).
    pub met: i64,
    pub candidate: bool,
    /// VIP now.
    pub vip: bool,
    /// VIP already on the screening day.
    pub was_vip: bool,
    /// `pending`, `approved` or `dismissed`.
    pub status: String,
    pub note: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ScreeningView {
    pub quarter: String,
    pub screening_day: NaiveDate,
    pub window_start: NaiveDate,
    pub window_end: NaiveDate,
    pub evaluated: i64,
    /// Members meeting at least three criteria.
    pub candidate_count: i64,
    /// The net spend from which a member is in the top 10% (null: nobody visited).
    pub top_spend_threshold: Option<String>,
    pub duration_ms: i64,
    pub ran_now: bool,
    /// Candidates, and members already VIP, most criteria met first.
    pub candidates: Vec<CandidateView>,
}

fn candidate_view(c: &store::screening::CandidateRow) -> CandidateView {
    CandidateView {
        member_no: c.member_no.clone(),
        name: c.name.clone(),
        criteria: CriteriaHeld {
            visits: c.visits.1,
            referrals: c.referrals.1,
            interactions: c.interactions.1,
            top_spend: c.net_fen.1,
            tier: c.tier.1,
        },
        values: CriteriaValues {
            visits: c.visits.0,
            referrals: c.referrals.0,
            interactions: c.interactions.0,
            top_spend: money::format(money::from_fen(c.net_fen.0)),
            tier: c.tier.0.code().to_string(),
        },
        met: c.met,
        candidate: c.met >= loyalty::screening::MIN_MET as i64,
        vip: c.vip_now,
        was_vip: c.was_vip,
        status: c.status.clone(),
        note: c.note.clone(),
        decided_by: c.decided_by.clone(),
        decided_at: c.decided_at.clone(),
    }
}

fn run_view(conn: &Connection, run: &store::screening::RunRow, ran_now: bool) -> DeskResult<ScreeningView> {
    let candidates: Vec<CandidateView> =
        store::screening::candidates_of_run(conn, run.id)?.iter().map(candidate_view).collect();
    Ok(ScreeningView {
        quarter: run.quarter.clone(),
        screening_day: run.screening_day,
        window_start: run.window_start,
        window_end: run.screening_day.pred_opt().expect("in range"),
        evaluated: run.evaluated,
        candidate_count: run.candidates,
        top_spend_threshold: run.threshold_fen.map(|f| money::format(money::from_fen(f))),
        duration_ms: run.duration_ms,
        ran_now,
        candidates,
    })
}

fn quarter_of(text: Option<&str>, store_date: NaiveDate) -> DeskResult<Quarter> {
    Quarter::parse_for(text, store_date).map_err(|e| DeskError::new(ErrorCode::InvalidInput, e.to_string()))
}

/// Makes the screening of `quarter` inside the caller's transaction, unless it was made.
pub(crate) fn run_quarter(conn: &Connection, quarter: Quarter, now: &str) -> DeskResult<ScreeningView> {
    let name = quarter.to_string();
    if let Some(run) = store::screening::run_of_quarter(conn, &name)? {
        return run_view(conn, &run, false);
    }
    let started = Instant::now();
    let (start, until) = quarter.window();
    let day = quarter.first_day();
    let facts = store::tiers::window_facts(conn, start, until, None)?;
    let spends: Vec<_> = facts.values().filter(|f| f.visits > 0).map(|f| money::from_fen(f.net_fen)).collect();
    let threshold = top_spend_threshold(&spends);
    let tiers_then = store::screening::tiers_changed_after(conn, day)?;
    let members = store::screening::members(conn)?;
    let run_id = store::screening::insert_run(
        conn,
        &store::screening::NewRun {
            quarter: &name,
            screening_day: day,
            window_start: start,
            evaluated: members.len() as i64,
            threshold_fen: threshold.map(money::to_fen),
            created_at: now,
        },
    )?;
    let mut candidates = 0;
    let mut listed = Vec::new();
    for (id, tier_now, vip) in members {
        let f = facts.get(&id).copied().unwrap_or_default();
        let tier = tiers_then.get(&id).copied().unwrap_or(tier_now);
        let c = criteria(
            &ScreeningInputs {
                visits: f.visits,
                referrals: f.referrals_ever,
                interactions: f.interactions,
                net_spend: money::from_fen(f.net_fen),
                tier,
            },
            threshold,
        );
        if c.is_candidate() {
            candidates += 1;
        } else if !vip {
            continue;
        }
        listed.push(store::screening::NewCandidate {
            member_id: id,
            visits: (c.visits.value, c.visits.met),
            referrals: (c.referrals.value, c.referrals.met),
            interactions: (c.interactions.value, c.interactions.met),
            net_fen: (money::to_fen(c.top_spend.value), c.top_spend.met),
            tier: (c.tier.value, c.tier.met),
            met: c.met() as i64,
            was_vip: vip,
        });
    }
    store::screening::insert_candidates(conn, run_id, &listed)?;
    store::screening::finish_run(conn, run_id, candidates, started.elapsed().as_millis() as i64)?;
    let run = store::screening::run_of_quarter(conn, &name)?.expect("just written");
    run_view(conn, &run, true)
}

impl Desk {
    /// Makes (idempotently) the screening of a quarter that has begun (default: the store
    /// date's).
    pub fn run_screening(&mut self, ctx: &Ctx, quarter: Option<&str>) -> DeskResult<ScreeningView> {
        ctx.require(Operation::ScreenMembers)?;
        let q = quarter_of(quarter, ctx.store_date)?;
        let now = ctx.now_text();
        self.store.write(|tx| run_quarter(&tx, q, &now))
    }

    /// The screening of a quarter (default: the latest made).
    pub fn screening(&self, ctx: &Ctx, quarter: Option<&str>) -> DeskResult<ScreeningView> {
        ctx.require(Operation::ScreenMembers)?;
        let conn = self.store.conn();
        let run = match quarter.map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) => {
                let q = quarter_of(Some(q), ctx.store_date)?;
                store::screening::run_of_quarter(conn, &q.to_string())?.ok_or_else(|| {
                    DeskError::new(
                        ErrorCode::InvalidInput,
                        format!("{q} 还没有筛选（screening run --quarter {q}，或在大客户筛选页点“开始筛选”）"),
                    )
                })?
            }
            None => store::screening::latest_run(conn)?.ok_or_else(|| {
                DeskError::new(ErrorCode::InvalidInput, "还没有做过大客户筛选：每季度第一天自动进行，也可以现在开始")
            })?,
        };
        run_view(conn, &run, false)
    }

    /// Approves (sets VIP) or dismisses (with a note) a member the quarter's screening listed.
    pub fn decide_candidate(
        &mut self,
        ctx: &Ctx,
        quarter: Option<&str>,
        member: &str,
        approve: bool,
        note: &str,
    ) -> DeskResult<CandidateView> {
        ctx.require(Operation::ScreenMembers)?;
        let note = note.trim();
        if !approve && note.is_empty() {
            return Err(DeskError::new(ErrorCode::ReasonRequired, "不选为大客户时请写明原因"));
        }
        if note.chars().count() > 200 {
            return Err(DeskError::new(ErrorCode::InvalidInput, "备注最长 200 字"));
        }
        let quarter = self.screening(ctx, quarter)?.quarter;
        let now = ctx.now_text();
        self.store.write(|tx| {
            let run = store::screening::run_of_quarter(&tx, &quarter)?.expect("seen above");
            let row = resolve(&tx, member)?;
            let c = store::screening::candidate(&tx, run.id, row.id)?.ok_or_else(|| {
                DeskError::new(ErrorCode::InvalidInput, format!("{} 不在 {quarter} 的筛选名单上", row.member_no))
            })?;
            let status = if approve { "approved" } else { "dismissed" };
            store::screening::decide(&tx, c.id, status, note, Some(ctx.staff_id), &now)?;
            if approve && !row.vip {
                store::screening::set_vip(&tx, row.id, true, &now)?;
            }
            let after = serde_json::json!({"quarter": quarter, "status": status, "note": note}).to_string();
            audit(
                &tx,
                ctx,
                if approve { "screening.approve" } else { "screening.dismiss" },
                "member",
                Some(&row.member_no),
                Some(&c.status),
                Some(&after),
            )?;
            let c = store::screening::candidate(&tx, run.id, row.id)?.expect("just written");
            Ok(candidate_view(&c))
        })
    }

    /// Sets or clears a member's VIP flag by hand (manager), with an optional note; audited.
    pub fn set_vip(&mut self, ctx: &Ctx, member: &str, vip: bool, note: &str) -> DeskResult<crate::MemberCard> {
        ctx.require(Operation::ScreenMembers)?;
        let note = note.trim();
        if note.chars().count() > 200 {
            return Err(DeskError::new(ErrorCode::InvalidInput, "备注最长 200 字"));
        }
        self.store.write(|tx| {
            let row = resolve(&tx, member)?;
            if row.archived {
                return Err(DeskError::new(ErrorCode::MemberArchived, format!("{} 已归档", row.member_no)));
            }
            store::screening::set_vip(&tx, row.id, vip, &ctx.now_text())?;
            let after = serde_json::json!({"vip": vip, "note": note}).to_string();
            let before = serde_json::json!({"vip": row.vip}).to_string();
            audit(&tx, ctx, "member.vip", "member", Some(&row.member_no), Some(&before), Some(&after))?;
            let row = store::members::get(&tx, row.id)?.expect("exists");
            self.card_of(ctx, &row)
        })
    }
}
