//! The one error type every operation returns: a stable `code` that the UI and scripts
//! switch on, and a Chinese `message` for people. Serialises as `{code, message}`.

use loyalty::{AmountError, MemberError, SaleTimeError, StoreDateError};
use serde::Serialize;
use store::StoreError;

/// Stable error codes (snake_case in JSON). Adding is fine; renaming is a breaking change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidAmount,
    InvalidPhone,
    PhoneTaken,
    InvalidName,
    InvalidBirthday,
    InvalidGender,
    InvalidInput,
    MemberNotFound,
    CardReplaced,
    StoredValueInsufficient,
    /// The member has a payment PIN and none was given.
    SvPinRequired,
    /// Five wrong payment PINs today: no paying by stored value until the next store day.
    SvPinLocked,
    MemberArchived,
    ReferrerNotFound,
    ReceiptConflict,
    ReceiptNotFound,
    RefundOfRefund,
    RefundExceedsPaid,
    DateInFuture,
    DateBeforeOpening,
    StoreDateBackwards,
    StoreDateJumpUnconfirmed,
    ReasonRequired,
    PointsInsufficient,
    CouponNotFound,
    CouponExpired,
    CouponNotYetValid,
    CouponUsed,
    CouponVoid,
    CouponNotOwned,
    CouponMinSpend,
    CouponNotForCheckout,
    PointsNegative,
    OutOfStock,
    NotAllowed,
    ImportInvalid,
    FileUnreadable,
    DataFileDamaged,
    DataFileTooNew,
    StoreNotEmpty,
    StoreDateJumpTooFar,
    /// Another operation (a long import) holds the write lock past the wait bound.
    StoreBusy,
    InvalidPin,
    WrongPin,
    StaffLocked,
    StaffNotFound,
    StaffNameTaken,
    LastManager,
    /// A PIN exists and the command line was not told who acts (`--staff`).
    StaffRequired,
    /// The desktop window has nobody signed in.
    SignInRequired,
    /// The screen is locked after being idle: unlock with a PIN.
    SessionLocked,
    /// The shared database server cannot be reached or refused the sign-in.
    StoreUnreachable,
    /// Counters kept colliding on the same rows past every retry (never seen in practice:
    /// each conflict is retried inside the operation).
    StoreConflict,
    BranchNotFound,
    BranchCodeTaken,
    /// `migrate --to` a target that already holds data, or a copy that did not verify.
    TargetNotEmpty,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct DeskError {
    pub code: ErrorCode,
    pub message: String,
}

impl DeskError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> DeskError {
        DeskError { code, message: message.into() }
    }
    /// Whether the operation was refused (bad input, a rule) rather than failing.
    pub fn is_refusal(&self) -> bool {
        !matches!(self.code, ErrorCode::Internal)
    }
}

pub type DeskResult<T> = Result<T, DeskError>;

impl From<StoreError> for DeskError {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::Damaged { .. } | StoreError::Unopenable { .. } => ErrorCode::DataFileDamaged,
            StoreError::TooNew { .. } => ErrorCode::DataFileTooNew,
            StoreError::Unwritable { .. } => ErrorCode::FileUnreadable,
            StoreError::Sql(d) if d.is_busy() => {
                return DeskError::new(
                    ErrorCode::StoreBusy,
                    "数据正被另一项操作使用（例如正在导入），请稍后再试；本次未写入任何数据",
                );
            }
            StoreError::Sql(d) if d.is_conflict() => {
                return DeskError::new(
                    ErrorCode::StoreConflict,
                    "其他收银台正在同时修改同一笔数据，多次重试仍未完成，请再试一次；本次未写入任何数据",
                );
            }
            StoreError::Unreachable { .. } => ErrorCode::StoreUnreachable,
            StoreError::Sql(d) if d.is_unreachable() => {
                return DeskError::new(
                    ErrorCode::StoreUnreachable,
                    format!("与共享数据库的连接中断：{}", store::redact_password(&d.to_string())),
                );
            }
            // A damaged file, or a stored code this build does not know (a tier, a
            // gender…): parsed once in the store, never read as a default.
            StoreError::Sql(d) if d.is_damaged() => ErrorCode::DataFileDamaged,
            StoreError::Copy(_) => ErrorCode::TargetNotEmpty,
            StoreError::Sql(_) | StoreError::Migration(_) => ErrorCode::Internal,
        };
        DeskError::new(code, store::redact_password(&e.to_string()))
    }
}

impl From<store::db::Error> for DeskError {
    fn from(e: store::db::Error) -> Self {
        DeskError::from(StoreError::from(e))
    }
}

/// A conflict between counters is retried by `Store::write`; everything else is final.
impl store::Retryable for DeskError {
    fn is_conflict(&self) -> bool {
        self.code == ErrorCode::StoreConflict
    }
}

impl From<AmountError> for DeskError {
    fn from(e: AmountError) -> Self {
        DeskError::new(ErrorCode::InvalidAmount, e.to_string())
    }
}

impl From<MemberError> for DeskError {
    fn from(e: MemberError) -> Self {
        let code = match e {
            MemberError::InvalidPhone(_) => ErrorCode::InvalidPhone,
            MemberError::NameEmpty | MemberError::NameTooLong(_) | MemberError::NameInvalidChar(_) => {
                ErrorCode::InvalidName
            }
            MemberError::InvalidBirthday(_) => ErrorCode::InvalidBirthday,
            MemberError::InvalidGender(_) => ErrorCode::InvalidGender,
            MemberError::NoteTooLong(_) => ErrorCode::InvalidInput,
        };
        DeskError::new(code, store::redact_password(&e.to_string()))
    }
}

impl From<SaleTimeError> for DeskError {
    fn from(e: SaleTimeError) -> Self {
        let code = match e {
            SaleTimeError::AfterStoreDate { .. } => ErrorCode::DateInFuture,
            SaleTimeError::BeforeOpening { .. } => ErrorCode::DateBeforeOpening,
        };
        DeskError::new(code, store::redact_password(&e.to_string()))
    }
}

impl From<StoreDateError> for DeskError {
    fn from(e: StoreDateError) -> Self {
        let code = match e {
            StoreDateError::Backwards { .. } => ErrorCode::StoreDateBackwards,
            StoreDateError::JumpNeedsConfirmation { .. } => ErrorCode::StoreDateJumpUnconfirmed,
            StoreDateError::JumpTooFar { .. } => ErrorCode::StoreDateJumpTooFar,
        };
        DeskError::new(code, store::redact_password(&e.to_string()))
    }
}
