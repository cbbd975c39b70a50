//! The desktop app's state: the open store (or why it could not open), the store date it
//! was last brought up to, and who is signed in (the session, which locks after the idle
//! minutes of the settings). Two connections to the one file: the writer, for everything
//! that changes data (and bringing the store up to date, which may run a tier evaluation),
//! and a reader for lookups and cards, so the front desk keeps answering while the writer
//! works (WAL readers never wait for the writer).

use crate::clock;
use chrono::NaiveDate;
use desk::staff::{SessionEvent, SignedIn};
use desk::{Ctx, Desk, DeskError, DeskResult, ErrorCode};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct AppState {
    /// Where the store is (a file, or a shared server; shown without its password).
    location: Mutex<store::Location>,
    /// The folder of the app's own files (the default data file, backups of a server).
    pub app_folder: PathBuf,
    writer: Mutex<Writer>,
    reader: Mutex<Option<Desk>>,
    integrity: Arc<Mutex<Integrity>>,
    session: Mutex<Session>,
}

/// Who is signed in at this window, and since when nobody touched it.
struct Session {
    who: Option<SignedIn>,
    locked: bool,
    last_active: Instant,
}

/// Training and tests may shorten the idle lock to seconds.
pub const IDLE_SECONDS_ENV: &str = "MEMBERDESK_IDLE_LOCK_SECONDS";

/// What the window needs to know before anyone signs in.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SessionView {
    pub signed_in: Option<SignedIn>,
    pub locked: bool,
    /// No account has a PIN yet: the first start asks for the manager's name and PIN.
    pub setup_needed: bool,
    pub idle_lock_seconds: u64,
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
    /// Opens the store; a failure (a damaged file, an unreachable server) is kept to be
    /// shown, not hidden. Then, on a thread of its own, the full check of every page (a
    /// file) and the day's automatic backup run, while the front desk already works.
    pub fn open(location: store::Location) -> AppState {
        let state = AppState {
            location: Mutex::new(location.clone()),
            app_folder: clock::app_folder(),
            writer: Mutex::new(Writer { desk: Err(DeskError::new(ErrorCode::Internal, "")), brought_up_to: None }),
            reader: Mutex::new(None),
            integrity: Arc::new(Mutex::new(Integrity::Checking)),
            session: Mutex::new(Session { who: None, locked: false, last_active: Instant::now() }),
        };
        state.connect(location);
        state
    }

    /// (Re)opens the writer and the reader at `location`; the session starts over.
    pub fn connect(&self, location: store::Location) {
        let desk = open_desk(&location);
        let reader = desk.as_ref().ok().and_then(|_| open_desk(&location).ok());
        *self.integrity.lock().unwrap_or_else(|p| p.into_inner()) = Integrity::Checking;
        if desk.is_ok() {
            let (place, result) = (location.clone(), self.integrity.clone());
            std::thread::spawn(move || {
                run_in_the_background();
                let outcome = match &place {
                    store::Location::File(file) => match store::check_file(file) {
                        Ok(()) => Integrity::Ok,
                        Err(e) => Integrity::Damaged { message: desk::DeskError::from(e).message },
                    },
                    // A server checks its own pages.
                    store::Location::Server(_) => Integrity::Ok,
                };
                let healthy = outcome == Integrity::Ok;
                *result.lock().unwrap_or_else(|p| p.into_inner()) = outcome;
                if healthy {
                    backup_of_the_day(&place);
                }
                give_back_freed_memory();
            });
        } else {
            *self.integrity.lock().unwrap_or_else(|p| p.into_inner()) = Integrity::Ok;
        }
        *self.location.lock().unwrap_or_else(|p| p.into_inner()) = location;
        *self.writer.lock().unwrap_or_else(|p| p.into_inner()) = Writer { desk, brought_up_to: None };
        *self.reader.lock().unwrap_or_else(|p| p.into_inner()) = reader;
        let mut s = self.session();
        s.who = None;
        s.locked = false;
    }

    /// Where the store is.
    pub fn location(&self) -> store::Location {
        self.location.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The idle time after which the screen locks: the setting, or the env override.
    pub fn idle_limit(&self) -> Duration {
        if let Some(secs) = std::env::var(IDLE_SECONDS_ENV).ok().and_then(|v| v.trim().parse::<u64>().ok()) {
            return Duration::from_secs(secs.max(1));
        }
        let minutes = self
            .reader
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|d| d.settings().idle_lock_minutes)
            .unwrap_or(10);
        Duration::from_secs(u64::from(minutes.max(1)) * 60)
    }

    pub fn session_view(&self) -> DeskResult<SessionView> {
        let setup_needed = !self.with_reader_raw(|desk| desk.sign_in_required())?;
        let idle = self.idle_limit().as_secs();
        let s = self.session();
        Ok(SessionView { signed_in: s.who.clone(), locked: s.locked, setup_needed, idle_lock_seconds: idle })
    }

    /// The signed-in account's context, or why there is none: nobody signed in, or the
    /// screen locked (now, if it was idle longer than the limit: that is audited).
    fn session_ctx(&self, date: chrono::NaiveDate) -> DeskResult<Ctx> {
        let limit = self.idle_limit();
        let mut s = self.session();
        let Some(who) = s.who.clone() else {
            return Err(DeskError::new(ErrorCode::SignInRequired, "请先登录"));
        };
        if !s.locked && s.last_active.elapsed() > limit {
            s.locked = true;
            drop(s);
            let ctx = Ctx { staff_id: who.staff_id, role: who.role, store_date: date, now: clock::now_on(date) };
            self.record_session(&ctx, SessionEvent::ScreenLock)?;
            return Err(DeskError::new(ErrorCode::SessionLocked, "屏幕已锁定，请输入 PIN 解锁"));
        }
        if s.locked {
            return Err(DeskError::new(ErrorCode::SessionLocked, "屏幕已锁定，请输入 PIN 解锁"));
        }
        s.last_active = Instant::now();
        Ok(Ctx { staff_id: who.staff_id, role: who.role, store_date: date, now: clock::now_on(date) })
    }

    /// Signs in (or unlocks the screen, perhaps as another account: that switches).
    pub fn sign_in(&self, name: &str, pin: &str) -> DeskResult<SignedIn> {
        let purpose =
            if self.session().locked { desk::staff::SignInPurpose::Unlock } else { desk::staff::SignInPurpose::SignIn };
        let who = match self.with_writer(|desk, ctx| desk.sign_in(name, pin, purpose, ctx.store_date, ctx.now)) {
            // A damaged file refuses writes; lookups still answer, so the PIN is checked on
            // the reader, writing nothing.
            Err(e) if e.code == ErrorCode::DataFileDamaged => self.sign_in_read_only(name, pin)?,
            other => other.inspect_err(|e| crate::logging::error("sign-in", e))?,
        };
        let mut s = self.session();
        *s = Session { who: Some(who.clone()), locked: false, last_active: Instant::now() };
        Ok(who)
    }

    /// Audits a sign-out or a screen lock; on a damaged file (writes refused) it goes
    /// unrecorded rather than keeping the screen open.
    fn record_session(&self, ctx: &Ctx, event: SessionEvent) -> DeskResult<()> {
        match self.with_writer(|desk, _| desk.record_session(ctx, event)) {
            Err(e) if e.code == ErrorCode::DataFileDamaged => Ok(()),
            other => other,
        }
    }

    fn sign_in_read_only(&self, name: &str, pin: &str) -> DeskResult<SignedIn> {
        let (date, _) = self.store_date()?;
        let mut reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        let desk = reader.as_mut().ok_or_else(|| DeskError::new(ErrorCode::DataFileDamaged, "数据文件无法读取"))?;
        desk.sign_in(name, pin, desk::staff::SignInPurpose::Command, date, clock::now_on(date))
    }

    /// A new store's first manager, signed in at once.
    pub fn set_up(&self, name: &str, pin: &str) -> DeskResult<SignedIn> {
        let who = self.with_writer(|desk, ctx| desk.set_up_first_manager(ctx, name, pin))?;
        *self.session() = Session { who: Some(who.clone()), locked: false, last_active: Instant::now() };
        Ok(who)
    }

    /// Signs out, or locks the screen (the idle timer of the window, or 锁屏).
    pub fn end_session(&self, event: SessionEvent) -> DeskResult<()> {
        let (date, _) = self.store_date()?;
        let who = self.session().who.clone();
        if let Some(who) = who {
            let ctx = Ctx { staff_id: who.staff_id, role: who.role, store_date: date, now: clock::now_on(date) };
            self.record_session(&ctx, event)?;
        }
        let mut s = self.session();
        match event {
            SessionEvent::SignOut => *s = Session { who: None, locked: false, last_active: Instant::now() },
            SessionEvent::ScreenLock => s.locked = s.who.is_some(),
        }
        Ok(())
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

    /// Runs `f` on the writer as the signed-in account, with the store brought up to
    /// today's store date.
    pub fn with_desk<T>(&self, f: impl FnOnce(&mut Desk, &Ctx) -> DeskResult<T>) -> DeskResult<T> {
        let (date, _) = self.store_date()?;
        let ctx = self.session_ctx(date).inspect_err(|e| crate::logging::error("window", e))?;
        self.with_system(false, |desk, _| f(desk, &ctx))
    }

    /// Runs `f` on the writer as the store's own upkeep (the built-in account), with the
    /// store brought up to today's store date: opening the day, signing in.
    /// `confirm`: a manager confirmed a long jump of the date.
    pub fn with_system<T>(&self, confirm: bool, f: impl FnOnce(&mut Desk, &Ctx) -> DeskResult<T>) -> DeskResult<T> {
        self.on_writer(true, confirm, f).inspect_err(|e| crate::logging::error("window", e))
    }

    /// The writer without bringing the store up: signing in works while a long jump of the
    /// clock's date waits for a manager to confirm it.
    fn with_writer<T>(&self, f: impl FnOnce(&mut Desk, &Ctx) -> DeskResult<T>) -> DeskResult<T> {
        self.on_writer(false, false, f)
    }

    fn on_writer<T>(
        &self,
        bring_up: bool,
        confirm: bool,
        f: impl FnOnce(&mut Desk, &Ctx) -> DeskResult<T>,
    ) -> DeskResult<T> {
        if let Integrity::Damaged { message } = self.integrity() {
            return Err(DeskError::new(ErrorCode::DataFileDamaged, message));
        }
        let (date, explicit) = self.store_date()?;
        let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let writer = &mut *writer;
        let desk = writer.desk.as_mut().map_err(|e| e.clone())?;
        let now = clock::now_on(date);
        if bring_up && writer.brought_up_to != Some(date) {
            desk.bring_up_to(date, explicit || confirm, &now.format("%Y-%m-%d %H:%M:%S").to_string())?;
            writer.brought_up_to = Some(date);
            crate::logging::info(&format!("store date {date}: the store is brought up to it"));
        }
        let ctx = desk.manager_ctx(date, now)?;
        f(desk, &ctx)
    }

    /// Why the store could not be opened (a damaged file, an unreachable server), if so.
    pub fn open_error(&self) -> Option<DeskError> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner()).desk.as_ref().err().cloned()
    }

    /// Whether this window may switch to another store: while the store cannot be opened
    /// or no account has a PIN yet (the first start), or as a signed-in manager.
    pub fn may_change_connection(&self) -> bool {
        if self.open_error().is_some() {
            return true;
        }
        let setup = self.with_reader_raw(|desk| desk.sign_in_required()).map(|required| !required).unwrap_or(true);
        setup || self.may_confirm_date()
    }

    /// Whether the signed-in account may confirm a long jump of the store date (a manager).
    pub fn may_confirm_date(&self) -> bool {
        let s = self.session();
        !s.locked && s.who.as_ref().is_some_and(|w| w.role.is_manager())
    }

    /// Runs a read-only `f` on the reader as the signed-in account: it sees the last
    /// committed state and never waits for the writer.
    pub fn with_reader<T>(&self, f: impl FnOnce(&Desk, &Ctx) -> DeskResult<T>) -> DeskResult<T> {
        let (date, _) = self.store_date()?;
        let ctx = self.session_ctx(date).inspect_err(|e| crate::logging::error("window", e))?;
        let mut reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        let Some(desk) = reader.as_mut() else {
            drop(reader);
            return self.with_system(false, |desk, _| f(desk, &ctx));
        };
        f(desk, &ctx).inspect_err(|e| crate::logging::error("window", e))
    }

    /// The reader with no account and no bring-up: the sign-in screen's list of staff.
    pub fn with_reader_raw<T>(&self, f: impl FnOnce(&Desk) -> DeskResult<T>) -> DeskResult<T> {
        let reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        match reader.as_ref() {
            Some(desk) => f(desk),
            None => {
                drop(reader);
                self.with_writer(|desk, _| f(desk))
            }
        }
    }

    /// The reader as the store's own upkeep: what the window shows before sign-in.
    pub fn with_reader_system<T>(&self, f: impl FnOnce(&Desk, &Ctx) -> DeskResult<T>) -> DeskResult<T> {
        let (date, _) = self.store_date()?;
        let mut reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        let Some(desk) = reader.as_mut() else {
            drop(reader);
            return self.with_system(false, |desk, ctx| f(desk, ctx));
        };
        let ctx = desk.manager_ctx(date, clock::now_on(date))?;
        f(desk, &ctx).inspect_err(|e| crate::logging::error("window", e))
    }

    /// After the settings were saved through the writer: the reader takes them up too.
    pub fn settings_changed(&self) -> DeskResult<()> {
        match self.reader.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            Some(desk) => desk.reload_settings(),
            None => Ok(()),
        }
    }
}

/// The day's automatic backup, on its own connection (a no-op when today's exists). Its
/// outcome, a failure too, is recorded in the data file by `daily_backup` and shown on the
/// manager's screen and by `status`.
/// Returns the heap the background check and the day's backup freed to the system. Their
/// connections' pages were many small allocations, which the C allocator otherwise keeps
/// for the process (on the 1,000,000-member store: docs/performance.md).
fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the system; it is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Puts the calling thread (the full check and the day's backup) at the lowest CPU and I/O
/// priority, so that on a two-core till PC it takes what the window and the front desk
/// leave: on the 1,000,000-member store it read the 3.7 GB file while WebKit started, and
/// the window took 0.5 s longer to show its sign-in list than on a small store
/// (docs/performance.md). Best effort: a refusal leaves the thread as it was.
fn run_in_the_background() {
    #[cfg(target_os = "linux")]
    // SAFETY: both calls change only the calling thread's own priorities (Linux keeps the
    // nice value and the I/O class per thread); their results are ignored.
    unsafe {
        let thread = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, thread, 19);
        // ioprio_set(IOPRIO_WHO_PROCESS, this thread, IOPRIO_CLASS_IDLE << 13).
        libc::syscall(libc::SYS_ioprio_set, 1, thread, 3 << 13);
    }
}

fn backup_of_the_day(location: &store::Location) {
    let Ok(Some(date)) = clock::date_from_env().map(|d| d.or_else(|| Some(clock::store_now().date()))) else { return };
    if let Ok(desk) = open_desk(location) {
        if let Ok(ctx) = desk.manager_ctx(date, clock::now_on(date)) {
            match desk.daily_backup(&ctx) {
                Ok(Some(done)) => {
                    crate::logging::info(&format!("daily backup of {date}: {} ({} bytes)", done.file, done.bytes))
                }
                Ok(None) => crate::logging::info(&format!("daily backup of {date}: already made")),
                Err(e) => {
                    crate::logging::error("daily backup", &e);
                    eprintln!("每日备份失败 [{}]: {}", e.code.as_str(), e.message);
                }
            }
        }
    }
}

/// Opens one connection of this window: the store at `location`, working at the branch and
/// counter of the environment (`MEMBERDESK_BRANCH`, `MEMBERDESK_COUNTER`) or of the saved
/// shared-database settings, backups of a server kept in this PC's app folder.
pub fn open_desk(location: &store::Location) -> DeskResult<Desk> {
    let saved = crate::connection::SavedConnection::load(&clock::app_folder()).unwrap_or_default();
    open_desk_at(location, saved.branch, saved.counter)
}

/// The same at the branch and counter given (the connection form's, before they are saved);
/// the environment still wins. A branch the database does not have is refused.
pub fn open_desk_at(location: &store::Location, branch: Option<String>, counter: Option<String>) -> DeskResult<Desk> {
    let mut desk = Desk::open_location(location)?;
    let branch = clock::env_text(clock::BRANCH_ENV).or(branch);
    let counter = clock::env_text(clock::COUNTER_ENV).or(counter).unwrap_or_else(|| {
        if matches!(location, store::Location::Server(_)) {
            default_counter()
        } else {
            String::new()
        }
    });
    desk.set_station(branch.as_deref(), &counter)?;
    if let store::Location::Server(_) = location {
        desk.set_backup_folder(clock::shared_backup_folder());
    }
    Ok(desk)
}

/// A counter's name when none was given: the PC's host name.
fn default_counter() -> String {
    // Windows names the PC in COMPUTERNAME; Linux in /etc/hostname.
    std::env::var("COMPUTERNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().chars().take(30).collect::<String>())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "desk".to_string())
}
