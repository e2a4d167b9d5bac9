//! (being built) scope.
