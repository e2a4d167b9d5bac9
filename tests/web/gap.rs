//! (being built) gap.
