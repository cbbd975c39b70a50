//! Bringing the store up to the store date (interface.md): the date never goes backwards,
//! a long jump needs confirmation, the first day is recorded as the opening day, lots past
//! their last valid day expire, and the tier evaluation of every 1st reached runs.

use crate::{Desk, DeskResult, StoreDayReport, StoreStatus};
use chrono::{Datelike, Days, NaiveDate};
use loyalty::store_date::check_advance;
use store::ledger::{LedgerEntry, LedgerKind};
use store::meta;

impl Desk {
    /// Brings the store up to `date`. `confirmed`: a manager confirmed a jump of more than
    /// the allowed days (an explicit `--today` counts as confirmed).
    pub fn bring_up_to(&mut self, date: NaiveDate, confirmed: bool, now_text: &str) -> DeskResult<StoreDayReport> {
        let max_days = self.settings.max_unconfirmed_jump_days;
        let now = chrono::NaiveDateTime::parse_from_str(now_text, "%Y-%m-%d %H:%M:%S")
            .unwrap_or_else(|_| date.and_hms_opt(0, 0, 0).expect("midnight"));
        let ctx = self.manager_ctx(date, now)?;
        // Already brought up to this date (by this or another door): nothing to write, so
        // no write lock is taken and a lookup never waits for a long import.
        let reached = meta::get_date(self.store.conn(), meta::LATEST_STORE_DATE)?;
        if reached == Some(date) {
            let opening_day = meta::get_date(self.store.conn(), meta::OPENING_DAY)?.unwrap_or(date);
            return Ok(StoreDayReport {
                store_date: date,
                opening_day,
                first_open: false,
                days_advanced: 0,
                lots_expired: 0,
                points_expired: 0,
                tier_runs: Vec::new(),
            });
        }
        // One counter at a time across the chain (PostgreSQL: an advisory lock); a counter
        // that waited finds the day already made by the one before and writes nothing.
        self.store.exclusive(store::locks::STORE_DAY, |tx| {
            let latest = meta::get_date(&tx, meta::LATEST_STORE_DATE)?;
            if latest == Some(date) {
                let opening_day = meta::get_date(&tx, meta::OPENING_DAY)?.unwrap_or(date);
                return Ok(StoreDayReport {
                    store_date: date,
                    opening_day,
                    first_open: false,
                    days_advanced: 0,
                    lots_expired: 0,
                    points_expired: 0,
                    tier_runs: Vec::new(),
                });
            }
            let days = check_advance(latest, date, confirmed, max_days)?;
            let first_open = latest.is_none();
            if first_open {
                meta::set_date(&tx, meta::OPENING_DAY, date)?;
            }
            let mut lots_expired = 0;
            let mut points_expired = 0;
            let mut tier_runs = Vec::new();
            if first_open || days > 0 {
                for lot in store::lots::due_to_expire(&tx, loyalty::points::last_expired_day(date))? {
                    store::lots::take(&tx, lot.id, lot.remaining)?;
                    let expired_on = lot.valid_until + Days::new(1);
                    store::ledger::append(
                        &tx,
                        &LedgerEntry {
                            member_id: lot.member_id,
                            kind: LedgerKind::Expire,
                            points: -lot.remaining,
                            receipt_id: lot.receipt_id,
                            lot_id: Some(lot.id),
                            reason: &format!("{} 获得的积分已于 {} 到期", lot.earned_on, lot.valid_until),
                            on_date: expired_on,
                            staff_id: None,
                            created_at: now_text,
                        },
                    )?;
                    lots_expired += 1;
                    points_expired += lot.remaining;
                }
                // Every day since the last store date (or the opening day itself), oldest first:
                // the tier evaluation on each 1st, the screening on a quarter's first, then that
                // day's contact list (days the app was not opened are generated now, marked overdue).
                let mut day = latest.map(|l| l + Days::new(1)).unwrap_or(date);
                while day <= date {
                    if day.day() == 1 {
                        tier_runs.push(crate::tiers::run_month(&tx, &self.settings, day, now_text)?.month);
                    }
                    // A quarter's first day: its big-customer screening, with that day's tiers.
                    if loyalty::screening::Quarter::starts_on(day) {
                        crate::screening::run_quarter(&tx, loyalty::screening::Quarter::of(day), now_text)?;
                    }
                    store::coupons::expire_due(&tx, day)?;
                    crate::contacts::generate_day(&tx, &ctx, &self.settings, day, day < date)?;
                    day = day + Days::new(1);
                }
                store::coupons::expire_due(&tx, date)?;
                meta::set_date(&tx, meta::LATEST_STORE_DATE, date)?;
            }
            let opening_day = meta::get_date(&tx, meta::OPENING_DAY)?.unwrap_or(date);
            Ok(StoreDayReport {
                store_date: date,
                opening_day,
                first_open,
                days_advanced: days,
                lots_expired,
                points_expired,
                tier_runs,
            })
        })
    }

    pub fn status(&self) -> DeskResult<StoreStatus> {
        let c = self.store.conn();
        let branch = self.branch()?;
        Ok(StoreStatus {
            store_date: meta::get_date(c, meta::LATEST_STORE_DATE)?,
            opening_day: meta::get_date(c, meta::OPENING_DAY)?,
            members: store::members::count(c)?,
            receipts: store::receipts::count(c)?,
            data_file: self.store.path().map(|p| p.display().to_string()),
            database: self.store.location().to_string(),
            engine: match self.store.engine() {
                store::Engine::Sqlite => "sqlite",
                store::Engine::Postgres => "postgres",
            },
            branch: branch.code,
            branch_name: branch.name,
            counter: self.store.conn().station().counter.clone(),
            daily_backup: self.last_daily_backup()?,
            sign_in_required: self.sign_in_required()?,
            schema_version: self.store.schema_version()?,
        })
    }

    pub(crate) fn opening_day(&self) -> DeskResult<Option<NaiveDate>> {
        Ok(meta::get_date(self.store.conn(), meta::OPENING_DAY)?)
    }
}
