//! A SQL statement under construction: text from the connector's own constants and quoted
//! identifiers taken from the model definition, every value a bound argument.
//!
//! There is deliberately no way to append an arbitrary `String` to the text: [`Sql::push`]
//! takes `&'static str`, identifiers go through [`Sql::ident`] (quoted, quote characters
//! doubled) and everything a client sends goes through [`Sql::bind`].

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::Dialect;

/// A bound value.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// SQL `NULL`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// Text.
    Text(String),
    /// A JSON document (`jsonb` on PostgreSQL, JSON text elsewhere).
    Json(Value),
    /// A timestamp (UTC).
    Date(DateTime<Utc>),
    /// A text array (PostgreSQL JSON paths).
    TextArray(Vec<String>),
}

/// SQL text plus its arguments, in placeholder order.
#[derive(Debug, Clone)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
    dialect: Dialect,
    aliases: usize,
}

impl Sql {
    /// An empty statement for `dialect`.
    pub fn new(dialect: Dialect) -> Self {
        Sql {
            text: String::with_capacity(128),
            args: Vec::new(),
            dialect,
            aliases: 0,
        }
    }

    /// The dialect the statement is written in.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// A number for a new subquery alias (unique in the statement).
    pub fn next_alias(&mut self) -> usize {
        self.aliases += 1;
        self.aliases
    }

    /// Appends fixed SQL text.
    pub fn push(&mut self, text: &'static str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends DDL text the connector generated from the model definition (column types such
    /// as `VARCHAR(20)`); never called with anything a request carries.
    pub(super) fn push_ddl(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a quoted identifier (a table or column name from the model definition).
    pub fn ident(&mut self, name: &str) -> &mut Self {
        let q = self.dialect.quote();
        self.text.push(q);
        for c in name.chars() {
            if c == q {
                self.text.push(q);
            }
            self.text.push(c);
        }
        self.text.push(q);
        self
    }

    /// Appends a placeholder for `arg` (`NULL` itself for a null: an untyped null parameter
    /// would be typed as text by some drivers).
    pub fn bind(&mut self, arg: Arg) -> &mut Self {
        if arg == Arg::Null {
            self.text.push_str("NULL");
            return self;
        }
        // PostgreSQL: the placeholder names its type, so one statement text always has the
        // same parameter types (sqlx caches prepared statements by text: an integer bound
        // where a float was prepared would be read as a float's bits)
        let cast = match &arg {
            Arg::Bool(_) => "::boolean",
            Arg::Int(_) => "::int8",
            Arg::Float(_) => "::float8",
            Arg::Json(_) => "::jsonb",
            Arg::Date(_) => "::timestamptz",
            Arg::TextArray(_) => "::text[]",
            Arg::Text(_) | Arg::Null => "",
        };
        self.args.push(arg);
        match self.dialect {
            Dialect::Postgres => {
                use std::fmt::Write;
                let _ = write!(self.text, "${}{cast}", self.args.len());
            }
            _ => self.text.push('?'),
        }
        self
    }

    /// Appends an unsigned count (limit, offset) as a bound argument.
    pub fn bind_count(&mut self, n: usize) -> &mut Self {
        self.bind(Arg::Int(i64::try_from(n).unwrap_or(i64::MAX)))
    }

    /// Appends `items` separated by `sep`.
    pub fn join<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        sep: &'static str,
        mut each: impl FnMut(&mut Self, T),
    ) -> &mut Self {
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.push(sep);
            }
            each(self, item);
        }
        self
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The arguments.
    pub fn args(&self) -> &[Arg] {
        &self.args
    }

    /// Text and arguments.
    pub fn into_parts(self) -> (String, Vec<Arg>) {
        (self.text, self.args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_and_values_bound() {
        let mut s = Sql::new(Dialect::Postgres);
        s.push("SELECT ")
            .ident("we\"ird")
            .push(" FROM ")
            .ident("t")
            .push(" WHERE ")
            .ident("a")
            .push(" = ")
            .bind(Arg::Text("'; DROP TABLE t; --".into()));
        assert_eq!(s.text(), r#"SELECT "we""ird" FROM "t" WHERE "a" = $1"#);
        let mut m = Sql::new(Dialect::Mysql);
        m.ident("a`b").push(" = ").bind(Arg::Int(1));
        assert_eq!(m.text(), "`a``b` = ?");
    }
}
