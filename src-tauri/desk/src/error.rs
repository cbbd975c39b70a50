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
            StoreError::Sql(rusqlite::Error::SqliteFailure(f, _))
                if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) =>
            {
                return DeskError::new(
                    ErrorCode::StoreBusy,
                    "数据正被另一项操作使用（例如正在导入），请稍后再试；本次未写入任何数据",
                );
            }
            StoreError::Sql(rusqlite::Error::SqliteFailure(f, _))
                if matches!(f.code, rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) =>
            {
                ErrorCode::DataFileDamaged
            }
            // A stored code this build does not know (a tier, a gender…): parsed once in the
            // store, never read as a default.
            StoreError::Sql(rusqlite::Error::FromSqlConversionFailure(..)) => ErrorCode::DataFileDamaged,
            StoreError::Sql(_) | StoreError::Migration(_) => ErrorCode::Internal,
        };
        DeskError::new(code, e.to_string())
    }
}

impl From<rusqlite::Error> for DeskError {
    fn from(e: rusqlite::Error) -> Self {
        DeskError::from(StoreError::from(e))
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
        DeskError::new(code, e.to_string())
    }
}

impl From<SaleTimeError> for DeskError {
    fn from(e: SaleTimeError) -> Self {
        let code = match e {
            SaleTimeError::AfterStoreDate { .. } => ErrorCode::DateInFuture,
            SaleTimeError::BeforeOpening { .. } => ErrorCode::DateBeforeOpening,
        };
        DeskError::new(code, e.to_string())
    }
}

impl From<StoreDateError> for DeskError {
    fn from(e: StoreDateError) -> Self {
        let code = match e {
            StoreDateError::Backwards { .. } => ErrorCode::StoreDateBackwards,
            StoreDateError::JumpNeedsConfirmation { .. } => ErrorCode::StoreDateJumpUnconfirmed,
            StoreDateError::JumpTooFar { .. } => ErrorCode::StoreDateJumpTooFar,
        };
        DeskError::new(code, e.to_string())
    }
}
