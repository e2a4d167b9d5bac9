//! (being built) ai_systems.
