//! Exports for Excel (rules §12): UTF-8 CSV with a BOM so Excel shows Chinese. Phones are
//! masked for everyone but managers.

use crate::{Ctx, Desk, DeskResult, Role};
use loyalty::member::mask_phone;

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn csv_bytes(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> DeskResult<Vec<u8>> {
    let mut out = BOM.to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let map = |e: csv::Error| crate::DeskError::new(crate::ErrorCode::Internal, e.to_string());
        w.write_record(header).map_err(map)?;
        for r in rows {
            w.write_record(&r).map_err(map)?;
        }
        w.flush().map_err(|e| crate::DeskError::new(crate::ErrorCode::Internal, e.to_string()))?;
    }
    Ok(out)
}

impl Desk {
    /// All members that are not archived, in member-number order.
    pub fn export_members_csv(&self, ctx: &Ctx) -> DeskResult<Vec<u8>> {
        let members = store::members::all(self.store.conn(), false)?;
        let mask = ctx.role != Role::Manager;
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
                let calendar = match (m.birthday_calendar.as_deref(), m.birthday_leap) {
                    (Some("lunar"), true) => "lunar_leap",
                    (Some("lunar"), false) => "lunar",
                    (Some(_), _) => "solar",
                    (None, _) => "",
                };
                let phone = m.phone.as_deref().map(|p| if mask { mask_phone(p) } else { p.to_string() });
                vec![
                    m.member_no,
                    m.name,
                    phone.unwrap_or_default(),
                    m.gender,
                    birthday,
                    calendar.to_string(),
                    m.joined_on.to_string(),
                    m.tier,
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
    pub fn export_ledger_csv(&self, _ctx: &Ctx) -> DeskResult<Vec<u8>> {
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
        ExportFormat::Csv => csv_bytes(header, rows.into_iter()),
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
    pub fn export_tier_changes(&self, month: &str, format: ExportFormat) -> DeskResult<Vec<u8>> {
        let run = self.tier_changes(month)?;
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
