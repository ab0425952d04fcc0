//! `minik bundle load`: every image part streamed into the engine (`docker load`) while its
//! SHA-256 is computed, with its last mebibyte held back until the part checks out. A cut-off or
//! altered part gets an error item instead, which aborts the upload: the engine sees a broken
//! request, not an archive's end, and tags nothing. Afterwards any name that this load made
//! appear is removed anyway (from this part and from the parts before it), so a refused bundle
//! leaves the engine as it was. Images already present under every name at the saved ID are
//! skipped, so loading twice (`bundle fetch`, then `create --bundle`) costs nothing.

use std::collections::VecDeque;
use std::path::Path;

use bytes::{Bytes, BytesMut};
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

use super::format::{Part, PartKind};
use super::read::{Bundle, Verifier};
use super::tags::{self, TagReader};
use super::zstd_stream::Decompressor;
use super::BundleError;
use crate::events::{Events, Step};
use crate::provider::{ByteStream, Provider};
use crate::signals::Signal;

/// Read from the bundle in pieces this big.
const CHUNK: usize = 1 << 20;
/// At least this much of a part's end is held back until it checks out: more than the tar's
/// end-of-archive blocks and the `manifest.json` and `repositories` entries `docker save` puts
/// last, so the engine has seen neither the archive's end nor any tag before the check.
const HOLD: usize = 1 << 20;
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
    /// The ids of the tour labs it brought, kept for `minik tour --lab ID`.
    pub labs: Vec<String>,
    /// The bundle's digest (hex), for the next command's `--sha256`.
    pub digest: String,
    /// The engine's platform: the parts for it were loaded, the others left in the file.
    pub platform: String,
    /// Image parts loaded now, and those already present.
    pub loaded: usize,
    pub present: usize,
}

/// Load every image of `bundle` into the engine (verified), and read its config. A signal
/// (Ctrl-C, SIGTERM, SIGHUP) ends the load like a refused part does: nothing this run added
/// stays.
/// Its tour labs are kept in the user's state folder once every image is in.
pub(crate) async fn load(
    provider: &dyn Provider,
    bundle: &Bundle,
    events: &Events,
) -> Result<Loaded, BundleError> {
    let labs = crate::tour::installed::dir();
    load_until(
        provider,
        bundle,
        events,
        labs.as_deref(),
        crate::signals::interrupted(),
    )
    .await
}

/// [`load`], keeping labs in `labs`, ended early when `stop` resolves.
pub async fn load_until(
    provider: &dyn Provider,
    bundle: &Bundle,
    events: &Events,
    labs: Option<&Path>,
    stop: impl std::future::Future<Output = Signal>,
) -> Result<Loaded, BundleError> {
    let m = &bundle.manifest;
    // Only the parts for the engine's platform load; a bundle with none for it is refused
    // before anything moves.
    let engine = super::platform::engine_platform(provider).await?;
    let chosen = super::platform::select(m, &engine)?;
    let mut out = Loaded {
        node_image: m.node_image().and_then(|p| p.load_names().first().cloned()),
        images: workshop_images(m),
        digest: bundle.digest.hex(),
        platform: engine,
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
    // Labs are small too: each verified and read as `minik tour` would, before any image moves.
    let mut lab_texts = Vec::new();
    for (i, part) in m.parts.iter().enumerate() {
        if part.kind == PartKind::Lab {
            lab_texts.push(read_lab(bundle, i).await?);
        }
    }
    // Which names exist before anything moves: only the others are removed when the load is
    // refused or interrupted, whichever part was under way.
    let mut absent = Vec::new();
    for name in chosen.iter().flat_map(|i| all_names(&m.parts[*i])) {
        if provider.image_id(name).await?.is_none() {
            absent.push(name.clone());
        }
    }
    let result = crate::signals::cancellable_until(
        stop,
        load_images(provider, bundle, &chosen, events, &mut out),
    )
    .await
    .map_err(BundleError::from)
    .and_then(|r| r);
    if let Err(e) = result {
        let mut added = Vec::new();
        for name in absent {
            if provider.image_id(&name).await.ok().flatten().is_some() {
                added.push(name);
            }
        }
        undo(provider, &added, events).await;
        return Err(e);
    }
    if !lab_texts.is_empty() {
        let Some(dir) = labs else {
            return Err(BundleError::Write {
                path: bundle.path.clone(),
                reason: "no state folder to keep its labs in (is HOME set?)".into(),
            });
        };
        for (id, text) in lab_texts {
            if crate::tour::installed::replaces(dir, &id, &text) {
                events.warn(format!(
                    "lab {id} replaces the lab of that id kept from an earlier bundle"
                ));
            }
            crate::tour::installed::install(dir, &id, &text).map_err(|e| BundleError::Write {
                path: dir.to_path_buf(),
                reason: format!("cannot keep lab {id}: {e}"),
            })?;
            out.labs.push(id);
        }
    }
    Ok(out)
}

/// Lab part `i`, verified and parsed: its id and text.
async fn read_lab(bundle: &Bundle, i: usize) -> Result<(String, String), BundleError> {
    let part = &bundle.manifest.parts[i];
    let text = String::from_utf8(bundle.read_part(i).await?)
        .map_err(|_| bundle.corrupt(part, "is not UTF-8 text".into()))?;
    let origin = format!("{} ({})", bundle.path.display(), part.name);
    let lab = crate::tour::parse_foreign(&text, &origin)?;
    Ok((lab.id, text))
}

/// The workshop images a bundle puts on the nodes, by the names they are loaded as.
pub(crate) fn workshop_images(m: &super::Manifest) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in m.of_kind(PartKind::Image).flat_map(|p| p.load_names()) {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    names
}

/// Every name an image part has once loaded: its saved names and those it is tagged as.
fn all_names(part: &Part) -> impl Iterator<Item = &String> {
    part.images.iter().chain(&part.load_as)
}

/// The `chosen` image parts not already present, one after the other.
async fn load_images(
    provider: &dyn Provider,
    bundle: &Bundle,
    chosen: &[usize],
    events: &Events,
    out: &mut Loaded,
) -> Result<(), BundleError> {
    for &i in chosen {
        let part = &bundle.manifest.parts[i];
        let mut present = true;
        for name in all_names(part) {
            present &= part.image_id.is_some() && provider.image_id(name).await? == part.image_id;
        }
        if present {
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
        load_part(provider, bundle, i, &step).await?;
        // Saved under a per-architecture tag: named here as the config names it.
        if let Some(source) = part.images.first() {
            for target in &part.load_as {
                provider
                    .tag_image(source, target)
                    .await
                    .map_err(|source| BundleError::Load {
                        part: part.name.clone(),
                        source,
                    })?;
            }
        }
        step.done();
        out.loaded += 1;
    }
    Ok(())
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
        let mut held = HoldBack::new(HOLD);
        let names = TagReader::start();
        let mut unpacking = Unpacking::new(part).map_err(|e| bundle.corrupt(part, e))?;
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
            let Some(chunk) = unpacking.push(buf) else {
                continue;
            };
            names.feed(&chunk);
            for ready in held.push(chunk) {
                // A closed channel means the engine gave up; its error is reported.
                if tx.send(Ok(ready)).await.is_err() {
                    return Ok(());
                }
            }
        }
        // The archive's own names decide what `docker load` tags: they must be the part's.
        let checked = match verifier.finish().and(unpacking.finish()) {
            Ok(()) => names
                .finish()
                .await
                .and_then(|inside| tags::check(&inside, &part.images))
                .map_err(|reason| BundleError::ForeignImages {
                    path: bundle.path.clone(),
                    part: part.name.clone(),
                    reason,
                }),
            Err(reason) => Err(bundle.corrupt(part, reason)),
        };
        match checked {
            Ok(()) => {
                for rest in held.rest {
                    if tx.send(Ok(rest)).await.is_err() {
                        break;
                    }
                }
                Ok(())
            }
            Err(e) => {
                let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                Err(e)
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

/// Remove names this load added, so a refused or interrupted load leaves nothing behind.
async fn undo(provider: &dyn Provider, added: &[String], events: &Events) {
    for name in added {
        match provider.remove_image(name).await {
            Ok(()) => events.debug(format!("removed {name}, loaded by an unfinished load")),
            Err(e) => events.warn(format!(
                "could not remove {name}, loaded by an unfinished load: {e}"
            )),
        }
    }
}

/// A compressed part unpacked on its way to the engine. What breaks the unpacking is reported
/// once the hash has had its say (an altered part is "altered", whatever it unpacks to), so
/// a broken stream only stops the unpacking until then.
struct Unpacking {
    unpacker: Option<Decompressor>,
    broken: Option<String>,
}

impl Unpacking {
    /// For `part`: unpacking when it is stored compressed, else passing chunks through.
    fn new(part: &Part) -> Result<Unpacking, String> {
        let unpacker = match part.unpacked_size.filter(|_| part.compression.is_some()) {
            Some(limit) => Some(Decompressor::new(limit).map_err(|e| e.to_string())?),
            None => None,
        };
        Ok(Unpacking {
            unpacker,
            broken: None,
        })
    }

    /// The bytes `buf` unpacks to; none once the stream broke.
    fn push(&mut self, buf: BytesMut) -> Option<Bytes> {
        if self.broken.is_some() {
            return None;
        }
        let Some(u) = &mut self.unpacker else {
            return Some(buf.freeze());
        };
        let mut out = Vec::with_capacity(4 * buf.len());
        if let Err(e) = u.push(&buf, &mut out) {
            self.broken = Some(format!("cannot be unpacked: {e}"));
            return None;
        }
        Some(Bytes::from(out))
    }

    /// Whether the whole part unpacked, to its announced size.
    fn finish(&self) -> Result<(), String> {
        match (&self.broken, &self.unpacker) {
            (Some(why), _) => Err(why.clone()),
            (None, Some(u)) => u.finish().map_err(|e| format!("cannot be unpacked: {e}")),
            (None, None) => Ok(()),
        }
    }
}

/// Chunks on their way to the engine, the last `hold` bytes kept back.
struct HoldBack {
    hold: usize,
    rest: VecDeque<Bytes>,
    len: usize,
}

impl HoldBack {
    fn new(hold: usize) -> HoldBack {
        HoldBack {
            hold,
            rest: VecDeque::new(),
            len: 0,
        }
    }

    /// Take `chunk`; the chunks that may go now (those the last `hold` bytes do not need).
    fn push(&mut self, chunk: Bytes) -> Vec<Bytes> {
        self.len += chunk.len();
        self.rest.push_back(chunk);
        let mut ready = Vec::new();
        while let Some(first) = self.rest.front() {
            if self.len - first.len() < self.hold {
                break;
            }
            self.len -= first.len();
            ready.extend(self.rest.pop_front());
        }
        ready
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_least_the_last_hold_bytes_wait_for_the_check() {
        let mut h = HoldBack::new(10);
        let sent: usize = [4usize, 4, 4, 4, 4, 1]
            .iter()
            .flat_map(|&n| h.push(Bytes::from(vec![0u8; n])))
            .map(|b| b.len())
            .sum();
        let held: usize = h.rest.iter().map(Bytes::len).sum();
        assert_eq!(sent + held, 21);
        assert!(held >= 10, "held {held}");
        assert!(held < 10 + 4, "held {held}: more than needed");
        // A part smaller than the hold is held whole.
        let mut h = HoldBack::new(10);
        assert!(h.push(Bytes::from_static(b"tiny")).is_empty());
    }
}
