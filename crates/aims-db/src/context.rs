//! (being built) context.
