//! `attune store copy`: a whole install from one database to another (SQLite to
//! PostgreSQL when one machine is no longer enough, and back). Tables and columns are read
//! from the databases themselves, so a new migration needs nothing here. The copy runs in
//! one target transaction (all or nothing) from one source snapshot, refuses a target that
//! holds any row, and is checked afterwards by counting and hashing every table on both
//! sides.

use futures::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, Row};

use super::{Db, Exec, Result, Store, StoreError};

/// What was copied: per table, its rows and content hash (the same on both sides).
#[derive(Clone, Debug, serde::Serialize)]
pub struct CopyReport {
    pub tables: Vec<TableReport>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct TableReport {
    pub table: String,
    pub rows: u64,
    pub sha256: String,
}

/// A column's type as both backends can carry it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int,
    Text,
    Bytes,
    Bool,
}

/// One value, with booleans as 0/1 so SQLite's INTEGER and PostgreSQL's BOOLEAN hash alike.
#[derive(Clone, Debug)]
enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

#[derive(Clone, Debug)]
struct Column {
    name: String,
    kind: Kind,
}

/// Rows per INSERT stay under both backends' limit on bound parameters.
const MAX_PARAMS: usize = 8_000;

impl Store {
    /// Copies every table into `target` (which is migrated first and must be empty),
    /// then checks counts and content hashes on both sides. `progress` hears of each table.
    pub async fn copy_into(&self, target: &Store, mut progress: impl FnMut(&TableReport)) -> Result<CopyReport> {
        self.migrate().await?;
        target.migrate().await?;
        let mut source = self.snapshot().await?;
        let tables = table_names(&mut source).await?;
        let mut check = target.db().await?;
        let target_tables = table_names(&mut check).await?;
        if tables != target_tables {
            return Err(StoreError::Invalid(format!(
                "the two databases have different tables ({} vs {}); are they the same attune version?",
                tables.join(", "),
                target_tables.join(", ")
            )));
        }
        for table in &tables {
            let n = count(&mut check, table).await?;
            if n > 0 {
                return Err(StoreError::Invalid(format!(
                    "the target is not empty: table {table} has {n} rows; copy only into a new, empty database"
                )));
            }
        }
        drop(check);

        let mut into = target.tx().await?;
        let mut copied = Vec::new();
        for table in &tables {
            let columns = columns_of(&mut into, table).await?;
            // Read as the source declares each column (a PostgreSQL BOOLEAN is SQLite's
            // INTEGER), in the target's order; written as the target declares it.
            let source_columns = columns_of(&mut source, table).await?;
            let mut read_as = Vec::with_capacity(columns.len());
            for c in &columns {
                match source_columns.iter().find(|s| s.name == c.name) {
                    Some(s) => read_as.push(s.clone()),
                    None => {
                        return Err(StoreError::Invalid(format!(
                            "the source's table {table} has no column {}",
                            c.name
                        )));
                    }
                }
            }
            let (rows, sha256) = copy_table(&mut source, &mut into, table, &read_as, &columns).await?;
            let report = TableReport { table: table.clone(), rows, sha256 };
            progress(&report);
            copied.push(report);
        }
        reset_identities(&mut into).await?;
        into.commit().await?;
        source.rollback().await?;

        // Read back what landed and compare, table by table.
        let mut landed = target.db().await?;
        for want in &copied {
            let columns = columns_of(&mut landed, &want.table).await?;
            let (rows, sha256) = hash_table(&mut landed, &want.table, &columns).await?;
            if rows != want.rows || sha256 != want.sha256 {
                return Err(StoreError::Invalid(format!(
                    "table {} differs after the copy: {} rows (hash {}) in the source, {} rows (hash {}) in the target",
                    want.table, want.rows, want.sha256, rows, sha256
                )));
            }
        }
        Ok(CopyReport { tables: copied })
    }

    /// Every table with its columns and the kind each carries ("int", "text", "bytes",
    /// "bool"), sorted: what the migrations built, comparable across backends.
    pub async fn schema(&self) -> Result<Vec<(String, Vec<(String, &'static str)>)>> {
        let mut db = self.db().await?;
        let mut out = Vec::new();
        for table in table_names(&mut db).await? {
            let mut columns: Vec<(String, &'static str)> = columns_of(&mut db, &table)
                .await?
                .into_iter()
                .map(|c| {
                    let kind = match c.kind {
                        Kind::Int => "int",
                        Kind::Text => "text",
                        Kind::Bytes => "bytes",
                        Kind::Bool => "bool",
                    };
                    (c.name, kind)
                })
                .collect();
            columns.sort();
            out.push((table, columns));
        }
        Ok(out)
    }

    /// Rows and content hash of every table (order of rows does not matter).
    pub async fn table_hashes(&self) -> Result<Vec<TableReport>> {
        let mut db = self.snapshot().await?;
        let mut out = Vec::new();
        for table in table_names(&mut db).await? {
            let columns = columns_of(&mut db, &table).await?;
            let (rows, sha256) = hash_table(&mut db, &table, &columns).await?;
            out.push(TableReport { table, rows, sha256 });
        }
        db.rollback().await?;
        Ok(out)
    }

    /// A read transaction that sees one state of the whole database.
    async fn snapshot(&self) -> Result<Db> {
        let mut db = Db {
            inner: match self {
                Store::Sqlite(p) => super::DbInner::SqliteTx(p.begin().await?),
                Store::Postgres(p) => super::DbInner::PostgresTx(p.begin().await?),
            },
        };
        if let Exec::Postgres(c) = db.exec() {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *c).await?;
        }
        Ok(db)
    }
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

async fn table_names(db: &mut Db) -> Result<Vec<String>> {
    let mut names: Vec<String> = match db.exec() {
        Exec::Sqlite(c) => {
            sqlx::query_scalar::<_, String>(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\'",
            )
            .fetch_all(&mut *c)
            .await?
        }
        Exec::Postgres(c) => {
            sqlx::query_scalar::<_, String>(
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_sqlx%'",
            )
            .fetch_all(&mut *c)
            .await?
        }
    };
    names.sort();
    Ok(names)
}

async fn columns_of(db: &mut Db, table: &str) -> Result<Vec<Column>> {
    let raw: Vec<(String, String)> = match db.exec() {
        Exec::Sqlite(c) => {
            sqlx::query_as("SELECT name, type FROM pragma_table_info($1) ORDER BY cid").bind(table).fetch_all(&mut *c).await?
        }
        Exec::Postgres(c) => {
            sqlx::query_as(
                "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(&mut *c)
            .await?
        }
    };
    raw.into_iter()
        .map(|(name, ty)| {
            let t = ty.to_ascii_lowercase();
            let kind = if t.contains("bool") {
                Kind::Bool
            } else if t.contains("int") {
                Kind::Int
            } else if t.contains("text") || t.contains("char") {
                Kind::Text
            } else if t.contains("blob") || t.contains("bytea") {
                Kind::Bytes
            } else {
                return Err(StoreError::Invalid(format!("{table}.{name} has type {ty}, which the copy does not know")));
            };
            Ok(Column { name, kind })
        })
        .collect()
}

async fn count(db: &mut Db, table: &str) -> Result<i64> {
    let sql = format!("SELECT COUNT(*) FROM {}", quoted(table));
    Ok(match db.exec() {
        Exec::Sqlite(c) => sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql)).fetch_one(&mut *c).await?,
        Exec::Postgres(c) => sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql)).fetch_one(&mut *c).await?,
    })
}

fn select_all(table: &str, columns: &[Column]) -> String {
    let list: Vec<String> = columns.iter().map(|c| quoted(&c.name)).collect();
    format!("SELECT {} FROM {}", list.join(", "), quoted(table))
}

/// Reads one row's values by the columns' kinds.
macro_rules! read_row {
    ($row:expr, $columns:expr) => {{
        let mut values = Vec::with_capacity($columns.len());
        for (i, c) in $columns.iter().enumerate() {
            let v = match c.kind {
                Kind::Int => $row.try_get::<Option<i64>, _>(i)?.map(Value::Int),
                Kind::Text => $row.try_get::<Option<String>, _>(i)?.map(Value::Text),
                Kind::Bytes => $row.try_get::<Option<Vec<u8>>, _>(i)?.map(Value::Bytes),
                Kind::Bool => $row.try_get::<Option<bool>, _>(i)?.map(|b| Value::Int(i64::from(b))),
            };
            values.push(v.unwrap_or(Value::Null));
        }
        values
    }};
}

/// Binds values by the target columns' kinds (a NULL is bound with its column's type,
/// which PostgreSQL insists on).
macro_rules! bind_rows {
    ($query:expr, $rows:expr, $columns:expr, $table:expr) => {{
        let mut q = $query;
        for row in $rows {
            for (v, c) in row.iter().zip($columns.iter()) {
                q = match (c.kind, v) {
                    (Kind::Int, Value::Null) => q.bind(None::<i64>),
                    (Kind::Text, Value::Null) => q.bind(None::<String>),
                    (Kind::Bytes, Value::Null) => q.bind(None::<Vec<u8>>),
                    (Kind::Bool, Value::Null) => q.bind(None::<bool>),
                    (Kind::Int, Value::Int(i)) => q.bind(*i),
                    (Kind::Bool, Value::Int(i)) => q.bind(*i != 0),
                    (Kind::Text, Value::Text(s)) => q.bind(s.as_str()),
                    (Kind::Bytes, Value::Bytes(b)) => q.bind(b.as_slice()),
                    (kind, value) => {
                        return Err(StoreError::Invalid(format!(
                            "{}.{}: a {} value does not fit a {kind:?} column",
                            $table,
                            c.name,
                            value.describe()
                        )));
                    }
                };
            }
        }
        q
    }};
}

impl Value {
    fn describe(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Int(_) => "integer",
            Value::Text(_) => "text",
            Value::Bytes(_) => "binary",
        }
    }

    fn hash_into(&self, h: &mut Sha256) {
        match self {
            Value::Null => h.update([0u8]),
            Value::Int(i) => {
                h.update([1u8]);
                h.update(i.to_le_bytes());
            }
            Value::Text(s) => {
                h.update([2u8]);
                h.update((s.len() as u64).to_le_bytes());
                h.update(s.as_bytes());
            }
            Value::Bytes(b) => {
                h.update([3u8]);
                h.update((b.len() as u64).to_le_bytes());
                h.update(b);
            }
        }
    }
}

/// Row digests, sorted and hashed together: the same rows give the same hash in any order
/// (the backends sort text differently).
#[derive(Default)]
struct TableHasher {
    rows: Vec<[u8; 32]>,
}

impl TableHasher {
    fn add(&mut self, values: &[Value]) {
        let mut h = Sha256::new();
        for v in values {
            v.hash_into(&mut h);
        }
        self.rows.push(h.finalize().into());
    }

    fn finish(mut self) -> (u64, String) {
        self.rows.sort_unstable();
        let mut h = Sha256::new();
        for r in &self.rows {
            h.update(r);
        }
        (self.rows.len() as u64, hex::encode(h.finalize()))
    }
}

async fn hash_table(db: &mut Db, table: &str, columns: &[Column]) -> Result<(u64, String)> {
    let sql = select_all(table, columns);
    let mut hasher = TableHasher::default();
    match db.exec() {
        Exec::Sqlite(c) => {
            let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(&mut *c);
            while let Some(row) = rows.try_next().await? {
                hasher.add(&read_row!(row, columns));
            }
        }
        Exec::Postgres(c) => {
            let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(&mut *c);
            while let Some(row) = rows.try_next().await? {
                hasher.add(&read_row!(row, columns));
            }
        }
    }
    Ok(hasher.finish())
}

/// Streams `table` from `source` into `target` in multi-row INSERTs; returns the count
/// and hash of what was read.
async fn copy_table(
    source: &mut Db,
    target: &mut Db,
    table: &str,
    read_as: &[Column],
    columns: &[Column],
) -> Result<(u64, String)> {
    if columns.is_empty() {
        return Ok(TableHasher::default().finish());
    }
    let per_insert = (MAX_PARAMS / columns.len()).max(1);
    let sql = select_all(table, read_as);
    let mut hasher = TableHasher::default();
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(per_insert);
    macro_rules! drain_source {
        ($c:expr) => {{
            let mut rows = sqlx::query(AssertSqlSafe(sql.clone())).fetch(&mut *$c);
            while let Some(row) = rows.try_next().await? {
                let values = read_row!(row, read_as);
                hasher.add(&values);
                batch.push(values);
                if batch.len() >= per_insert {
                    insert_rows(target, table, columns, &batch).await?;
                    batch.clear();
                }
            }
        }};
    }
    match source.exec() {
        Exec::Sqlite(c) => drain_source!(c),
        Exec::Postgres(c) => drain_source!(c),
    }
    if !batch.is_empty() {
        insert_rows(target, table, columns, &batch).await?;
    }
    Ok(hasher.finish())
}

async fn insert_rows(db: &mut Db, table: &str, columns: &[Column], rows: &[Vec<Value>]) -> Result<()> {
    let names: Vec<String> = columns.iter().map(|c| quoted(&c.name)).collect();
    let mut sql = format!("INSERT INTO {} ({}) VALUES ", quoted(table), names.join(", "));
    let mut n = 0;
    for (r, _) in rows.iter().enumerate() {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for i in 0..columns.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            n += 1;
            sql.push_str(&format!("${n}"));
        }
        sql.push(')');
    }
    match db.exec() {
        Exec::Sqlite(c) => {
            bind_rows!(sqlx::query(AssertSqlSafe(sql)), rows, columns, table).execute(&mut *c).await?;
        }
        Exec::Postgres(c) => {
            bind_rows!(sqlx::query(AssertSqlSafe(sql)), rows, columns, table).execute(&mut *c).await?;
        }
    }
    Ok(())
}

/// PostgreSQL's identity columns do not notice ids inserted as they are: move each one
/// past the largest id copied. (SQLite's AUTOINCREMENT does notice.)
async fn reset_identities(db: &mut Db) -> Result<()> {
    let Exec::Postgres(c) = db.exec() else { return Ok(()) };
    let identities: Vec<(String, String)> = sqlx::query_as(
        "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'",
    )
    .fetch_all(&mut *c)
    .await?;
    for (table, column) in identities {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX({col}) FROM {tab}), 0) + 1, false)",
            col = quoted(&column),
            tab = quoted(&table)
        );
        sqlx::query(AssertSqlSafe(sql)).bind(quoted(&table)).bind(&column).execute(&mut *c).await?;
    }
    Ok(())
}
