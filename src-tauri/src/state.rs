//! The desktop app's state: the open store (or why it could not open), and the store date
//! it was last brought up to. Two connections to the one file: the writer, for everything
//! that changes data (and bringing the store up to date, which may run a tier evaluation),
//! and a reader for lookups and cards, so the front desk keeps answering while the writer
//! works (WAL readers never wait for the writer).

use crate::clock;
use chrono::NaiveDate;
use desk::{Ctx, Desk, DeskError, DeskResult, ErrorCode};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub struct AppState {
    pub data_file: PathBuf,
    writer: Mutex<Writer>,
    reader: Mutex<Option<Desk>>,
    integrity: Arc<Mutex<Integrity>>,
}

/// The full check of the data file, which runs in the background after start.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Integrity {
    Checking,
    Ok,
    Damaged { message: String },
}

struct Writer {
    desk: Result<Desk, DeskError>,
    brought_up_to: Option<NaiveDate>,
}

impl AppState {
    /// Opens the data file; a failure (a damaged file) is kept to be shown, not hidden.
    /// Then, on a thread of its own, the full check of every page and the day's automatic
    /// backup run, while the front desk already works.
    pub fn open(data_file: PathBuf) -> AppState {
        let desk = Desk::open(&data_file);
        let reader = desk.as_ref().ok().and_then(|_| Desk::open(&data_file).ok());
        let integrity = Arc::new(Mutex::new(Integrity::Checking));
        if desk.is_ok() {
            let (file, result) = (data_file.clone(), integrity.clone());
            std::thread::spawn(move || {
                let outcome = match store::check_file(&file) {
                    Ok(()) => Integrity::Ok,
                    Err(e) => Integrity::Damaged { message: desk::DeskError::from(e).message },
                };
                let healthy = outcome == Integrity::Ok;
                *result.lock().unwrap_or_else(|p| p.into_inner()) = outcome;
                if healthy {
                    backup_of_the_day(&file);
                }
            });
        }
        AppState {
            data_file,
            writer: Mutex::new(Writer { desk, brought_up_to: None }),
            reader: Mutex::new(reader),
            integrity,
        }
    }

    pub fn integrity(&self) -> Integrity {
        self.integrity.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The store date: `MEMBERDESK_TODAY` (taken as confirmed) or the clock's date.
    pub fn store_date(&self) -> DeskResult<(NaiveDate, bool)> {
        match clock::date_from_env() {
            Ok(Some(d)) => Ok((d, true)),
            Ok(None) => Ok((clock::store_now().date(), false)),
            Err(msg) => Err(DeskError::new(ErrorCode::InvalidInput, msg)),
        }
    }

    /// Runs `f` on the writer, with the store brought up to today's store date.
    /// `confirm`: a manager confirmed a long jump of the date.
    pub fn with_desk<T>(&self, confirm: bool, f: impl FnOnce(&mut Desk, &Ctx) -> DeskResult<T>) -> DeskResult<T> {
        if let Integrity::Damaged { message } = self.integrity() {
            return Err(DeskError::new(ErrorCode::DataFileDamaged, message));
        }
        let (date, explicit) = self.store_date()?;
        let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let writer = &mut *writer;
        let desk = writer.desk.as_mut().map_err(|e| e.clone())?;
        let now = clock::now_on(date);
        if writer.brought_up_to != Some(date) {
            desk.bring_up_to(date, explicit || confirm, &now.format("%Y-%m-%d %H:%M:%S").to_string())?;
            writer.brought_up_to = Some(date);
        }
        let ctx = desk.manager_ctx(date, now)?;
        f(desk, &ctx)
    }

    /// Runs a read-only `f` on the reader: it sees the last committed state and never
    /// waits for the writer.
    pub fn with_reader<T>(&self, f: impl FnOnce(&Desk, &Ctx) -> DeskResult<T>) -> DeskResult<T> {
        let (date, _) = self.store_date()?;
        let mut reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        let Some(desk) = reader.as_mut() else {
            drop(reader);
            return self.with_desk(false, |desk, ctx| f(desk, ctx));
        };
        let ctx = desk.manager_ctx(date, clock::now_on(date))?;
        f(desk, &ctx)
    }

    /// After the settings were saved through the writer: the reader takes them up too.
    pub fn settings_changed(&self) -> DeskResult<()> {
        match self.reader.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            Some(desk) => desk.reload_settings(),
            None => Ok(()),
        }
    }
}

/// The day's automatic backup, on its own connection (a no-op when today's exists).
fn backup_of_the_day(file: &std::path::Path) {
    let Ok(Some(date)) = clock::date_from_env().map(|d| d.or_else(|| Some(clock::store_now().date()))) else { return };
    if let Ok(desk) = Desk::open(file) {
        if let Ok(ctx) = desk.manager_ctx(date, clock::now_on(date)) {
            let _ = desk.daily_backup(&ctx);
        }
    }
}
