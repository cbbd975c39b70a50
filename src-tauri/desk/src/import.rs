//! Imports from spreadsheets (interface.md "Files"): members and purchase history. A file
//! is decoded (UTF-8 with or without BOM, or GBK as Chinese Excel saves it), every row is
//! checked first, and then the whole file is written in one transaction — so a file with a
//! bad row writes nothing (unless bad rows are to be skipped), and a killed import leaves
//! all of it or none. A dry run does the whole import and rolls it back.

use crate::checkout::{check_receipt_no, history_sale, record_refund, record_sale};
use crate::members::{check_member, insert_member, MemberInput};
use crate::points::{open_balance, Award};
use crate::{Ctx, Desk, DeskError, DeskResult, ErrorCode, Operation};
use chrono::{NaiveDate, NaiveDateTime};
use loyalty::member::normalize_phone;
use loyalty::money::{self, parse_amount};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashMap;
use store::ledger::LedgerKind;

#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    pub dry_run: bool,
    pub skip_invalid: bool,
}

/// Where an import is: its rows checked, then its rows written (a refused or dry run
/// stops after the check or rolls the writes back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportStage {
    Checking,
    Writing,
}

/// How far an import has got, for a progress bar: `done` of `total` rows in `stage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportProgress {
    pub stage: ImportStage,
    pub done: usize,
    pub total: usize,
}

/// Passes an import's progress on, about every half per cent of its rows (a million-row
/// file gives 400 reports, not a million) and always at each stage's start and end.
struct Watch<'a> {
    sink: &'a mut dyn FnMut(ImportProgress),
    step: usize,
}

impl<'a> Watch<'a> {
    fn new(sink: &'a mut dyn FnMut(ImportProgress), rows: usize) -> Watch<'a> {
        Watch { sink, step: (rows / 200).max(1) }
    }

    /// `done` of `total` rows in `stage`.
    fn at(&mut self, stage: ImportStage, done: usize, total: usize) {
        if done == 0 || done == total || done % self.step == 0 {
            (self.sink)(ImportProgress { stage, done, total });
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub column: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportReport {
    pub rows: usize,
    pub written: usize,
    pub skipped_duplicates: usize,
    pub skipped_invalid: usize,
    pub dry_run: bool,
    pub errors: Vec<RowError>,
}

impl ImportReport {
    /// Whether the import was refused (bad rows and not told to skip them).
    pub fn refused(&self, options: ImportOptions) -> bool {
        !self.errors.is_empty() && !options.skip_invalid
    }
}

/// An Excel workbook's first sheet as CSV text, one line per sheet row (row n of the sheet
/// is line n of the report). Numbers are written as Excel shows them without a format
/// (a phone typed as a number keeps all its digits), dates as `YYYY-MM-DD` (with the time
/// when there is one), line breaks inside a cell as spaces.
fn xlsx_as_csv(bytes: &[u8]) -> DeskResult<String> {
    use calamine::{Data, Reader};
    let unreadable = |e: String| DeskError::new(ErrorCode::FileUnreadable, format!("无法读取 Excel 文件：{e}"));
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
    let sheet = book
        .worksheet_range_at(0)
        .ok_or_else(|| unreadable("工作簿里没有工作表".into()))?
        .map_err(|e| unreadable(e.to_string()))?;
    let cell = |c: &Data| -> String {
        match c {
            Data::Empty => String::new(),
            Data::String(s) => s.trim().replace(['\r', '\n'], " "),
            Data::Int(i) => i.to_string(),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            Data::Float(f) => f.to_string(),
            Data::Bool(b) => if *b { "1" } else { "0" }.to_string(),
            Data::DateTime(d) => match d.as_datetime() {
                Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
                Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                None => d.as_f64().to_string(),
            },
            Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
            Data::Error(e) => format!("#{e:?}"),
        }
    };
    let mut out = Vec::new();
    // Rows above the first filled one are kept as blank lines, so line numbers stay the
    // sheet's row numbers.
    let first_row = sheet.start().map_or(0, |(r, _)| r as usize);
    out.extend(std::iter::repeat_n(b'\n', first_row));
    for row in sheet.rows() {
        let mut cells: Vec<String> = row.iter().map(cell).collect();
        while cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
        if cells.is_empty() {
            out.push(b'\n');
            continue;
        }
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
        w.write_record(&cells).map_err(|e| unreadable(e.to_string()))?;
        out.extend(w.into_inner().map_err(|e| unreadable(e.to_string()))?);
    }
    String::from_utf8(out).map_err(|e| unreadable(e.to_string()))
}

/// Decodes an import file: an Excel workbook (`.xlsx`, first sheet), or CSV bytes in UTF-8
/// (a BOM is dropped) or else GBK/GB18030.
pub fn decode_text(bytes: &[u8]) -> DeskResult<String> {
    if bytes.starts_with(b"PK\x03\x04") {
        return xlsx_as_csv(bytes);
    }
    let line_of = |offset: usize| bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1;
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        // A BOM says UTF-8: the whole file must be UTF-8.
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok(text.to_string()),
            Err(e) => Err(DeskError::new(
                ErrorCode::FileUnreadable,
                format!(
                    "文件以 UTF-8 标记开头，但第 {} 行不是 UTF-8 编码：请把整个文件另存为同一种编码（UTF-8 或 GBK）",
                    line_of(3 + e.valid_up_to())
                ),
            )),
        };
    }
    let utf8_error = match std::str::from_utf8(bytes) {
        Ok(text) => return Ok(text.to_string()),
        Err(e) => e,
    };
    // Not UTF-8 as a whole. If some line is UTF-8 with Chinese in it, the file mixes two
    // encodings (a GBK line pasted into a UTF-8 file): decoding it all as GBK would store
    // mojibake, so it is refused with the first line that is not UTF-8.
    let mixed = bytes.split(|b| *b == b'\n').any(|l| !l.is_ascii() && std::str::from_utf8(l).is_ok());
    if mixed {
        return Err(DeskError::new(
            ErrorCode::FileUnreadable,
            format!(
                "文件混用了两种编码：第 {} 行不是 UTF-8，而其他行是：请把整个文件另存为同一种编码（UTF-8 或 GBK）",
                line_of(utf8_error.valid_up_to())
            ),
        ));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(DeskError::new(ErrorCode::FileUnreadable, "文件编码无法识别：请另存为 UTF-8 或 GBK 编码的 CSV"));
    }
    Ok(text.into_owned())
}

/// A CSV file read by column name.
struct Table {
    columns: Vec<String>,
    rows: Vec<(u64, csv::StringRecord)>,
}

impl Table {
    fn parse(text: &str, known: &[&str], required: &[&str]) -> DeskResult<Table> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| DeskError::new(ErrorCode::FileUnreadable, format!("无法读取表头：{e}")))?
            .clone();
        let columns: Vec<String> = headers.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
        let mut problems = Vec::new();
        for c in &columns {
            if !known.contains(&c.as_str()) {
                problems.push(format!("未知的列“{c}”"));
            }
        }
        for r in required {
            if !columns.iter().any(|c| c == r) {
                problems.push(format!("缺少必需的列“{r}”"));
            }
        }
        if !problems.is_empty() {
            return Err(DeskError::new(
                ErrorCode::ImportInvalid,
                format!("第 1 行（表头）：{}。可用的列：{}", problems.join("；"), known.join(",")),
            ));
        }
        // Line numbers are the file's own lines (header = 1), counted from the record's
        // byte offset, so LF and CRLF files (Excel on Windows) number alike.
        let line_starts: Vec<usize> =
            text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1).collect();
        let bytes = text.as_bytes();
        let line_at = |byte: u64| {
            // The reader may place a record just before the line end that precedes it.
            let mut b = byte as usize;
            while b < bytes.len() && (bytes[b] == b'\r' || bytes[b] == b'\n') {
                b += 1;
            }
            line_starts.partition_point(|s| *s <= b) as u64 + 1
        };
        let mut rows = Vec::new();
        for rec in reader.records() {
            let rec = rec.map_err(|e| DeskError::new(ErrorCode::FileUnreadable, format!("CSV 格式错误：{e}")))?;
            let line = rec.position().map(|p| line_at(p.byte())).unwrap_or(0);
            if rec.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            rows.push((line, rec));
        }
        Ok(Table { columns, rows })
    }

    fn get<'r>(&self, rec: &'r csv::StringRecord, column: &str) -> &'r str {
        self.columns.iter().position(|c| c == column).and_then(|i| rec.get(i)).map(str::trim).unwrap_or("")
    }
}

struct Errors {
    list: Vec<RowError>,
}

impl Errors {
    fn add(&mut self, line: u64, column: &str, message: impl Into<String>) {
        self.list.push(RowError { line, column: column.to_string(), message: message.into() });
    }
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// `YYYY-MM-DD[ HH:MM[:SS]]` in store time.
pub fn parse_time(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M"))
        .ok()
        .or_else(|| parse_date(t).and_then(|d| d.and_hms_opt(0, 0, 0)))
}

fn parse_contact_ok(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "1" | "yes" | "y" | "true" | "是" => Some(true),
        "0" | "no" | "n" | "false" | "否" => Some(false),
        _ => None,
    }
}

const MEMBER_COLUMNS: [&str; 11] = [
    "name",
    "phone",
    "gender",
    "birthday",
    "birthday_calendar",
    "joined_on",
    "referred_by_phone",
    "opening_points",
    "contact_ok",
    "notes",
    "opening_stored_value",
];
const INTERACTION_COLUMNS: [&str; 4] = ["phone", "date", "kind", "note"];
const PURCHASE_COLUMNS: [&str; 7] = ["receipt_no", "phone", "time", "amount", "kind", "refund_of", "coupon_code"];

struct MemberRowIn {
    line: u64,
    /// The row's member, checked once (its pinyin made once).
    checked: crate::members::CheckedMember,
    joined_on: NaiveDate,
    referrer_phone: Option<String>,
    opening_points: i64,
    /// Stored value from the old system, principal only, in fen.
    opening_stored_value: i64,
}

struct PurchaseRowIn {
    line: u64,
    receipt_no: String,
    phone: String,
    at: NaiveDateTime,
    amount: Decimal,
    refund_of: Option<String>,
}

impl Desk {
    /// Runs an import: first reading and checking every row without the write lock (a
    /// refused file never takes it, and lookups and the till go on meanwhile), taking the
    /// lock at the first write. If the store changed while the rows were checked, that
    /// write is refused busy and the import runs again, checked and written under the lock.
    /// The whole import runs under [`store::Store::bulk_load`]'s settings.
    fn import_with_lock_late(
        &mut self,
        mut run: impl FnMut(&mut Desk, bool) -> DeskResult<ImportReport>,
    ) -> DeskResult<ImportReport> {
        self.store.bulk_load(true)?;
        let out = self.import_runs(&mut run);
        let back = self.store.bulk_load(false);
        if out.is_ok() {
            back?;
        }
        out
    }

    fn import_runs(
        &mut self,
        run: &mut impl FnMut(&mut Desk, bool) -> DeskResult<ImportReport>,
    ) -> DeskResult<ImportReport> {
        let mut locked = false;
        let mut conflicts = 0;
        loop {
            match run(self, locked) {
                Err(e) if e.code == ErrorCode::StoreBusy && !locked => locked = true,
                // Another counter wrote the same rows meanwhile (PostgreSQL): the import
                // runs again from the start, as `Store::write` does for an operation.
                Err(e) if e.code == ErrorCode::StoreConflict && conflicts < 20 => {
                    conflicts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(5 * conflicts));
                }
                other => return other,
            }
        }
    }

    /// Imports members (`name,phone,gender,birthday,birthday_calendar,joined_on,
    /// referred_by_phone,opening_points,contact_ok,notes`). A phone already registered is
    /// skipped as a duplicate; no program rewards are issued.
    pub fn import_members(&mut self, ctx: &Ctx, bytes: &[u8], options: ImportOptions) -> DeskResult<ImportReport> {
        self.import_members_watched(ctx, bytes, options, &mut |_| {})
    }

    /// [`Desk::import_members`], telling `progress` how far it has got.
    pub fn import_members_watched(
        &mut self,
        ctx: &Ctx,
        bytes: &[u8],
        options: ImportOptions,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> DeskResult<ImportReport> {
        ctx.require(Operation::Import)?;
        self.import_with_lock_late(|desk, locked| desk.import_members_in(ctx, bytes, options, locked, &mut *progress))
    }

    fn import_members_in(
        &mut self,
        ctx: &Ctx,
        bytes: &[u8],
        options: ImportOptions,
        locked: bool,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> DeskResult<ImportReport> {
        let text = decode_text(bytes)?;
        let table = Table::parse(&text, &MEMBER_COLUMNS, &["name", "phone"])?;
        let settings = self.settings.clone();
        let tx = if locked { self.store.transaction()? } else { self.store.read_first_transaction()? };
        let existing = store::members::phone_index(&tx)?;
        let mut errors = Errors { list: vec![] };
        let mut good: Vec<MemberRowIn> = Vec::new();
        let mut in_file: HashMap<String, u64> = HashMap::new();
        let mut duplicates = 0;
        let rows = table.rows.len();
        let mut watch = Watch::new(progress, rows);
        for (i, (line, rec)) in table.rows.iter().enumerate() {
            watch.at(ImportStage::Checking, i, rows);
            let line = *line;
            let before = errors.list.len();
            let calendar = table.get(rec, "birthday_calendar").to_ascii_lowercase();
            let (lunar, leap) = match calendar.as_str() {
                "" | "solar" => (false, false),
                "lunar" => (true, false),
                "lunar_leap" => (true, true),
                other => {
                    errors.add(line, "birthday_calendar", format!("“{other}”无效：应为 solar、lunar 或 lunar_leap"));
                    (false, false)
                }
            };
            let contact_ok = parse_contact_ok(table.get(rec, "contact_ok"));
            if contact_ok.is_none() {
                errors.add(line, "contact_ok", "应为 1/0、yes/no 或 是/否");
            }
            let input = MemberInput {
                name: table.get(rec, "name").to_string(),
                phone: table.get(rec, "phone").to_string(),
                gender: table.get(rec, "gender").to_string(),
                birthday: table.get(rec, "birthday").to_string(),
                lunar,
                leap,
                referrer: String::new(),
                contact_ok,
                notes: table.get(rec, "notes").to_string(),
            };
            let checked = match check_member(&input) {
                Ok(c) => Some(c),
                Err(e) => {
                    let column = match e.code {
                        ErrorCode::InvalidPhone => "phone",
                        ErrorCode::InvalidName => "name",
                        ErrorCode::InvalidBirthday => "birthday",
                        ErrorCode::InvalidGender => "gender",
                        _ => "notes",
                    };
                    errors.add(line, column, e.message);
                    None
                }
            };
            let joined_text = table.get(rec, "joined_on");
            let joined_on = if joined_text.is_empty() {
                ctx.store_date
            } else {
                match parse_date(joined_text) {
                    Some(d) if d <= ctx.store_date => d,
                    Some(_) => {
                        errors.add(line, "joined_on", format!("入会日期 {joined_text} 晚于营业日期"));
                        ctx.store_date
                    }
                    None => {
                        errors.add(line, "joined_on", format!("日期“{joined_text}”无效，应为 YYYY-MM-DD"));
                        ctx.store_date
                    }
                }
            };
            let opening_text = table.get(rec, "opening_points");
            let opening_points = if opening_text.is_empty() {
                0
            } else {
                match opening_text.parse::<i64>() {
                    Ok(p) if (0..=100_000_000).contains(&p) => p,
                    _ => {
                        errors.add(line, "opening_points", format!("“{opening_text}”无效：应为不小于 0 的整数"));
                        0
                    }
                }
            };
            let sv_text = table.get(rec, "opening_stored_value");
            let opening_stored_value = if sv_text.is_empty() {
                0
            } else {
                match loyalty::money::parse_amount(sv_text) {
                    Ok(a) if a <= Decimal::from(1_000_000) => loyalty::money::to_fen(a),
                    _ => {
                        errors.add(
                            line,
                            "opening_stored_value",
                            format!("“{sv_text}”无效：应为 0 到 1,000,000.00 元的金额，最多两位小数"),
                        );
                        0
                    }
                }
            };
            let ref_text = table.get(rec, "referred_by_phone");
            let referrer_phone = if ref_text.is_empty() {
                None
            } else {
                match normalize_phone(ref_text) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        errors.add(line, "referred_by_phone", e.to_string());
                        None
                    }
                }
            };
            let Some(checked) = checked else { continue };
            if referrer_phone.as_deref() == Some(checked.phone.as_str()) {
                errors.add(line, "referred_by_phone", "不能推荐自己");
            }
            if let Some(first) = in_file.get(&checked.phone) {
                errors.add(line, "phone", format!("手机号 {} 与第 {first} 行重复", checked.phone));
                continue;
            }
            in_file.insert(checked.phone.clone(), line);
            if errors.list.len() > before {
                continue;
            }
            if existing.contains_key(&checked.phone) {
                duplicates += 1;
                continue;
            }
            good.push(MemberRowIn { line, checked, joined_on, referrer_phone, opening_points, opening_stored_value });
        }
        // Referrers must be registered already or come in with this file.
        good.retain(|m| match &m.referrer_phone {
            Some(p) if !existing.contains_key(p) && !in_file.contains_key(p) => {
                errors.add(m.line, "referred_by_phone", format!("推荐人手机号 {p} 未登记"));
                false
            }
            _ => true,
        });
        errors.list.sort_by_key(|e| e.line);
        let report = |written| ImportReport {
            rows: table.rows.len(),
            written,
            skipped_duplicates: duplicates,
            skipped_invalid: if options.skip_invalid { count_lines(&errors.list) } else { 0 },
            dry_run: options.dry_run,
            errors: errors.list.clone(),
        };
        if !errors.list.is_empty() && !options.skip_invalid {
            return Ok(report(0));
        }
        let now = ctx.now_text();
        let mut ids = Vec::with_capacity(good.len());
        watch.at(ImportStage::Checking, rows, rows);
        // A large file is a bulk load (store::members::MemberLoad::for_import): its members'
        // keys are made in memory (the phones were checked above), and on SQLite, when the
        // file holds at least as many members as the store, the members' indexes and name
        // pieces are set aside and built once at the end.
        let mut bulk = crate::members::MemberBulk::for_import(&tx, good.len())?;
        // Each member goes in with its opening points as its balance; their lots and entries
        // follow it, their month sums all together at the end.
        // On PostgreSQL the load's members, then their lots and entries, go with COPY a block
        // at a time.
        let mut balances = bulk.as_mut().map(|b| b.opening_balances()).unwrap_or_default();
        for (i, m) in good.iter().enumerate() {
            watch.at(ImportStage::Writing, i, good.len());
            let id = insert_member(&tx, ctx, &m.checked, "", m.joined_on, m.opening_points, bulk.as_mut())?;
            if m.opening_points > 0 {
                open_balance(
                    &tx,
                    &mut balances,
                    &Award {
                        member_id: id,
                        points: m.opening_points,
                        kind: LedgerKind::Bonus,
                        source: "opening",
                        receipt_id: None,
                        earned_on: ctx.store_date,
                        reason: "旧系统积分转入",
                        staff_id: ctx.staff_id,
                        now: &now,
                    },
                    &settings,
                )?;
            }
            if m.opening_stored_value > 0 {
                // The entry names the member: a member still waiting for its COPY goes first.
                if let Some(bulk) = bulk.as_mut() {
                    bulk.send(&tx)?;
                }
                store::stored_value::append(
                    &tx,
                    &store::stored_value::SvEntry {
                        member_id: id,
                        kind: store::stored_value::SvKind::Opening,
                        principal_fen: m.opening_stored_value,
                        bonus_fen: 0,
                        top_up_id: None,
                        receipt_id: None,
                        reason: "旧系统储值转入",
                        on_date: ctx.store_date,
                        staff_id: Some(ctx.staff_id),
                        created_at: &now,
                    },
                )?;
            }
            ids.push(id);
            if let Some(bulk) = bulk.as_mut().filter(|b| b.block_full()) {
                bulk.send(&tx)?;
                balances.send(&tx)?;
            }
        }
        if let Some(bulk) = bulk {
            bulk.finish(&tx)?;
        }
        balances.finish(&tx)?;
        for (m, id) in good.iter().zip(&ids) {
            if let Some(p) = &m.referrer_phone {
                if let Some(r) = store::members::by_phone(&tx, p)? {
                    store::members::set_referred_by(&tx, *id, r.id)?;
                }
            }
        }
        finish(tx, ctx, "import.members", table.rows.len(), good.len(), options.dry_run)?;
        watch.at(ImportStage::Writing, good.len(), good.len());
        Ok(report(good.len()))
    }

    /// Imports purchase history (`receipt_no,phone,time,amount,kind,refund_of,coupon_code`),
    /// applied in time order. Sales before the opening day are history (no points); later
    /// ones earn like a checkout at that time. Receipts already recorded are skipped.
    pub fn import_purchases(&mut self, ctx: &Ctx, bytes: &[u8], options: ImportOptions) -> DeskResult<ImportReport> {
        self.import_purchases_watched(ctx, bytes, options, &mut |_| {})
    }

    /// [`Desk::import_purchases`], telling `progress` how far it has got.
    pub fn import_purchases_watched(
        &mut self,
        ctx: &Ctx,
        bytes: &[u8],
        options: ImportOptions,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> DeskResult<ImportReport> {
        ctx.require(Operation::Import)?;
        self.import_with_lock_late(|desk, locked| desk.import_purchases_in(ctx, bytes, options, locked, &mut *progress))
    }

    fn import_purchases_in(
        &mut self,
        ctx: &Ctx,
        bytes: &[u8],
        options: ImportOptions,
        locked: bool,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> DeskResult<ImportReport> {
        let text = decode_text(bytes)?;
        let table = Table::parse(&text, &PURCHASE_COLUMNS, &["receipt_no", "phone", "time", "amount"])?;
        let opening = self.opening_day()?.unwrap_or(ctx.store_date);
        let settings = self.settings.clone();
        let tx = if locked { self.store.transaction()? } else { self.store.read_first_transaction()? };
        let phones = store::members::phone_index(&tx)?;
        let mut errors = Errors { list: vec![] };
        let mut sales: Vec<PurchaseRowIn> = Vec::new();
        let mut refunds: Vec<PurchaseRowIn> = Vec::new();
        let mut checked: Vec<PurchaseRowIn> = Vec::new();
        let mut seen: HashMap<String, u64> = HashMap::new();
        let mut duplicates = 0;
        let rows = table.rows.len();
        let mut watch = Watch::new(progress, rows);
        for (i, (line, rec)) in table.rows.iter().enumerate() {
            watch.at(ImportStage::Checking, i, rows);
            let line = *line;
            let before = errors.list.len();
            let receipt_no = match check_receipt_no(table.get(rec, "receipt_no")) {
                Ok(r) => r,
                Err(e) => {
                    errors.add(line, "receipt_no", e.message);
                    String::new()
                }
            };
            let phone_text = table.get(rec, "phone");
            let phone = match normalize_phone(phone_text) {
                Ok(p) if phones.contains_key(&p) => p,
                Ok(p) => {
                    errors.add(line, "phone", format!("手机号 {p} 不是已登记的会员（请先导入会员）"));
                    p
                }
                Err(e) => {
                    errors.add(line, "phone", e.to_string());
                    String::new()
                }
            };
            let time_text = table.get(rec, "time");
            let at = match parse_time(time_text) {
                Some(t) if t.date() <= ctx.store_date => Some(t),
                Some(_) => {
                    errors.add(line, "time", format!("时间 {time_text} 晚于营业日期 {}", ctx.store_date));
                    None
                }
                None => {
                    errors.add(line, "time", format!("时间“{time_text}”无效，应为 YYYY-MM-DD[ HH:MM[:SS]]"));
                    None
                }
            };
            let amount = match parse_amount(table.get(rec, "amount")) {
                Ok(a) => Some(a),
                Err(e) => {
                    errors.add(line, "amount", e.to_string());
                    None
                }
            };
            let kind = table.get(rec, "kind").to_ascii_lowercase();
            let refund_of = table.get(rec, "refund_of");
            let is_refund = match kind.as_str() {
                "" | "sale" => {
                    if !refund_of.is_empty() {
                        errors.add(line, "refund_of", "只有退货行（kind=refund）才填写 refund_of");
                    }
                    false
                }
                "refund" => {
                    if refund_of.is_empty() {
                        errors.add(line, "refund_of", "退货行必须填写原小票号 refund_of");
                    }
                    true
                }
                other => {
                    errors.add(line, "kind", format!("“{other}”无效：应为 sale 或 refund"));
                    false
                }
            };
            let coupon = table.get(rec, "coupon_code");
            if !coupon.is_empty() {
                errors.add(line, "coupon_code", format!("找不到优惠券“{coupon}”"));
            }
            if !receipt_no.is_empty() {
                if let Some(first) = seen.get(&receipt_no) {
                    errors.add(line, "receipt_no", format!("小票号 {receipt_no} 与第 {first} 行重复"));
                } else {
                    seen.insert(receipt_no.clone(), line);
                }
            }
            if errors.list.len() > before {
                continue;
            }
            checked.push(PurchaseRowIn {
                line,
                receipt_no,
                phone,
                at: at.expect("checked"),
                amount: amount.expect("checked"),
                refund_of: is_refund.then(|| refund_of.to_string()),
            });
        }
        // Receipts recorded already are skipped, the file's numbers looked up a few hundred
        // at a time.
        let recorded = {
            let numbers: Vec<&str> = checked.iter().map(|r| r.receipt_no.as_str()).collect();
            store::receipts::recorded_among(&tx, &numbers)?
        };
        for row in checked {
            if recorded.contains(&row.receipt_no) {
                duplicates += 1;
            } else if row.refund_of.is_some() {
                refunds.push(row);
            } else {
                sales.push(row);
            }
        }
        // Refunds must name a sale (recorded, or in this file), of the same member, not
        // earlier than it, and not refund more than was paid.
        let file_sales: HashMap<&str, &PurchaseRowIn> = sales.iter().map(|s| (s.receipt_no.as_str(), s)).collect();
        let mut left: HashMap<String, i64> = HashMap::new();
        let mut refund_order: Vec<&PurchaseRowIn> = refunds.iter().collect();
        refund_order.sort_by_key(|r| (r.at, r.line));
        // A refund may be earlier in the file than its sale at the same time: time order
        // puts sales first at equal times, so the sale is recorded before its refund.
        let mut bad_refunds = std::collections::HashSet::new();
        for r in refund_order {
            let of = r.refund_of.as_deref().unwrap_or("");
            let (member_phone, sale_at, paid_left) = if let Some(s) = file_sales.get(of) {
                (s.phone.clone(), s.at, money::to_fen(s.amount))
            } else if let Some(s) = store::receipts::by_no(&tx, of)?.filter(|s| s.kind == "sale") {
                let phone = store::members::get(&tx, s.member_id)?.and_then(|m| m.phone).unwrap_or_default();
                (phone, s.at, s.paid_fen - s.refunded_fen)
            } else {
                errors.add(r.line, "refund_of", format!("找不到原小票 {of}"));
                bad_refunds.insert(r.line);
                continue;
            };
            let mut problem = None;
            if member_phone != r.phone {
                problem = Some(("phone", format!("退货会员与原小票 {of} 的会员不同")));
            } else if r.at < sale_at {
                problem = Some(("time", format!("退货时间早于原小票 {of} 的消费时间")));
            } else {
                let remaining = left.entry(of.to_string()).or_insert(paid_left);
                if money::to_fen(r.amount) > *remaining {
                    problem = Some((
                        "amount",
                        format!("原小票 {of} 最多还可退 {} 元", money::format(money::from_fen(*remaining))),
                    ));
                } else {
                    *remaining -= money::to_fen(r.amount);
                }
            }
            if let Some((column, message)) = problem {
                errors.add(r.line, column, message);
                bad_refunds.insert(r.line);
            }
        }
        refunds.retain(|r| !bad_refunds.contains(&r.line));
        errors.list.sort_by_key(|e| e.line);
        let written = sales.len() + refunds.len();
        let report = |written| ImportReport {
            rows: table.rows.len(),
            written,
            skipped_duplicates: duplicates,
            skipped_invalid: if options.skip_invalid { count_lines(&errors.list) } else { 0 },
            dry_run: options.dry_run,
            errors: errors.list.clone(),
        };
        if !errors.list.is_empty() && !options.skip_invalid {
            return Ok(report(0));
        }
        let mut all: Vec<PurchaseRowIn> = sales.into_iter().chain(refunds).collect();
        all.sort_by_key(|r| (r.at, r.refund_of.is_some(), r.line));
        watch.at(ImportStage::Checking, rows, rows);
        // A large file of history only (no points, no rewards: nothing reads what the
        // receipts' date indexes, the first/last-sale trigger and the month sums keep) loads
        // with those set aside and built again once at the end, as the demo's history does.
        // Ten million purchases: 1,030 s one by one (docs/performance.md).
        let mut history_load = if all.iter().all(|r| r.at.date() < opening) {
            store::receipts::HistoryLoad::for_import(&tx, all.len())?
        } else {
            None
        };
        // Such a load also reads every member's tier history once instead of a query per
        // sale, and writes a sale of history as its receipt alone (no points, no rewards;
        // the month sums come with the load's end).
        let tiers_then = match &history_load {
            Some(_) => Some(store::tiers::TierTimeline::read(&tx)?),
            None => None,
        };
        let now = ctx.now_text();
        for (i, row) in all.iter().enumerate() {
            watch.at(ImportStage::Writing, i, all.len());
            let member_id = phones[&row.phone];
            match (&row.refund_of, &mut history_load, &tiers_then) {
                (None, Some(load), Some(tiers_then)) => {
                    let tier = tiers_then.tier_on(member_id, row.at.date()).expect("indexed");
                    let multiplier = settings.multiplier(tier).to_string();
                    let sale = history_sale(&row.receipt_no, member_id, row.amount, &multiplier, row.at, ctx, &now);
                    load.insert(&tx, &sale)?;
                }
                (None, _, _) => {
                    let member = store::members::get(&tx, member_id)?.expect("indexed");
                    let earns = row.at.date() >= opening;
                    record_sale(
                        &tx,
                        ctx,
                        &settings,
                        &member,
                        &row.receipt_no,
                        row.amount,
                        row.at,
                        earns,
                        None,
                        None,
                        None,
                    )?;
                }
                (Some(of), load, _) => {
                    // The sale may still wait for its block's COPY (PostgreSQL).
                    if let Some(load) = load {
                        load.send(&tx)?;
                    }
                    let sale = store::receipts::by_no(&tx, of)?.ok_or_else(|| {
                        DeskError::new(ErrorCode::ImportInvalid, format!("第 {} 行：找不到原小票 {of}", row.line))
                    })?;
                    record_refund(&tx, ctx, &settings, &sale, &row.receipt_no, row.amount, row.at)?;
                }
            }
        }
        if let Some(load) = history_load {
            load.finish(&tx)?;
        }
        finish(tx, ctx, "import.purchases", table.rows.len(), written, options.dry_run)?;
        watch.at(ImportStage::Writing, all.len(), all.len());
        Ok(report(written))
    }
}

impl Desk {
    /// Imports interactions (`phone,date,kind,note`). Before the opening day they count for
    /// tiers only; from it on they also earn their points, like one recorded at the desk.
    pub fn import_interactions(&mut self, ctx: &Ctx, bytes: &[u8], options: ImportOptions) -> DeskResult<ImportReport> {
        self.import_interactions_watched(ctx, bytes, options, &mut |_| {})
    }

    /// [`Desk::import_interactions`], telling `progress` how far it has got.
    pub fn import_interactions_watched(
        &mut self,
        ctx: &Ctx,
        bytes: &[u8],
        options: ImportOptions,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> DeskResult<ImportReport> {
        ctx.require(Operation::Import)?;
        self.import_with_lock_late(|desk, locked| {
            desk.import_interactions_in(ctx, bytes, options, locked, &mut *progress)
        })
    }

    fn import_interactions_in(
        &mut self,
        ctx: &Ctx,
        bytes: &[u8],
        options: ImportOptions,
        locked: bool,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> DeskResult<ImportReport> {
        let text = decode_text(bytes)?;
        let table = Table::parse(&text, &INTERACTION_COLUMNS, &["phone", "date", "kind"])?;
        let opening = self.opening_day()?;
        let settings = self.settings.clone();
        let tx = if locked { self.store.transaction()? } else { self.store.read_first_transaction()? };
        let phones = store::members::phone_index(&tx)?;
        let mut errors = Errors { list: vec![] };
        let mut good = Vec::new();
        let rows = table.rows.len();
        let mut watch = Watch::new(progress, rows);
        for (i, (line, rec)) in table.rows.iter().enumerate() {
            watch.at(ImportStage::Checking, i, rows);
            let before = errors.list.len();
            let member = match normalize_phone(table.get(rec, "phone")) {
                Ok(p) => match phones.get(&p) {
                    Some(id) => Some(*id),
                    None => {
                        errors.add(*line, "phone", format!("手机号 {p} 不是已登记的会员"));
                        None
                    }
                },
                Err(e) => {
                    errors.add(*line, "phone", e.to_string());
                    None
                }
            };
            let date_text = table.get(rec, "date");
            let date = match parse_date(date_text) {
                Some(d) if d <= ctx.store_date => Some(d),
                Some(_) => {
                    errors.add(*line, "date", format!("日期 {date_text} 晚于营业日期"));
                    None
                }
                None => {
                    errors.add(*line, "date", format!("日期“{date_text}”无效，应为 YYYY-MM-DD"));
                    None
                }
            };
            let kind = table.get(rec, "kind").to_ascii_lowercase();
            if !crate::interactions::KINDS.contains(&kind.as_str()) {
                errors.add(*line, "kind", format!("“{kind}”无效：应为 survey、feedback、event 或 share"));
            }
            let note = table.get(rec, "note");
            if let Err(e) = loyalty::member::normalize_notes(note) {
                errors.add(*line, "note", e.to_string());
            }
            if errors.list.len() == before {
                good.push((member.expect("checked"), date.expect("checked"), kind, note.to_string()));
            }
        }
        let report = |written| ImportReport {
            rows: table.rows.len(),
            written,
            skipped_duplicates: 0,
            skipped_invalid: if options.skip_invalid { count_lines(&errors.list) } else { 0 },
            dry_run: options.dry_run,
            errors: errors.list.clone(),
        };
        if !errors.list.is_empty() && !options.skip_invalid {
            return Ok(report(0));
        }
        good.sort_by_key(|g| g.1);
        watch.at(ImportStage::Checking, rows, rows);
        for (i, (member_id, date, kind, note)) in good.iter().enumerate() {
            watch.at(ImportStage::Writing, i, good.len());
            let member = store::members::get(&tx, *member_id)?.expect("indexed");
            crate::interactions::record(&tx, ctx, &settings, &member, kind, *date, note, None, opening)?;
        }
        finish(tx, ctx, "import.interactions", table.rows.len(), good.len(), options.dry_run)?;
        watch.at(ImportStage::Writing, good.len(), good.len());
        Ok(report(good.len()))
    }
}

/// Ends an import: its audit row, then commit — or, for a dry run, roll everything back.
fn finish(
    tx: store::Transaction<'_>,
    ctx: &Ctx,
    action: &str,
    rows: usize,
    written: usize,
    dry_run: bool,
) -> DeskResult<()> {
    crate::audit(&tx, ctx, action, "import", None, None, Some(&format!("{rows} 行，写入 {written}")))?;
    if dry_run {
        tx.rollback()?;
    } else {
        tx.commit()?;
    }
    Ok(())
}

fn count_lines(errors: &[RowError]) -> usize {
    let mut lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
    lines.dedup();
    lines.len()
}
