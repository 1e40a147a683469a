//! Schema from the model definitions: `automigrate` (drop and create) and `autoupdate` (add
//! what is missing: tables, columns, indexes; never drops or rewrites data).

use super::statement::{Arg, Sql};
use super::table::Table;
use super::Dialect;
use crate::model::DataType;

/// `DROP TABLE IF EXISTS t`.
pub(super) fn drop_table(d: Dialect, t: &Table) -> Sql {
    let mut sql = Sql::new(d);
    sql.push("DROP TABLE IF EXISTS ").ident(&t.name);
    sql
}

/// `CREATE TABLE t (..)`: one column per property, the id as primary key.
pub(super) fn create_table(d: Dialect, t: &Table) -> Sql {
    let mut sql = Sql::new(d);
    sql.push("CREATE TABLE ").ident(&t.name).push(" (");
    sql.join(0..t.columns.len(), ", ", |sql, i| column(sql, t, i));
    sql.push(")");
    if d == Dialect::Mysql {
        sql.push(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
    }
    sql
}

/// `ALTER TABLE t ADD COLUMN c ..` for a property the table lacks.
pub(super) fn add_column(d: Dialect, t: &Table, i: usize) -> Sql {
    let mut sql = Sql::new(d);
    sql.push("ALTER TABLE ").ident(&t.name).push(" ADD COLUMN ");
    column(&mut sql, t, i);
    sql
}

fn keyed(t: &Table, i: usize) -> bool {
    let p = &t.model.properties[i];
    p.id || p.index
        || p.is_unique()
        || t.model
            .indexes
            .iter()
            .any(|x| x.properties.contains(&p.name))
}

fn column(sql: &mut Sql, t: &Table, i: usize) {
    let d = sql.dialect();
    let p = &t.model.properties[i];
    sql.ident(&t.columns[i]).push(" ");
    if p.id && t.generated_integer_id() {
        sql.push(d.generated_key());
        return;
    }
    let length = match p.data_type {
        DataType::String => p.max_length(),
        _ => None,
    };
    sql.push_ddl(&d.column_type(&p.data_type, length, keyed(t, i)));
    if p.id {
        sql.push(" NOT NULL PRIMARY KEY");
    }
}

/// A declared index: its name and the statement that creates it.
pub(super) struct Index {
    /// Index name.
    pub name: String,
    /// `CREATE [UNIQUE] INDEX ..` (`IF NOT EXISTS` where the database has it).
    pub create: Sql,
}

/// The indexes of the model: `index`/`unique` properties and the model's composite indexes.
pub(super) fn indexes(d: Dialect, t: &Table) -> Vec<Index> {
    let mut out = Vec::new();
    let mut add = |name: String, cols: Vec<&str>, unique: bool| {
        let mut sql = Sql::new(d);
        sql.push(if unique {
            "CREATE UNIQUE INDEX "
        } else {
            "CREATE INDEX "
        });
        if d != Dialect::Mysql {
            sql.push("IF NOT EXISTS ");
        }
        sql.ident(&name).push(" ON ").ident(&t.name).push(" (");
        sql.join(cols, ", ", |sql, c| {
            sql.ident(c);
        });
        sql.push(")");
        out.push(Index { name, create: sql });
    };
    // MySQL cannot index a JSON column: such indexes are left out there
    let indexable =
        |i: usize| d != Dialect::Mysql || !super::driver::is_json(&t.model.properties[i].data_type);
    for (i, p) in t.model.properties.iter().enumerate() {
        if p.id || !(p.index || p.is_unique()) || !indexable(i) {
            continue;
        }
        let col = t.columns[i].as_str();
        let unique = p.is_unique();
        let suffix = if unique { "uniq" } else { "idx" };
        // a scoped uniqueness is unique over the scope's columns and this one
        let mut cols: Vec<&str> = p
            .unique_scope()
            .unwrap_or_default()
            .iter()
            .filter_map(|s| t.model.property_index(s))
            .filter(|&j| indexable(j))
            .map(|j| t.columns[j].as_str())
            .collect();
        cols.push(col);
        add(
            format!("{}_{}_{suffix}", t.name, cols.join("_")),
            cols,
            unique,
        );
    }
    for x in &t.model.indexes {
        let positions: Vec<usize> = x
            .properties
            .iter()
            .filter_map(|n| t.model.property_index(n))
            .collect();
        if positions.is_empty() || !positions.iter().all(|&i| indexable(i)) {
            continue;
        }
        let cols: Vec<&str> = positions.iter().map(|&i| t.columns[i].as_str()).collect();
        let name = x
            .name
            .clone()
            .unwrap_or_else(|| format!("{}_{}_idx", t.name, cols.join("_")));
        add(name, cols, x.unique);
    }
    out
}

/// The names of the table's existing columns (empty when the table does not exist).
pub(super) fn existing_columns(d: Dialect, t: &Table) -> Sql {
    let mut sql = Sql::new(d);
    match d {
        Dialect::Sqlite => sql.push("SELECT name FROM pragma_table_info(").bind(Arg::Text(t.name.clone())).push(")"),
        Dialect::Postgres => sql
            .push("SELECT CAST(column_name AS TEXT) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ")
            .bind(Arg::Text(t.name.clone())),
        Dialect::Mysql => sql
            .push("SELECT CAST(column_name AS CHAR) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ")
            .bind(Arg::Text(t.name.clone())),
    };
    sql
}

/// The names of the table's existing indexes (MySQL only needs it: no `IF NOT EXISTS`).
pub(super) fn existing_indexes(d: Dialect, t: &Table) -> Sql {
    let mut sql = Sql::new(d);
    sql.push("SELECT DISTINCT CAST(index_name AS CHAR) FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ")
        .bind(Arg::Text(t.name.clone()));
    sql
}
