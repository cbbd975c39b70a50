//! MemberDesk's loyalty rules (rules.md §1–4 so far): money, members, points and lots,
//! the store date. Everything here is a pure function of its inputs — no clock, no IO —
//! so the rule book's worked examples test in milliseconds.

pub mod contacts;
pub mod coupons;
pub mod figures;
pub mod lookup;
pub mod lunar;
pub mod member;
pub mod merge;
pub mod money;
pub mod name_keys;
pub mod points;
pub mod program;
pub mod screening;
pub mod staff;
pub mod store_date;
pub mod stored_value;
pub mod tiers;

pub use member::{Birthday, Calendar, Gender, MemberError};
pub use money::{AmountError, Money};
pub use points::{LotBalance, LotTake, Tier};
pub use program::ProgramSettings;
pub use staff::{Operation, Role};
pub use store_date::{SaleTimeError, StoreDateError};
