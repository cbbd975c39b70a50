//! What the till prints (rules §2, §14): the member card (85.6 × 54 mm, with a Code 128
//! barcode and a QR code of the card code, drawn by the `barcoders` and `qrcode` crates) and
//! the slip after a checkout, a refund or a top-up, laid out by the window for a 58 mm or
//! 80 mm roll. This module gathers what each shows; the window lays it out and prints it.

use crate::members::resolve;
use crate::stored_value::{view_of, AccountView};
use crate::views::ExpiringPoints;
use crate::{Ctx, Desk, DeskError, DeskResult, ErrorCode, Operation};
use chrono::NaiveDateTime;
use loyalty::member::greeting;
use loyalty::money::{format, from_fen};
use serde::{Deserialize, Serialize};

/// The paper of a thermal roll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlipWidth {
    #[serde(rename = "58")]
    Mm58,
    #[serde(rename = "80")]
    Mm80,
}

impl SlipWidth {
    pub fn parse(text: &str) -> DeskResult<SlipWidth> {
        match text.trim().trim_end_matches("mm") {
            "58" => Ok(SlipWidth::Mm58),
            "80" => Ok(SlipWidth::Mm80),
            other => Err(DeskError::new(ErrorCode::InvalidInput, format!("小票纸宽“{other}”无效：应为 58 或 80"))),
        }
    }

    pub fn millimetres(self) -> u32 {
        match self {
            SlipWidth::Mm58 => 58,
            SlipWidth::Mm80 => 80,
        }
    }
}

/// The member card to print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardPrint {
    pub store_name: String,
    pub name: String,
    pub greeting: String,
    pub member_no: String,
    pub tier: String,
    pub tier_label: String,
    pub card_code: String,
    /// The card code as a Code 128 barcode (SVG).
    pub barcode_svg: String,
    /// The card code as a QR code (SVG).
    pub qr_svg: String,
}

/// What a slip is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlipKind {
    Sale,
    Refund,
    TopUp,
}

/// The slip of one receipt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlipPrint {
    pub width: SlipWidth,
    pub store_name: String,
    pub branch: String,
    pub kind: SlipKind,
    pub receipt: String,
    pub at: NaiveDateTime,
    pub staff: String,
    pub member_no: String,
    pub greeting: String,
    /// A sale or refund: the amount before the coupon, the discount, what was paid.
    pub gross: Option<String>,
    pub discount: Option<String>,
    pub coupon: Option<String>,
    pub paid: Option<String>,
    /// What stored value paid (or, on a refund, got back), in its two parts.
    pub sv_taken: Option<String>,
    pub sv_principal: Option<String>,
    pub sv_bonus: Option<String>,
    /// Paid (or paid back) another way.
    pub other_payment: Option<String>,
    /// A top-up: the amount, its bonus money, points and coupon, and the rule.
    pub top_up: Option<String>,
    pub top_up_bonus: Option<String>,
    pub top_up_points: Option<i64>,
    pub top_up_coupon: Option<String>,
    /// Points earned by a sale (a refund: taken back, negative).
    pub points: i64,
    /// The member's points and stored value as the slip is printed.
    pub points_balance: i64,
    pub expiring_within_30_days: Option<ExpiringPoints>,
    pub stored_value: AccountView,
    /// The gift to hand over.
    pub gift: Option<String>,
}

fn svg_error(what: &str, e: impl std::fmt::Display) -> DeskError {
    DeskError::new(ErrorCode::Internal, format!("{what}无法生成：{e}"))
}

/// The Code 128 barcode of a card code (character set C: the 12 digits as 6 pairs).
fn barcode_svg(code: &str) -> DeskResult<String> {
    let barcode =
        barcoders::sym::code128::Code128::new(format!("\u{0106}{code}")).map_err(|e| svg_error("条形码", e))?;
    barcoders::generators::svg::SVG::new(18)
        .xmlns("http://www.w3.org/2000/svg".to_string())
        .generate(barcode.encode())
        .map_err(|e| svg_error("条形码", e))
}

fn qr_svg(code: &str) -> DeskResult<String> {
    let qr = qrcode::QrCode::with_error_correction_level(code.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| svg_error("二维码", e))?;
    Ok(qr.render::<qrcode::render::svg::Color<'_>>().min_dimensions(120, 120).quiet_zone(true).build())
}

fn money(fen: i64) -> String {
    format(from_fen(fen))
}

impl Desk {
    /// The member card to print: the store's name, the member's name and number, the tier,
    /// and the card code as a barcode and a QR code. A member without a card gets one first.
    pub fn card_print(&mut self, ctx: &Ctx, member: &str) -> DeskResult<CardPrint> {
        ctx.require(Operation::Lookup)?;
        let code = self.member_card_code(ctx, member, false)?;
        let row = resolve(self.store.conn(), &code.member_no)?;
        Ok(CardPrint {
            store_name: self.settings.store_name.clone(),
            greeting: greeting(&row.name, row.gender),
            name: row.name,
            member_no: row.member_no,
            tier: row.tier.code().to_string(),
            tier_label: row.tier.label_zh().to_string(),
            barcode_svg: barcode_svg(&code.card_code)?,
            qr_svg: qr_svg(&code.card_code)?,
            card_code: code.card_code,
        })
    }

    /// The slip of a sale, refund or top-up of this branch, by its receipt number.
    pub fn slip(&self, ctx: &Ctx, receipt_no: &str, width: SlipWidth) -> DeskResult<SlipPrint> {
        ctx.require(Operation::Lookup)?;
        let conn = self.store.conn();
        let receipt_no = receipt_no.trim();
        let branch = store::branches::get(conn, conn.station().branch_id)?.map(|b| b.name).unwrap_or_default();
        let staff_name =
            |id: i64| -> DeskResult<String> { Ok(store::staff::get(conn, id)?.map(|s| s.name).unwrap_or_default()) };
        let blank = |kind, receipt: String, at, staff, member_id: i64| -> DeskResult<SlipPrint> {
            let member = store::members::get(conn, member_id)?
                .ok_or_else(|| DeskError::new(ErrorCode::MemberNotFound, "小票上的会员已不存在"))?;
            let card = self.card_of(ctx, &member)?;
            Ok(SlipPrint {
                width,
                store_name: self.settings.store_name.clone(),
                branch: branch.clone(),
                kind,
                receipt,
                at,
                staff,
                member_no: card.member_no,
                greeting: card.greeting,
                gross: None,
                discount: None,
                coupon: None,
                paid: None,
                sv_taken: None,
                sv_principal: None,
                sv_bonus: None,
                other_payment: None,
                top_up: None,
                top_up_bonus: None,
                top_up_points: None,
                top_up_coupon: None,
                points: 0,
                points_balance: card.points_balance,
                expiring_within_30_days: card.expiring_within_30_days,
                stored_value: view_of(conn, member_id)?,
                gift: None,
            })
        };
        if let Some(r) = store::receipts::by_no(conn, receipt_no)? {
            let kind = if r.kind == "refund" { SlipKind::Refund } else { SlipKind::Sale };
            let mut slip = blank(kind, r.receipt_no.clone(), r.at, staff_name(r.staff_id)?, r.member_id)?;
            let taken = r.sv_principal_fen + r.sv_bonus_fen;
            slip.gross = Some(money(r.gross_fen));
            slip.discount = Some(money(r.discount_fen));
            slip.coupon = match r.coupon_id {
                Some(id) => store::coupons::get(conn, id)?.map(|c| c.code),
                None => None,
            };
            slip.paid = Some(money(r.paid_fen));
            if taken > 0 {
                slip.sv_taken = Some(money(taken));
                slip.sv_principal = Some(money(r.sv_principal_fen));
                slip.sv_bonus = Some(money(r.sv_bonus_fen));
            }
            slip.other_payment = Some(money(r.paid_fen - taken));
            slip.points = if kind == SlipKind::Refund { -r.points } else { r.points };
            slip.gift = r.gift;
            return Ok(slip);
        }
        if let Some(t) = store::stored_value::top_up_by_no(conn, receipt_no)? {
            let mut slip = blank(SlipKind::TopUp, t.receipt_no.clone(), t.at, staff_name(t.staff_id)?, t.member_id)?;
            slip.top_up = Some(money(t.amount_fen));
            slip.top_up_bonus = (t.bonus_fen > 0).then(|| money(t.bonus_fen));
            slip.top_up_points = (t.bonus_points > 0).then_some(t.bonus_points);
            slip.top_up_coupon = match t.bonus_coupon_id {
                Some(id) => store::coupons::get(conn, id)?.map(|c| c.code),
                None => None,
            };
            return Ok(slip);
        }
        Err(DeskError::new(ErrorCode::ReceiptNotFound, format!("本店没有小票 {receipt_no}")))
    }
}

/// The widest margin a counter may set (mm): beyond it a 58 mm slip has no room left.
pub const MAX_MARGIN_MM: u8 = 10;

/// A counter's printers (docs/rules.md, "Printer settings"): the slip's roll and its side
/// margin, and the card's margin. Kept per counter (branch and counter name), so that each
/// till keeps its own paper whichever PC or window it is served from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintSettings {
    pub slip_width: SlipWidth,
    /// Left and right margin of the slip, whole mm (0–10).
    pub slip_margin_mm: u8,
    /// Margin around the card's layout, whole mm (0–10).
    pub card_margin_mm: u8,
}

impl Default for PrintSettings {
    fn default() -> Self {
        PrintSettings { slip_width: SlipWidth::Mm80, slip_margin_mm: 2, card_margin_mm: 0 }
    }
}

/// A change to a counter's printer settings: what is given changes, the rest stays.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PrintSettingsInput {
    pub slip_width: Option<String>,
    pub slip_margin_mm: Option<String>,
    pub card_margin_mm: Option<String>,
}

fn margin(text: &str, what: &str) -> DeskResult<u8> {
    let t = text.trim().trim_end_matches("mm").trim();
    match t.parse::<u8>() {
        Ok(m) if m <= MAX_MARGIN_MM => Ok(m),
        _ => Err(DeskError::new(
            ErrorCode::InvalidInput,
            format!("{what}“{t}”无效：应为 0 到 {MAX_MARGIN_MM} 之间的整数毫米"),
        )),
    }
}

impl Desk {
    fn print_settings_key(&self) -> String {
        let station = self.store.conn().station();
        format!("print.{}.{}", station.branch_id, station.counter)
    }

    /// This counter's printer settings (the defaults until someone saves them).
    pub fn print_settings(&self) -> DeskResult<PrintSettings> {
        let saved = store::meta::get(self.store.conn(), &self.print_settings_key())?;
        Ok(saved.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default())
    }

    /// Changes this counter's printer settings (any signed-in staff: the counter's own
    /// hardware); each change is kept in the settings history.
    pub fn save_print_settings(&mut self, ctx: &Ctx, input: &PrintSettingsInput) -> DeskResult<PrintSettings> {
        ctx.require(Operation::Lookup)?;
        let mut next = self.print_settings()?;
        if let Some(w) = input.slip_width.as_deref() {
            next.slip_width = SlipWidth::parse(w)?;
        }
        if let Some(m) = input.slip_margin_mm.as_deref() {
            next.slip_margin_mm = margin(m, "小票边距")?;
        }
        if let Some(m) = input.card_margin_mm.as_deref() {
            next.card_margin_mm = margin(m, "会员卡边距")?;
        }
        if next.slip_width == SlipWidth::Mm58 && next.slip_margin_mm > 6 {
            return Err(DeskError::new(ErrorCode::InvalidInput, "58 毫米小票的边距最多 6 毫米，否则放不下内容"));
        }
        let key = self.print_settings_key();
        let json = serde_json::to_string(&next).map_err(|e| DeskError::new(ErrorCode::Internal, e.to_string()))?;
        self.store.write(|tx| {
            store::settings::save(&tx, &key, &json, ctx.staff_id, &ctx.now_text())?;
            Ok::<_, DeskError>(())
        })?;
        Ok(next)
    }
}
