//! (being built) ai_systems.

use crate::routing::Routes;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r
}
