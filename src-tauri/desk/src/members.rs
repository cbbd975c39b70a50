//! Members at the desk: enrol, edit, archive, the member card, and the one-box lookup
//! (phone, last 4, member number, name, pinyin; exact matches first).

use crate::views::{CardCodeView, ExpiringPoints, LotView, MemberCard, MemberHit, ReceiptView};
use crate::{Ctx, Desk, DeskError, DeskResult, ErrorCode, Operation};
use chrono::Days;
use loyalty::lookup::{self, LookupQuery, MatchKind};
use loyalty::member::{self, greeting, mask_phone, normalize_name, normalize_phone};
use loyalty::name_keys::name_keys;
use loyalty::{money, Birthday, Calendar, Gender};
use serde::Deserialize;
use store::members::{MemberFields, MemberRow};
use store::Connection;

/// A member as typed on the enrol/edit form or on the command line.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MemberInput {
    pub name: String,
    pub phone: String,
    /// F, M, 女, 男 or empty.
    pub gender: String,
    /// `YYYY-MM-DD` or `MM-DD`, empty for none.
    pub birthday: String,
    pub lunar: bool,
    pub leap: bool,
    /// A referrer's code or phone (enrolment only).
    pub referrer: String,
    pub contact_ok: Option<bool>,
    pub notes: String,
}

/// A member input after validation.
pub(crate) struct CheckedMember {
    pub name: String,
    pub phone: String,
    pub gender: Gender,
    pub birthday: Option<Birthday>,
    pub contact_ok: bool,
    pub notes: String,
    pub initials: String,
    pub pinyin: String,
}

impl CheckedMember {
    pub fn fields(&self) -> MemberFields<'_> {
        let b = self.birthday;
        MemberFields {
            name: &self.name,
            gender: self.gender.code(),
            phone: &self.phone,
            birthday_calendar: b.map(|b| match b.calendar {
                Calendar::Solar => "solar",
                Calendar::Lunar => "lunar",
            }),
            birthday_year: b.and_then(|b| b.year),
            birthday_month: b.map(|b| b.month),
            birthday_day: b.map(|b| b.day),
            birthday_leap: b.map(|b| b.leap).unwrap_or(false),
            contact_ok: self.contact_ok,
            notes: &self.notes,
            name_initials: &self.initials,
            name_pinyin: &self.pinyin,
        }
    }
}

pub(crate) fn check_member(input: &MemberInput) -> DeskResult<CheckedMember> {
    let name = normalize_name(&input.name)?;
    let phone = normalize_phone(&input.phone)?;
    let gender = Gender::parse(&input.gender)?;
    let birthday = if input.birthday.trim().is_empty() {
        None
    } else {
        let cal = if input.lunar { Calendar::Lunar } else { Calendar::Solar };
        Some(Birthday::parse(&input.birthday, cal, input.leap)?)
    };
    let notes = member::normalize_notes(&input.notes)?;
    let keys = name_keys(&name);
    Ok(CheckedMember {
        name,
        phone,
        gender,
        birthday,
        contact_ok: input.contact_ok.unwrap_or(true),
        notes,
        initials: keys.initials,
        pinyin: keys.full,
    })
}

pub(crate) fn phone_taken(phone: &str, by: &MemberRow) -> DeskError {
    DeskError::new(
        ErrorCode::PhoneTaken,
        format!("手机号 {phone} 已登记给会员 {}（{}），同一手机号不能登记两次", by.member_no, by.name),
    )
}

/// Finds a member by phone (any accepted form) or member number.
pub(crate) fn resolve(conn: &Connection, key: &str) -> DeskResult<MemberRow> {
    follow_merge(conn, resolve_record(conn, key)?)
}

/// The member record a phone or member number names, as it is (a merged record too).
pub(crate) fn resolve_record(conn: &Connection, key: &str) -> DeskResult<MemberRow> {
    let key = key.trim();
    let found = if let Some(no) = loyalty::lookup::parse_member_no(key) {
        store::members::by_member_no(conn, &no)?
    } else if loyalty::stored_value::is_card_code(key) {
        by_card(conn, key)?
    } else if let Ok(phone) = normalize_phone(key) {
        store::members::by_phone(conn, &phone)?
    } else {
        None
    };
    found.ok_or_else(|| DeskError::new(ErrorCode::MemberNotFound, format!("找不到会员“{key}”（请输入手机号或会员号）")))
}

/// The member whose card carries `code`; a replaced card is refused by name.
pub(crate) fn by_card(conn: &Connection, code: &str) -> DeskResult<Option<MemberRow>> {
    if let Some(found) = store::members::by_card_code(conn, code)? {
        return Ok(Some(found));
    }
    match store::cards::replaced(conn, code)? {
        Some(_) => Err(DeskError::new(ErrorCode::CardReplaced, "此卡已换新，请使用新卡")),
        None => Ok(None),
    }
}

/// A new card code no card has carried: 11 random digits and their check digit.
pub(crate) fn new_card_code(conn: &Connection) -> DeskResult<String> {
    draw_card_code(|code| Ok(store::cards::taken(conn, code)?))
}

/// A card code for which `taken` says no.
fn draw_card_code(mut taken: impl FnMut(&str) -> DeskResult<bool>) -> DeskResult<String> {
    use rand_core::{OsRng, RngCore};
    loop {
        // One draw from the operating system per code (a system call each: drawing per
        // digit was 4 % of a members import). 250 = 25 × 10: keeping the bytes below it
        // keeps every digit equally likely; 32 bytes all but always hold 11 such, and a
        // draw that does not simply draws again.
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        let mut kept = bytes.iter().filter(|b| **b < 250).map(|b| b % 10);
        let mut digits = [0u8; 11];
        if !digits.iter_mut().all(|d| kept.next().map(|k| *d = k).is_some()) {
            continue;
        }
        let code = loyalty::stored_value::card_code(digits);
        if !taken(&code)? {
            return Ok(code);
        }
    }
}

/// Gives every member still without a card code one (members enrolled before schema 12):
/// once, when such a store is first opened; afterwards there is nobody to give one to and
/// nothing is written.
pub(crate) fn give_missing_card_codes(store: &mut store::Store) -> DeskResult<()> {
    if store::cards::without_code(store.conn(), 1)?.is_empty() {
        return Ok(());
    }
    store.write(|tx| loop {
        let ids = store::cards::without_code(&tx, 1000)?;
        if ids.is_empty() {
            return Ok(());
        }
        for id in ids {
            let code = new_card_code(&tx)?;
            store::cards::give(&tx, id, &code)?;
        }
    })
}

/// The member a merged member was merged into (rules §2: a search for the old phone or
/// number finds the kept member); any other member as it is.
pub(crate) fn follow_merge(conn: &Connection, mut row: MemberRow) -> DeskResult<MemberRow> {
    // A kept member can be merged in turn later: follow the chain (it cannot loop, since a
    // merge archives the merged member and only a member in the program can be kept).
    for _ in 0..16 {
        let Some(kept) = row.merged_into else { break };
        row = store::members::get(conn, kept)?.ok_or_else(|| {
            DeskError::new(ErrorCode::DataFileDamaged, format!("{} 合并到的会员不存在", row.member_no))
        })?;
    }
    Ok(row)
}

fn gender_of(row: &MemberRow) -> Gender {
    row.gender
}

pub(crate) fn birthday_of(row: &MemberRow) -> Option<Birthday> {
    let calendar = row.birthday_calendar?;
    Some(Birthday {
        calendar,
        year: row.birthday_year,
        month: row.birthday_month?,
        day: row.birthday_day?,
        leap: row.birthday_leap,
    })
}

pub(crate) fn tier_label(code: &str) -> String {
    loyalty::Tier::parse(code).map(|t| t.label_zh().to_string()).unwrap_or_else(|| code.to_string())
}

pub(crate) fn receipt_view(conn: &Connection, r: &store::receipts::ReceiptRow) -> DeskResult<ReceiptView> {
    let refund_of = match r.refund_of {
        Some(id) => store::receipts::get(conn, id)?.map(|o| o.receipt_no),
        None => None,
    };
    Ok(ReceiptView {
        receipt: r.receipt_no.clone(),
        kind: r.kind.clone(),
        at: r.at.format("%Y-%m-%d %H:%M").to_string(),
        gross: money::format(money::from_fen(r.gross_fen)),
        discount: money::format(money::from_fen(r.discount_fen)),
        paid: money::format(money::from_fen(r.paid_fen)),
        refunded: money::format(money::from_fen(r.refunded_fen)),
        points: r.points,
        refund_of,
        gift: r.gift.clone(),
        history: r.history,
    })
}

impl Desk {
    /// Enrols a new member (rules §2). The referrer, if given, is recorded.
    pub fn enroll(&mut self, ctx: &Ctx, input: &MemberInput) -> DeskResult<MemberCard> {
        ctx.require(Operation::Enrol)?;
        let m = check_member(input)?;
        let settings = self.settings.clone();
        self.store.write(|tx| {
            let id = insert_member(&tx, ctx, &m, &input.referrer, ctx.store_date, 0, None)?;
            let row = store::members::get(&tx, id)?.expect("just inserted");
            crate::coupons::on_enrolled(&tx, ctx, &settings, id, row.referred_by.is_some())?;
            let row = store::members::get(&tx, id)?.expect("just inserted");
            crate::audit(
                &tx,
                ctx,
                "member.enroll",
                "member",
                Some(&row.member_no),
                None,
                Some(&format!("{} {}", row.name, row.phone.as_deref().unwrap_or(""))),
            )?;
            self.card_of(ctx, &row)
        })
    }

    /// Edits a member's contact data, birthday, consent and notes.
    pub fn update_member(&mut self, ctx: &Ctx, key: &str, input: &MemberInput) -> DeskResult<MemberCard> {
        ctx.require(Operation::EditMember)?;
        let m = check_member(input)?;
        self.store.write(|tx| {
            let before = resolve(&tx, key)?;
            if let Some(other) = store::members::by_phone(&tx, &m.phone)? {
                if other.id != before.id {
                    return Err(phone_taken(&m.phone, &other));
                }
            }
            store::members::update(&tx, before.id, &m.fields(), &ctx.now_text())?;
            crate::audit(
                &tx,
                ctx,
                "member.update",
                "member",
                Some(&before.member_no),
                Some(&format!("{} {}", before.name, before.phone.as_deref().unwrap_or(""))),
                Some(&format!("{} {}", m.name, m.phone)),
            )?;
            let row = store::members::get(&tx, before.id)?.expect("exists");
            self.card_of(ctx, &row)
        })
    }

    /// Archives (or brings back) a member: archived members are hidden from lookups and
    /// lists but keep their history.
    pub fn set_archived(&mut self, ctx: &Ctx, key: &str, archived: bool) -> DeskResult<MemberCard> {
        ctx.require(Operation::ArchiveMember)?;
        self.store.write(|tx| {
            let row = resolve(&tx, key)?;
            if !archived && row.erased_at.is_some() {
                return Err(DeskError::new(
                    ErrorCode::InvalidInput,
                    format!("{} 的个人信息已删除，不能恢复", row.member_no),
                ));
            }
            store::members::set_archived(&tx, row.id, archived, &ctx.now_text())?;
            crate::audit(
                &tx,
                ctx,
                if archived { "member.archive" } else { "member.unarchive" },
                "member",
                Some(&row.member_no),
                None,
                None,
            )?;
            let row = store::members::get(&tx, row.id)?.expect("exists");
            self.card_of(ctx, &row)
        })
    }

    /// The member card of a phone or member number.
    /// Read in one read transaction: every part of the card is of the same moment, even
    /// while another counter writes.
    pub fn member_card(&self, ctx: &Ctx, key: &str) -> DeskResult<MemberCard> {
        ctx.require(Operation::Lookup)?;
        let snapshot = self.store.read_transaction()?;
        let row = resolve(&snapshot, key)?;
        let card = self.card_of(ctx, &row);
        snapshot.rollback()?;
        card
    }

    /// Changes a member's care notes (亲情备注) only: what customer service may edit.
    pub fn set_notes(&mut self, ctx: &Ctx, key: &str, notes: &str) -> DeskResult<MemberCard> {
        ctx.require(Operation::EditNotes)?;
        let notes = loyalty::member::normalize_notes(notes)?;
        self.store.write(|tx| {
            let row = resolve(&tx, key)?;
            store::members::set_notes(&tx, row.id, &notes, &ctx.now_text())?;
            crate::audit(&tx, ctx, "member.notes", "member", Some(&row.member_no), Some(&row.notes), Some(&notes))?;
            let row = store::members::get(&tx, row.id)?
                .ok_or_else(|| DeskError::new(ErrorCode::MemberNotFound, "会员不存在"))?;
            self.card_of(ctx, &row)
        })
    }

    /// The code on a member's card (`member card M`); with `replace`, a new card: the old
    /// code is refused from then on with "此卡已换新，请使用新卡" (rules §2).
    pub fn member_card_code(&mut self, ctx: &Ctx, key: &str, replace: bool) -> DeskResult<CardCodeView> {
        ctx.require(if replace { Operation::EditMember } else { Operation::Lookup })?;
        self.store.write(|tx| {
            let row = resolve(&tx, key)?;
            if !replace {
                let card_code = row.card_code.clone().ok_or_else(|| {
                    DeskError::new(
                        ErrorCode::MemberArchived,
                        format!("会员 {} 的个人信息已删除，没有会员卡", row.member_no),
                    )
                })?;
                return Ok(CardCodeView { member_no: row.member_no, card_code, replaced: false });
            }
            if row.archived {
                return Err(DeskError::new(
                    ErrorCode::MemberArchived,
                    format!("会员 {} 已归档，不能补办会员卡", row.member_no),
                ));
            }
            let code = new_card_code(&tx)?;
            store::cards::replace(&tx, row.id, &code, &ctx.now_text(), ctx.staff_id)?;
            crate::audit_for(
                &tx,
                ctx,
                Some(&row.member_no),
                "member.card_replaced",
                "member",
                Some(&row.member_no),
                None,
                Some("旧卡作废，已发新卡"),
            )?;
            Ok(CardCodeView { member_no: row.member_no, card_code: code, replaced: true })
        })
    }

    pub(crate) fn card_of(&self, ctx: &Ctx, row: &MemberRow) -> DeskResult<MemberCard> {
        let conn = self.store.conn();
        let lots = store::lots::open_lots(conn, row.id)?;
        let horizon = ctx.store_date + Days::new(30);
        let soon: Vec<_> = lots.iter().filter(|l| l.valid_until <= horizon).collect();
        let expiring = (!soon.is_empty()).then(|| ExpiringPoints {
            points: soon.iter().map(|l| l.remaining).sum(),
            first_date: soon.iter().map(|l| l.valid_until).min().expect("not empty"),
        });
        let referred_by = match row.referred_by {
            Some(id) => store::members::get(conn, id)?.map(|r| r.member_no),
            None => None,
        };
        let recent = store::receipts::of_member(conn, row.id, 10)?
            .iter()
            .map(|r| receipt_view(conn, r))
            .collect::<DeskResult<Vec<_>>>()?;
        let birthday = birthday_of(row);
        Ok(MemberCard {
            member_no: row.member_no.clone(),
            name: row.name.clone(),
            greeting: greeting(&row.name, gender_of(row)),
            phone: row.phone.clone(),
            gender: row.gender.code().to_string(),
            birthday: birthday.map(|b| match b.year {
                Some(y) => format!("{y:04}-{:02}-{:02}", b.month, b.day),
                None => format!("{:02}-{:02}", b.month, b.day),
            }),
            birthday_calendar: birthday.map(|b| {
                match (b.calendar, b.leap) {
                    (Calendar::Solar, _) => "solar",
                    (Calendar::Lunar, false) => "lunar",
                    (Calendar::Lunar, true) => "lunar_leap",
                }
                .to_string()
            }),
            tier: row.tier.code().to_string(),
            tier_label: row.tier.label_zh().to_string(),
            points_balance: row.points_balance,
            vip: row.vip,
            contact_ok: row.contact_ok,
            archived: row.archived,
            erased: row.erased_at.is_some(),
            joined_on: row.joined_on,
            referral_code: row.referral_code.clone(),
            referred_by,
            card_code: row.card_code.clone(),
            stored_value: crate::stored_value::view_of(conn, row.id)?,
            sv_pin: store::stored_value::pin_state(conn, row.id)?.hash.is_some(),
            notes: row.notes.clone(),
            lots: lots
                .iter()
                .map(|l| LotView {
                    earned_on: l.earned_on,
                    points_remaining: l.remaining,
                    valid_until: l.valid_until,
                    source: l.source.clone(),
                })
                .collect(),
            expiring_within_30_days: expiring,
            coupons: store::coupons::of_member(conn, row.id)?.iter().map(crate::coupons::coupon_view).collect(),
            referrals: {
                let list = store::coupons::referees(conn, row.id, loyalty::coupons::REFERRAL_SALE_MIN_PAID_FEN)?;
                crate::views::Referrals {
                    successful: list.iter().filter(|r| r.2).count() as i64,
                    members: list
                        .into_iter()
                        .map(|(member_no, name, successful)| crate::views::Referee { member_no, name, successful })
                        .collect(),
                }
            },
            recent_receipts: recent,
            tier_view: crate::tiers::tier_view(conn, &self.settings, row.id, row.tier, ctx.store_date)?,
            contact_log: store::contacts::attempts_of_member(conn, row.id, 10)?
                .into_iter()
                .map(crate::contacts::AttemptView::from)
                .collect(),
        })
    }

    /// The front desk's lookup: full phone, last 4 digits, member number, name (any part),
    /// pinyin initials or full pinyin. Exact matches first, then by member number.
    pub fn search(&self, ctx: &Ctx, query: &str, limit: usize) -> DeskResult<Vec<MemberHit>> {
        ctx.require(Operation::Lookup)?;
        let conn = self.store.conn();
        let lim = limit as i64;
        let Some(query_kind) = lookup::classify(query) else { return Ok(vec![]) };
        // Every probe of the query kind in one statement (one round trip on a server).
        use store::members::Probe;
        let mut probes: Vec<(MatchKind, Probe<'_>)> = Vec::new();
        let mut card = None;
        match &query_kind {
            LookupQuery::Digits { phone, last4, phone_prefix, member_no, card_code } => {
                if let Some(code) = card_code {
                    card = Some(code.as_str());
                    probes.push((MatchKind::CardCode, Probe::CardCode(code)));
                }
                if let Some(phone) = phone {
                    probes.push((MatchKind::Phone, Probe::Phone(phone)));
                }
                if let Some(last4) = last4 {
                    probes.push((MatchKind::Last4, Probe::Last4(last4)));
                }
                if let Some(prefix) = phone_prefix {
                    probes.push((MatchKind::PhonePrefix, Probe::PhonePrefix(prefix)));
                }
                if let Some(no) = member_no {
                    probes.push((MatchKind::MemberNo, Probe::MemberNo(no)));
                }
            }
            LookupQuery::MemberNo(no) => probes.push((MatchKind::MemberNo, Probe::MemberNo(no))),
            LookupQuery::Latin(key) => {
                probes.push((MatchKind::Pinyin, Probe::Pinyin(key)));
                probes.push((MatchKind::Name, Probe::NamePiece(query.trim())));
            }
            LookupQuery::Name(name) => {
                probes.push((MatchKind::Name, Probe::NameExact(name)));
                probes.push((MatchKind::Name, Probe::NamePiece(name)));
            }
        }
        let only: Vec<Probe<'_>> = probes.iter().map(|(_, p)| *p).collect();
        let settles = matches!(query_kind, LookupQuery::Name(_)) && lookup::exact_name_settles(query);
        let found: Vec<(MatchKind, MemberRow)> =
            store::members::lookup(conn, &only, lim, settles)?.into_iter().map(|(i, m)| (probes[i].0, m)).collect();
        if let Some(code) = card {
            // A card nobody carries may be one replaced since: say so rather than "not found".
            if !found.iter().any(|(kind, _)| *kind == MatchKind::CardCode)
                && store::cards::replaced(conn, code)?.is_some()
            {
                return Err(DeskError::new(ErrorCode::CardReplaced, "此卡已换新，请使用新卡"));
            }
        }
        let mut kept = Vec::with_capacity(found.len());
        for (kind, m) in found {
            kept.push((kind, follow_merge(conn, m)?));
        }
        let ranked: Vec<(u8, (MemberRow, MatchKind))> = kept
            .into_iter()
            .filter(|(_, m)| !m.archived)
            .map(|(kind, m)| {
                let keys = if kind == MatchKind::Pinyin { name_keys(&m.name) } else { Default::default() };
                (lookup::rank(kind, query, &m.name, &keys.initials, &keys.full), (m, kind))
            })
            .collect();
        let hits: Vec<(u8, MemberRow, &'static str)> =
            lookup::best(ranked, limit, |(m, _)| m.member_no.as_str(), |(m, _)| m.id)
                .into_iter()
                .map(|(rank, (m, kind))| (rank, m, kind.code()))
                .collect();
        let mask = ctx.masks_phones();
        Ok(hits
            .into_iter()
            .map(|(rank, m, matched)| MemberHit {
                greeting: greeting(&m.name, gender_of(&m)),
                phone: m.phone.as_deref().map(|p| if mask { mask_phone(p) } else { p.to_string() }),
                tier: m.tier.code().to_string(),
                points_balance: m.points_balance,
                vip: m.vip,
                matched: matched.to_string(),
                exact: rank == 0,
                member_no: m.member_no,
                name: m.name,
            })
            .collect())
    }
}

/// A bulk load of new members (a members import into a store that holds no more members
/// than the file brings, the demo; SQLite, in one transaction): the store's indexes set
/// aside ([`store::members::MemberLoad`]), and each new member's number, referral code and
/// card code made in memory. The member sequence is read once and written once at the
/// end; the referral and card codes are checked against the store's codes read once and
/// the codes made so far, where each member had cost three queries and a write
/// (docs/performance.md, "The members import: keys drawn in memory"). The caller checks
/// the phones (the import against the store's phones and the file's, the demo against its
/// own): the unique indexes of the member number, phone and referral code are set aside
/// with the others, and built again at the end they would refuse a second one (the load
/// fails and writes nothing).
pub(crate) struct MemberBulk {
    load: store::members::MemberLoad,
    /// The last member sequence value given (the stored sequence until `finish`).
    last_seq: i64,
    referral_codes: std::collections::HashSet<String>,
    card_codes: std::collections::HashSet<String>,
}

impl MemberBulk {
    /// Starts a bulk load inside the caller's transaction.
    pub(crate) fn start(conn: &Connection) -> DeskResult<MemberBulk> {
        MemberBulk::with(conn, store::members::MemberLoad::start(conn)?)
    }

    fn with(conn: &Connection, load: store::members::MemberLoad) -> DeskResult<MemberBulk> {
        // The sequence's row is written at once (its own value): on PostgreSQL another
        // counter's enrolment waits for the load to commit, as it waited for the row-by-row
        // path's first member, and one that committed first is seen (or the load retries).
        let last_seq = store::meta::seq(conn, store::meta::MEMBER_SEQ)?;
        store::meta::set_seq(conn, store::meta::MEMBER_SEQ, last_seq)?;
        Ok(MemberBulk {
            load,
            last_seq,
            referral_codes: store::members::referral_codes(conn)?,
            card_codes: store::cards::all_taken(conn)?,
        })
    }

    /// The same for an import of `rows` members, when it pays
    /// ([`store::members::MemberLoad::for_import`]).
    pub(crate) fn for_import(conn: &Connection, rows: usize) -> DeskResult<Option<MemberBulk>> {
        match store::members::MemberLoad::for_import(conn, rows)? {
            Some(load) => Ok(Some(MemberBulk::with(conn, load)?)),
            None => Ok(None),
        }
    }

    /// Writes the member sequence and builds the indexes set aside.
    pub(crate) fn finish(self, conn: &Connection) -> DeskResult<()> {
        store::meta::set_seq(conn, store::meta::MEMBER_SEQ, self.last_seq)?;
        self.load.finish(conn)?;
        Ok(())
    }

    /// Whether a block of members waits to be sent ([`store::members::MemberLoad::block_full`]).
    pub(crate) fn block_full(&self) -> bool {
        self.load.block_full()
    }

    /// Sends the members made so far ([`store::members::MemberLoad::send`]).
    pub(crate) fn send(&mut self, conn: &Connection) -> DeskResult<()> {
        Ok(self.load.send(conn)?)
    }

    /// The opening balances of this load's members ([`store::members::MemberLoad::opening_balances`]).
    pub(crate) fn opening_balances(&mut self) -> store::ledger::OpeningBalances {
        self.load.opening_balances()
    }

    /// The sequence value of the member last given keys (its member number's).
    pub(crate) fn last_seq(&self) -> i64 {
        self.last_seq
    }

    /// The next member's sequence value, referral code and card code.
    fn keys(&mut self) -> DeskResult<(i64, String, String)> {
        self.last_seq += 1;
        let seq = self.last_seq;
        let referral = (0..)
            .map(|attempt| member::referral_code(seq, attempt))
            .find(|code| !self.referral_codes.contains(code))
            .expect("a salt that frees the code");
        self.referral_codes.insert(referral.clone());
        let cards = &self.card_codes;
        let card = draw_card_code(|code| Ok(cards.contains(code)))?;
        self.card_codes.insert(card.clone());
        Ok((seq, referral, card))
    }
}

/// Inserts a checked member with a new member number and referral code; the referrer (code
/// or phone) must exist and cannot be the member themself. In a bulk load (`bulk`) the
/// keys come from memory and the caller has checked the phone.
pub(crate) fn insert_member(
    conn: &Connection,
    ctx: &Ctx,
    m: &CheckedMember,
    referrer: &str,
    joined_on: chrono::NaiveDate,
    points_balance: i64,
    bulk: Option<&mut MemberBulk>,
) -> DeskResult<i64> {
    if bulk.is_none() {
        if let Some(other) = store::members::by_phone(conn, &m.phone)? {
            return Err(phone_taken(&m.phone, &other));
        }
    }
    let referred_by = find_referrer(conn, referrer, &m.phone)?;
    let (seq, code, card_code, load) = match bulk {
        Some(bulk) => {
            let (seq, code, card) = bulk.keys()?;
            (seq, code, card, Some(&mut bulk.load))
        }
        None => {
            let seq = store::meta::next_seq(conn, store::meta::MEMBER_SEQ)?;
            // The referral code derives from the sequence; a salt resolves the rare collision.
            let mut attempt = 0;
            let code = loop {
                let code = member::referral_code(seq, attempt);
                if !store::members::referral_code_taken(conn, &code)? {
                    break code;
                }
                attempt += 1;
            };
            (seq, code, new_card_code(conn)?, None)
        }
    };
    let member_no = member::member_no(seq);
    let now = ctx.now_text();
    let new = store::members::NewMember {
        member_no: &member_no,
        fields: m.fields(),
        joined_on,
        referral_code: &code,
        referred_by,
        card_code: &card_code,
        points_balance,
        now: &now,
    };
    Ok(store::members::insert(conn, &new, load)?)
}

fn find_referrer(conn: &Connection, referrer: &str, own_phone: &str) -> DeskResult<Option<i64>> {
    let r = referrer.trim();
    if r.is_empty() {
        return Ok(None);
    }
    let found = match normalize_phone(r) {
        Ok(phone) => {
            if phone == own_phone {
                return Err(DeskError::new(ErrorCode::InvalidInput, "不能推荐自己"));
            }
            store::members::by_phone(conn, &phone)?
        }
        Err(_) => store::members::by_referral_code(conn, &r.to_ascii_uppercase())?,
    };
    match found {
        Some(m) if !m.archived => Ok(Some(m.id)),
        _ => {
            Err(DeskError::new(ErrorCode::ReferrerNotFound, format!("找不到推荐人“{r}”（请输入推荐码或推荐人手机号）")))
        }
    }
}
