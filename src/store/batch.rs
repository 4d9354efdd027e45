//! Multi-row statements: each statement is a round trip to the database (for SQLite, to
//! sqlx's worker thread) that costs more than the rows it writes, so writes of one kind are
//! cut into a few large statements. Shared by the journal's batch commit and webhook delivery.

use super::Engine;

/// Rows in one statement, at most. Statements are cut into power-of-two sizes up to this, so
/// a batch of any size uses at most a handful of distinct statement texts and every one of
/// them stays in the connection's prepared-statement cache. 128 rows of the widest kind (18
/// columns) stay well inside SQLite's 32 766 parameters and PostgreSQL's 65 535.
const MAX_ROWS_PER_STATEMENT: usize = 128;

/// Cuts `items` into statement-sized pieces: the largest power of two that fits, up to
/// [`MAX_ROWS_PER_STATEMENT`], then the next.
pub(crate) fn statement_chunks<T>(mut items: &[T]) -> impl Iterator<Item = &[T]> {
    std::iter::from_fn(move || {
        if items.is_empty() {
            return None;
        }
        let size = if items.len() >= MAX_ROWS_PER_STATEMENT {
            MAX_ROWS_PER_STATEMENT
        } else {
            1 << items.len().ilog2()
        };
        let (chunk, rest) = items.split_at(size);
        items = rest;
        Some(chunk)
    })
}

/// How parameters are written. PostgreSQL needs `$n`. SQLite takes `$n` too, but sqlx looks
/// up every parameter's name to bind it, and SQLite finds a name by a linear scan, so a
/// 2 000-parameter statement costs millions of steps; plain `?` is bound by position.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Placeholders {
    Numbered,
    Positional,
}

impl Placeholders {
    pub(crate) fn for_engine(engine: Engine) -> Placeholders {
        match engine {
            Engine::Postgres => Placeholders::Numbered,
            Engine::Sqlite => Placeholders::Positional,
        }
    }

    pub(crate) fn parameter(self, sql: &mut String, number: usize) {
        match self {
            Placeholders::Numbered => {
                sql.push('$');
                sql.push_str(&number.to_string());
            }
            Placeholders::Positional => sql.push('?'),
        }
    }

    /// `$n` (or `?`): the parameter numbered `number`.
    pub(crate) fn one(self, number: usize) -> String {
        let mut sql = String::new();
        self.parameter(&mut sql, number);
        sql
    }

    /// `$1, $2, $3` (or `?, ?, ?`): a list of `count` parameters.
    pub(crate) fn list(self, count: usize) -> String {
        self.list_after(0, count)
    }

    /// As [`Placeholders::list`], numbered from `before + 1`.
    pub(crate) fn list_after(self, before: usize, count: usize) -> String {
        let mut sql = String::with_capacity(count * 4);
        for number in 1..=count {
            if number > 1 {
                sql.push_str(", ");
            }
            self.parameter(&mut sql, before + number);
        }
        sql
    }

    /// `(a = $1 AND b = $2) OR (a = $3 AND b = $4)`: `rows` matches on `columns`.
    pub(crate) fn any_of(self, rows: usize, columns: &[&str]) -> String {
        self.any_of_after(0, rows, columns)
    }

    /// As [`Placeholders::any_of`], numbered from `before + 1`.
    pub(crate) fn any_of_after(self, before: usize, rows: usize, columns: &[&str]) -> String {
        let mut sql = String::new();
        for row in 0..rows {
            if row > 0 {
                sql.push_str(" OR ");
            }
            sql.push('(');
            for (index, column) in columns.iter().enumerate() {
                if index > 0 {
                    sql.push_str(" AND ");
                }
                sql.push_str(column);
                sql.push_str(" = ");
                self.parameter(&mut sql, before + row * columns.len() + index + 1);
            }
            sql.push(')');
        }
        sql
    }

    pub(crate) fn rows(self, rows: usize, columns: usize) -> String {
        self.rows_with(rows, columns, "")
    }

    /// As [`Placeholders::rows`], with `constants` (SQL literals) appended to every row.
    pub(crate) fn rows_with(self, rows: usize, columns: usize, constants: &str) -> String {
        self.rows_after(0, rows, columns, constants)
    }

    /// As [`Placeholders::rows_with`], for a statement that has `before` parameters ahead of
    /// the rows: they are numbered from `before + 1`.
    pub(crate) fn rows_after(
        self,
        before: usize,
        rows: usize,
        columns: usize,
        constants: &str,
    ) -> String {
        let mut sql = String::with_capacity(rows * (columns * 5 + constants.len() + 4));
        for row in 0..rows {
            if row > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for column in 0..columns {
                if column > 0 {
                    sql.push_str(", ");
                }
                self.parameter(&mut sql, before + row * columns + column + 1);
            }
            if !constants.is_empty() {
                sql.push_str(", ");
                sql.push_str(constants);
            }
            sql.push(')');
        }
        sql
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_powers_of_two_up_to_the_cap_and_cover_every_item() {
        let items: Vec<usize> = (0..300).collect();
        let sizes: Vec<usize> = statement_chunks(&items).map(<[usize]>::len).collect();
        assert_eq!(sizes, vec![128, 128, 32, 8, 4]);
        let rejoined: Vec<usize> = statement_chunks(&items).flatten().copied().collect();
        assert_eq!(rejoined, items);
        assert_eq!(statement_chunks::<u8>(&[]).count(), 0);
        assert_eq!(
            statement_chunks(&[1, 2, 3])
                .map(<[i32]>::len)
                .collect::<Vec<_>>(),
            vec![2, 1]
        );
    }

    #[test]
    fn placeholders_number_every_parameter_once() {
        let numbered = Placeholders::Numbered;
        assert_eq!(numbered.rows(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(
            numbered.rows_with(2, 1, "'pending', 0"),
            "($1, 'pending', 0), ($2, 'pending', 0)"
        );
        assert_eq!(numbered.list(3), "$1, $2, $3");
        assert_eq!(
            numbered.any_of(2, &["a", "b"]),
            "(a = $1 AND b = $2) OR (a = $3 AND b = $4)"
        );
        assert_eq!(Placeholders::Positional.any_of(1, &["a"]), "(a = ?)");
        assert_eq!(numbered.rows_after(1, 2, 2, ""), "($2, $3), ($4, $5)");
        assert_eq!(numbered.list_after(2, 2), "$3, $4");
        assert_eq!(numbered.any_of_after(1, 2, &["a"]), "(a = $2) OR (a = $3)");
        let positional = Placeholders::Positional;
        assert_eq!(positional.rows(2, 2), "(?, ?), (?, ?)");
        assert_eq!(positional.list(2), "?, ?");
    }
}
