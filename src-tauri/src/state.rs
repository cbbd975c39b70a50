//! The desktop app's state: the open store (or why it could not open), and the store date
//! it was last brought up to.

use crate::clock;
use chrono::NaiveDate;
use desk::{Ctx, Desk, DeskError, DeskResult, ErrorCode};
use std::path::PathBuf;
use std::sync::Mutex;

pub struct AppState {
    pub data_file: PathBuf,
    inner: Mutex<Inner>,
}

struct Inner {
    desk: Result<Desk, DeskError>,
    brought_up_to: Option<NaiveDate>,
}

impl AppState {
    /// Opens the data file; a failure (a damaged file) is kept to be shown, not hidden.
    pub fn open(data_file: PathBuf) -> AppState {
        let desk = Desk::open(&data_file);
        AppState { data_file, inner: Mutex::new(Inner { desk, brought_up_to: None }) }
    }

    /// The store date: `MEMBERDESK_TODAY` (taken as confirmed) or the clock's date.
    pub fn store_date(&self) -> DeskResult<(NaiveDate, bool)> {
        match clock::date_from_env() {
            Ok(Some(d)) => Ok((d, true)),
            Ok(None) => Ok((clock::store_now().date(), false)),
            Err(msg) => Err(DeskError::new(ErrorCode::InvalidInput, msg)),
        }
    }

    /// Runs `f` with the store brought up to today's store date. `confirm`: a manager
    /// confirmed a long jump of the date.
    pub fn with_desk<T>(&self, confirm: bool, f: impl FnOnce(&mut Desk, &Ctx) -> DeskResult<T>) -> DeskResult<T> {
        let (date, explicit) = self.store_date()?;
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let inner = &mut *inner;
        let desk = inner.desk.as_mut().map_err(|e| e.clone())?;
        let now = clock::now_on(date);
        if inner.brought_up_to != Some(date) {
            desk.bring_up_to(date, explicit || confirm, &now.format("%Y-%m-%d %H:%M:%S").to_string())?;
            inner.brought_up_to = Some(date);
        }
        let ctx = desk.manager_ctx(date, now)?;
        f(desk, &ctx)
    }
}
