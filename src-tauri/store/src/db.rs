//! The two engines behind one connection type. [`Connection`] is either the embedded SQLite
//! file or a PostgreSQL server; the table modules write their SQL once, in the common
//! dialect of both (`?1` placeholders, `ON CONFLICT`, `RETURNING`, `CAST(.. AS BIGINT)`),
//! and ask [`Connection::engine`] for the few statements that differ. Values cross as
//! [`Value`]: integers, text, blobs, NULL — money is whole fen, dates are `YYYY-MM-DD` text
//! on both engines, so both hold the same rows.
//!
//! The API mirrors the part of rusqlite the store used (`prepare_cached`, `query_row`,
//! `query_map`, `optional`), so a table module reads the same for either engine.
//!
//! On PostgreSQL a round trip costs far more than a statement, so inside a transaction
//! `BEGIN` and the writes of [`Connection::execute_later`] wait and are sent, pipelined,
//! with the next statement whose answer is awaited (or `COMMIT`).

use chrono::{NaiveDate, NaiveDateTime};
use std::cell::RefCell;
use std::collections::HashMap;

/// Which database server holds the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// An error of either engine, sorted into what the operations need to tell apart.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("查询没有结果")]
    QueryReturnedNoRows,
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", pg_message(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// A stored value this build cannot read (an unknown code, a malformed date).
    #[error("第 {column} 列：{detail}")]
    Conversion { column: usize, detail: String },
}

fn pg_message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}（{}）", db.message(), db.code().code()),
        // Connection errors never carry the URL, so no password can show here.
        None => e.to_string(),
    }
}

impl Error {
    /// Another writer holds the store (SQLite's lock, after the busy timeout).
    pub fn is_busy(&self) -> bool {
        matches!(self, Error::Sqlite(rusqlite::Error::SqliteFailure(f, _))
            if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
    }

    /// Two transactions that could not both commit as if one ran after the other
    /// (PostgreSQL's serialization failure or deadlock): running the operation again is
    /// always safe and gives the serial result.
    pub fn is_conflict(&self) -> bool {
        match self {
            Error::Postgres(e) => e.code().is_some_and(|c| {
                *c == tokio_postgres::error::SqlState::T_R_SERIALIZATION_FAILURE
                    || *c == tokio_postgres::error::SqlState::T_R_DEADLOCK_DETECTED
                    || *c == tokio_postgres::error::SqlState::UNIQUE_VIOLATION
            }),
            _ => false,
        }
    }

    /// The file is not a database or is damaged, or a stored value is unreadable.
    pub fn is_damaged(&self) -> bool {
        match self {
            Error::Conversion { .. } => true,
            Error::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
                matches!(f.code, rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
            }
            Error::Sqlite(rusqlite::Error::FromSqlConversionFailure(..)) => true,
            _ => false,
        }
    }

    /// The server cannot be reached or closed the connection.
    pub fn is_unreachable(&self) -> bool {
        match self {
            Error::Postgres(e) => e.is_closed() || (e.as_db_error().is_none() && e.code().is_none()),
            _ => false,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A value as both engines store it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// What can be bound to a placeholder.
pub trait ToValue {
    fn to_value(&self) -> Value;
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, |v| v.to_value())
    }
}
impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}
macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value { Value::Int(*self as i64) }
        }
    )*};
}
int_value!(i64, i32, i16, u8, u16, u32, u64, usize);
impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Int(*self as i64)
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl ToValue for std::borrow::Cow<'_, str> {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}
impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}
impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}
// Dates and times are written as chrono's `%Y-%m-%d` and `%Y-%m-%d %H:%M:%S%.f` would write
// them, without parsing those formats again for every value (a twentieth of a large
// import's time went to chrono's format strings): years outside 0–9999 and fractions of a
// second, which the store never writes, go through chrono.
impl ToValue for NaiveDate {
    fn to_value(&self) -> Value {
        use chrono::Datelike;
        if !(0..=9999).contains(&self.year()) {
            return Value::Text(self.format("%Y-%m-%d").to_string());
        }
        Value::Text(format!("{:04}-{:02}-{:02}", self.year(), self.month(), self.day()))
    }
}
impl ToValue for NaiveDateTime {
    fn to_value(&self) -> Value {
        use chrono::{Datelike, Timelike};
        if !(0..=9999).contains(&self.year()) || self.nanosecond() != 0 {
            return Value::Text(self.format("%Y-%m-%d %H:%M:%S%.f").to_string());
        }
        Value::Text(format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year(),
            self.month(),
            self.day(),
            self.hour(),
            self.minute(),
            self.second()
        ))
    }
}

/// What a read column can become.
pub trait FromValue: Sized {
    fn from_value(v: Value) -> std::result::Result<Self, String>;
}

impl FromValue for Value {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        Ok(v)
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}
fn int_of(v: Value) -> std::result::Result<i64, String> {
    match v {
        Value::Int(i) => Ok(i),
        Value::Real(f) if f.fract() == 0.0 => Ok(f as i64),
        other => Err(format!("应为整数，实际是 {other:?}")),
    }
}
macro_rules! int_from {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: Value) -> std::result::Result<Self, String> {
                let i = int_of(v)?;
                <$t>::try_from(i).map_err(|_| format!("整数 {i} 超出范围"))
            }
        }
    )*};
}
int_from!(i64, i32, u32, u64, usize);
impl FromValue for bool {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        Ok(int_of(v)? != 0)
    }
}
impl FromValue for f64 {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Int(i) => Ok(i as f64),
            Value::Real(f) => Ok(f),
            other => Err(format!("应为数字，实际是 {other:?}")),
        }
    }
}
impl FromValue for String {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Text(s) => Ok(s),
            other => Err(format!("应为文字，实际是 {other:?}")),
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Blob(b) => Ok(b),
            Value::Text(s) => Ok(s.into_bytes()),
            other => Err(format!("应为二进制，实际是 {other:?}")),
        }
    }
}
impl FromValue for NaiveDate {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        let s = String::from_value(v)?;
        NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| format!("日期“{s}”无法读取"))
    }
}
impl FromValue for NaiveDateTime {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        let s = String::from_value(v)?;
        ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(&s, f).ok())
            .ok_or_else(|| format!("时间“{s}”无法读取"))
    }
}

/// The values of a statement's placeholders, in order.
pub trait Params {
    fn values(&self) -> Vec<Value>;
}
impl Params for () {
    fn values(&self) -> Vec<Value> {
        Vec::new()
    }
}
impl Params for &[&dyn ToValue] {
    fn values(&self) -> Vec<Value> {
        self.iter().map(|v| v.to_value()).collect()
    }
}
impl<T: ToValue, const N: usize> Params for [T; N] {
    fn values(&self) -> Vec<Value> {
        self.iter().map(|v| v.to_value()).collect()
    }
}
impl Params for Vec<Value> {
    fn values(&self) -> Vec<Value> {
        self.clone()
    }
}

/// `params![a, b, c]`: placeholders' values of mixed types.
#[macro_export]
macro_rules! params {
    () => { () };
    ($($v:expr),+ $(,)?) => { &[$(&$v as &dyn $crate::db::ToValue),+] as &[&dyn $crate::db::ToValue] };
}
pub use crate::params;

/// `.optional()` on a single-row read: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}
impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A column position (`usize` only, so `r.get(0)` needs no annotation).
pub trait RowIndex {
    fn index(self) -> usize;
}
impl RowIndex for usize {
    fn index(self) -> usize {
        self
    }
}

/// One row of a result, read by column position.
pub struct Row<'a> {
    inner: RowInner<'a>,
}

enum RowInner<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a tokio_postgres::Row),
}

impl Row<'_> {
    /// The column as a [`Value`].
    pub fn value(&self, idx: usize) -> Result<Value> {
        match &self.inner {
            RowInner::Sqlite(r) => Ok(match r.get_ref(idx)? {
                rusqlite::types::ValueRef::Null => Value::Null,
                rusqlite::types::ValueRef::Integer(i) => Value::Int(i),
                rusqlite::types::ValueRef::Real(f) => Value::Real(f),
                rusqlite::types::ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                rusqlite::types::ValueRef::Blob(b) => Value::Blob(b.to_vec()),
            }),
            RowInner::Postgres(r) => pg_value(r, idx),
        }
    }

    /// The text column borrowed, without copying it (`None` for NULL): for readers of a
    /// million rows.
    pub fn text<R>(&self, idx: usize, f: impl FnOnce(Option<&str>) -> R) -> Result<R> {
        match &self.inner {
            RowInner::Sqlite(r) => {
                let text = r
                    .get_ref(idx)?
                    .as_str_or_null()
                    .map_err(|e| Error::Conversion { column: idx, detail: e.to_string() })?;
                Ok(f(text))
            }
            RowInner::Postgres(r) => {
                let text: Option<&str> = r.try_get(idx)?;
                Ok(f(text))
            }
        }
    }

    /// The column converted to `T` (`r.get::<_, i64>(0)`, as rusqlite spells it).
    pub fn get<I: RowIndex, T: FromValue>(&self, idx: I) -> Result<T> {
        let idx = idx.index();
        T::from_value(self.value(idx)?).map_err(|detail| Error::Conversion { column: idx, detail })
    }

    pub fn column_count(&self) -> usize {
        match &self.inner {
            RowInner::Sqlite(r) => r.as_ref().column_count(),
            RowInner::Postgres(r) => r.len(),
        }
    }
}

fn pg_value(r: &tokio_postgres::Row, idx: usize) -> Result<Value> {
    use tokio_postgres::types::Type;
    let ty = r
        .columns()
        .get(idx)
        .map(|c| c.type_().clone())
        .ok_or(Error::Conversion { column: idx, detail: "没有这一列".into() })?;
    let v = match ty {
        Type::INT8 => r.try_get::<_, Option<i64>>(idx)?.map(Value::Int),
        Type::INT4 => r.try_get::<_, Option<i32>>(idx)?.map(|i| Value::Int(i.into())),
        Type::INT2 => r.try_get::<_, Option<i16>>(idx)?.map(|i| Value::Int(i.into())),
        Type::BOOL => r.try_get::<_, Option<bool>>(idx)?.map(|b| Value::Int(b as i64)),
        Type::FLOAT8 => r.try_get::<_, Option<f64>>(idx)?.map(Value::Real),
        Type::FLOAT4 => r.try_get::<_, Option<f32>>(idx)?.map(|f| Value::Real(f.into())),
        Type::NUMERIC => r.try_get::<_, Option<rust_decimal::Decimal>>(idx)?.map(|d| {
            use rust_decimal::prelude::ToPrimitive;
            if d.fract().is_zero() {
                d.to_i64().map(Value::Int).unwrap_or_else(|| Value::Real(d.to_f64().unwrap_or(f64::NAN)))
            } else {
                Value::Real(d.to_f64().unwrap_or(f64::NAN))
            }
        }),
        Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(idx)?.map(Value::Blob),
        _ => r.try_get::<_, Option<String>>(idx)?.map(Value::Text),
    };
    Ok(v.unwrap_or(Value::Null))
}

/// How [`Value`]s go to PostgreSQL: whatever type the server inferred for the placeholder,
/// the value is written as that type (an integer to a `bool`, text to `jsonb`…).
impl tokio_postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &tokio_postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use bytes::BufMut;
        use tokio_postgres::types::{IsNull, Type};
        let text_like = |t: &Type| matches!(*t, Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN);
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::NUMERIC => rust_decimal::Decimal::from(*i).to_sql(ty, out),
                ref t if text_like(t) => i.to_string().to_sql(ty, out),
                ref t => Err(format!("整数不能写入 {t} 列").into()),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT8 => f.to_sql(ty, out),
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                Type::NUMERIC => rust_decimal::Decimal::try_from(*f)?.to_sql(ty, out),
                ref t if text_like(t) => f.to_string().to_sql(ty, out),
                ref t => Err(format!("小数不能写入 {t} 列").into()),
            },
            Value::Text(s) => match *ty {
                Type::JSONB => {
                    out.put_u8(1);
                    out.put_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                Type::JSON => {
                    out.put_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                Type::INT8 => s.parse::<i64>()?.to_sql(ty, out),
                Type::INT4 => s.parse::<i32>()?.to_sql(ty, out),
                Type::BYTEA => s.as_bytes().to_sql(ty, out),
                _ => s.as_str().to_sql(ty, out),
            },
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &tokio_postgres::types::Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

/// `?1` placeholders (and bare `?`) become PostgreSQL's `$1`; quoted text is left alone.
pub(crate) fn pg_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    let mut next_bare = 1;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '?' => {
                out.push('$');
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if digits.is_empty() {
                    out.push_str(&next_bare.to_string());
                    next_bare += 1;
                } else {
                    out.push_str(&digits);
                }
            }
            None => out.push(c),
        }
    }
    out
}

/// A subquery giving the ids of the JSON array in placeholder `?1` (`[3, 5, 8]`).
pub fn id_list(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "SELECT value FROM json_each(?1)",
        Engine::Postgres => "SELECT CAST(value AS BIGINT) FROM jsonb_array_elements_text(CAST(?1 AS JSONB))",
    }
}

/// Runs `f` where the PostgreSQL link may block: on this thread, or, when this thread
/// belongs to an async runtime (the desktop's commands run on Tauri's), on a scoped thread
/// of its own, since the link drives its own runtime and tokio refuses to start one inside
/// another.
pub fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|s| s.spawn(f).join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    } else {
        f()
    }
}

/// The client, the connection that carries its messages, and the small runtime that drives
/// both on the calling thread (what the `postgres` crate does, kept here so that several
/// requests can be sent before the first answer is awaited).
pub(crate) struct PgLink {
    runtime: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
    connection: tokio_postgres::Connection<tokio_postgres::Socket, tokio_postgres::tls::NoTlsStream>,
}

impl PgLink {
    /// Connects (the caller has made sure no other runtime runs on this thread).
    pub(crate) fn connect(config: &tokio_postgres::Config) -> Result<PgLink> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Conversion { column: 0, detail: format!("runtime: {e}") })?;
        let (client, connection) = runtime.block_on(config.connect(tokio_postgres::NoTls))?;
        Ok(PgLink { runtime, client, connection })
    }

    /// Sends `queued` in order, then the request of `work`, and only then waits: one round
    /// trip for all of them. The first failure among them is the result (the server skips
    /// what follows a failed statement in a transaction).
    fn drive<T>(
        &mut self,
        queued: &[Queued],
        work: impl AsyncFnOnce(&tokio_postgres::Client) -> Result<T>,
    ) -> Result<T> {
        use futures_util::future::{maybe_done, MaybeDone};
        use std::future::Future;
        use std::pin::Pin;
        use std::task::Poll;
        type Sent<'a> = MaybeDone<Pin<Box<dyn Future<Output = Result<()>> + 'a>>>;
        let PgLink { runtime, client, connection } = self;
        let client = &*client;
        runtime.block_on(async move {
            let mut sent: Vec<Sent<'_>> = queued.iter().map(|q| maybe_done(q.send(client))).collect();
            let mut work = std::pin::pin!(maybe_done(work(client)));
            std::future::poll_fn(|cx| {
                // The connection first (it writes what was sent and reads the answers), as
                // the `postgres` crate drives it.
                loop {
                    match connection.poll_message(cx) {
                        Poll::Ready(Some(Ok(_))) => {}
                        Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(Error::Postgres(e))),
                        Poll::Ready(None) | Poll::Pending => break,
                    }
                }
                // Each future sends its request when first polled: in order.
                let mut waiting = false;
                for f in sent.iter_mut() {
                    waiting |= Pin::new(f).poll(cx).is_pending();
                }
                waiting |= work.as_mut().poll(cx).is_pending();
                if waiting {
                    Poll::Pending
                } else {
                    Poll::Ready(Ok(()))
                }
            })
            .await?;
            for f in sent.iter_mut() {
                if let Some(Err(e)) = Pin::new(f).take_output() {
                    return Err(e);
                }
            }
            work.as_mut().take_output().expect("polled to the end")
        })
    }
}

/// A statement whose answer nobody reads, held until the next one that is awaited
/// (PostgreSQL only): `BEGIN`, and the writes of [`Connection::execute_later`].
enum Queued {
    Simple(String),
    Execute(tokio_postgres::Statement, Vec<Value>),
}

impl Queued {
    fn send<'a>(
        &'a self,
        client: &'a tokio_postgres::Client,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + 'a>> {
        Box::pin(async move {
            match self {
                Queued::Simple(sql) => client.batch_execute(sql).await?,
                Queued::Execute(stmt, values) => {
                    client.execute(stmt, &pg_params(values)).await?;
                }
            }
            Ok(())
        })
    }
}

impl PgConn {
    /// Prepares a statement; what is queued stays queued.
    fn prepare(&self, text: &str) -> Result<tokio_postgres::Statement> {
        let mut guard = self.link.borrow_mut();
        let link = guard.as_mut().expect("the link lives until the connection is dropped");
        off_runtime(move || link.drive(&[], async |c| Ok(c.prepare(text).await?)))
    }

    /// Runs `work` after what is queued, in one round trip (see [`PgLink::drive`]).
    fn run<T: Send>(&self, work: impl AsyncFnOnce(&tokio_postgres::Client) -> Result<T> + Send) -> Result<T> {
        let queued = std::mem::take(&mut *self.queued.borrow_mut());
        let mut guard = self.link.borrow_mut();
        let link = guard.as_mut().expect("the link lives until the connection is dropped");
        off_runtime(move || link.drive(&queued, work))
    }

    /// [`PgConn::run`], with the statement's generic plan when `generic`: the setting is
    /// sent before it and reset after it, all in the same round trip.
    fn run_planned<T: Send>(
        &self,
        generic: bool,
        work: impl AsyncFnOnce(&tokio_postgres::Client) -> Result<T> + Send,
    ) -> Result<T> {
        if !generic {
            return self.run(work);
        }
        self.queue(Queued::Simple("SET plan_cache_mode = force_generic_plan".into()));
        self.run(async move |c| {
            let (out, reset) = futures_util::future::join(work(c), c.batch_execute("RESET plan_cache_mode")).await;
            let out = out?;
            reset?;
            Ok(out)
        })
    }

    /// Holds `item` for the next request that is awaited.
    fn queue(&self, item: Queued) {
        self.queued.borrow_mut().push(item);
    }
}

impl Drop for PgConn {
    fn drop(&mut self) {
        // Dropping the runtime must not happen on another runtime's thread.
        if let Some(link) = self.link.get_mut().take() {
            off_runtime(move || drop(link));
        }
    }
}

/// The PostgreSQL side of a connection: the link, its prepared statements, and what waits
/// to be sent.
pub(crate) struct PgConn {
    /// Always `Some`; taken only when dropped (see `Drop`).
    link: RefCell<Option<PgLink>>,
    statements: RefCell<HashMap<String, tokio_postgres::Statement>>,
    /// Statements not sent yet (pipelining): they go with the next request that is awaited.
    queued: RefCell<Vec<Queued>>,
    /// Inside a transaction, writes whose answer is not read wait in `queued`.
    in_transaction: std::cell::Cell<bool>,
}

/// Where a connection's writes are made: the branch (its row id) and the counter (a PC's
/// name). Receipts, redemptions, contact attempts and the audit record it; receipt numbers
/// are looked up within the branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Station {
    pub branch_id: i64,
    pub counter: String,
}

impl Default for Station {
    /// The first branch (a single store's only one), no counter name.
    fn default() -> Self {
        Station { branch_id: 1, counter: String::new() }
    }
}

/// How many prepared statements a SQLite connection keeps (PostgreSQL keeps every one).
const STATEMENT_CACHE: usize = 512;

/// An open connection to the store, of either engine.
pub struct Connection {
    inner: Inner,
    station: Station,
}

/// One field in COPY's text format: `\\N` for NULL, the escapes for backslash, tab and line ends.
fn copy_field(out: &mut String, v: &Value) {
    use std::fmt::Write;
    match v {
        Value::Null => out.push_str("\\N"),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Real(f) => {
            let _ = write!(out, "{f}");
        }
        Value::Text(t) => {
            for ch in t.chars() {
                match ch {
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
        }
        Value::Blob(b) => {
            out.push_str("\\\\x");
            for byte in b {
                let _ = write!(out, "{byte:02x}");
            }
        }
    }
}

enum Inner {
    Sqlite(rusqlite::Connection),
    Postgres(PgConn),
}

impl Connection {
    pub(crate) fn sqlite(conn: rusqlite::Connection) -> Connection {
        // rusqlite keeps 16 prepared statements by default; the store uses a few hundred,
        // and a lookup alone up to 3. Past 16 the cache turned over and most lookups parsed
        // and planned their SQL again (the parser was a fifth of a lookup's time).
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // One plan per prepared statement, whatever values are bound (the query planner
        // stability guarantee): otherwise SQLite prepares a statement again when a bound
        // value could change its plan (a LIKE pattern, a range over an analysed index), and a
        // lookup with a new key each time spent half its time in the parser.
        let _ = conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true);
        Connection { inner: Inner::Sqlite(conn), station: Station::default() }
    }

    pub(crate) fn postgres(link: PgLink) -> Connection {
        Connection {
            inner: Inner::Postgres(PgConn {
                link: RefCell::new(Some(link)),
                statements: RefCell::new(HashMap::new()),
                queued: RefCell::new(Vec::new()),
                in_transaction: std::cell::Cell::new(false),
            }),
            station: Station::default(),
        }
    }

    /// Where this connection's writes are made.
    pub fn station(&self) -> &Station {
        &self.station
    }

    pub(crate) fn set_station(&mut self, station: Station) {
        self.station = station;
    }

    pub fn engine(&self) -> Engine {
        match self.inner {
            Inner::Sqlite(_) => Engine::Sqlite,
            Inner::Postgres(_) => Engine::Postgres,
        }
    }

    /// The SQLite connection (PRAGMAs, the backup API, migrations); `None` on PostgreSQL.
    pub(crate) fn as_sqlite(&self) -> Option<&rusqlite::Connection> {
        match &self.inner {
            Inner::Sqlite(c) => Some(c),
            Inner::Postgres(_) => None,
        }
    }

    pub(crate) fn as_sqlite_mut(&mut self) -> Option<&mut rusqlite::Connection> {
        match &mut self.inner {
            Inner::Sqlite(c) => Some(c),
            Inner::Postgres(_) => None,
        }
    }

    /// PostgreSQL's `COPY (query) TO STDOUT`: each row handed to `f` as its text fields
    /// (split at tabs; `\N` is `None`; backslash escapes are left as they are, so this is for
    /// numbers and dates). Several times faster than reading a million rows one by one.
    /// `None` on SQLite, whose rows cost nothing to read: the caller reads them as rows.
    pub fn copy_out(&self, query: &str, mut f: impl FnMut(&[Option<&str>]) -> Result<()> + Send) -> Option<Result<()>> {
        let Inner::Postgres(p) = &self.inner else { return None };
        let sql = format!("COPY ({}) TO STDOUT", pg_sql(query));
        Some(p.run(async move |c| -> Result<()> {
            use futures_util::StreamExt;
            let stream = c.copy_out(sql.as_str()).await?;
            let mut stream = std::pin::pin!(stream);
            // A line may span two chunks: the rest waits in `carry`.
            let mut carry: Vec<u8> = Vec::new();
            let mut each_line = |line: &[u8]| -> Result<()> {
                let text = std::str::from_utf8(line)
                    .map_err(|e| Error::Conversion { column: 0, detail: format!("COPY: {e}") })?;
                let fields: Vec<Option<&str>> = text.split('\t').map(|v| (v != "\\N").then_some(v)).collect();
                f(&fields)
            };
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                let mut rest: &[u8] = &chunk;
                while let Some(end) = rest.iter().position(|b| *b == b'\n') {
                    if carry.is_empty() {
                        each_line(&rest[..end])?;
                    } else {
                        carry.extend_from_slice(&rest[..end]);
                        each_line(&carry)?;
                        carry.clear();
                    }
                    rest = &rest[end + 1..];
                }
                carry.extend_from_slice(rest);
            }
            if !carry.is_empty() {
                each_line(&carry)?;
            }
            Ok(())
        }))
    }

    /// PostgreSQL's `COPY table (columns) FROM STDIN`: `rows` written as COPY's text lines
    /// in one stream, inside the open transaction. Returns the rows written. On a busy day's
    /// contact list (15,000 entries) this takes a fraction of one statement with a JSON
    /// parameter, which the server had to take apart first. `None` on SQLite, where a
    /// statement per row is cheap.
    pub fn copy_in(&self, target: &str, rows: &[Vec<Value>]) -> Option<Result<u64>> {
        let Inner::Postgres(p) = &self.inner else { return None };
        let mut text = String::with_capacity(rows.len() * 64);
        for row in rows {
            for (i, v) in row.iter().enumerate() {
                if i > 0 {
                    text.push('\t');
                }
                copy_field(&mut text, v);
            }
            text.push('\n');
        }
        let sql = format!("COPY {target} FROM STDIN");
        Some(p.run(async move |c| -> Result<u64> {
            use futures_util::SinkExt;
            let sink: tokio_postgres::CopyInSink<bytes::Bytes> = c.copy_in(sql.as_str()).await?;
            let mut sink = std::pin::pin!(sink);
            sink.send(bytes::Bytes::from(text)).await?;
            Ok(sink.as_mut().finish().await?)
        }))
    }

    /// Runs statements without parameters (migrations, transaction control).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.inner {
            Inner::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Inner::Postgres(p) => p.run(async |c| Ok(c.batch_execute(sql).await?)),
        }
    }

    /// Runs a write whose count is not needed. On PostgreSQL, inside a transaction, it is
    /// sent with the next statement whose answer is awaited (or the commit), saving a round
    /// trip; a failure then shows there, and the operation fails the same way. Not for a
    /// write whose effect the caller checks (an `UPDATE … WHERE` that may match nothing).
    pub fn execute_later<P: Params>(&self, sql: &str, params: P) -> Result<()> {
        match &self.inner {
            Inner::Postgres(p) if p.in_transaction.get() => {
                let stmt = match self.prepare_cached(sql)?.inner {
                    StatementInner::Postgres(_, s) => s,
                    StatementInner::Sqlite(_) => unreachable!("a PostgreSQL connection"),
                };
                p.queue(Queued::Execute(stmt, params.values()));
                Ok(())
            }
            _ => self.execute(sql, params).map(|_| ()),
        }
    }

    /// How many statements wait to be sent (tests).
    pub fn queued_statements(&self) -> usize {
        match &self.inner {
            Inner::Postgres(p) => p.queued.borrow().len(),
            Inner::Sqlite(_) => 0,
        }
    }

    /// A statement, prepared once per connection and kept.
    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        match &self.inner {
            Inner::Sqlite(c) => Ok(Statement { inner: StatementInner::Sqlite(c.prepare_cached(sql)?), generic: false }),
            Inner::Postgres(p) => {
                let text = pg_sql(sql);
                let cached = p.statements.borrow().get(&text).cloned();
                let stmt = match cached {
                    Some(s) => s,
                    None => {
                        let s = p.prepare(&text).inspect_err(|e| {
                            if std::env::var_os("MEMBERDESK_SQL_DEBUG").is_some() {
                                eprintln!("PostgreSQL refused a statement: {}\n{text}\n-----", e);
                            }
                        })?;
                        p.statements.borrow_mut().insert(text, s.clone());
                        s
                    }
                };
                Ok(Statement { inner: StatementInner::Postgres(p, stmt), generic: false })
            }
        }
    }

    /// A cached statement that PostgreSQL runs with its generic plan, made once, instead of
    /// planning it afresh for every execution's values. PostgreSQL keeps re-planning a
    /// statement whose generic plan it estimates dearer than a custom one; for the lookup's
    /// prefix ranges that planning (about 1 ms) cost more than running it (0.3 ms), though
    /// the generic plan reads the same indexes. For statements whose best plan does not
    /// depend on their values. The setting goes with the statement, in its round trip, and
    /// is reset after it. SQLite plans once per prepared statement anyway.
    pub fn prepare_generic(&self, sql: &str) -> Result<Statement<'_>> {
        let mut stmt = self.prepare_cached(sql)?;
        stmt.generic = matches!(stmt.inner, StatementInner::Postgres(..));
        Ok(stmt)
    }

    /// The same; kept for statements run once (they are cached all the same).
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        self.prepare_cached(sql)
    }

    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    pub fn query_row<P: Params, T>(&self, sql: &str, params: P, f: impl FnOnce(&Row<'_>) -> Result<T>) -> Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// Runs one `INSERT` (written without `RETURNING`) and gives the new row's `id`. On
    /// SQLite that is the connection's last rowid: a `RETURNING` clause is run as a trigger,
    /// and a statement with a trigger keeps a statement journal of the pages it changes,
    /// which in a large transaction (an import) is nearly every page it touches. PostgreSQL
    /// gets `RETURNING id`.
    pub fn insert_id<P: Params>(&self, sql: &str, params: P) -> Result<i64> {
        match &self.inner {
            Inner::Sqlite(c) => {
                let changed = self.prepare_cached(sql)?.execute(params)?;
                debug_assert_eq!(changed, 1, "insert_id runs one INSERT of one row");
                Ok(c.last_insert_rowid())
            }
            Inner::Postgres(_) => self.prepare_cached(&format!("{sql} RETURNING id"))?.query_row(params, |r| r.get(0)),
        }
    }
}

/// A prepared statement.
pub struct Statement<'c> {
    inner: StatementInner<'c>,
    /// PostgreSQL: run with the statement's generic plan (see [`Connection::prepare_generic`]).
    generic: bool,
}

enum StatementInner<'c> {
    Sqlite(rusqlite::CachedStatement<'c>),
    Postgres(&'c PgConn, tokio_postgres::Statement),
}

fn pg_params(values: &[Value]) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn tokio_postgres::types::ToSql + Sync)).collect()
}

impl Statement<'_> {
    /// Runs it; the number of rows changed.
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        let values = params.values();
        let generic = self.generic;
        match &mut self.inner {
            StatementInner::Sqlite(s) => Ok(s.execute(rusqlite::params_from_iter(values.iter().map(sqlite_value)))?),
            StatementInner::Postgres(p, s) => {
                let params = pg_params(&values);
                let s = &*s;
                Ok(p.run_planned(generic, async move |c| Ok(c.execute(s, &params).await?))? as usize)
            }
        }
    }

    /// Every row, each converted by `f`.
    pub fn query_map<P: Params, T>(
        &mut self,
        params: P,
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        let values = params.values();
        let generic = self.generic;
        let mut out = Vec::new();
        match &mut self.inner {
            StatementInner::Sqlite(s) => {
                let mut rows = s.query(rusqlite::params_from_iter(values.iter().map(sqlite_value)))?;
                while let Some(r) = rows.next()? {
                    out.push(f(&Row { inner: RowInner::Sqlite(r) }));
                }
            }
            StatementInner::Postgres(p, s) => {
                let params = pg_params(&values);
                let s = &*s;
                let rows = p.run_planned(generic, async move |c| Ok(c.query(s, &params).await?))?;
                for r in &rows {
                    out.push(f(&Row { inner: RowInner::Postgres(r) }));
                }
            }
        }
        Ok(out.into_iter())
    }

    /// Every row handed to `f` as it arrives, none kept: for readers of a million rows
    /// (`query_map` holds them all first).
    pub fn for_each<P: Params>(&mut self, params: P, mut f: impl FnMut(&Row<'_>) -> Result<()> + Send) -> Result<()> {
        let values = params.values();
        let generic = self.generic;
        match &mut self.inner {
            StatementInner::Sqlite(s) => {
                let mut rows = s.query(rusqlite::params_from_iter(values.iter().map(sqlite_value)))?;
                while let Some(r) = rows.next()? {
                    f(&Row { inner: RowInner::Sqlite(r) })?;
                }
                Ok(())
            }
            StatementInner::Postgres(p, s) => {
                let params = pg_params(&values);
                let s = &*s;
                p.run_planned(generic, async move |c| {
                    use futures_util::StreamExt;
                    let rows = c.query_raw(s, params).await?;
                    let mut rows = std::pin::pin!(rows);
                    while let Some(r) = rows.next().await {
                        f(&Row { inner: RowInner::Postgres(&r?) })?;
                    }
                    Ok(())
                })
            }
        }
    }

    /// Whether the query gives any row.
    pub fn exists<P: Params>(&mut self, params: P) -> Result<bool> {
        match self.query_row(params, |_| Ok(())) {
            Ok(()) => Ok(true),
            Err(Error::QueryReturnedNoRows) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The first row; no row is [`Error::QueryReturnedNoRows`].
    pub fn query_row<P: Params, T>(&mut self, params: P, f: impl FnOnce(&Row<'_>) -> Result<T>) -> Result<T> {
        let values = params.values();
        let generic = self.generic;
        match &mut self.inner {
            StatementInner::Sqlite(s) => {
                let mut rows = s.query(rusqlite::params_from_iter(values.iter().map(sqlite_value)))?;
                match rows.next()? {
                    Some(r) => f(&Row { inner: RowInner::Sqlite(r) }),
                    None => Err(Error::QueryReturnedNoRows),
                }
            }
            StatementInner::Postgres(p, s) => {
                let params = pg_params(&values);
                let s = &*s;
                let rows = p.run_planned(generic, async move |c| Ok(c.query(s, &params).await?))?;
                match rows.first() {
                    Some(row) => f(&Row { inner: RowInner::Postgres(row) }),
                    None => Err(Error::QueryReturnedNoRows),
                }
            }
        }
    }
}

fn sqlite_value(v: &Value) -> rusqlite::types::Value {
    match v {
        Value::Null => rusqlite::types::Value::Null,
        Value::Int(i) => rusqlite::types::Value::Integer(*i),
        Value::Real(f) => rusqlite::types::Value::Real(*f),
        Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
        Value::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
    }
}

/// How a transaction takes its locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionKind {
    /// Reads and writes, and ends as if it ran alone: SQLite takes the write lock at once
    /// (IMMEDIATE); PostgreSQL runs it SERIALIZABLE.
    Write,
    /// Reads first; SQLite takes the write lock at the first write (DEFERRED).
    ReadFirst,
    /// Reads only, from one snapshot.
    Read,
}

/// One transaction on a [`Connection`]; rolled back when dropped without [`commit`].
///
/// [`commit`]: Transaction::commit
pub struct Transaction<'c> {
    conn: &'c Connection,
    open: bool,
    /// Sent right after the transaction's `COMMIT` or `ROLLBACK`, in the same round trip,
    /// whether that succeeds or not (PostgreSQL only): giving the write turn back.
    after_end: Option<String>,
}

impl<'c> Transaction<'c> {
    pub(crate) fn begin(conn: &'c Connection, kind: TransactionKind) -> Result<Transaction<'c>> {
        let sql = match (conn.engine(), kind) {
            (Engine::Sqlite, TransactionKind::Write) => "BEGIN IMMEDIATE",
            (Engine::Sqlite, _) => "BEGIN DEFERRED",
            (Engine::Postgres, TransactionKind::Read) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            (Engine::Postgres, _) => "BEGIN ISOLATION LEVEL SERIALIZABLE",
        };
        match &conn.inner {
            // Sent with the transaction's first statement.
            Inner::Postgres(p) => {
                p.queue(Queued::Simple(sql.to_string()));
                p.in_transaction.set(true);
            }
            Inner::Sqlite(_) => conn.execute_batch(sql)?,
        }
        Ok(Transaction { conn, open: true, after_end: None })
    }

    /// A write transaction that first takes a turn of the session lock `key` (PostgreSQL;
    /// on SQLite the plain [`Transaction::begin`]): shared when `alone` is false, so any
    /// number of counters write at once, exclusive when it is true, so this one runs while
    /// no other counter's write is open, and new ones wait until it ends. The lock is taken
    /// before `BEGIN` (a serializable transaction's snapshot is its first statement's: taken
    /// after the wait, it sees what the others committed) and given back after the end, both
    /// in the round trips the transaction makes anyway.
    pub(crate) fn begin_turn(conn: &'c Connection, key: i64, alone: bool) -> Result<Transaction<'c>> {
        let Inner::Postgres(p) = &conn.inner else {
            return Transaction::begin(conn, TransactionKind::Write);
        };
        let (take, give) = if alone {
            (format!("SELECT pg_advisory_lock({key})"), format!("SELECT pg_advisory_unlock({key})"))
        } else {
            (format!("SELECT pg_advisory_lock_shared({key})"), format!("SELECT pg_advisory_unlock_shared({key})"))
        };
        p.queue(Queued::Simple(take));
        let mut tx = Transaction::begin(conn, TransactionKind::Write)?;
        tx.after_end = Some(give);
        Ok(tx)
    }

    /// Ends the transaction with `sql` and sends [`Transaction::after_end`] behind it in
    /// the same round trip: it runs even when `sql` fails. The result is `sql`'s.
    fn end(&self, sql: &str) -> Result<()> {
        match (&self.conn.inner, &self.after_end) {
            (Inner::Postgres(p), Some(after)) => {
                p.queue(Queued::Simple(sql.to_string()));
                p.run(async move |c| Ok(c.batch_execute(after).await?))
            }
            _ => self.conn.execute_batch(sql),
        }
    }

    /// Drops what waits to be sent; whether anything of the transaction reached the server.
    fn discard_queued(&self) -> bool {
        match &self.conn.inner {
            Inner::Postgres(p) => {
                p.in_transaction.set(false);
                let queued = std::mem::take(&mut *p.queued.borrow_mut());
                !matches!(queued.first(), Some(Queued::Simple(_)))
            }
            Inner::Sqlite(_) => true,
        }
    }

    pub fn commit(mut self) -> Result<()> {
        self.open = false;
        if let Inner::Postgres(p) = &self.conn.inner {
            p.in_transaction.set(false);
        }
        match self.end("COMMIT") {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    pub fn rollback(mut self) -> Result<()> {
        self.open = false;
        if !self.discard_queued() {
            return Ok(());
        }
        self.end("ROLLBACK")
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.open && self.discard_queued() {
            let _ = self.end("ROLLBACK");
        }
    }
}

impl std::ops::Deref for Transaction<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollar_numbers_outside_quotes() {
        assert_eq!(pg_sql("SELECT ?1, '?2', ?12 FROM t WHERE a = ?"), "SELECT $1, '?2', $12 FROM t WHERE a = $1");
    }

    /// A note with a tab, a line break or a backslash reaches the server as written, not as
    /// a new field, a new row or an escape.
    #[test]
    fn copy_fields_escape_what_copy_would_read_as_structure() {
        let mut out = String::new();
        for v in [Value::Text("张\t三\n\\x\r".into()), Value::Null, Value::Int(-7), Value::Blob(vec![0, 255])] {
            copy_field(&mut out, &v);
            out.push('|');
        }
        assert_eq!(out, "张\\t三\\n\\\\x\\r|\\N|-7|\\\\x00ff|");
    }
    /// Dates and times are stored as chrono's formats write them (what every reader
    /// parses), across the years, days of the month, times and fractions of a second.
    #[test]
    fn dates_and_times_are_written_as_chronos_formats_write_them() {
        let text = |v: Value| match v {
            Value::Text(t) => t,
            other => panic!("{other:?}"),
        };
        let mut day = NaiveDate::from_ymd_opt(1899, 12, 25).unwrap();
        while day < NaiveDate::from_ymd_opt(2101, 1, 10).unwrap() {
            assert_eq!(text(day.to_value()), day.format("%Y-%m-%d").to_string());
            for (h, m, s, nano) in [(0, 0, 0, 0), (9, 5, 7, 0), (23, 59, 59, 0), (10, 0, 0, 500_000_000), (8, 1, 2, 1)]
            {
                let at = day.and_hms_nano_opt(h, m, s, nano).unwrap();
                assert_eq!(text(at.to_value()), at.format("%Y-%m-%d %H:%M:%S%.f").to_string());
            }
            day = day + chrono::Days::new(13);
        }
        for far in [NaiveDate::from_ymd_opt(12_345, 1, 2).unwrap(), NaiveDate::from_ymd_opt(-44, 3, 15).unwrap()] {
            assert_eq!(text(far.to_value()), far.format("%Y-%m-%d").to_string());
            let at = far.and_hms_opt(1, 2, 3).unwrap();
            assert_eq!(text(at.to_value()), at.format("%Y-%m-%d %H:%M:%S%.f").to_string());
        }
    }
}
