//! Step: every node image is present locally, pulled if it can be.

use std::collections::BTreeSet;

use super::PlannedNode;
use crate::cluster::ClusterError;
use crate::events::Events;
use crate::provider::Provider;

pub(super) async fn run(
    provider: &dyn Provider,
    events: &Events,
    nodes: &[PlannedNode],
) -> Result<(), ClusterError> {
    let images: BTreeSet<&str> = nodes.iter().map(|n| n.image.as_str()).collect();
    for image in images {
        // Digests are noise on screen; the pin still applies.
        let shown = image.split('@').next().unwrap_or(image);
        let step = events.step(format!("Ensuring node image ({shown})"));
        if provider.image_id(image).await?.is_none() {
            provider
                .pull_image(image, &|done, total| {
                    step.progress(done, (total > 0).then_some(total))
                })
                .await
                .map_err(|e| ClusterError::ImageUnavailable {
                    image: image.to_string(),
                    reason: format!("not present locally, and pulling it failed: {e}"),
                })?;
        }
        step.done();
    }
    Ok(())
}
