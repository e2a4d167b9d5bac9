//! HTTP tests: the real router on a random port, a fresh database per test, journeys as people
//! take them, and the security sweeps over every route.

mod actions;
mod ai_systems;
mod auth;
mod gap;
mod helpers;
mod members;
mod objectives;
mod platform;
mod portfolio;
mod registers;
mod roadmap;
mod roles;
mod scope;
mod soa;
mod sweeps;
mod workspaces;
