//! The daily contact list (rules §9): generating a day's list (every reason merged into
//! one entry per member, the channel, the order, the birthday and recall coupons issued
//! with their entries), customer service's work queue and every attempt, the scripts and
//! the holiday table, and the SMS and call lists for export.

use crate::members::{resolve, tier_label};
use crate::{Ctx, Desk, DeskError, DeskResult, ErrorCode, Operation};
use chrono::{Datelike, Days, NaiveDate};
use loyalty::contacts::{
    birthday_falls_on, channel, follow_up_due, holiday_falls_on, holiday_greets, lunar_birthday_keys, order_key,
    solar_birthday_keys, Audience, Channel, ContactReason, Holiday, GREET_DAYS_AHEAD,
};
use loyalty::member::{greeting, mask_phone};
use loyalty::money;
use loyalty::{Birthday, Calendar, ProgramSettings, Tier};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use store::contacts::{Contactable, EntryRow, HolidayRow, NewEntry};
use store::Connection;

fn birthday_of(c: &Contactable) -> Option<Birthday> {
    let calendar = c.birthday_calendar?;
    Some(Birthday {
        calendar,
        year: c.birthday_year,
        month: c.birthday_month?,
        day: c.birthday_day?,
        leap: c.birthday_leap,
    })
}

/// A stored holiday as the rules read it; a calendar or audience this build does not know
/// is reported, never read as solar or everyone.
fn holiday_of(h: &HolidayRow) -> DeskResult<Holiday> {
    let unknown = |what: &str| {
        DeskError::new(ErrorCode::DataFileDamaged, format!("节日“{}”的{what}无法识别（数据文件中的值有误）", h.name))
    };
    Ok(Holiday {
        name: h.name.clone(),
        calendar: match h.calendar.as_str() {
            "lunar" => Calendar::Lunar,
            "solar" => Calendar::Solar,
            _ => return Err(unknown("历法")),
        },
        month: h.month,
        day: h.day,
        audience: match h.audience.as_str() {
            "women" => Audience::Women,
            "seniors" => Audience::Seniors,
            "all" => Audience::All,
            _ => return Err(unknown("对象")),
        },
    })
}

/// Where a reason goes in an entry: birthday, holiday, follow-up, recall, points, tier.
fn reason_rank(r: &ContactReason) -> u8 {
    match r {
        ContactReason::Birthday { .. } => 0,
        ContactReason::Holiday { .. } => 1,
        ContactReason::FollowUp { .. } => 2,
        ContactReason::Lapsed { .. } => 3,
        ContactReason::PointsExpiring { .. } => 4,
        ContactReason::TierChange { .. } => 5,
    }
}

fn json<T: Serialize>(value: &T) -> DeskResult<String> {
    serde_json::to_string(value).map_err(|e| DeskError::new(ErrorCode::Internal, e.to_string()))
}

/// Generates the list of `day` once (a day generated before adds nothing). `overdue`: the
/// app was not opened that day. Calls are written one entry per member; SMS greetings
/// (holiday only, Regular/Active, not VIP) one batch per set of holidays, since a holiday
/// for everybody would otherwise write a row for every member. Returns the number of
/// members on the list.
pub(crate) fn generate_day(
    conn: &Connection,
    ctx: &Ctx,
    settings: &ProgramSettings,
    day: NaiveDate,
    overdue: bool,
) -> DeskResult<usize> {
    if store::contacts::day_generated(conn, day)? {
        return Ok(0);
    }
    let started = std::time::Instant::now();
    let greet_day = day + Days::new(GREET_DAYS_AHEAD);
    // Every reason but holidays, by member: a few hundred to a few thousand on any day.
    let mut reasons: BTreeMap<i64, Vec<ContactReason>> = BTreeMap::new();
    let mut facts: HashMap<i64, Contactable> = HashMap::new();
    for (m, d) in solar_birthday_keys(greet_day) {
        for c in store::contacts::with_birthday(conn, "solar", m, d, None)? {
            reasons.entry(c.id).or_default().push(ContactReason::Birthday { date: greet_day, lunar: false });
            facts.insert(c.id, c);
        }
    }
    for (m, d, leap) in lunar_birthday_keys(greet_day) {
        for c in store::contacts::with_birthday(conn, "lunar", m, d, Some(leap))? {
            if birthday_of(&c).is_some_and(|b| birthday_falls_on(&b, greet_day)) {
                reasons.entry(c.id).or_default().push(ContactReason::Birthday { date: greet_day, lunar: true });
                facts.insert(c.id, c);
            }
        }
    }
    let sale_day = day - Days::new(settings.follow_up_days);
    let min_paid_fen = money::to_fen(settings.follow_up_min_paid);
    for sale in store::contacts::sales_for_follow_up(conn, sale_day, day, min_paid_fen)? {
        let (paid, refunded) = (money::from_fen(sale.paid_fen), money::from_fen(sale.refunded_fen));
        if follow_up_due(paid, refunded, sale.first, settings.follow_up_min_paid) {
            reasons.entry(sale.member_id).or_default().push(ContactReason::FollowUp {
                receipt: sale.receipt_no,
                date: sale_day,
                paid: money::format(paid),
                first: sale.first,
            });
        }
    }
    let last_visit = day - Days::new(settings.lapsed_days);
    for member in store::contacts::last_visit_on(conn, last_visit)? {
        reasons.entry(member).or_default().push(ContactReason::Lapsed { last_visit, days: settings.lapsed_days });
    }
    let expiring = day + Days::new(settings.expiring_days);
    for (member, points) in store::contacts::expiring_on(conn, expiring)? {
        reasons.entry(member).or_default().push(ContactReason::PointsExpiring { points, date: expiring });
    }
    if day.day() == 1 {
        for (member, from, to) in store::contacts::tier_changes_on(conn, day)? {
            reasons.entry(member).or_default().push(ContactReason::TierChange { from, to });
        }
    }
    // Holidays: each member's set of the day's holidays as bits. Holiday-only greetings that
    // go by SMS are gathered per set; the rest join the member's entry.
    let mut holidays = Vec::new();
    for h in store::contacts::holidays(conn)?.iter().filter(|h| h.active) {
        let h = holiday_of(h)?;
        if holiday_falls_on(&h, greet_day) && holidays.len() < 32 {
            holidays.push(h);
        }
    }
    let mut sms: BTreeMap<u32, Vec<i64>> = BTreeMap::new();
    if !holidays.is_empty() {
        let holiday_reasons = |set: u32| -> Vec<ContactReason> {
            holidays
                .iter()
                .enumerate()
                .filter(|(i, _)| set & (1 << i) != 0)
                .map(|(_, h)| ContactReason::Holiday { name: h.name.clone(), date: greet_day })
                .collect()
        };
        let mut sets: HashMap<u32, Vec<ContactReason>> = HashMap::new();
        let person = holidays.iter().any(|h| h.audience != Audience::All);
        for a in store::contacts::holiday_audience(conn, person)? {
            let set = holidays
                .iter()
                .enumerate()
                .filter(|(_, h)| holiday_greets(h, a.gender, a.birthday.as_ref(), greet_day))
                .fold(0u32, |set, (i, _)| set | (1 << i));
            if set == 0 {
                continue;
            }
            let greetings = sets.entry(set).or_insert_with(|| holiday_reasons(set));
            match reasons.get_mut(&a.id) {
                Some(r) => r.extend(greetings.iter().cloned()),
                None if channel(greetings, a.tier, a.vip) == Channel::Sms => sms.entry(set).or_default().push(a.id),
                None => {
                    reasons.insert(a.id, greetings.clone());
                }
            }
        }
        for (set, members) in &sms {
            store::sms_batches::insert(
                conn,
                &store::sms_batches::NewSmsBatch {
                    list_date: day,
                    reasons: &json(&holiday_reasons(*set))?,
                    members,
                    overdue,
                },
            )?;
        }
    }
    let missing: Vec<i64> = reasons.keys().filter(|id| !facts.contains_key(id)).copied().collect();
    for c in store::contacts::contactables(conn, &missing)? {
        facts.insert(c.id, c);
    }
    // Written in one statement, in member order (the list is sorted when read): each row
    // lands next to the one before, in the table and its indexes.
    let birthday_coupon = store::coupons::template_by_key(conn, "birthday")?;
    let recall_coupon = store::coupons::template_by_key(conn, "recall")?;
    let (mut entries, mut entry_reasons) = (Vec::with_capacity(reasons.len()), Vec::with_capacity(reasons.len()));
    for (id, mut r) in reasons {
        let Some(c) = facts.get(&id) else { continue };
        r.sort_by_key(reason_rank);
        let tier = c.tier;
        let ch = channel(&r, tier, c.vip);
        entries.push(NewEntry { member_id: c.id, channel: ch, reasons: json(&r)?, tier: c.tier, vip: c.vip });
        entry_reasons.push(r);
    }
    let written = store::contacts::insert_entries(conn, day, overdue, &entries)?;
    // The day's birthday and recall coupons, issued together.
    let now = ctx.now_text();
    let mut gifts = Vec::new();
    for (e, r) in entries.iter().zip(&entry_reasons) {
        for reason in r {
            let (t, reason, (valid_from, valid_until)) = match (reason, &birthday_coupon, &recall_coupon) {
                (ContactReason::Birthday { date, .. }, Some(t), _) => {
                    (t, "生日券", loyalty::coupons::birthday_coupon_validity(day, *date))
                }
                (ContactReason::Lapsed { .. }, _, Some(t)) => {
                    (t, "回归奖励", loyalty::coupons::validity(day, t.days_valid))
                }
                _ => continue,
            };
            if t.active {
                gifts.push(store::coupons::NewCoupon {
                    template: t,
                    member_id: e.member_id,
                    valid_from,
                    valid_until,
                    reason,
                    issued_at: &now,
                });
            }
        }
    }
    store::coupons::issue_many(conn, &gifts, loyalty::coupons::coupon_code)?;
    let texted: usize = sms.values().map(Vec::len).sum();
    let took = started.elapsed().as_millis() as i64;
    store::contacts::mark_day(conn, day, (written + texted) as i64, overdue, &ctx.now_text(), took)?;
    Ok(written + texted)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReasonView {
    pub kind: String,
    pub detail: String,
}

/// One entry of the list, as customer service works it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactEntryView {
    /// The entry to record attempts on; `None` for an SMS greeting, which goes out in its
    /// day's batch and is not worked one by one.
    pub id: Option<i64>,
    pub list_date: NaiveDate,
    pub due_date: NaiveDate,
    pub overdue: bool,
    pub member_no: String,
    pub name: String,
    pub greeting: String,
    pub phone: Option<String>,
    pub tier: String,
    pub vip: bool,
    pub channel: String,
    pub status: String,
    pub attempts: i64,
    pub reasons: Vec<ReasonView>,
    /// The reasons with identical kinds together (消费回访 ×3 with its three receipts), in
    /// the order they first appear.
    pub reason_groups: Vec<ReasonGroup>,
    /// Every open entry this card stands for: a member with an overdue entry and today's is
    /// one card, and working it records them all.
    pub entry_ids: Vec<i64>,
    /// The day a "call again later" goes to unless another is picked: tomorrow.
    pub reschedule_default: NaiveDate,
    pub notes: String,
    pub scripts: Vec<String>,
}

/// Reasons of one kind on a card.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReasonGroup {
    pub kind: String,
    pub count: usize,
    pub details: Vec<String>,
}

fn group_reasons(reasons: &[ReasonView]) -> Vec<ReasonGroup> {
    let mut groups: Vec<ReasonGroup> = Vec::new();
    for r in reasons {
        match groups.iter_mut().find(|g| g.kind == r.kind) {
            Some(g) => {
                g.count += 1;
                g.details.push(r.detail.clone());
            }
            None => groups.push(ReasonGroup { kind: r.kind.clone(), count: 1, details: vec![r.detail.clone()] }),
        }
    }
    groups
}

/// One card per member: the member's open entries (an overdue one and today's) become the
/// first of them, with every reason, the earliest list date and all their ids.
fn one_card_per_member(entries: Vec<ContactEntryView>) -> Vec<ContactEntryView> {
    let mut cards: Vec<ContactEntryView> = Vec::with_capacity(entries.len());
    for e in entries {
        let same = e.id.is_some().then(|| cards.iter_mut().find(|c| c.id.is_some() && c.member_no == e.member_no));
        match same.flatten() {
            Some(card) => {
                card.overdue |= e.overdue;
                card.list_date = card.list_date.min(e.list_date);
                card.due_date = card.due_date.min(e.due_date);
                card.attempts = card.attempts.max(e.attempts);
                if e.channel == "call" {
                    card.channel = e.channel.clone();
                }
                card.entry_ids.extend(e.entry_ids);
                for r in e.reasons {
                    if !card.reasons.contains(&r) {
                        card.reasons.push(r);
                    }
                }
                for t in e.scripts {
                    if !card.scripts.contains(&t) {
                        card.scripts.push(t);
                    }
                }
                card.reason_groups = group_reasons(&card.reasons);
            }
            None => cards.push(e),
        }
    }
    cards
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactList {
    pub date: NaiveDate,
    pub entries: Vec<ContactEntryView>,
}

fn render(template: &str, values: &[(&str, String)]) -> String {
    values.iter().fold(template.to_string(), |t, (k, v)| t.replace(&format!("{{{k}}}"), v))
}

fn entry_view(
    e: &EntryRow,
    today: NaiveDate,
    scripts: &HashMap<String, String>,
    recall_days: i64,
    mask: bool,
) -> ContactEntryView {
    let reasons: Vec<ContactReason> = serde_json::from_str(&e.reasons).unwrap_or_default();
    let greet = greeting(&e.name, e.gender);
    let texts = reasons
        .iter()
        .map(|r| {
            let mut values = vec![("greeting", greet.clone())];
            match r {
                ContactReason::Birthday { date, .. } => values.push((
                    "coupon_until",
                    loyalty::coupons::birthday_coupon_validity(e.list_date, *date).1.format("%m月%d日").to_string(),
                )),
                ContactReason::Holiday { name, .. } => values.push(("holiday", name.clone())),
                ContactReason::FollowUp { receipt, date, .. } => {
                    values.push(("receipt", receipt.clone()));
                    values.push(("date", date.format("%m月%d日").to_string()));
                }
                ContactReason::Lapsed { .. } => values.push((
                    "coupon_until",
                    (e.list_date + Days::new((recall_days.max(1) - 1) as u64)).format("%m月%d日").to_string(),
                )),
                ContactReason::PointsExpiring { points, date } => {
                    values.push(("points", points.to_string()));
                    values.push(("date", date.format("%m月%d日").to_string()));
                }
                ContactReason::TierChange { to, .. } => values.push(("tier", to.label_zh().to_string())),
            }
            render(scripts.get(r.kind()).map(String::as_str).unwrap_or(""), &values)
        })
        .collect();
    let reason_views: Vec<ReasonView> =
        reasons.iter().map(|r| ReasonView { kind: r.kind().to_string(), detail: r.detail() }).collect();
    ContactEntryView {
        id: (e.id > 0).then_some(e.id),
        list_date: e.list_date,
        due_date: e.due_date,
        overdue: e.list_date < today,
        member_no: e.member_no.clone(),
        name: e.name.clone(),
        greeting: greet,
        phone: e.phone.as_deref().map(|p| if mask { mask_phone(p) } else { p.to_string() }),
        tier: e.tier.code().to_string(),
        vip: e.vip,
        channel: e.channel.code().to_string(),
        status: e.status.clone(),
        attempts: e.attempts,
        reason_groups: group_reasons(&reason_views),
        reasons: reason_views,
        entry_ids: if e.id > 0 { vec![e.id] } else { Vec::new() },
        reschedule_default: today + Days::new(1),
        notes: e.notes.clone(),
        scripts: texts,
    }
}

fn sort_entries(entries: &mut [ContactEntryView], calls_first: bool) {
    entries.sort_by_cached_key(|e| {
        (
            calls_first && e.channel != "call",
            order_key(Tier::parse(&e.tier).unwrap_or(Tier::Regular), e.vip, &e.member_no),
            e.list_date,
        )
    });
}

pub use loyalty::contacts::{ContactOutcome, MAX_ATTEMPTS};

/// The SMS list written: where, how big, how many texts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SmsExport {
    pub file: String,
    pub bytes: usize,
    pub texts: usize,
}

/// A day's SMS greetings sharing the same holidays, as the customer-service screen shows
/// them (a count and an export, not one line per member).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SmsBatchView {
    pub list_date: NaiveDate,
    pub overdue: bool,
    pub reasons: Vec<ReasonView>,
    /// Members greeted when the batch was made (those who withdrew consent since are left
    /// out of the export).
    pub members: i64,
    pub exported_at: Option<String>,
    pub exported_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttemptView {
    pub at: String,
    pub staff: Option<String>,
    pub outcome: String,
    pub note: String,
    pub list_date: NaiveDate,
}

impl From<store::contacts::AttemptRow> for AttemptView {
    fn from(a: store::contacts::AttemptRow) -> Self {
        AttemptView { at: a.at, staff: a.staff, outcome: a.outcome, note: a.note, list_date: a.list_date }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactScript {
    pub kind: String,
    pub text: String,
}

/// A holiday of the contact list, as the manager's screen shows and edits it.
pub use store::contacts::HolidayRow as HolidaySetting;

impl Desk {
    fn scripts_map(&self) -> DeskResult<HashMap<String, String>> {
        Ok(store::contacts::scripts(self.store.conn())?.into_iter().collect())
    }

    fn recall_days(&self) -> DeskResult<i64> {
        Ok(store::coupons::template_by_key(self.store.conn(), "recall")?.map(|t| t.days_valid).unwrap_or(14))
    }

    /// The list generated for `date` (default the store date), in the list's order.
    pub fn contact_list(&self, ctx: &Ctx, date: Option<NaiveDate>) -> DeskResult<ContactList> {
        ctx.require(Operation::WorkContacts)?;
        let date = date.unwrap_or(ctx.store_date);
        if date > ctx.store_date {
            return Err(DeskError::new(
                ErrorCode::DateInFuture,
                format!("{date} 的联系清单还没有生成（营业日期 {}）", ctx.store_date),
            ));
        }
        let scripts = self.scripts_map()?;
        let recall = self.recall_days()?;
        let mask = ctx.masks_phones();
        let mut rows = store::contacts::entries_of_day(self.store.conn(), date)?;
        for batch in store::sms_batches::of_day(self.store.conn(), date)? {
            rows.extend(self.batch_rows(&batch)?);
        }
        let mut entries: Vec<ContactEntryView> =
            rows.iter().map(|e| entry_view(e, ctx.store_date, &scripts, recall, mask)).collect();
        sort_entries(&mut entries, false);
        Ok(ContactList { date, entries })
    }

    /// The greetings of an SMS batch, as entries (members who withdrew consent since are
    /// left out).
    fn batch_rows(&self, batch: &store::sms_batches::SmsBatchRow) -> DeskResult<Vec<EntryRow>> {
        let ids = store::sms_batches::recipients(self.store.conn(), batch.id)?;
        let status = if batch.exported_at.is_some() { "exported" } else { "pending" };
        Ok(store::contacts::batch_entries(
            self.store.conn(),
            &ids,
            batch.list_date,
            &batch.reasons,
            status,
            batch.overdue,
        )?)
    }

    /// How long making the list of `date` took (milliseconds), once it was made.
    pub fn contact_list_duration_ms(&self, date: NaiveDate) -> DeskResult<Option<i64>> {
        Ok(store::contacts::day_duration_ms(self.store.conn(), date)?)
    }

    /// The SMS greetings for customer service's screen: today's batches and earlier ones not
    /// exported yet, each with its holidays, how many members and whether it was exported.
    pub fn sms_batches(&self, ctx: &Ctx) -> DeskResult<Vec<SmsBatchView>> {
        ctx.require(Operation::WorkContacts)?;
        let conn = self.store.conn();
        let mut batches = store::sms_batches::not_exported(conn, ctx.store_date - Days::new(1))?;
        batches.extend(store::sms_batches::of_day(conn, ctx.store_date)?);
        Ok(batches
            .into_iter()
            .map(|b| {
                let reasons: Vec<ContactReason> = serde_json::from_str(&b.reasons).unwrap_or_default();
                SmsBatchView {
                    list_date: b.list_date,
                    overdue: b.list_date < ctx.store_date,
                    reasons: reasons.iter().map(|r| ReasonView { kind: r.kind().into(), detail: r.detail() }).collect(),
                    members: b.count,
                    exported_at: b.exported_at,
                    exported_by: b.exported_by,
                }
            })
            .collect())
    }

    /// Customer service's list for today: every open entry due by today (overdue ones
    /// included), calls first. Phones are masked for non-managers, as in every list; the
    /// entry being worked ([`Desk::contact_entry`]) shows the number to dial.
    pub fn contact_queue(&self, ctx: &Ctx) -> DeskResult<Vec<ContactEntryView>> {
        ctx.require(Operation::WorkContacts)?;
        let scripts = self.scripts_map()?;
        let recall = self.recall_days()?;
        let mut entries: Vec<ContactEntryView> = store::contacts::open_entries(self.store.conn(), ctx.store_date)?
            .iter()
            .map(|e| entry_view(e, ctx.store_date, &scripts, recall, ctx.masks_phones()))
            .collect();
        // Oldest first within a member, so the card keeps the overdue entry's id.
        entries.sort_by_key(|e| e.list_date);
        let mut cards = one_card_per_member(entries);
        sort_entries(&mut cards, true);
        Ok(cards)
    }

    /// The entry customer service is working, with the full phone number to dial.
    pub fn contact_entry(&self, ctx: &Ctx, entry_id: i64) -> DeskResult<ContactEntryView> {
        ctx.require(Operation::WorkContacts)?;
        let scripts = self.scripts_map()?;
        let recall = self.recall_days()?;
        let open = store::contacts::open_entries(self.store.conn(), ctx.store_date)?;
        let Some(member) = open.iter().find(|e| e.id == entry_id).map(|e| e.member_id) else {
            return Err(DeskError::new(ErrorCode::InvalidInput, format!("没有编号 {entry_id} 的待联系事项")));
        };
        let mut mine: Vec<ContactEntryView> = open
            .iter()
            .filter(|e| e.member_id == member)
            .map(|e| entry_view(e, ctx.store_date, &scripts, recall, false))
            .collect();
        mine.sort_by_key(|e| (e.id != Some(entry_id), e.list_date));
        one_card_per_member(mine)
            .into_iter()
            .next()
            .ok_or_else(|| DeskError::new(ErrorCode::InvalidInput, format!("没有编号 {entry_id} 的待联系事项")))
    }

    /// Records an attempt on an entry: done (with a note), no answer (back tomorrow, at most
    /// 3 attempts), rescheduled to a later date, or do-not-call (withdraws consent).
    pub fn record_contact(
        &mut self,
        ctx: &Ctx,
        entry_id: i64,
        outcome: ContactOutcome,
        note: &str,
        reschedule_to: Option<NaiveDate>,
    ) -> DeskResult<ContactEntryView> {
        ctx.require(Operation::WorkContacts)?;
        let note = &loyalty::member::normalize_notes(note)?;
        self.store.write(|tx| {
            let e = store::contacts::entry(&tx, entry_id)?
                .ok_or_else(|| DeskError::new(ErrorCode::InvalidInput, format!("没有编号 {entry_id} 的联系事项")))?;
            let r =
                loyalty::contacts::attempt(&e.status, e.attempts, e.due_date, outcome, ctx.store_date, reschedule_to)
                    .map_err(|err| DeskError::new(ErrorCode::InvalidInput, err.to_string()))?;
            if outcome == ContactOutcome::DoNotCall {
                store::contacts::set_contact_ok(&tx, e.member_id, false)?;
            }
            let (status, due, attempts) = (r.status, r.due, r.attempts);
            let outcome_code =
                serde_json::to_value(outcome).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
            // The member's other open entries due by today are on the same card: the one call
            // answers them too (one attempt is logged, on the entry worked).
            if e.due_date <= ctx.store_date {
                for other in store::contacts::open_entries_of_member(&tx, e.member_id, ctx.store_date)? {
                    if other.id == e.id {
                        continue;
                    }
                    let day = ctx.store_date;
                    if let Ok(o) = loyalty::contacts::attempt(
                        &other.status,
                        other.attempts,
                        other.due_date,
                        outcome,
                        day,
                        reschedule_to,
                    ) {
                        store::contacts::update_entry(&tx, other.id, o.status, o.due, o.attempts, note)?;
                    }
                }
            }
            store::contacts::update_entry(&tx, e.id, status, due, attempts, note)?;
            store::contacts::log_attempt(&tx, e.id, e.member_id, ctx.staff_id, &ctx.now_text(), &outcome_code, note)?;
            crate::audit(
                &tx,
                ctx,
                "contact.attempt",
                "member",
                Some(&e.member_no),
                Some(&e.status),
                Some(&format!("{status}：{note}")),
            )?;
            let updated = store::contacts::entry(&tx, e.id)?.expect("exists");
            Ok(entry_view(&updated, ctx.store_date, &self.scripts_map()?, self.recall_days()?, false))
        })
    }

    /// A member's contact log, newest first (shown on the card at the front desk).
    pub fn contact_log(&self, member_key: &str, limit: i64) -> DeskResult<Vec<AttemptView>> {
        let member = resolve(self.store.conn(), member_key)?;
        Ok(store::contacts::attempts_of_member(self.store.conn(), member.id, limit)?
            .into_iter()
            .map(AttemptView::from)
            .collect())
    }

    pub fn contact_scripts(&self, ctx: &Ctx) -> DeskResult<Vec<ContactScript>> {
        ctx.require(Operation::EditSettings)?;
        Ok(store::contacts::scripts(self.store.conn())?
            .into_iter()
            .map(|(kind, text)| ContactScript { kind, text })
            .collect())
    }

    pub fn save_contact_script(&mut self, ctx: &Ctx, script: &ContactScript) -> DeskResult<Vec<ContactScript>> {
        ctx.require(Operation::EditSettings)?;
        let text = script.text.trim();
        if text.is_empty() || text.chars().count() > 300 {
            return Err(DeskError::new(ErrorCode::InvalidInput, "话术须为 1–300 字"));
        }
        self.store.write(|tx| {
            if !store::contacts::save_script(&tx, &script.kind, text)? {
                return Err(DeskError::new(ErrorCode::InvalidInput, format!("没有“{}”类的话术", script.kind)));
            }
            crate::audit(&tx, ctx, "contact_script.save", "contact_script", Some(&script.kind), None, Some(text))?;
            self.contact_scripts(ctx)
        })
    }

    pub fn holidays(&self, ctx: &Ctx) -> DeskResult<Vec<HolidaySetting>> {
        ctx.require(Operation::EditSettings)?;
        Ok(store::contacts::holidays(self.store.conn())?)
    }

    /// Switches a holiday on or off, edits it, or adds the store's own (id 0).
    pub fn save_holiday(&mut self, ctx: &Ctx, h: &HolidaySetting) -> DeskResult<Vec<HolidaySetting>> {
        ctx.require(Operation::EditSettings)?;
        let name = h.name.trim();
        if name.is_empty() || name.chars().count() > 20 {
            return Err(DeskError::new(ErrorCode::InvalidInput, "节日名称须为 1–20 个字"));
        }
        if !["solar", "lunar"].contains(&h.calendar.as_str())
            || !["all", "women", "seniors"].contains(&h.audience.as_str())
        {
            return Err(DeskError::new(ErrorCode::InvalidInput, "历法应为 solar/lunar，对象应为 all/women/seniors"));
        }
        let valid = match h.calendar.as_str() {
            "solar" => NaiveDate::from_ymd_opt(2000, h.month, h.day).is_some(),
            _ => (1..=12).contains(&h.month) && (1..=30).contains(&h.day),
        };
        if !valid {
            return Err(DeskError::new(ErrorCode::InvalidInput, format!("{} 月 {} 日不是有效日期", h.month, h.day)));
        }
        self.store.write(|tx| {
            let row = HolidayRow { name: name.into(), ..h.clone() };
            store::contacts::save_holiday(&tx, &row)?;
            crate::audit(
                &tx,
                ctx,
                "holiday.save",
                "holiday",
                Some(name),
                None,
                Some(&format!(
                    "{} {}-{} {} {}",
                    h.calendar,
                    h.month,
                    h.day,
                    h.audience,
                    if h.active { "启用" } else { "停用" }
                )),
            )?;
            self.holidays(ctx)
        })
    }

    /// The day's list as CSV (UTF-8 with BOM): the call list, or everything (`channel`
    /// `None`). The SMS list for an SMS platform is [`Desk::export_sms`].
    pub fn export_contacts_csv(
        &self,
        ctx: &Ctx,
        date: Option<NaiveDate>,
        channel: Option<&str>,
    ) -> DeskResult<Vec<u8>> {
        // contact_list checks the role and masks phones for non-managers.
        let list = self.contact_list(ctx, date)?;
        let rows = list.entries.into_iter().filter(|e| channel.is_none_or(|c| c == e.channel));
        crate::export::table_bytes(
            crate::export::ExportFormat::Csv,
            "联系清单",
            &["date", "member_no", "name", "greeting", "phone", "tier", "vip", "channel", "reasons"],
            rows.map(|e| {
                vec![
                    e.list_date.to_string(),
                    e.member_no,
                    e.name,
                    e.greeting,
                    e.phone.unwrap_or_default(),
                    tier_label(&e.tier),
                    u8::from(e.vip).to_string(),
                    e.channel,
                    e.reasons.iter().map(|r| r.detail.clone()).collect::<Vec<_>>().join("；"),
                ]
            })
            .collect(),
        )
    }

    /// The SMS list (`phone,name,text`, UTF-8 with BOM) for an SMS platform, written to
    /// `dest`: the greetings of `date`, or without a date those of the store date and every
    /// earlier day's not exported yet. Members who withdrew consent since are left out. It
    /// carries full phone numbers, so it is a manager's export. The file is written to a
    /// temporary file first; the batches are recorded as exported (and the export in the
    /// audit log) in the same step as the file takes its name, and a failed commit removes
    /// it: there is never a file whose texts are not marked sent, nor texts marked sent
    /// with no file.
    pub fn export_sms(&mut self, ctx: &Ctx, date: Option<NaiveDate>, dest: &std::path::Path) -> DeskResult<SmsExport> {
        ctx.require(Operation::ExportSms)?;
        let day = date.unwrap_or(ctx.store_date);
        if day > ctx.store_date {
            return Err(DeskError::new(
                ErrorCode::DateInFuture,
                format!("{day} 的联系清单还没有生成（营业日期 {}）", ctx.store_date),
            ));
        }
        let conn = self.store.conn();
        let mut batches = match date {
            None => store::sms_batches::not_exported(conn, day - Days::new(1))?,
            Some(_) => Vec::new(),
        };
        batches.extend(store::sms_batches::of_day(conn, day)?);
        let mut rows: Vec<EntryRow> = store::contacts::entries_of_day(conn, day)?
            .into_iter()
            .filter(|e| e.channel == Channel::Sms && e.status != "do_not_call")
            .collect();
        for batch in &batches {
            rows.extend(self.batch_rows(batch)?);
        }
        let scripts = self.scripts_map()?;
        let recall = self.recall_days()?;
        let mut entries: Vec<ContactEntryView> =
            rows.iter().map(|e| entry_view(e, ctx.store_date, &scripts, recall, false)).collect();
        sort_entries(&mut entries, false);
        let count = entries.len();
        let bytes = crate::export::table_bytes(
            crate::export::ExportFormat::Csv,
            "短信",
            &["phone", "name", "text"],
            entries
                .into_iter()
                .map(|e| {
                    let text = e.scripts.first().cloned().unwrap_or_else(|| format!("{}您好！", e.greeting));
                    vec![e.phone.unwrap_or_default(), e.name, text]
                })
                .collect(),
        )?;
        let tmp = crate::export::write_temporary(dest, &bytes)?;
        let tx = match self.store.transaction() {
            Ok(tx) => tx,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e.into());
            }
        };
        let mut days: Vec<NaiveDate> = batches.iter().map(|b| b.list_date).collect();
        days.dedup();
        let detail = format!("{count} 条短信（{}）", days.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("、"));
        let mark = |tx: &store::Transaction<'_>| -> DeskResult<()> {
            for d in &days {
                store::sms_batches::mark_exported(tx, *d, ctx.staff_id, &ctx.now_text())?;
            }
            crate::audit(tx, ctx, "contact.sms_export", "contact_list", Some(&day.to_string()), None, Some(&detail))
        };
        let finished = mark(&tx).and_then(|()| crate::export::commit_with_file(tx, &tmp, dest));
        if finished.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        finished?;
        Ok(SmsExport { file: dest.display().to_string(), bytes: bytes.len(), texts: count })
    }
}
