//! (being built) soa.

use crate::routing::Routes;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r
}
