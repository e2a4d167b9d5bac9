//! HTTP tests: the real router on a random port, a fresh database per test, journeys as people
//! take them, and the security sweeps over every route.

mod actions;
mod auth;
mod helpers;
mod members;
mod platform;
mod portfolio;
mod roadmap;
mod sweeps;
mod workspaces;
