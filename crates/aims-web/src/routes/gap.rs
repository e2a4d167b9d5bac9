//! (being built) gap.

use crate::routing::Routes;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r
}
