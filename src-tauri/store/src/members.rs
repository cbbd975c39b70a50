//! `members` and `member_name_grams`: member rows, their search keys, and the lookups of
//! the front desk (phone, last 4, member number, name pieces, pinyin).

use crate::db::{params, Connection, OptionalExtension, Row, ToValue};
use crate::{codes, typed, typed_opt, Result};
use chrono::NaiveDate;
use loyalty::{Calendar, Gender, Tier};

/// A member row as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRow {
    pub id: i64,
    pub member_no: String,
    pub name: String,
    pub gender: Gender,
    pub phone: Option<String>,
    pub birthday_calendar: Option<Calendar>,
    pub birthday_year: Option<i32>,
    pub birthday_month: Option<u32>,
    pub birthday_day: Option<u32>,
    pub birthday_leap: bool,
    pub joined_on: NaiveDate,
    pub referral_code: String,
    pub referred_by: Option<i64>,
    pub contact_ok: bool,
    pub vip: bool,
    pub notes: String,
    pub tier: Tier,
    pub points_balance: i64,
    pub archived: bool,
    /// The member this one was merged into (rules §2): lookups of this one find that one.
    pub merged_into: Option<i64>,
    /// When the personal data was erased (PIPL); the row stays for the books.
    pub erased_at: Option<String>,
    /// The code on the member's card (rules §2); none only for an erased member, or before
    /// the store is opened once at schema 12.
    pub card_code: Option<String>,
}

/// What a new or edited member carries (the keys are computed by the caller).
#[derive(Debug, Clone)]
pub struct MemberFields<'a> {
    pub name: &'a str,
    pub gender: &'a str,
    pub phone: &'a str,
    pub birthday_calendar: Option<&'a str>,
    pub birthday_year: Option<i32>,
    pub birthday_month: Option<u32>,
    pub birthday_day: Option<u32>,
    pub birthday_leap: bool,
    pub contact_ok: bool,
    pub notes: &'a str,
    pub name_initials: &'a str,
    pub name_pinyin: &'a str,
}

const COLUMNS: &str = "id, member_no, name, gender, phone, birthday_calendar, birthday_year, birthday_month,
    birthday_day, birthday_leap, joined_on, referral_code, referred_by, contact_ok, vip, notes, tier,
    points_balance, archived, merged_into, erased_at, card_code";

/// The same columns, qualified for queries that join members as `m`.
const M_COLUMNS: &str = "m.id, m.member_no, m.name, m.gender, m.phone, m.birthday_calendar, m.birthday_year,
    m.birthday_month, m.birthday_day, m.birthday_leap, m.joined_on, m.referral_code, m.referred_by, m.contact_ok,
    m.vip, m.notes, m.tier, m.points_balance, m.archived, m.merged_into, m.erased_at, m.card_code";

fn row_to_member(r: &Row<'_>) -> crate::db::Result<MemberRow> {
    Ok(MemberRow {
        id: r.get(0)?,
        member_no: r.get(1)?,
        name: r.get(2)?,
        gender: typed(r, 3, codes::gender)?,
        phone: r.get(4)?,
        birthday_calendar: typed_opt(r, 5, codes::calendar)?,
        birthday_year: r.get(6)?,
        birthday_month: r.get(7)?,
        birthday_day: r.get(8)?,
        birthday_leap: r.get(9)?,
        joined_on: r.get(10)?,
        referral_code: r.get(11)?,
        referred_by: r.get(12)?,
        contact_ok: r.get(13)?,
        vip: r.get(14)?,
        notes: r.get(15)?,
        tier: typed(r, 16, codes::tier)?,
        points_balance: r.get(17)?,
        archived: r.get(18)?,
        merged_into: r.get(19)?,
        erased_at: r.get(20)?,
        card_code: r.get(21)?,
    })
}

fn last4(phone: &str) -> String {
    phone[phone.len().saturating_sub(4)..].to_string()
}

/// The longest piece of a name that is a lookup key of its own ([`name_grams`]).
pub const GRAM_MAX: usize = 4;

/// Every distinct piece of 1 to [`GRAM_MAX`] characters of the lower-cased name, spaces
/// left out: a lookup of a piece that long reads exactly the members whose name holds it.
pub fn name_grams(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.to_lowercase().chars().filter(|c| !c.is_whitespace()).collect();
    let mut grams: Vec<String> = Vec::new();
    for len in 1..=GRAM_MAX {
        grams.extend(chars.windows(len).map(|w| w.iter().collect::<String>()));
    }
    grams.sort();
    grams.dedup();
    grams
}

fn write_grams(conn: &Connection, id: i64, name: &str, replace: bool, load: Option<&mut MemberLoad>) -> Result<()> {
    if replace {
        conn.prepare_cached("DELETE FROM member_name_grams WHERE member_id = ?1")?.execute([id])?;
    }
    if let Some(MemberLoad { grams: Some(pile), .. }) = load {
        pile.extend(name_grams(name).iter().map(|g| (GramKey::of(g), id)));
        return Ok(());
    }
    // Eight pieces a statement (the last repeated to fill it: a repeat changes nothing), so
    // that a name costs one or two statements, not one a piece: on PostgreSQL each is a
    // round trip to the server (docs/performance.md, the imports on PostgreSQL).
    let grams = name_grams(name);
    let Some(last) = grams.last() else { return Ok(()) };
    let mut ins = conn.prepare_cached(&format!(
        "INSERT INTO member_name_grams (gram, member_id) VALUES {} ON CONFLICT DO NOTHING",
        (0..GRAMS_A_STATEMENT).map(|i| format!("(?{}, ?{})", 2 * i + 1, 2 * i + 2)).collect::<Vec<_>>().join(", ")
    ))?;
    for chunk in grams.chunks(GRAMS_A_STATEMENT) {
        let values: Vec<crate::db::Value> =
            (0..GRAMS_A_STATEMENT).flat_map(|i| [chunk.get(i).unwrap_or(last).to_value(), id.to_value()]).collect();
        ins.execute(values)?;
    }
    Ok(())
}

/// How many name pieces one statement writes outside a bulk load.
const GRAMS_A_STATEMENT: usize = 8;

/// A name piece of a bulk load, in 16 bytes: its UTF-8 (at most [`GRAM_MAX`] characters of
/// at most 4 bytes) padded with zeros, read big-endian. Keys order as the pieces' bytes do,
/// the order of their index (no piece holds a zero byte, so a shorter piece comes before
/// the longer ones it begins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct GramKey(u128);

const _: () = assert!(GRAM_MAX * 4 <= 16, "a name piece fits a GramKey");

impl GramKey {
    fn of(gram: &str) -> GramKey {
        let mut bytes = [0u8; 16];
        bytes[..gram.len()].copy_from_slice(gram.as_bytes());
        GramKey(u128::from_be_bytes(bytes))
    }

    fn text(self) -> String {
        let bytes = self.0.to_be_bytes();
        let len = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
        String::from_utf8_lossy(&bytes[..len]).into_owned()
    }
}

/// A member's own fields as the values of `?1`…`?13`, in the order of [`FIELD_COLUMNS`].
const FIELD_COLUMNS: &str = "name, gender, phone, phone_last4, birthday_calendar, birthday_year, birthday_month,
    birthday_day, birthday_leap, contact_ok, notes, name_initials, name_pinyin";

fn field_values(f: &MemberFields<'_>, then: &[&dyn crate::db::ToValue]) -> Vec<crate::db::Value> {
    let own: [&dyn crate::db::ToValue; 13] = [
        &f.name,
        &f.gender,
        &f.phone,
        &last4(f.phone),
        &f.birthday_calendar,
        &f.birthday_year,
        &f.birthday_month,
        &f.birthday_day,
        &f.birthday_leap,
        &f.contact_ok,
        &f.notes,
        &f.name_initials,
        &f.name_pinyin,
    ];
    own.iter().chain(then).map(|v| v.to_value()).collect()
}

/// A new member row: its own fields and what the desk gives it.
#[derive(Debug, Clone)]
pub struct NewMember<'a> {
    pub member_no: &'a str,
    pub fields: MemberFields<'a>,
    pub joined_on: NaiveDate,
    pub referral_code: &'a str,
    pub referred_by: Option<i64>,
    pub card_code: &'a str,
    /// The points balance the member starts with: 0, or an import's opening points, whose
    /// lot and ledger entry the same transaction writes ([`crate::ledger::OpeningBalances`]).
    pub points_balance: i64,
    pub now: &'a str,
}

/// Inserts the member with its name pieces (into `load`'s pile while one is on; the member
/// itself into its `COPY` block on PostgreSQL).
pub fn insert(conn: &Connection, m: &NewMember<'_>, mut load: Option<&mut MemberLoad>) -> Result<i64> {
    let id = match load.as_deref_mut().and_then(|l| l.copy.as_mut()) {
        Some(copy) => copy.push(conn, m)?,
        None => conn.insert_id(
            &format!(
                "INSERT INTO members ({FIELD_COLUMNS}, {NEW_MEMBER_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)"
            ),
            new_member_values(m),
        )?,
    };
    write_grams(conn, id, m.fields.name, false, load)?;
    Ok(id)
}

/// What the desk gives a new member beside its own fields ([`FIELD_COLUMNS`]), in the order
/// of [`new_member_values`].
const NEW_MEMBER_COLUMNS: &str =
    "member_no, joined_on, referral_code, referred_by, card_code, points_balance, created_at, updated_at";

/// A new member's values: its own fields, then [`NEW_MEMBER_COLUMNS`].
fn new_member_values(m: &NewMember<'_>) -> Vec<crate::db::Value> {
    field_values(
        &m.fields,
        params![m.member_no, m.joined_on, m.referral_code, m.referred_by, m.card_code, m.points_balance, m.now, m.now],
    )
}

/// The size from which a PostgreSQL members import is a load ([`MemberLoad::for_import`]).
pub const PG_LOAD_FROM: usize = 2_000;

/// A bulk load of members in progress, in one transaction (a large members import, the
/// demo's members). On SQLite every index of the members is set aside, the unique keys'
/// too (member number, phone, referral code, card code: named unique indexes since
/// migration 0019), and the name pieces are piled in memory instead of their index. Each
/// of the million members of a file had landed at a random place in ten indexes and six
/// pieces (B-tree descents: docs/performance.md). [`MemberLoad::finish`] writes the pieces
/// into their index in its order and builds the indexes again, each in one sorted pass;
/// an index built again would refuse a key given twice, failing the whole load. The loader
/// makes or checks those keys itself (desk's `MemberBulk`: the sequence, the store's codes
/// read once, the phones checked). On PostgreSQL an import's members go with `COPY` a
/// thousand at a time under ids reserved from the sequence ([`MemberLoad::send`]), where
/// each member had been two round trips to the server, and their pieces are piled and go
/// in their key's order at the end; the demo's members go one by one. Into a store without
/// members, the indexes and foreign keys of the members, their pieces, lots and ledger
/// entries are set aside as well (the server had spent 84 % of a load's `COPY` keeping
/// them row by row: docs/performance.md); into a store with members nothing is (other
/// counters go on working during an import; a dropped index would lock them out until it
/// commits).
#[must_use = "the indexes come back only with finish"]
#[derive(Debug)]
pub struct MemberLoad {
    /// The `CREATE INDEX` statements of the indexes set aside.
    indexes: Vec<String>,
    /// The name pieces of the members loaded, written in their index's order by `finish`
    /// (SQLite, and a PostgreSQL import; `None`: each goes into its index at once).
    grams: Option<Vec<(GramKey, i64)>>,
    /// PostgreSQL, an import: the members, sent with `COPY` a block at a time (`None`: each
    /// member is its own statement).
    copy: Option<MemberCopy>,
    /// The statements that build the lots' and ledger's indexes and foreign keys again, set
    /// aside by a PostgreSQL load into an empty store: for the opening balances to run after
    /// their last rows ([`MemberLoad::opening_balances`]), or `finish` if they never take them.
    balance_aside: Vec<String>,
}

/// The members of a PostgreSQL load, waiting for their `COPY`.
#[derive(Debug)]
struct MemberCopy {
    ids: crate::copy_load::ReservedIds,
    members: crate::copy_load::CopyRows,
}

impl MemberCopy {
    fn new() -> MemberCopy {
        MemberCopy {
            ids: crate::copy_load::ReservedIds::new("members"),
            members: crate::copy_load::CopyRows::new(format!("members (id, {FIELD_COLUMNS}, {NEW_MEMBER_COLUMNS})")),
        }
    }

    /// The member's row, under an id reserved for it.
    fn push(&mut self, conn: &Connection, m: &NewMember<'_>) -> Result<i64> {
        let id = self.ids.next(conn)?;
        let mut row = vec![id.to_value()];
        row.extend(new_member_values(m));
        self.members.push(row);
        Ok(id)
    }
}

impl MemberLoad {
    /// Sets the indexes aside, inside the caller's transaction (a failure later rolls all
    /// of it back: the store keeps its indexes).
    pub fn start(conn: &Connection) -> Result<MemberLoad> {
        if conn.engine() != crate::Engine::Sqlite {
            return Ok(MemberLoad { indexes: Vec::new(), grams: None, copy: None, balance_aside: Vec::new() });
        }
        let mut indexes = crate::set_indexes_aside(conn, "members", &[])?;
        indexes.extend(crate::set_indexes_aside(conn, "member_name_grams", &[])?);
        Ok(MemberLoad { indexes, grams: Some(Vec::new()), copy: None, balance_aside: Vec::new() })
    }

    /// The same for an import of `rows` members, when it pays. On SQLite only when the
    /// store holds no more members than the file brings (building the indexes again reads
    /// all of them). On PostgreSQL from [`PG_LOAD_FROM`] members: the loader then makes the
    /// keys in memory, the member sequence's row is written twice, not once a member (each
    /// write of the same row in one transaction leaves a version the next must step over: an
    /// import of a million members slowed to 240 a second within its first 35,000,
    /// docs/performance.md), and the members go with `COPY` a block at a time; into a store
    /// without members, with the indexes and foreign keys set aside.
    pub fn for_import(conn: &Connection, rows: usize) -> Result<Option<MemberLoad>> {
        let pays = match conn.engine() {
            _ if rows == 0 => false,
            crate::Engine::Sqlite => (rows as i64) >= count(conn)?,
            crate::Engine::Postgres => rows >= PG_LOAD_FROM,
        };
        if !pays {
            return Ok(None);
        }
        if conn.engine() == crate::Engine::Postgres {
            let mut load = MemberLoad {
                indexes: Vec::new(),
                grams: Some(Vec::new()),
                copy: Some(MemberCopy::new()),
                balance_aside: Vec::new(),
            };
            if !conn.prepare("SELECT 1 FROM members")?.exists(())? {
                load.indexes = set_aside(conn, &[("members", false), ("member_name_grams", true)])?;
                load.balance_aside = set_aside(conn, &[("points_lots", false), ("points_ledger", false)])?;
            }
            return Ok(Some(load));
        }
        Ok(Some(MemberLoad::start(conn)?))
    }

    /// Whether a block of members waits to be sent ([`MemberLoad::send`]): the loader sends
    /// it, and then the rows that name those members ([`crate::ledger::OpeningBalances`]).
    pub fn block_full(&self) -> bool {
        self.copy.as_ref().is_some_and(|c| c.members.len() >= crate::copy_load::COPY_BLOCK)
    }

    /// Sends the members made so far (PostgreSQL with `COPY`; SQLite has written them):
    /// before a row naming one of them is written with a statement of its own.
    pub fn send(&mut self, conn: &Connection) -> Result<()> {
        match &mut self.copy {
            Some(copy) => copy.members.send(conn),
            None => Ok(()),
        }
    }

    /// The opening balances of the members of this load, sent the same way as they are
    /// (with `COPY`, after them, on PostgreSQL).
    pub fn opening_balances(&mut self) -> crate::ledger::OpeningBalances {
        crate::ledger::OpeningBalances::new(self.copy.is_some(), std::mem::take(&mut self.balance_aside))
    }

    /// Writes the name pieces into their index in its order, a hundred a statement (with
    /// `COPY` a block at a time on PostgreSQL), and builds the indexes again. (Piled in a
    /// temporary table and moved with one sorted `INSERT … SELECT`, the pieces of a million
    /// members took 12.5 s at the end and as long again on the way; sent to PostgreSQL with
    /// their members, each piece went to a random place in the pieces' key, the most of
    /// what was left of a load into an empty store: docs/performance.md.)
    pub fn finish(mut self, conn: &Connection) -> Result<()> {
        self.send(conn)?;
        if let Some(mut pile) = self.grams.take() {
            pile.sort_unstable();
            pile.dedup();
            if conn.engine() == crate::Engine::Postgres {
                let mut rows = crate::copy_load::CopyRows::new("member_name_grams (gram, member_id)");
                // Twenty blocks a `COPY`: the pieces are two short columns, and nothing waits
                // for them.
                for chunk in pile.chunks(20 * crate::copy_load::COPY_BLOCK) {
                    for (g, id) in chunk {
                        rows.push(vec![g.text().to_value(), id.to_value()]);
                    }
                    rows.send(conn)?;
                }
                return self.build_aside(conn);
            }
            const ROWS: usize = 100;
            let many =
                format!("INSERT INTO member_name_grams (gram, member_id) VALUES {}", vec!["(?, ?)"; ROWS].join(", "));
            let mut chunks = pile.chunks_exact(ROWS);
            let mut ins = conn.prepare_cached(&many)?;
            for chunk in &mut chunks {
                let values: Vec<crate::db::Value> =
                    chunk.iter().flat_map(|(g, id)| [g.text().to_value(), id.to_value()]).collect();
                ins.execute(values)?;
            }
            let mut one = conn.prepare_cached("INSERT INTO member_name_grams (gram, member_id) VALUES (?1, ?2)")?;
            for (g, id) in chunks.remainder() {
                one.execute(params![g.text(), id])?;
            }
        }
        self.build_aside(conn)
    }

    fn build_aside(&self, conn: &Connection) -> Result<()> {
        crate::build_again(conn, &self.indexes)?;
        crate::build_again(conn, &self.balance_aside)
    }
}

/// Sets the indexes and foreign keys of `tables` aside, and the primary key of those marked
/// (PostgreSQL, a load into an empty store); returns the statements that build them again,
/// the indexes first.
fn set_aside(conn: &Connection, tables: &[(&str, bool)]) -> Result<Vec<String>> {
    let mut indexes = Vec::new();
    let mut keys = Vec::new();
    for (table, primary) in tables {
        indexes.extend(crate::set_indexes_aside(conn, table, &[])?);
        keys.extend(crate::set_keys_aside(conn, table, *primary)?);
    }
    indexes.extend(keys);
    Ok(indexes)
}

pub fn update(conn: &Connection, id: i64, f: &MemberFields<'_>, now: &str) -> Result<()> {
    conn.execute(
        "UPDATE members SET name = ?1, gender = ?2, phone = ?3, phone_last4 = ?4, birthday_calendar = ?5,
            birthday_year = ?6, birthday_month = ?7, birthday_day = ?8, birthday_leap = ?9, contact_ok = ?10,
            notes = ?11, name_initials = ?12, name_pinyin = ?13, updated_at = ?14
         WHERE id = ?15",
        field_values(f, params![now, id]),
    )?;
    write_grams(conn, id, f.name, true, None)?;
    Ok(())
}

pub fn set_referral_code(conn: &Connection, id: i64, code: &str) -> Result<()> {
    conn.execute("UPDATE members SET referral_code = ?2 WHERE id = ?1", params![id, code])?;
    Ok(())
}

/// Every member's referral code (a bulk load checks the codes it makes against these in
/// memory).
pub fn referral_codes(conn: &Connection) -> Result<std::collections::HashSet<String>> {
    let mut codes = std::collections::HashSet::new();
    conn.prepare("SELECT referral_code FROM members")?.for_each((), |r| {
        codes.insert(r.get::<_, String>(0)?);
        Ok(())
    })?;
    Ok(codes)
}

pub fn referral_code_taken(conn: &Connection, code: &str) -> Result<bool> {
    Ok(conn.prepare_cached("SELECT 1 FROM members WHERE referral_code = ?1")?.exists([code])?)
}

pub fn set_archived(conn: &Connection, id: i64, archived: bool, now: &str) -> Result<()> {
    conn.execute("UPDATE members SET archived = ?2, updated_at = ?3 WHERE id = ?1", params![id, archived, now])?;
    Ok(())
}

pub fn set_notes(conn: &Connection, id: i64, notes: &str, now: &str) -> Result<()> {
    conn.execute("UPDATE members SET notes = ?2, updated_at = ?3 WHERE id = ?1", params![id, notes, now])?;
    Ok(())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<MemberRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM members WHERE id = ?1"))?
        .query_row([id], row_to_member)
        .optional()?)
}

pub fn by_phone(conn: &Connection, phone: &str) -> Result<Option<MemberRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM members WHERE phone = ?1"))?
        .query_row([phone], row_to_member)
        .optional()?)
}

pub fn by_card_code(conn: &Connection, code: &str) -> Result<Option<MemberRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM members WHERE card_code = ?1"))?
        .query_row([code], row_to_member)
        .optional()?)
}

pub fn by_member_no(conn: &Connection, member_no: &str) -> Result<Option<MemberRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM members WHERE member_no = ?1"))?
        .query_row([member_no], row_to_member)
        .optional()?)
}

pub fn by_referral_code(conn: &Connection, code: &str) -> Result<Option<MemberRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM members WHERE referral_code = ?1"))?
        .query_row([code], row_to_member)
        .optional()?)
}

fn query_members(conn: &Connection, sql_where: &str, p: impl crate::db::Params) -> Result<Vec<MemberRow>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM members m WHERE {sql_where}"))?;
    let rows = stmt.query_map(p, row_to_member)?.collect::<crate::db::Result<Vec<_>>>()?;
    Ok(rows)
}

/// One way the front desk's lookup finds members. `lookup` answers several at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe<'a> {
    Phone(&'a str),
    CardCode(&'a str),
    MemberNo(&'a str),
    /// Not archived, whose phone ends in these 4 digits.
    Last4(&'a str),
    /// Not archived, whose phone starts with these digits.
    PhonePrefix(&'a str),
    NameExact(&'a str),
    /// Not archived, whose lower-cased name contains the piece, of any length: pieces of up
    /// to `GRAM_MAX` (4) characters are answered by the gram index alone, longer ones are
    /// narrowed by their first 4 (the index is walked in member order and stops at the
    /// limit: a common character like 伟 has tens of thousands of entries).
    NamePiece(&'a str),
    /// Not archived, whose pinyin initials (`zs`) or full pinyin (`zhangsan`) start so.
    Pinyin(&'a str),
}

/// Each part of a lookup: its probe, its query (placeholders ?1… of its own) and its values
/// (a pinyin probe has two parts).
fn lookup_parts(conn: &Connection, probes: &[Probe<'_>], limit: i64) -> Vec<(usize, String, Vec<crate::db::Value>)> {
    let mut parts: Vec<(usize, String, Vec<crate::db::Value>)> = Vec::new();
    for (i, probe) in probes.iter().enumerate() {
        let mut part = |body: &str, values: &[&dyn crate::db::ToValue]| {
            let sql = format!("SELECT {M_COLUMNS}, CAST({i} AS BIGINT) AS probe {body}");
            parts.push((i, sql, values.iter().map(|v| v.to_value()).collect()));
        };
        match *probe {
            Probe::Phone(x) => part("FROM members m WHERE m.phone = ?1", &[&x]),
            Probe::CardCode(x) => part("FROM members m WHERE m.card_code = ?1", &[&x]),
            Probe::MemberNo(x) => part("FROM members m WHERE m.member_no = ?1", &[&x]),
            Probe::Last4(x) => {
                part("FROM members m WHERE m.phone_last4 = ?1 AND m.archived = 0 ORDER BY m.id LIMIT ?2", &[&x, &limit])
            }
            Probe::PhonePrefix(x) => part(
                "FROM members m WHERE m.phone >= ?1 AND m.phone < ?2 AND m.archived = 0 ORDER BY m.phone LIMIT ?3",
                &[&x, &format!("{x}\u{7f}"), &limit],
            ),
            Probe::NameExact(x) => {
                part("FROM members m WHERE m.name = ?1 AND m.archived = 0 ORDER BY m.id LIMIT ?2", &[&x, &limit])
            }
            Probe::NamePiece(x) => {
                let piece = x.to_lowercase();
                let compact: String = piece.chars().filter(|c| !c.is_whitespace()).collect();
                let n = compact.chars().count();
                if n == 0 {
                    continue;
                }
                // Up to GRAM_MAX characters the piece is a key of its own; a longer one (or
                // one with spaces) is read under its first GRAM_MAX and checked whole.
                let gram: String = compact.chars().take(GRAM_MAX).collect();
                let whole = n <= GRAM_MAX && compact == piece;
                // Where the piece is in the name: not LIKE, whose bound pattern SQLite takes
                // as a reason to prepare the statement again for every new value.
                let holds = match conn.engine() {
                    crate::Engine::Sqlite => "instr(lower(m.name), ?3) > 0",
                    crate::Engine::Postgres => "strpos(lower(m.name), ?3) > 0",
                };
                part(
                    &format!(
                        "FROM member_name_grams g JOIN members m ON m.id = g.member_id
                         WHERE g.gram = ?1 AND m.archived = 0 AND (?2 OR {holds})
                         ORDER BY g.member_id LIMIT ?4"
                    ),
                    &[&gram, &whole, &piece, &limit],
                );
            }
            Probe::Pinyin(x) => {
                let hi = format!("{x}\u{7f}");
                part(
                    "FROM members m WHERE m.name_initials >= ?1 AND m.name_initials < ?2 AND m.archived = 0
                     ORDER BY m.name_initials, m.id LIMIT ?3",
                    &[&x, &hi, &limit],
                );
                part(
                    "FROM members m WHERE m.name_pinyin >= ?1 AND m.name_pinyin < ?2 AND m.archived = 0
                     ORDER BY m.name_pinyin, m.id LIMIT ?3",
                    &[&x, &hi, &limit],
                );
            }
        }
    }
    parts
}

/// The members each probe finds (at most `limit` a probe, each probe in the order its own
/// query gives), with the index of the probe that found them. On PostgreSQL one statement
/// (the probes' queries joined by `UNION ALL`): a lookup is one round trip, not one a probe.
///
/// `first_settles`: when the first probe alone finds `limit` members the caller needs no
/// other probe's (it knows none would rank before them: `loyalty::lookup::exact_name_settles`);
/// on SQLite the others are then not run. On PostgreSQL they ride in the same statement.
pub fn lookup(
    conn: &Connection,
    probes: &[Probe<'_>],
    limit: i64,
    first_settles: bool,
) -> Result<Vec<(usize, MemberRow)>> {
    let parts = lookup_parts(conn, probes, limit);
    let read = |r: &Row<'_>| -> crate::db::Result<(usize, MemberRow)> {
        let probe: i64 = r.get(r.column_count() - 1)?;
        Ok((probe as usize, row_to_member(r)?))
    };
    let mut rows = Vec::new();
    match conn.engine() {
        // In the app's own process a statement costs nothing to start; joined with UNION
        // ALL the parts ran slower (last 4: 57 -> 102 µs on the 200,000-member store).
        crate::Engine::Sqlite => {
            for (probe, sql, values) in parts {
                if probe > 0 && first_settles && rows.len() as i64 >= limit {
                    break;
                }
                let mut stmt = conn.prepare_cached(&sql)?;
                rows.extend(stmt.query_map(values, read)?.collect::<crate::db::Result<Vec<_>>>()?);
            }
        }
        // On a server every statement is a round trip (82 µs on localhost): one for all.
        crate::Engine::Postgres => {
            if parts.is_empty() {
                return Ok(rows);
            }
            let mut sql = Vec::new();
            let mut values = Vec::new();
            for (i, (_, part, vals)) in parts.into_iter().enumerate() {
                sql.push(format!("SELECT * FROM ({}) q{i}", shift_placeholders(&part, values.len())));
                values.extend(vals);
            }
            // Planned once: re-planned for each query's values it cost 1 ms, three times
            // the query's own run (docs/performance.md).
            let mut stmt = conn.prepare_generic(&sql.join("\n UNION ALL "))?;
            rows.extend(stmt.query_map(values, read)?.collect::<crate::db::Result<Vec<_>>>()?);
        }
    }
    Ok(rows)
}

/// `?1`, `?2`… of a query become `?(1 + by)`, `?(2 + by)`…, to join it to others.
fn shift_placeholders(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '?' {
            let mut n = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n.push(*d);
                chars.next();
            }
            if let Ok(n) = n.parse::<usize>() {
                out.push_str(&(n + by).to_string());
            } else {
                out.push_str(&n);
            }
        }
    }
    out
}

/// Adds `delta` to the cached balance and returns the new one. Only the ledger calls this.
pub(crate) fn add_to_balance(conn: &Connection, id: i64, delta: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "UPDATE members SET points_balance = points_balance + ?2 WHERE id = ?1 RETURNING points_balance",
        )?
        .query_row(params![id, delta], |r| r.get(0))?)
}

pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM members", (), |r| r.get(0))?)
}

/// All members in member-number order, for exports.
pub fn all(conn: &Connection, include_archived: bool) -> Result<Vec<MemberRow>> {
    query_members(conn, "(?1 OR archived = 0) ORDER BY member_no", [include_archived])
}

/// Member ids by phone, for validating import files in one pass.
pub fn phone_index(conn: &Connection) -> Result<std::collections::HashMap<String, i64>> {
    let mut stmt = conn.prepare("SELECT phone, id FROM members WHERE phone IS NOT NULL")?;
    let map =
        stmt.query_map((), |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?.collect::<crate::db::Result<_>>()?;
    Ok(map)
}

pub fn set_referred_by(conn: &Connection, id: i64, referrer: i64) -> Result<()> {
    conn.execute("UPDATE members SET referred_by = ?2 WHERE id = ?1", params![id, referrer])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{lookup_parts, GramKey, Probe};

    /// A bulk load writes its name pieces in the order of their keys: that must be the
    /// order of the index (the pieces' bytes), and each key must give its piece back.
    #[test]
    fn name_piece_keys_order_as_the_pieces_bytes_and_give_them_back() {
        let mut pieces: Vec<String> = ["张", "张三", "a", "ab", "abcd", "b", "三丰", "ä", "z张", "张三丰伟", "𠀋", "1"]
            .iter()
            .map(|p| p.to_string())
            .collect();
        let mut by_key = pieces.clone();
        by_key.sort_by_key(|p| GramKey::of(p));
        pieces.sort();
        assert_eq!(by_key, pieces);
        assert!(pieces.iter().all(|p| GramKey::of(p).text() == *p));
    }

    /// SQLite's plan of each lookup's query, one line a step, on a fresh store (the app
    /// never runs ANALYZE, so this is the plan it uses at any size).
    fn plans(probe: Probe<'_>) -> Vec<Vec<String>> {
        let store = crate::Store::open_in_memory().unwrap();
        lookup_parts(store.conn(), &[probe], 8)
            .into_iter()
            .map(|(_, sql, values)| {
                let mut stmt = store.conn().prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
                stmt.query_map(values, |r| r.get::<_, String>(3)).unwrap().collect::<Result<Vec<_>, _>>().unwrap()
            })
            .collect()
    }

    /// Every lookup is a search of the index made for it, in the order it answers, never a
    /// scan or a sort: a members index added for another read (the tier run's
    /// `members(archived, id, tier)`, tried once) made SQLite plan last 4 by `archived`,
    /// 0.05 → 40 ms on the million-member store, and no answer changed.
    #[test]
    fn each_lookup_searches_its_own_index_and_sorts_nothing() {
        let cases: [(Probe<'_>, &[&str]); 8] = [
            (Probe::Phone("13800001234"), &["(phone=?)"]),
            (Probe::CardCode("88000000000012"), &["(card_code=?)"]),
            (Probe::MemberNo("M000001"), &["(member_no=?)"]),
            (Probe::Last4("1234"), &["INDEX members_phone_last4 (phone_last4=?)"]),
            (Probe::PhonePrefix("1380"), &["(phone>? AND phone<?)"]),
            (Probe::NameExact("张伟"), &["INDEX members_name (name=?)"]),
            (Probe::NamePiece("伟"), &["(gram=?)"]),
            (
                Probe::Pinyin("zw"),
                &[
                    "INDEX members_initials (name_initials>? AND name_initials<?)",
                    "INDEX members_pinyin (name_pinyin>? AND name_pinyin<?)",
                ],
            ),
        ];
        for (probe, wanted) in cases {
            let plans = plans(probe);
            assert_eq!(plans.len(), wanted.len(), "{probe:?}: {plans:?}");
            for (plan, wanted) in plans.iter().zip(wanted) {
                assert!(
                    plan.iter().any(|step| step.starts_with("SEARCH") && step.contains(wanted)),
                    "{probe:?} is planned {plan:?}, not by {wanted}"
                );
                assert!(
                    !plan.iter().any(|step| step.starts_with("SCAN") || step.contains("TEMP B-TREE")),
                    "{probe:?} is planned {plan:?}"
                );
            }
        }
    }

    #[test]
    fn placeholders_shift_to_follow_the_parts_before() {
        assert_eq!(super::shift_placeholders("a = ?1 AND b < ?12 LIMIT ?2", 3), "a = ?4 AND b < ?15 LIMIT ?5");
    }
}
