//! (being built) objectives.

use crate::routing::Routes;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r
}
