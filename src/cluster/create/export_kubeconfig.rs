//! Step: merge the new cluster into the user's kubeconfig. Done last, so a failed create never
//! leaves an entry pointing at nothing.

use std::path::Path;

use super::Ctx;
use crate::cluster::kubeconfig::{export, Exported};
use crate::cluster::ClusterError;

pub(super) async fn run(ctx: &Ctx<'_>, explicit: Option<&Path>) -> Result<Exported, ClusterError> {
    export(ctx.provider, &ctx.config.name, explicit)
        .await
        .map_err(|e| e.in_step("Writing kubeconfig"))
}
