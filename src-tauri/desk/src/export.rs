//! Exports for Excel (rules §12): UTF-8 CSV with a BOM so Excel shows Chinese. Phones are
//! masked for everyone but managers.

use crate::{Ctx, Desk, DeskResult, Operation};
use loyalty::member::mask_phone;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A cell as a spreadsheet must show it: text starting with `=`, `+`, `-`, `@`, a tab or
/// a CR would run as a formula in Excel (`=HYPERLINK(…)` in a care note), so it is written
/// after an apostrophe, which makes it text. A plain number (`-50` points) stays a number.
pub fn spreadsheet_text(cell: &str) -> std::borrow::Cow<'_, str> {
    let starts_formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let plain_number = {
        let digits = cell.strip_prefix(['-', '+']).unwrap_or(cell);
        !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
            && digits.chars().filter(|c| *c == '.').count() <= 1
            && digits.chars().next().is_some_and(|c| c.is_ascii_digit())
    };
    if starts_formula && !plain_number {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

pub(crate) fn csv_bytes(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> DeskResult<Vec<u8>> {
    let mut out = BOM.to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let map = |e: csv::Error| crate::DeskError::new(crate::ErrorCode::Internal, e.to_string());
        w.write_record(header).map_err(map)?;
        for r in rows {
            w.write_record(r.iter().map(|c| spreadsheet_text(c).into_owned())).map_err(map)?;
        }
        w.flush().map_err(|e| crate::DeskError::new(crate::ErrorCode::Internal, e.to_string()))?;
    }
    Ok(out)
}

impl Desk {
    /// All members that are not archived, in member-number order.
    pub fn export_members_csv(&self, ctx: &Ctx) -> DeskResult<Vec<u8>> {
        ctx.require(Operation::Export)?;
        let members = store::members::all(self.store.conn(), false)?;
        let mask = ctx.masks_phones();
        csv_bytes(
            &[
                "member_no",
                "name",
                "phone",
                "gender",
                "birthday",
                "birthday_calendar",
                "joined_on",
                "tier",
                "points_balance",
                "vip",
                "contact_ok",
                "referral_code",
                "notes",
            ],
            members.into_iter().map(|m| {
                let birthday = match (m.birthday_year, m.birthday_month, m.birthday_day) {
                    (Some(y), Some(mo), Some(d)) => format!("{y:04}-{mo:02}-{d:02}"),
                    (None, Some(mo), Some(d)) => format!("{mo:02}-{d:02}"),
                    _ => String::new(),
                };
                let calendar = match (m.birthday_calendar, m.birthday_leap) {
                    (Some(loyalty::Calendar::Lunar), true) => "lunar_leap",
                    (Some(loyalty::Calendar::Lunar), false) => "lunar",
                    (Some(loyalty::Calendar::Solar), _) => "solar",
                    (None, _) => "",
                };
                let phone = m.phone.as_deref().map(|p| if mask { mask_phone(p) } else { p.to_string() });
                vec![
                    m.member_no,
                    m.name,
                    phone.unwrap_or_default(),
                    m.gender.code().to_string(),
                    birthday,
                    calendar.to_string(),
                    m.joined_on.to_string(),
                    m.tier.code().to_string(),
                    m.points_balance.to_string(),
                    u8::from(m.vip).to_string(),
                    u8::from(m.contact_ok).to_string(),
                    m.referral_code,
                    m.notes,
                ]
            }),
        )
    }

    /// The whole points ledger, oldest first.
    pub fn export_ledger_csv(&self, ctx: &Ctx) -> DeskResult<Vec<u8>> {
        ctx.require(Operation::Export)?;
        let rows = store::ledger::rows(self.store.conn(), None, i64::MAX)?;
        csv_bytes(
            &[
                "id",
                "member_no",
                "on_date",
                "kind",
                "points",
                "balance_after",
                "receipt_no",
                "reason",
                "staff",
                "created_at",
            ],
            rows.into_iter().map(|r| {
                vec![
                    r.id.to_string(),
                    r.member_no,
                    r.on_date.to_string(),
                    r.kind,
                    r.points.to_string(),
                    r.balance_after.to_string(),
                    r.receipt_no.unwrap_or_default(),
                    r.reason,
                    r.staff.unwrap_or_default(),
                    r.created_at,
                ]
            }),
        )
    }
}

/// Export formats staff ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn parse(text: &str) -> DeskResult<ExportFormat> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(ExportFormat::Csv),
            "xlsx" | "excel" => Ok(ExportFormat::Xlsx),
            other => Err(crate::DeskError::new(
                crate::ErrorCode::InvalidInput,
                format!("格式“{other}”无效：应为 csv 或 xlsx"),
            )),
        }
    }
}

/// A table as CSV (UTF-8 with BOM) or as an Excel workbook with one sheet.
pub(crate) fn table_bytes(
    format: ExportFormat,
    sheet: &str,
    header: &[&str],
    rows: Vec<Vec<String>>,
) -> DeskResult<Vec<u8>> {
    match format {
        ExportFormat::Csv => csv_bytes(header, rows),
        ExportFormat::Xlsx => {
            let fail = |e: rust_xlsxwriter::XlsxError| crate::DeskError::new(crate::ErrorCode::Internal, e.to_string());
            let mut book = rust_xlsxwriter::Workbook::new();
            let ws = book.add_worksheet();
            ws.set_name(sheet).map_err(fail)?;
            let bold = rust_xlsxwriter::Format::new().set_bold();
            for (c, h) in header.iter().enumerate() {
                ws.write_string_with_format(0, c as u16, *h, &bold).map_err(fail)?;
            }
            for (r, row) in rows.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    ws.write_string(r as u32 + 1, c as u16, v).map_err(fail)?;
                }
            }
            book.save_to_buffer().map_err(fail)
        }
    }
}

impl Desk {
    /// A month's tier changes, for the manager's files.
    pub fn export_tier_changes(&self, ctx: &Ctx, month: &str, format: ExportFormat) -> DeskResult<Vec<u8>> {
        let run = self.tier_changes(ctx, month)?;
        let label = |code: &str| crate::members::tier_label(code);
        table_bytes(
            format,
            "等级变动",
            &["month", "member_no", "name", "from", "to", "score", "consumption", "interaction", "direction"],
            run.changes
                .iter()
                .map(|c| {
                    vec![
                        run.month.clone(),
                        c.member_no.clone(),
                        c.name.clone(),
                        label(&c.from),
                        label(&c.to),
                        c.score.clone(),
                        c.consumption.clone(),
                        c.interaction.clone(),
                        if c.direction == "up" { "升级" } else { "降级" }.to_string(),
                    ]
                })
                .collect(),
        )
    }
}

/// Writes `bytes` beside `dest` under a temporary name (flushed to disk) and returns that
/// name; [`commit_with_file`] gives it its real name.
pub(crate) fn write_temporary(dest: &std::path::Path, bytes: &[u8]) -> DeskResult<std::path::PathBuf> {
    use std::io::Write;
    let unwritable = |e: std::io::Error| {
        crate::DeskError::new(crate::ErrorCode::FileUnreadable, format!("无法写入 {}：{e}", dest.display()))
    };
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(unwritable)?;
    }
    if dest.is_dir() {
        return Err(crate::DeskError::new(
            crate::ErrorCode::FileUnreadable,
            format!("{} 是一个文件夹", dest.display()),
        ));
    }
    let name = dest.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let tmp = dest.with_file_name(format!(".{name}.part"));
    let mut f = std::fs::File::create(&tmp).map_err(unwritable)?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        unwritable(e)
    })?;
    Ok(tmp)
}

/// Gives the temporary file its name and commits the transaction that records it; when
/// the commit fails the file is removed again, so the two never disagree.
pub(crate) fn commit_with_file(
    tx: store::Transaction<'_>,
    tmp: &std::path::Path,
    dest: &std::path::Path,
) -> DeskResult<()> {
    std::fs::rename(tmp, dest).map_err(|e| {
        crate::DeskError::new(crate::ErrorCode::FileUnreadable, format!("无法写入 {}：{e}", dest.display()))
    })?;
    if let Err(e) = tx.commit() {
        let _ = std::fs::remove_file(dest);
        return Err(e.into());
    }
    Ok(())
}

impl Desk {
    /// The stored-value ledger of the days `from ..= until`, in the order written: each
    /// entry's principal and bonus (signed, in yuan) and the account after it.
    pub fn export_sv_ledger(
        &self,
        ctx: &Ctx,
        from: chrono::NaiveDate,
        until: chrono::NaiveDate,
        format: ExportFormat,
    ) -> DeskResult<Vec<u8>> {
        ctx.require(Operation::Export)?;
        if until < from {
            return Err(crate::DeskError::new(crate::ErrorCode::InvalidInput, "结束日期不能早于开始日期"));
        }
        let yuan = |fen: i64| loyalty::money::format(loyalty::money::from_fen(fen));
        let mut rows = Vec::new();
        store::stored_value::for_each_entry(self.store.conn(), from, until, |r| {
            rows.push(vec![
                r.id.to_string(),
                r.on_date.to_string(),
                r.member_no,
                r.name,
                r.kind.code().to_string(),
                yuan(r.principal_fen),
                yuan(r.bonus_fen),
                yuan(r.principal_after),
                yuan(r.bonus_after),
                r.receipt_no.unwrap_or_default(),
                r.reason,
                r.staff.unwrap_or_default(),
                r.branch,
                r.counter,
                r.created_at,
            ]);
            Ok(())
        })?;
        table_bytes(
            format,
            "储值流水",
            &[
                "id",
                "on_date",
                "member_no",
                "name",
                "kind",
                "principal",
                "bonus",
                "principal_after",
                "bonus_after",
                "receipt_no",
                "reason",
                "staff",
                "branch",
                "counter",
                "created_at",
            ],
            rows,
        )
    }
}
