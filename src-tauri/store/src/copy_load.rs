//! Rows sent to PostgreSQL with `COPY`, a block at a time, inside one transaction: the
//! bulk load of a large members import. A new row's id is reserved from its table's
//! identity sequence when the row is made, so that rows referring to it (its name pieces,
//! its opening lot and ledger entry) can be made before any of them is sent. Each row had
//! been a statement and a round trip of its own (docs/performance.md, issue 13).

use crate::db::{Connection, Value};
use crate::Result;

/// How many rows of a table are sent in one `COPY`.
pub(crate) const COPY_BLOCK: usize = 1_000;

/// How many ids one round trip reserves.
const IDS_A_TRIP: usize = 1_000;

/// Rows waiting for one table's next `COPY`.
#[derive(Debug)]
pub(crate) struct CopyRows {
    /// `table (columns)`, as `COPY … FROM STDIN` names it.
    target: String,
    rows: Vec<Vec<Value>>,
}

impl CopyRows {
    pub(crate) fn new(target: impl Into<String>) -> CopyRows {
        CopyRows { target: target.into(), rows: Vec::new() }
    }

    pub(crate) fn push(&mut self, row: Vec<Value>) {
        self.rows.push(row);
    }

    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// Sends the rows waiting (PostgreSQL; a SQLite connection never holds any).
    pub(crate) fn send(&mut self, conn: &Connection) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let sent = conn.copy_in(&self.target, &self.rows).expect("COPY rows are made only on PostgreSQL")?;
        debug_assert_eq!(sent as usize, self.rows.len());
        self.rows.clear();
        Ok(())
    }
}

/// Ids of one table reserved from its identity sequence, given out in order. Another
/// counter's inserts meanwhile take other values of the same sequence; an id reserved and
/// not used (a load rolled back) is a gap, as a rolled-back insert leaves one.
#[derive(Debug)]
pub(crate) struct ReservedIds {
    table: &'static str,
    /// Reserved and not yet given, the next last.
    free: Vec<i64>,
}

impl ReservedIds {
    pub(crate) fn new(table: &'static str) -> ReservedIds {
        ReservedIds { table, free: Vec::new() }
    }

    pub(crate) fn next(&mut self, conn: &Connection) -> Result<i64> {
        if self.free.is_empty() {
            // The sequence's name looked up once, not once an id (a twentieth of the
            // server's time in a load, measured).
            let sql = format!(
                "SELECT nextval(q.seq) FROM (SELECT CAST(pg_get_serial_sequence('{}', 'id') AS regclass) AS seq) q
                 CROSS JOIN generate_series(1, {IDS_A_TRIP})",
                self.table
            );
            self.free =
                conn.prepare_cached(&sql)?.query_map((), |r| r.get::<_, i64>(0))?.collect::<crate::db::Result<_>>()?;
            self.free.sort_unstable_by(|a, b| b.cmp(a));
        }
        Ok(self.free.pop().expect("a reserved id"))
    }
}
