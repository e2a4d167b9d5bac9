//! (being built) soa.
