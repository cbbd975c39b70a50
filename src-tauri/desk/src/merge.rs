//! A clean member list (rules §2), manager only: the suggested duplicates, a merge with its
//! preview (what moves, the balance after) done in one transaction, and the erasure of a
//! member's personal data (PIPL), confirmed by typing the member number. All audited.

use crate::members::{birthday_of, resolve, resolve_record};
use crate::{audit, Ctx, Desk, DeskError, DeskResult, ErrorCode};
use loyalty::merge::{duplicate_reason, lots_to_settle, merged_profile, DuplicateKey, MergeProfile};
use loyalty::Operation;
use serde::Serialize;
use store::ledger::{LedgerEntry, LedgerKind};
use store::members::MemberRow;
use store::Connection;

/// A member as the merge screen shows them.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MemberBrief {
    pub member_no: String,
    pub name: String,
    pub phone: Option<String>,
    pub tier: String,
    pub points_balance: i64,
    pub vip: bool,
    pub joined_on: chrono::NaiveDate,
}

fn brief(m: &MemberRow) -> MemberBrief {
    MemberBrief {
        member_no: m.member_no.clone(),
        name: m.name.clone(),
        phone: m.phone.clone(),
        tier: m.tier.code().to_string(),
        points_balance: m.points_balance,
        vip: m.vip,
        joined_on: m.joined_on,
    }
}

/// What a merge moves (interface: `moved`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Moved {
    pub lots: i64,
    pub coupons: i64,
    pub receipts: i64,
    pub interactions: i64,
    pub contacts: i64,
    pub contact_attempts: i64,
    pub redemptions: i64,
    pub referees: i64,
    pub ledger_entries: i64,
    /// Whether the merged member's care notes join the kept member's.
    pub notes: bool,
    /// Days both were on the contact list: the merged member's entry of those days stays
    /// with the archived record.
    pub contact_days_kept_apart: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MergeView {
    /// The member numbers (interface: `kept`, `merged`).
    pub kept: String,
    pub merged: String,
    pub kept_member: MemberBrief,
    pub merged_member: MemberBrief,
    pub moved: Moved,
    /// The kept member's balance after the merge.
    pub points_balance: i64,
    /// The kept member's stored value after the merge (both accounts together).
    pub stored_value: crate::stored_value::AccountView,
    pub tier: String,
    pub vip: bool,
    pub contact_ok: bool,
    pub notes: String,
    /// False for the preview.
    pub done: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DuplicatePair {
    pub a: MemberBrief,
    pub b: MemberBrief,
    pub reason: loyalty::merge::DuplicateReason,
    pub reason_label: String,
}

fn key(r: &MemberRow) -> DuplicateKey<'_> {
    DuplicateKey { name: &r.name, phone: r.phone.as_deref(), birthday: birthday_of(r) }
}

fn profile(m: &MemberRow) -> MergeProfile {
    MergeProfile {
        gender: m.gender,
        birthday: birthday_of(m),
        notes: m.notes.clone(),
        vip: m.vip,
        contact_ok: m.contact_ok,
        tier: m.tier,
    }
}

/// The two members of a merge, checked: two different members, both in the program.
fn pair(conn: &Connection, keep: &str, merge: &str) -> DeskResult<(MemberRow, MemberRow)> {
    let (k, m) = (resolve_record(conn, keep)?, resolve_record(conn, merge)?);
    for r in [&k, &m] {
        if let Some(into) = r.merged_into {
            let into = store::members::get(conn, into)?.map(|i| i.member_no).unwrap_or_default();
            return Err(DeskError::new(ErrorCode::InvalidInput, format!("{} 已合并到 {into}", r.member_no)));
        }
    }
    if k.id == m.id {
        return Err(DeskError::new(
            ErrorCode::InvalidInput,
            format!("{} 和 {} 是同一位会员", keep.trim(), merge.trim()),
        ));
    }
    for r in [&k, &m] {
        if r.archived {
            return Err(DeskError::new(
                ErrorCode::MemberArchived,
                format!("{} 已归档，不能合并（请先恢复）", r.member_no),
            ));
        }
    }
    Ok((k, m))
}

fn view(k: &MemberRow, m: &MemberRow, moved: Moved, stored: (i64, i64), done: bool) -> MergeView {
    let p = merged_profile(&profile(k), &profile(m));
    MergeView {
        kept: k.member_no.clone(),
        merged: m.member_no.clone(),
        kept_member: brief(k),
        merged_member: brief(m),
        moved,
        points_balance: k.points_balance + m.points_balance,
        stored_value: crate::stored_value::AccountView::from_fen(stored.0, stored.1),
        tier: p.tier.code().to_string(),
        vip: p.vip,
        contact_ok: p.contact_ok,
        notes: p.notes,
        done,
    }
}

/// What moves: the merged member's holdings, the two ledger entries that carry a balance
/// across (none when it is zero), the notes, the days both were listed.
fn moved_of(h: store::merge::Holdings, merged: &MemberRow, apart: i64) -> Moved {
    Moved {
        lots: h.lots,
        coupons: h.coupons,
        receipts: h.receipts,
        interactions: h.interactions,
        contacts: h.contacts,
        contact_attempts: h.contact_attempts,
        redemptions: h.redemptions,
        referees: h.referees,
        ledger_entries: if merged.points_balance != 0 { 2 } else { 0 },
        notes: !merged.notes.trim().is_empty(),
        contact_days_kept_apart: apart,
    }
}

/// Both members' stored value together, in fen: (principal, bonus).
fn combined_stored_value(conn: &store::Connection, k: &MemberRow, m: &MemberRow) -> DeskResult<(i64, i64)> {
    let (kp, kb) = store::stored_value::account(conn, k.id)?;
    let (mp, mb) = store::stored_value::account(conn, m.id)?;
    Ok((kp + mp, kb + mb))
}

impl Desk {
    /// What merging `merge` into `keep` would move, and the kept member afterwards.
    pub fn merge_preview(&self, ctx: &Ctx, keep: &str, merge: &str) -> DeskResult<MergeView> {
        ctx.require(Operation::MergeMembers)?;
        let conn = self.store.conn();
        let (k, m) = pair(conn, keep, merge)?;
        let apart = store::merge::contact_days_in_common(conn, k.id, m.id)?;
        let mut h = store::merge::holdings(conn, m.id)?;
        h.contacts -= apart;
        let moved = moved_of(h, &m, apart);
        let stored = combined_stored_value(conn, &k, &m)?;
        Ok(view(&k, &m, moved, stored, false))
    }

    /// Merges `merge` into `keep` in one transaction: the history moves, the kept member's
    /// first and last sale are recomputed, the merged member is archived pointing at the kept
    /// one (its phone and number then find the kept member). Audited.
    pub fn merge_members(&mut self, ctx: &Ctx, keep: &str, merge: &str) -> DeskResult<MergeView> {
        ctx.require(Operation::MergeMembers)?;
        let now = ctx.now_text();
        self.store.write(|tx| {
            let (k, m) = pair(&tx, keep, merge)?;
            let apart = store::merge::contact_days_in_common(&tx, k.id, m.id)?;
            let h = store::merge::move_history(&tx, k.id, m.id)?;
            let p = merged_profile(&profile(&k), &profile(&m));
            let b = p.birthday;
            store::merge::update_kept(
                &tx,
                k.id,
                &store::merge::KeptFacts {
                    gender: p.gender.code(),
                    birthday_calendar: b.map(|b| b.calendar.code()),
                    birthday_year: b.and_then(|b| b.year),
                    birthday_month: b.map(|b| b.month),
                    birthday_day: b.map(|b| b.day),
                    birthday_leap: b.is_some_and(|b| b.leap),
                    notes: &p.notes,
                    vip: p.vip,
                    contact_ok: p.contact_ok,
                    tier: p.tier.code(),
                },
                &now,
            )?;
            // The ledger is append-only: the balance moves with an entry on each side.
            if m.points_balance != 0 {
                for (member_id, points, reason) in [
                    (m.id, -m.points_balance, format!("合并会员：积分转入 {}", k.member_no)),
                    (k.id, m.points_balance, format!("合并会员：由 {} 转入", m.member_no)),
                ] {
                    store::ledger::append(
                        &tx,
                        &LedgerEntry {
                            member_id,
                            kind: LedgerKind::Adjust,
                            points,
                            receipt_id: None,
                            lot_id: None,
                            reason: &reason,
                            on_date: ctx.store_date,
                            staff_id: Some(ctx.staff_id),
                            created_at: &now,
                        },
                    )?;
                }
            }
            // Stored value likewise: principal and bonus each move with a `merge` entry on
            // each side, so both ledgers stay the sums of their parts.
            let stored = combined_stored_value(&tx, &k, &m)?;
            let (principal, bonus) = store::stored_value::account(&tx, m.id)?;
            if principal != 0 || bonus != 0 {
                for (member_id, sign, reason) in [
                    (m.id, -1, format!("合并会员：储值转入 {}", k.member_no)),
                    (k.id, 1, format!("合并会员：由 {} 转入", m.member_no)),
                ] {
                    store::stored_value::append(
                        &tx,
                        &store::stored_value::SvEntry {
                            member_id,
                            kind: store::stored_value::SvKind::Merge,
                            principal_fen: sign * principal,
                            bonus_fen: sign * bonus,
                            top_up_id: None,
                            receipt_id: None,
                            reason: &reason,
                            on_date: ctx.store_date,
                            staff_id: Some(ctx.staff_id),
                            created_at: &now,
                        },
                    )?;
                }
            }
            let combined = k.points_balance + m.points_balance;
            for t in lots_to_settle(&store::lots::open_balances(&tx, k.id)?, combined) {
                store::lots::take(&tx, t.lot_id, t.points)?;
            }
            store::merge::recompute_visits(&tx, k.id)?;
            store::merge::archive_merged(&tx, m.id, k.id, &now)?;
            let moved = moved_of(h, &m, apart);
            let after = serde_json::json!({"kept": k.member_no, "merged": m.member_no, "moved": moved,
                "points_balance": k.points_balance + m.points_balance})
            .to_string();
            audit(&tx, ctx, "member.merge", "member", Some(&k.member_no), None, Some(&after))?;
            audit(&tx, ctx, "member.merged_into", "member", Some(&m.member_no), None, Some(&after))?;
            Ok(view(&k, &m, moved, stored, true))
        })
    }

    /// Pairs of members that look like one person enrolled twice (same name and birthday,
    /// or the same name and phones one digit apart), at most `limit`.
    pub fn possible_duplicates(&self, ctx: &Ctx, limit: usize) -> DeskResult<Vec<DuplicatePair>> {
        ctx.require(Operation::MergeMembers)?;
        let conn = self.store.conn();
        let mut out = Vec::new();
        let mut cache: std::collections::HashMap<i64, MemberRow> = std::collections::HashMap::new();
        for (a, b) in store::merge::same_name_pairs(conn, 5000)? {
            for id in [a, b] {
                if !cache.contains_key(&id) {
                    if let Some(row) = store::members::get(conn, id)? {
                        cache.insert(id, row);
                    }
                }
            }
            let (Some(ra), Some(rb)) = (cache.get(&a), cache.get(&b)) else { continue };
            if let Some(reason) = duplicate_reason(&key(ra), &key(rb)) {
                out.push(DuplicatePair {
                    a: brief(ra),
                    b: brief(rb),
                    reason,
                    reason_label: reason.label_zh().to_string(),
                });
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Erases a member's personal data (PIPL): `confirm` must be the member number typed
    /// again. Name, phone, birthday and notes are blanked; amounts and the ledger stay. It
    /// cannot be undone; the member never again appears on a contact list or in an export
    /// with personal data. Audited without the data erased.
    pub fn erase_member(&mut self, ctx: &Ctx, member: &str, confirm: &str) -> DeskResult<crate::MemberCard> {
        ctx.require(Operation::EraseMember)?;
        let now = ctx.now_text();
        self.store.write(|tx| {
            let row = resolve(&tx, member)?;
            if row.erased_at.is_some() {
                return Err(DeskError::new(ErrorCode::InvalidInput, format!("{} 的个人信息已删除", row.member_no)));
            }
            if confirm.trim() != row.member_no {
                return Err(DeskError::new(
                    ErrorCode::InvalidInput,
                    format!("请输入会员号 {} 确认删除（删除后无法恢复）", row.member_no),
                ));
            }
            store::merge::erase_personal_data(&tx, row.id, &now)?;
            audit(&tx, ctx, "member.erase", "member", Some(&row.member_no), None, None)?;
            let row = store::members::get(&tx, row.id)?.expect("exists");
            self.card_of(ctx, &row)
        })
    }
}
