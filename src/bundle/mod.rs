//! Bundles: everything a workshop room needs in one file (`minik bundle create`), so attendees
//! make clusters with no registry and no internet: the node image, the load balancer's image
//! when needed, the workshop's images, the config, tour labs, minik release files, and a manifest with
//! every part's size and SHA-256. The file is a plain tar ([`format`]); it is written by
//! streaming from the engine ([`write`]), loaded by streaming into it with every part verified
//! on the way ([`load`]), served to the room over HTTP with range requests ([`serve`]) and
//! downloaded with resume ([`fetch`]). docs/bundles.md is the user's guide.

mod create;
pub(crate) mod digest;
mod error;
pub(crate) mod fetch;
#[cfg(test)]
mod fetch_tests;
mod for_create;
pub(crate) mod format;
mod host_access;
mod listen;
mod load;
pub(crate) mod page;
mod page_text;
mod partial;
mod plan;
pub(crate) mod platform;
mod read;
mod serve;
mod tags;
#[cfg(test)]
mod test_bundle;
mod write;
mod zstd_stream;

pub use create::create;
pub use create::CreateBundle;
pub use digest::BundleDigest;
pub use digest::Pin;
pub use digest::Trust;
pub use error::BundleError;
pub use for_create::FromBundle;
pub use format::Manifest;
pub use format::PartKind;
pub use listen::ServeLimits;
pub(crate) use load::load;
pub use load::load_until;
pub use load::Loaded;
pub use read::Bundle;
pub use serve::serve;
pub(crate) use serve::{advertised_url, verify};

use std::path::Path;

use crate::events::Events;
use crate::provider::Provider;

/// `minik bundle fetch`: download from a `bundle serve` (resuming), checked against `trust` as
/// soon as its manifest arrives, then load it into the engine when one is given.
pub(crate) async fn fetch_and_load(
    provider: Option<&dyn Provider>,
    url: &str,
    out: &Path,
    trust: Trust,
    limits: &fetch::Limits,
    events: &Events,
) -> Result<Option<Loaded>, BundleError> {
    let uri = fetch::bundle_url(url).map_err(|reason| BundleError::BadInput {
        path: url.into(),
        reason,
    })?;
    // With an engine, only its platform's parts are downloaded.
    let platform = match provider {
        Some(p) => Some(platform::engine_platform(p).await?),
        None => None,
    };
    // The partial file stays on a signal: the next fetch resumes it.
    crate::signals::cancellable(fetch::download_for(
        &uri,
        out,
        trust.clone(),
        platform.as_deref(),
        limits,
        events,
    ))
    .await??;
    let bundle = Bundle::open(out).await?;
    if let Trust::Pin(pin) = &trust {
        bundle.check_pin(pin)?;
    }
    match provider {
        Some(p) => Ok(Some(load(p, &bundle, events).await?)),
        None => {
            verify(&bundle, events).await?;
            Ok(None)
        }
    }
}
