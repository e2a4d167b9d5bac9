//! HTTP tests: the real router on a random port, a fresh database per test, journeys as people
//! take them, and the security sweeps over every route.

mod auth;
mod helpers;
mod members;
mod platform;
mod sweeps;
mod workspaces;
