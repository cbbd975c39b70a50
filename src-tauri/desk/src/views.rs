//! What operations return: serialisable views with the field names of interface.md
//! (money as strings with 2 decimals, dates as YYYY-MM-DD).

use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LotView {
    pub earned_on: NaiveDate,
    pub points_remaining: i64,
    pub valid_until: NaiveDate,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpiringPoints {
    pub points: i64,
    pub first_date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReceiptView {
    pub receipt: String,
    pub kind: String,
    pub at: String,
    pub gross: String,
    pub discount: String,
    pub paid: String,
    pub refunded: String,
    pub points: i64,
    pub refund_of: Option<String>,
    pub gift: Option<String>,
    pub history: bool,
}

/// The member card (`member show`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberCard {
    pub member_no: String,
    pub name: String,
    pub greeting: String,
    pub phone: Option<String>,
    pub gender: String,
    pub birthday: Option<String>,
    pub birthday_calendar: Option<String>,
    pub tier: String,
    pub tier_label: String,
    pub points_balance: i64,
    pub vip: bool,
    pub contact_ok: bool,
    pub archived: bool,
    /// The personal data was erased (PIPL): name, phone, birthday and notes are blank.
    pub erased: bool,
    pub joined_on: NaiveDate,
    pub referral_code: String,
    pub referred_by: Option<String>,
    /// The code on the member's card (rules §2), to scan at the till.
    pub card_code: Option<String>,
    /// Stored value (rules §14): principal and bonus.
    pub stored_value: crate::stored_value::AccountView,
    /// The member set a payment PIN for stored value.
    pub sv_pin: bool,
    pub notes: String,
    pub lots: Vec<LotView>,
    pub expiring_within_30_days: Option<ExpiringPoints>,
    pub coupons: Vec<crate::coupons::CouponView>,
    pub referrals: Referrals,
    pub recent_receipts: Vec<ReceiptView>,
    pub tier_view: crate::tiers::TierView,
    /// Customer service's calls and notes, newest first.
    pub contact_log: Vec<crate::contacts::AttemptView>,
}

/// A member's card code (`member card`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardCodeView {
    pub member_no: String,
    pub card_code: String,
    /// A new card was issued just now; the old code is refused from now on.
    pub replaced: bool,
}

/// One row of a lookup.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberHit {
    pub member_no: String,
    pub name: String,
    pub greeting: String,
    pub phone: Option<String>,
    pub tier: String,
    pub points_balance: i64,
    pub vip: bool,
    /// How it matched: phone, last4, member_no, name, pinyin.
    pub matched: String,
    /// Whether it matched exactly (exact matches come first).
    pub exact: bool,
}

/// The result of a checkout or a refund (`checkout` / `refund`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReceiptOutcome {
    pub receipt: String,
    pub member_no: String,
    pub greeting: String,
    pub gross: String,
    pub discount: String,
    pub paid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points_earned: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points_clawed_back: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_of: Option<String>,
    pub points_balance: i64,
    pub coupon_used: Option<String>,
    pub gift: Option<String>,
    pub duplicate: bool,
    /// A sale: what it took from stored value (both parts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sv_taken: Option<String>,
    /// A refund: what it gave back to stored value (both parts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sv_returned: Option<String>,
    /// The principal (本金) part of what was taken or given back.
    pub sv_principal: String,
    /// The bonus (赠送) part of what was taken or given back.
    pub sv_bonus: String,
    /// Paid (or paid back) another way: cash, card, mobile.
    pub other_payment: String,
    /// The member's stored-value account after it.
    pub principal: String,
    pub bonus_balance: String,
    /// The member set a payment PIN: the till asks for it before taking stored value.
    pub sv_pin_required: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdjustOutcome {
    pub member_no: String,
    pub points: i64,
    pub reason: String,
    pub points_balance: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoreDayReport {
    pub store_date: NaiveDate,
    pub opening_day: NaiveDate,
    pub first_open: bool,
    pub days_advanced: i64,
    pub lots_expired: i64,
    pub points_expired: i64,
    /// Months whose tier evaluation ran now (`YYYY-MM`).
    pub tier_runs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoreStatus {
    pub store_date: Option<NaiveDate>,
    pub opening_day: Option<NaiveDate>,
    pub members: i64,
    pub receipts: i64,
    pub data_file: Option<String>,
    /// Where the store lives: the file's path, or the server's URL without its password.
    pub database: String,
    /// `sqlite` or `postgres`.
    pub engine: &'static str,
    /// The branch (code) and counter this door works at.
    pub branch: String,
    pub branch_name: String,
    pub counter: String,
    /// The last daily backup's outcome; a failure stays here until a later one succeeds.
    pub daily_backup: Option<crate::backup::DailyBackupState>,
    /// Whether any account has a PIN (then every door asks who acts).
    pub sign_in_required: bool,
    /// The schema version the store is at (the About screen; support asks for it).
    pub schema_version: usize,
}

/// Whom a member referred, and how many of them made a first checkout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Referrals {
    pub successful: i64,
    pub members: Vec<Referee>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Referee {
    pub member_no: String,
    pub name: String,
    pub successful: bool,
}
