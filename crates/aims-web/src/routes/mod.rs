//! Every route of the application, one module per area, each adding its routes to [`Routes`].

pub mod account;
pub mod actions;
pub mod ai_systems;
pub mod audit_log;
pub mod auth;
pub mod dashboard;
pub mod gap;
pub mod health;
pub mod invitations;
pub mod members;
pub mod my_work;
pub mod objectives;
pub mod orgs;
pub mod roles;
pub mod scope;
pub mod settings;
pub mod soa;
pub mod steps;

use crate::routing::Routes;

/// All routes, in one table the sweeps can read.
pub fn all() -> Routes {
    let r = Routes::default();
    let r = health::routes(r);
    let r = auth::routes(r);
    let r = account::routes(r);
    let r = orgs::routes(r);
    let r = invitations::routes(r);
    let r = dashboard::routes(r);
    let r = members::routes(r);
    let r = steps::routes(r);
    let r = actions::routes(r);
    let r = settings::routes(r);
    let r = my_work::routes(r);
    let r = scope::routes(r);
    let r = ai_systems::routes(r);
    let r = objectives::routes(r);
    let r = roles::routes(r);
    let r = gap::routes(r);
    let r = soa::routes(r);
    audit_log::routes(r)
}
