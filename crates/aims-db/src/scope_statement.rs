//! (being built) scope_statement.
