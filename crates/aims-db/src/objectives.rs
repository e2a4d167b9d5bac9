//! (being built) objectives.
