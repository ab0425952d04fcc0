//! `minik bundle load`: every image part streamed into the engine (`docker load`) while its
//! SHA-256 is computed, with the last chunk held back until the part checks out. A cut-off or
//! altered part gets an error item instead, which aborts the upload: the engine sees a broken
//! request, not an archive's end, and tags nothing. Afterwards any name that this load made
//! appear is removed anyway (from this part and from the parts before it), so a refused bundle
//! leaves the engine as it was. Images already present under every name at the saved ID are
//! skipped, so loading twice (`bundle fetch`, then `create --bundle`) costs nothing.

use bytes::{Bytes, BytesMut};
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

use super::format::{Part, PartKind};
use super::read::{Bundle, Verifier};
use super::BundleError;
use crate::events::{Events, Step};
use crate::provider::{ByteStream, Provider};

/// Read from the bundle in pieces this big (the held-back piece is one of them).
const CHUNK: usize = 1 << 20;
/// Pieces in flight to the engine.
const IN_FLIGHT: usize = 4;

/// What a bundle holds, once loaded into the engine.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Loaded {
    /// The node image clusters are made from.
    pub node_image: Option<String>,
    /// The workshop's own images (for the nodes).
    pub images: Vec<String>,
    /// The config file's text, when the bundle has one.
    #[serde(skip)]
    pub config: Option<String>,
    /// Image parts loaded now, and those already present.
    pub loaded: usize,
    pub present: usize,
}

/// Load every image of `bundle` into the engine (verified), and read its config.
pub async fn load(
    provider: &dyn Provider,
    bundle: &Bundle,
    events: &Events,
) -> Result<Loaded, BundleError> {
    let m = &bundle.manifest;
    let mut out = Loaded {
        node_image: m.node_image().and_then(|p| p.images.first().cloned()),
        images: m
            .of_kind(PartKind::Image)
            .flat_map(|p| p.images.iter().cloned())
            .collect(),
        ..Loaded::default()
    };
    // The config is small: a damaged one is refused before any image moves.
    if let Some(i) = m.config().and_then(|p| bundle.index_of(p)) {
        let text = bundle.read_part(i).await?;
        out.config = Some(
            String::from_utf8(text)
                .map_err(|_| bundle.corrupt(&m.parts[i], "is not UTF-8 text".into()))?,
        );
    }
    let mut added: Vec<String> = Vec::new();
    for (i, part) in m.parts.iter().enumerate() {
        if !part.kind.is_image() {
            continue;
        }
        let mut before = Vec::new();
        for name in &part.images {
            before.push(provider.image_id(name).await?);
        }
        if part.image_id.is_some() && before.iter().all(|b| *b == part.image_id) {
            events.info(format!(
                "{} already present in the engine",
                part.images.join(", ")
            ));
            out.present += 1;
            continue;
        }
        let step = events.step(format!(
            "Loading {} from the bundle",
            part.images.join(", ")
        ));
        let result = load_part(provider, bundle, i, &step).await;
        // Names this part made appear count as added whether or not it succeeded.
        for (name, was) in part.images.iter().zip(&before) {
            if was.is_none() && provider.image_id(name).await.ok().flatten().is_some() {
                added.push(name.clone());
            }
        }
        if let Err(e) = result {
            drop(step);
            undo(provider, &added, events).await;
            return Err(e);
        }
        step.done();
        out.loaded += 1;
    }
    Ok(out)
}

/// Stream part `i` into the engine, verified, holding back its last chunk until it checks out.
async fn load_part(
    provider: &dyn Provider,
    bundle: &Bundle,
    i: usize,
    step: &Step,
) -> Result<(), BundleError> {
    let part: &Part = &bundle.manifest.parts[i];
    let mut reader = bundle.part_reader(i).await?;
    let (tx, rx) = mpsc::channel::<std::io::Result<Bytes>>(IN_FLIGHT);
    let source: ByteStream = Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }));
    let upload = provider.load_images(source);
    let feed = async move {
        let mut verifier = Verifier::new(part);
        let mut held: Option<Bytes> = None;
        loop {
            let mut buf = BytesMut::with_capacity(CHUNK);
            let n = match reader.read_buf(&mut buf).await {
                Ok(n) => n,
                Err(e) => {
                    let _ = tx
                        .send(Err(std::io::Error::other("bundle unreadable")))
                        .await;
                    return Err(BundleError::Unreadable {
                        path: bundle.path.clone(),
                        reason: e.to_string(),
                    });
                }
            };
            if n == 0 {
                break;
            }
            verifier.update(&buf);
            step.progress(verifier.seen(), Some(part.size));
            if let Some(previous) = held.replace(buf.freeze()) {
                // A closed channel means the engine gave up; its error is reported.
                if tx.send(Ok(previous)).await.is_err() {
                    return Ok(());
                }
            }
        }
        match verifier.finish() {
            Ok(()) => {
                if let Some(last) = held {
                    let _ = tx.send(Ok(last)).await;
                }
                Ok(())
            }
            Err(reason) => {
                let _ = tx.send(Err(std::io::Error::other(reason.clone()))).await;
                Err(bundle.corrupt(part, reason))
            }
        }
    };
    let (fed, loaded) = tokio::join!(feed, upload);
    fed?;
    loaded.map_err(|source| BundleError::Load {
        part: part.name.clone(),
        source,
    })
}

/// Remove names this load added, so a refused bundle leaves nothing behind.
async fn undo(provider: &dyn Provider, added: &[String], events: &Events) {
    for name in added {
        match provider.remove_image(name).await {
            Ok(()) => events.debug(format!("removed {name}, loaded from a refused bundle")),
            Err(e) => events.warn(format!(
                "could not remove {name}, loaded from a refused bundle: {e}"
            )),
        }
    }
}
