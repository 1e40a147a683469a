//! What differs between SQLite, PostgreSQL and MySQL/MariaDB: quoting, placeholders, column
//! types, regular expressions, JSON access, null ordering, paging.

use super::statement::{Arg, Sql};
use crate::model::DataType;

/// A SQL dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite 3 (bundled).
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL 8 / MariaDB 10.5+.
    Mysql,
}

/// Where a condition or sort key reads its value from.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// A column.
    Column(&'a str),
    /// A path below a JSON column (`meta.address.city`).
    Path(&'a str, &'a [String]),
    /// A property the table does not store: always `NULL`.
    Null,
}

impl Dialect {
    /// Identifier quote character.
    pub fn quote(self) -> char {
        match self {
            Dialect::Mysql => '`',
            _ => '"',
        }
    }

    /// The connector name of `datasources.json`.
    pub fn connector_name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite3",
            Dialect::Postgres => "postgresql",
            Dialect::Mysql => "mysql",
        }
    }

    /// Default table/column name for a model or property name: PostgreSQL folds to lower case
    /// (as LoopBack's postgresql connector does), the others keep the name.
    pub fn default_name(self, name: &str) -> String {
        match self {
            Dialect::Postgres => name.to_lowercase(),
            _ => name.to_string(),
        }
    }

    /// Writes the value a condition tests. Strings compare by code point everywhere: the
    /// columns are created with a binary collation.
    pub fn target(self, sql: &mut Sql, t: Target<'_>) {
        match t {
            Target::Column(c) => {
                sql.ident(c);
            }
            Target::Null => {
                sql.push("NULL");
            }
            Target::Path(c, path) => self.json_path(sql, c, path),
        }
    }

    /// A value inside a JSON column as a SQL scalar (numbers compare as numbers, strings as
    /// text). The path is a bound argument, never SQL text.
    fn json_path(self, sql: &mut Sql, column: &str, path: &[String]) {
        match self {
            Dialect::Sqlite => {
                sql.push("json_extract(").ident(column).push(", ");
                sql.bind(Arg::Text(json_path_text(path))).push(")");
            }
            Dialect::Mysql => {
                // MySQL 8's JSON_VALUE takes only a literal path; JSON null reads as NULL
                sql.push("(CASE WHEN JSON_TYPE(");
                self.json_extract(sql, column, path);
                sql.push(") = 'NULL' THEN NULL ELSE JSON_UNQUOTE(");
                self.json_extract(sql, column, path);
                sql.push(") END)");
            }
            Dialect::Postgres => {
                // JSON null reads as SQL NULL
                sql.push("NULLIF(").ident(column).push(" #> ");
                sql.bind(Arg::TextArray(path.to_vec()))
                    .push(", 'null'::jsonb)");
            }
        }
    }

    /// `JSON_EXTRACT(c, ?)` (SQLite, MySQL).
    fn json_extract(self, sql: &mut Sql, column: &str, path: &[String]) {
        sql.push("JSON_EXTRACT(").ident(column).push(", ");
        sql.bind(Arg::Text(json_path_text(path))).push(")");
    }

    /// Whether this dialect can address `path` (SQLite's path syntax cannot quote a `"`).
    pub fn path_supported(self, path: &[String]) -> bool {
        !(self == Dialect::Sqlite && path.iter().any(|k| k.contains('"')))
    }

    /// The JSON value at `path` in column `c` is a number (`number`) or a string (`!number`):
    /// range conditions inside documents compare values of the operand's kind only.
    pub fn json_kind_is(self, sql: &mut Sql, c: &str, path: &[String], number: bool) {
        match self {
            Dialect::Sqlite => {
                sql.push("json_type(").ident(c).push(", ");
                sql.bind(Arg::Text(json_path_text(path)));
                sql.push(if number {
                    ") IN ('integer', 'real')"
                } else {
                    ") = 'text'"
                });
            }
            Dialect::Postgres => {
                sql.push("jsonb_typeof(").ident(c).push(" #> ");
                sql.bind(Arg::TextArray(path.to_vec()));
                sql.push(if number {
                    ") = 'number'"
                } else {
                    ") = 'string'"
                });
            }
            Dialect::Mysql => {
                sql.push("JSON_TYPE(");
                self.json_extract(sql, c, path);
                sql.push(if number {
                    ") IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')"
                } else {
                    ") = 'STRING'"
                });
            }
        }
    }

    /// The string at `path` in column `c`, compared by code point (PostgreSQL range
    /// conditions on strings inside documents).
    pub fn json_text_binary(self, sql: &mut Sql, c: &str, path: &[String]) {
        match self {
            Dialect::Postgres => {
                sql.push("(").ident(c).push(" #>> ");
                sql.bind(Arg::TextArray(path.to_vec()))
                    .push(") COLLATE \"C\"");
            }
            _ => self.json_path(sql, c, path),
        }
    }

    /// `expr` as text (patterns on non-string columns).
    pub fn text_of(self, sql: &mut Sql, t: Target<'_>, data_type: &DataType) {
        let textual = matches!(data_type, DataType::String)
            || (matches!(t, Target::Path(..)) && self != Dialect::Postgres);
        if textual {
            return self.target(sql, t);
        }
        if let (Dialect::Postgres, Target::Path(c, path)) = (self, t) {
            sql.push("(").ident(c).push(" #>> ");
            sql.bind(Arg::TextArray(path.to_vec())).push(")");
            return;
        }
        sql.push("CAST(");
        self.target(sql, t);
        sql.push(match self {
            Dialect::Mysql => " AS CHAR)",
            _ => " AS TEXT)",
        });
    }

    /// `text ~ pattern` with the pattern's case flag (the pattern is bound).
    pub fn regex_match(
        self,
        sql: &mut Sql,
        text: impl FnOnce(&mut Sql),
        expr: &str,
        case_insensitive: bool,
        multi_line: bool,
    ) {
        match self {
            Dialect::Postgres => {
                text(sql);
                sql.push(if case_insensitive { " ~* " } else { " ~ " });
                // `.` does not match a line break (as in Rust and JavaScript): `p`; with the
                // `m` flag `^`/`$` also match at line breaks: `n`
                let flag = if multi_line { "(?n)" } else { "(?p)" };
                sql.bind(Arg::Text(format!("{flag}{expr}")));
            }
            Dialect::Sqlite | Dialect::Mysql => {
                // SQLite: the connector registers `regexp` (Rust's regex, as the memory
                // connector); MySQL (ICU) and MariaDB (PCRE) read the inline flags.
                text(sql);
                sql.push(" REGEXP ");
                let mut e = String::with_capacity(expr.len() + 8);
                e.push_str(if case_insensitive { "(?i)" } else { "(?-i)" });
                if multi_line {
                    e.push_str("(?m)");
                }
                e.push_str(expr);
                sql.bind(Arg::Text(e));
            }
        }
    }

    /// `EXISTS` an element of the JSON array in column `c` for which `cond` holds; `cond`
    /// receives the element (a SQL scalar on SQLite and MySQL, `jsonb` on PostgreSQL).
    pub fn any_element(self, sql: &mut Sql, c: &str, cond: impl FnOnce(&mut Sql, ElementRef)) {
        match self {
            Dialect::Sqlite => {
                sql.push("EXISTS (SELECT 1 FROM json_each(")
                    .ident(c)
                    .push(") WHERE ");
                cond(sql, ElementRef::Scalar("value"));
                self.close_exists(sql);
            }
            Dialect::Postgres => {
                sql.push("EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(")
                    .ident(c)
                    .push(") = 'array' THEN ")
                    .ident(c)
                    .push(" ELSE '[]'::jsonb END) AS lb_e(v) WHERE ");
                cond(sql, ElementRef::Jsonb("lb_e.v"));
                sql.push(")");
            }
            Dialect::Mysql => {
                sql.push("EXISTS (SELECT 1 FROM JSON_TABLE(").ident(c).push(
                    ", '$[*]' COLUMNS (v JSON PATH '$', t LONGTEXT PATH '$')) AS lb_e WHERE ",
                );
                cond(sql, ElementRef::Scalar("lb_e.t"));
                sql.push(")");
            }
        }
    }

    /// Closes an `EXISTS (SELECT 1 ..` subquery. SQLite 3.51 turns an `EXISTS` into a join
    /// and, with an `OFFSET`, skips the rows the join repeats (one per matching element or
    /// related row) before removing them: `LIMIT 1` keeps it a subquery, one answer per row.
    pub fn close_exists(self, sql: &mut Sql) {
        if self == Dialect::Sqlite {
            sql.push(" LIMIT 1");
        }
        sql.push(")");
    }

    /// The number of elements of the JSON array in column `c`.
    pub fn array_length(self, sql: &mut Sql, c: &str) {
        match self {
            Dialect::Sqlite => {
                sql.push("json_array_length(").ident(c).push(")");
            }
            Dialect::Postgres => {
                sql.push("jsonb_array_length(CASE WHEN jsonb_typeof(")
                    .ident(c)
                    .push(") = 'array' THEN ")
                    .ident(c)
                    .push(" ELSE '[]'::jsonb END)");
            }
            Dialect::Mysql => {
                sql.push("JSON_LENGTH(").ident(c).push(")");
            }
        }
    }

    /// Great-circle distance from `origin` to the GeoPoint in column `c`, in units of
    /// `radius` (the earth's radius in the requested unit).
    pub fn distance(self, sql: &mut Sql, c: &str, lat: f64, lng: f64, radius: f64) {
        if self == Dialect::Sqlite {
            // the connector registers `lb_distance` (the memory connector's formula)
            sql.push("lb_distance(json_extract(")
                .ident(c)
                .push(", '$.lat'), json_extract(");
            sql.ident(c).push(", '$.lng'), ");
            sql.bind(Arg::Float(lat)).push(", ");
            sql.bind(Arg::Float(lng)).push(", ");
            sql.bind(Arg::Float(radius)).push(")");
            return;
        }
        // haversine: r * 2 * atan2(sqrt(a), sqrt(1 - a))
        let coord = |sql: &mut Sql, key: &'static str| match self {
            Dialect::Postgres => {
                sql.push("CAST(")
                    .ident(c)
                    .push(key)
                    .push(" AS DOUBLE PRECISION)");
            }
            _ => {
                sql.push("CAST(JSON_VALUE(").ident(c).push(match key {
                    "->>'lat'" => ", '$.lat') AS DOUBLE)",
                    _ => ", '$.lng') AS DOUBLE)",
                });
            }
        };
        let a = |sql: &mut Sql| {
            sql.push("(POWER(SIN((RADIANS(");
            coord(sql, "->>'lat'");
            sql.push(") - RADIANS(")
                .bind(Arg::Float(lat))
                .push(")) / 2), 2) + COS(RADIANS(");
            sql.bind(Arg::Float(lat)).push(")) * COS(RADIANS(");
            coord(sql, "->>'lat'");
            sql.push(")) * POWER(SIN((RADIANS(");
            coord(sql, "->>'lng'");
            sql.push(") - RADIANS(")
                .bind(Arg::Float(lng))
                .push(")) / 2), 2))");
        };
        sql.push("(")
            .bind(Arg::Float(radius))
            .push(" * 2 * ATAN2(SQRT(");
        a(sql);
        sql.push("), SQRT(1 - ");
        a(sql);
        sql.push(")))");
    }

    /// A sort key: the target, then the direction. MySQL's `JSON_VALUE` is text, so a value
    /// inside a document sorts by its number first (numbers numerically), then by its text.
    pub fn sort_key(self, sql: &mut Sql, t: Target<'_>, descending: bool) {
        if let (Dialect::Mysql, Target::Path(c, path)) = (self, t) {
            sql.push("CASE WHEN ");
            self.json_kind_is(sql, c, path, true);
            sql.push(" THEN CAST(JSON_UNQUOTE(");
            self.json_extract(sql, c, path);
            sql.push(") AS DOUBLE) END");
            self.direction(sql, descending);
            sql.push(", ");
        }
        self.target(sql, t);
        self.direction(sql, descending);
    }

    /// ` ASC`/` DESC` with LoopBack's null ordering (null first ascending, last descending).
    pub fn direction(self, sql: &mut Sql, descending: bool) {
        sql.push(match (self, descending) {
            (Dialect::Postgres, false) => " ASC NULLS FIRST",
            (Dialect::Postgres, true) => " DESC NULLS LAST",
            (_, false) => " ASC",
            (_, true) => " DESC",
        });
    }

    /// ` LIMIT .. OFFSET ..`.
    pub fn paging(self, sql: &mut Sql, limit: Option<usize>, skip: Option<usize>) {
        let skip = skip.filter(|&s| s > 0);
        match (limit, skip) {
            (None, None) => {}
            (Some(l), None) => {
                sql.push(" LIMIT ").bind_count(l);
            }
            (l, Some(s)) => {
                match (l, self) {
                    (Some(l), _) => {
                        sql.push(" LIMIT ").bind_count(l);
                    }
                    (None, Dialect::Sqlite) => {
                        sql.push(" LIMIT -1");
                    }
                    (None, Dialect::Mysql) => {
                        sql.push(" LIMIT 18446744073709551615");
                    }
                    (None, Dialect::Postgres) => {}
                }
                sql.push(" OFFSET ").bind_count(s);
            }
        }
    }

    /// The column type of a property.
    pub fn column_type(self, t: &DataType, string_length: Option<usize>, keyed: bool) -> String {
        match (self, t) {
            (Dialect::Sqlite, DataType::String | DataType::Date) => "TEXT".into(),
            (Dialect::Sqlite, DataType::Integer | DataType::Boolean) => "INTEGER".into(),
            (Dialect::Sqlite, DataType::Number) => "REAL".into(),
            (Dialect::Sqlite, _) => "TEXT".into(),
            (Dialect::Postgres, DataType::String) => match string_length {
                Some(n) => format!("VARCHAR({n}) COLLATE \"C\""),
                None => "TEXT COLLATE \"C\"".into(),
            },
            (Dialect::Postgres, DataType::Integer) => "BIGINT".into(),
            (Dialect::Postgres, DataType::Number) => "DOUBLE PRECISION".into(),
            (Dialect::Postgres, DataType::Boolean) => "BOOLEAN".into(),
            (Dialect::Postgres, DataType::Date) => "TIMESTAMP(3) WITH TIME ZONE".into(),
            (Dialect::Postgres, _) => "JSONB".into(),
            (Dialect::Mysql, DataType::String) => match (string_length, keyed) {
                (Some(n), _) if n <= 16_383 => {
                    format!("VARCHAR({n}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
                }
                // 191 characters of utf8mb4 fit four to an InnoDB key (3072 bytes)
                (_, true) => "VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin".into(),
                _ => "LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin".into(),
            },
            (Dialect::Mysql, DataType::Integer) => "BIGINT".into(),
            (Dialect::Mysql, DataType::Number) => "DOUBLE".into(),
            (Dialect::Mysql, DataType::Boolean) => "BOOLEAN".into(),
            (Dialect::Mysql, DataType::Date) => "DATETIME(3)".into(),
            (Dialect::Mysql, _) => "JSON".into(),
        }
    }

    /// The column definition of a generated integer primary key.
    pub fn generated_key(self) -> &'static str {
        match self {
            Dialect::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
            Dialect::Postgres => "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            Dialect::Mysql => "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
        }
    }
}

/// How a condition on an array element reads the element.
#[derive(Debug, Clone, Copy)]
pub enum ElementRef {
    /// A SQL scalar column of the element table.
    Scalar(&'static str),
    /// A `jsonb` value (PostgreSQL).
    Jsonb(&'static str),
}

/// `$."a"."b"`: a JSON path (SQLite, MySQL) whose keys are quoted, so no key is syntax.
fn json_path_text(path: &[String]) -> String {
    let mut out = String::from("$");
    for key in path {
        out.push_str(".\"");
        for c in key.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths_quote_every_key() {
        assert_eq!(
            json_path_text(&["a".into(), "b\"c".into(), "d\\".into()]),
            r#"$."a"."b\"c"."d\\""#
        );
    }

    #[test]
    fn paging_binds_counts() {
        let mut s = Sql::new(Dialect::Mysql);
        Dialect::Mysql.paging(&mut s, None, Some(3));
        assert_eq!(s.text(), " LIMIT 18446744073709551615 OFFSET ?");
        assert_eq!(s.args(), &[Arg::Int(3)]);
        let mut s = Sql::new(Dialect::Postgres);
        Dialect::Postgres.paging(&mut s, Some(2), Some(1));
        assert_eq!(s.text(), " LIMIT $1::int8 OFFSET $2::int8");
    }
}
