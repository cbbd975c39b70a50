//! The monthly tier evaluation (rules §5) and what the manager and the front desk see of
//! it: runs (idempotent; missed months caught up oldest first, each as of its own 1st),
//! the monthly review, the member's standing toward the next tier, and tier settings.

use crate::{Ctx, Desk, DeskError, DeskResult, ErrorCode, Operation};
use chrono::{Datelike, Months, NaiveDate};
use loyalty::money;
use loyalty::tiers::{evaluate, first_of_month, next_tier_gap, window, TierInputs, TierSettings};
use loyalty::{ProgramSettings, Tier};
use serde::Serialize;
use std::time::Instant;
use store::Connection;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierChangeView {
    pub member_no: String,
    pub name: String,
    pub from: String,
    pub to: String,
    pub score: String,
    pub consumption: String,
    pub interaction: String,
    /// "up" or "down".
    pub direction: String,
}

/// One month's run (`tiers evaluate`, `tiers changes`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierRunView {
    pub month: String,
    pub evaluation_day: NaiveDate,
    pub evaluated: i64,
    pub changed: i64,
    pub duration_ms: i64,
    /// Whether this call ran it (false: it had run before and nothing changed now).
    pub ran_now: bool,
    pub changes: Vec<TierChangeView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierDistribution {
    pub month: String,
    /// Members per tier after that month's run (regular, active, core, loyal); none if the
    /// month was not evaluated.
    pub counts: Option<[i64; 4]>,
}

/// The manager's monthly review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierReview {
    pub month: String,
    pub run: Option<TierRunView>,
    /// `matrix[from][to]`: members moved from one tier to another (regular … loyal).
    pub matrix: [[i64; 4]; 4],
    pub distribution: Vec<TierDistribution>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NextTierView {
    pub tier: String,
    pub label: String,
    pub spend: Option<String>,
    pub visits: Option<i64>,
    pub needs_referral: bool,
    pub text: String,
}

/// The member's standing on the card: current tier and benefits, and the score the next
/// evaluation would give with what is known today.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierView {
    pub tier: String,
    pub label: String,
    pub benefits: String,
    pub next_evaluation: NaiveDate,
    pub window_start: NaiveDate,
    pub score: String,
    pub consumption: String,
    pub interaction: String,
    pub projected_tier: String,
    pub next: Option<NextTierView>,
}

pub(crate) fn month_text(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

/// `YYYY-MM` → the month's 1st.
pub fn parse_month(text: &str) -> DeskResult<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d")
        .map_err(|_| DeskError::new(ErrorCode::InvalidInput, format!("月份“{text}”无效，应为 YYYY-MM")))
}

fn change_view(c: &store::tiers::ChangeRow) -> TierChangeView {
    TierChangeView {
        member_no: c.member_no.clone(),
        name: c.name.clone(),
        from: c.from_tier.code().to_string(),
        to: c.to_tier.code().to_string(),
        score: c.score.clone(),
        consumption: c.consumption.clone(),
        interaction: c.interaction.clone(),
        direction: if c.to_tier > c.from_tier { "up" } else { "down" }.to_string(),
    }
}

fn run_view(conn: &Connection, run: &store::tiers::RunRow, ran_now: bool) -> DeskResult<TierRunView> {
    Ok(TierRunView {
        month: run.month.clone(),
        evaluation_day: run.evaluation_day,
        evaluated: run.evaluated,
        changed: run.changed,
        duration_ms: run.duration_ms,
        ran_now,
        changes: store::tiers::changes_of_run(conn, run.id)?.iter().map(change_view).collect(),
    })
}

/// The rules' evaluation of what a member did in the window.
fn evaluate_facts(f: &store::tiers::WindowFacts, rules: &TierSettings) -> loyalty::tiers::TierEvaluation {
    evaluate(
        &TierInputs {
            net_spend: money::from_fen(f.net_fen),
            visits: f.visits,
            interactions: f.interactions,
            referrals: f.referrals,
            ever_referred: f.ever_referred,
        },
        rules,
    )
}

/// Runs the evaluation as of `evaluation_day` (a 1st) inside the caller's transaction,
/// unless that month already ran. Months before the latest run are refused.
pub(crate) fn run_month(
    conn: &Connection,
    settings: &ProgramSettings,
    evaluation_day: NaiveDate,
    now: &str,
) -> DeskResult<TierRunView> {
    let month = month_text(evaluation_day);
    if let Some(run) = store::tiers::run_of_month(conn, &month)? {
        return run_view(conn, &run, false);
    }
    if let Some(latest) = store::tiers::latest_run(conn)? {
        if latest.month > month {
            return Err(DeskError::new(
                ErrorCode::InvalidInput,
                format!("{month} 早于已评定的 {}，不能再评定（评定按月份顺序进行）", latest.month),
            ));
        }
    }
    let started = Instant::now();
    let (start, _) = window(evaluation_day);
    let facts = store::tiers::window_facts(conn, start, evaluation_day, None)?;
    let members = store::tiers::active_members(conn)?;
    let rules = &settings.tiers;
    let settings_json = serde_json::to_string(settings).unwrap_or_default();
    let run_id = store::tiers::insert_run(
        conn,
        &store::tiers::NewRun {
            month: &month,
            evaluation_day,
            evaluated: members.len() as i64,
            changed: 0,
            duration_ms: 0,
            settings: &settings_json,
            distribution: "[]",
            created_at: now,
        },
    )?;
    let mut counts = [0i64; 4];
    let mut changed = 0;
    for (member_id, current) in &members {
        let f = facts.get(member_id).copied().unwrap_or_default();
        let e = evaluate_facts(&f, rules);
        counts[e.tier.rank()] += 1;
        if e.tier.code() != current {
            store::tiers::set_tier(conn, *member_id, e.tier.code())?;
            store::tiers::insert_change(
                conn,
                run_id,
                *member_id,
                current,
                e.tier.code(),
                &e.score.to_string(),
                &e.consumption.to_string(),
                &e.interaction.to_string(),
            )?;
            changed += 1;
        }
    }
    let duration_ms = started.elapsed().as_millis() as i64;
    store::tiers::finish_run(conn, run_id, changed, duration_ms, &serde_json::to_string(&counts).unwrap_or_default())?;
    let run = store::tiers::run_of_month(conn, &month)?.expect("just written");
    run_view(conn, &run, true)
}

/// The member's standing toward the next evaluation, from what is known on `today`.
pub(crate) fn tier_view(
    conn: &Connection,
    settings: &ProgramSettings,
    member_id: i64,
    current: Tier,
    today: NaiveDate,
) -> DeskResult<TierView> {
    let rules = &settings.tiers;
    let next_eval = first_of_month(today).checked_add_months(Months::new(1)).expect("in range");
    let (start, _) = window(next_eval);
    let f = store::tiers::window_facts(conn, start, next_eval, Some(member_id))?.remove(&member_id).unwrap_or_default();
    let e = evaluate_facts(&f, rules);
    let next = next_tier_gap(&e, f.ever_referred, rules).filter(|g| g.next > current).map(|g| {
        let label = format!("{}会员", g.next.label_zh());
        let mut ways = Vec::new();
        if let Some(s) = g.spend.filter(|_| g.score_missing > rust_decimal::Decimal::ZERO) {
            ways.push(format!("再消费 ¥{}", money::format(s)));
        }
        if let Some(v) = g.visits.filter(|_| g.score_missing > rust_decimal::Decimal::ZERO) {
            ways.push(format!("再到店 {v} 次"));
        }
        let mut text = ways.join(" 或");
        if g.needs_referral {
            if !text.is_empty() {
                text.push_str("，并");
            }
            text.push_str("成功推荐一位新会员");
        }
        text.push_str(&format!("即可升为{label}"));
        NextTierView {
            tier: g.next.code().to_string(),
            label,
            spend: g.spend.map(money::format),
            visits: g.visits,
            needs_referral: g.needs_referral,
            text,
        }
    });
    Ok(TierView {
        tier: current.code().to_string(),
        label: current.label_zh().to_string(),
        benefits: rules.benefits_of(current).to_string(),
        next_evaluation: next_eval,
        window_start: start,
        score: e.score.to_string(),
        consumption: e.consumption.to_string(),
        interaction: e.interaction.to_string(),
        projected_tier: e.tier.code().to_string(),
        next,
    })
}

impl Desk {
    /// Runs the evaluation of a month (default: the store date's month), idempotently.
    pub fn evaluate_tiers(&mut self, ctx: &Ctx, month: Option<&str>) -> DeskResult<TierRunView> {
        ctx.require(Operation::RunTiers)?;
        let day = match month {
            Some(m) => parse_month(m)?,
            None => first_of_month(ctx.store_date),
        };
        if day > ctx.store_date {
            return Err(DeskError::new(ErrorCode::DateInFuture, format!("{} 的评定日 {day} 还没到", month_text(day))));
        }
        let settings = self.settings.clone();
        self.store.write(|tx| {
            let view = run_month(&tx, &settings, day, &ctx.now_text())?;
            Ok(view)
        })
    }

    /// The tier changes of a month's run.
    pub fn tier_changes(&self, ctx: &Ctx, month: &str) -> DeskResult<TierRunView> {
        ctx.require(Operation::ReviewTiers)?;
        let day = parse_month(month)?;
        let conn = self.store.conn();
        let run = store::tiers::run_of_month(conn, &month_text(day))?
            .ok_or_else(|| DeskError::new(ErrorCode::InvalidInput, format!("{} 还没有评定过", month_text(day))))?;
        run_view(conn, &run, false)
    }

    /// The manager's review of a month: its run, the from→to matrix, and the tier
    /// distribution of the 12 months up to it.
    pub fn tier_review(&self, ctx: &Ctx, month: &str) -> DeskResult<TierReview> {
        ctx.require(Operation::ReviewTiers)?;
        let day = parse_month(month)?;
        let conn = self.store.conn();
        let month = month_text(day);
        let stored = store::tiers::run_of_month(conn, &month)?;
        let mut matrix = [[0i64; 4]; 4];
        if let Some(r) = &stored {
            for c in store::tiers::changes_of_run(conn, r.id)? {
                matrix[c.from_tier.rank()][c.to_tier.rank()] += 1;
            }
        }
        let run = match stored {
            Some(r) => Some(run_view(conn, &r, false)?),
            None => None,
        };
        let first = day.checked_sub_months(Months::new(11)).expect("in range");
        let runs = store::tiers::runs_between(conn, &month_text(first), &month)?;
        let distribution = (0..12)
            .map(|i| {
                let m = month_text(first.checked_add_months(Months::new(i)).expect("in range"));
                let counts =
                    runs.iter().find(|r| r.month == m).and_then(|r| serde_json::from_str(&r.distribution).ok());
                TierDistribution { month: m, counts }
            })
            .collect();
        Ok(TierReview { month, run, matrix, distribution })
    }

    pub fn program_settings(&self) -> ProgramSettings {
        self.settings.clone()
    }

    /// Saves new program settings (manager): validated, recorded with who/when/before/after,
    /// applied from the next run on.
    pub fn save_program_settings(&mut self, ctx: &Ctx, settings: ProgramSettings) -> DeskResult<ProgramSettings> {
        ctx.require(Operation::EditSettings)?;
        settings.validate().map_err(|e| DeskError::new(ErrorCode::InvalidInput, e.to_string()))?;
        let json = serde_json::to_string(&settings).map_err(|e| DeskError::new(ErrorCode::Internal, e.to_string()))?;
        self.store.write(|tx| {
            store::settings::save(&tx, store::meta::PROGRAM_SETTINGS, &json, ctx.staff_id, &ctx.now_text())?;
            crate::audit(
                &tx,
                ctx,
                "settings.save",
                "settings",
                Some(store::meta::PROGRAM_SETTINGS),
                Some(&serde_json::to_string(&self.settings).unwrap_or_default()),
                Some(&json),
            )?;
            self.settings = settings.clone();
            Ok(settings.clone())
        })
    }

    /// Who changed the settings, when, and how (newest first).
    pub fn settings_history(&self, ctx: &Ctx) -> DeskResult<Vec<serde_json::Value>> {
        ctx.require(Operation::EditSettings)?;
        Ok(store::settings::history(self.store.conn(), store::meta::PROGRAM_SETTINGS)?
            .into_iter()
            .map(|c| serde_json::json!({ "at": c.at, "staff": c.staff, "before": c.before, "after": c.after }))
            .collect())
    }

    pub fn tier_settings(&self) -> &TierSettings {
        &self.settings.tiers
    }
}
