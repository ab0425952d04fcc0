//! Writing a bundle: every part streamed from its source (the engine's `docker save`, a file)
//! straight into the destination's temporary file, hashed on the way; the part's tar header is
//! filled in once its size is known, the manifest last (see [`super::format`]). The temporary
//! file sits next to the destination and is renamed over it only when complete, so a failure or
//! Ctrl-C leaves no half-written bundle (it is deleted when dropped).

use std::io::SeekFrom;
use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncSeekExt, AsyncWriteExt, BufWriter};

use super::digest::BundleDigest;
use super::format::{self, Manifest, Part, PartKind, BLOCK, MANIFEST_NAME, MANIFEST_SLOT};
use super::zstd_stream::Compressor;
use super::BundleError;
use crate::archive::reader_stream;
use crate::events::{Events, Step};
use crate::provider::{ByteStream, Provider};

/// Reads from files and writes to the bundle in pieces this big.
const CHUNK: usize = 1 << 20;

/// Where a part's bytes come from.
pub(crate) enum Source {
    /// `docker save` of these names (one image), with its ID and the engine's size estimate.
    Image {
        names: Vec<String>,
        id: String,
        size: Option<u64>,
        /// The platform it was built for, and the names it gets once loaded when saved under a
        /// per-architecture tag (see [`super::platform`]).
        platform: Option<String>,
        load_as: Vec<String>,
    },
    Bytes(Vec<u8>),
    File(PathBuf),
}

/// One part to write: its entry name, kind and source.
pub(crate) struct Planned {
    pub(crate) name: String,
    pub(crate) kind: PartKind,
    pub(crate) source: Source,
}

/// A bundle just written: its manifest and its digest (SHA-256 of the manifest slot as stored).
#[derive(Debug, Clone)]
pub struct Written {
    pub manifest: Manifest,
    pub digest: BundleDigest,
}

/// Write `parts` into a new bundle at `out`.
pub(crate) async fn write(
    provider: &dyn Provider,
    parts: Vec<Planned>,
    kubernetes_version: Option<String>,
    out: &Path,
    events: &Events,
) -> Result<Written, BundleError> {
    let failed = |e: std::io::Error| BundleError::Write {
        path: out.to_path_buf(),
        reason: e.to_string(),
    };
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".minik-bundle-")
        .suffix(".partial")
        .tempfile_in(dir)
        .map_err(failed)?;
    let std_file = tmp.as_file().try_clone().map_err(failed)?;
    let mut file = BufWriter::with_capacity(CHUNK, tokio::fs::File::from_std(std_file));
    file.write_all(&vec![0u8; (BLOCK + MANIFEST_SLOT) as usize])
        .await
        .map_err(failed)?;
    let mut at = BLOCK + MANIFEST_SLOT;
    let mut written = Vec::new();
    for planned in parts {
        let (part, padded) = write_part(provider, &mut file, planned, at, out, events).await?;
        at += BLOCK + padded;
        written.push(part);
    }
    file.write_all(&[0u8; 2 * BLOCK as usize])
        .await
        .map_err(failed)?;
    let manifest = Manifest {
        format: format::FORMAT,
        minik_version: env!("CARGO_PKG_VERSION").to_string(),
        kubernetes_version,
        parts: written,
    };
    let slot = write_manifest(&mut file, &manifest, out).await?;
    file.flush().await.map_err(failed)?;
    file.get_mut().sync_all().await.map_err(failed)?;
    drop(file);
    // Readable by others: the organiser copies it to USB sticks or serves it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(failed)?;
    }
    tmp.persist(out).map_err(|e| failed(e.error))?;
    Ok(Written {
        manifest,
        digest: BundleDigest::of_slot(&slot),
    })
}

/// The bundle file as it is written.
type Out = BufWriter<tokio::fs::File>;

/// Streams one part in at `at` (a placeholder header, the bytes hashed on the way, padding, then
/// the real header); its manifest entry and its padded size.
async fn write_part(
    provider: &dyn Provider,
    file: &mut Out,
    planned: Planned,
    at: u64,
    out: &Path,
    events: &Events,
) -> Result<(Part, u64), BundleError> {
    let failed = |e: std::io::Error| BundleError::Write {
        path: out.to_path_buf(),
        reason: e.to_string(),
    };
    let header = format::header(&planned.name, 0).ok_or_else(|| BundleError::BadInput {
        path: PathBuf::from(&planned.name),
        reason: "the name is too long for a bundle entry (at most 100 bytes)".into(),
    })?;
    file.write_all(&header).await.map_err(failed)?;
    let (stream, total, images, image_id, title) = open(provider, &planned).await?;
    let step = events.step(title);
    // Image archives are stored compressed; the hash and size are the stored bytes'.
    let packer = match planned.source {
        Source::Image { .. } => Some(Compressor::new().map_err(failed)?),
        _ => None,
    };
    let compressed = packer.is_some();
    let streamed = stream_part(file, stream, packer, total, &planned.name, out, &step).await?;
    let size = streamed.size;
    let padded = format::padded(size).ok_or_else(|| BundleError::Write {
        path: out.to_path_buf(),
        reason: format!("{} is too big", planned.name),
    })?;
    let pad = (padded - size) as usize;
    file.write_all(&vec![0u8; pad]).await.map_err(failed)?;
    // Back to the placeholder: the size is known now.
    let header = format::header(&planned.name, size).ok_or_else(|| BundleError::Write {
        path: out.to_path_buf(),
        reason: format!("no tar header for {}", planned.name),
    })?;
    file.seek(SeekFrom::Start(at)).await.map_err(failed)?;
    file.write_all(&header).await.map_err(failed)?;
    file.seek(SeekFrom::End(0)).await.map_err(failed)?;
    step.done();
    let (platform, load_as) = match planned.source {
        Source::Image {
            platform, load_as, ..
        } => (platform, load_as),
        _ => (None, Vec::new()),
    };
    let part = Part {
        compression: compressed.then(|| format::ZSTD.to_string()),
        unpacked_size: compressed.then_some(streamed.unpacked),
        name: planned.name,
        kind: planned.kind,
        size,
        sha256: streamed.sha256,
        images,
        image_id,
        platform,
        load_as,
    };
    Ok((part, padded))
}

/// A part's bytes as stored: their size and SHA-256, and the size before compression.
struct Streamed {
    size: u64,
    unpacked: u64,
    sha256: String,
}

/// Copies `stream` to the end of `file`, through `packer` when there is one, hashing the bytes
/// as stored and reporting progress on `step` in bytes read.
async fn stream_part(
    file: &mut Out,
    mut stream: ByteStream,
    mut packer: Option<Compressor>,
    total: Option<u64>,
    name: &str,
    out: &Path,
    step: &Step,
) -> Result<Streamed, BundleError> {
    let failed = |e: std::io::Error| BundleError::Write {
        path: out.to_path_buf(),
        reason: e.to_string(),
    };
    let mut hasher = Sha256::new();
    let (mut size, mut unpacked) = (0u64, 0u64);
    let mut packed = Vec::with_capacity(CHUNK);
    loop {
        let (chunk, end) = match stream.next().await {
            Some(chunk) => (
                chunk.map_err(|e| BundleError::Write {
                    path: out.to_path_buf(),
                    reason: format!("reading {name} failed: {e}"),
                })?,
                false,
            ),
            None => (bytes::Bytes::new(), true),
        };
        unpacked += chunk.len() as u64;
        let stored: &[u8] = match &mut packer {
            Some(p) => {
                packed.clear();
                p.push(&chunk, &mut packed).map_err(failed)?;
                if end {
                    p.finish(&mut packed).map_err(failed)?;
                }
                &packed
            }
            None => &chunk,
        };
        hasher.update(stored);
        file.write_all(stored).await.map_err(failed)?;
        size += stored.len() as u64;
        step.progress(unpacked, total.map(|t| t.max(unpacked)));
        if end {
            break;
        }
    }
    Ok(Streamed {
        size,
        unpacked,
        sha256: format::hex(&hasher.finalize()),
    })
}

/// The manifest into its slot at the start of the file; the slot as written.
async fn write_manifest(
    file: &mut Out,
    manifest: &Manifest,
    out: &Path,
) -> Result<Vec<u8>, BundleError> {
    let failed = |e: std::io::Error| BundleError::Write {
        path: out.to_path_buf(),
        reason: e.to_string(),
    };
    let slot = manifest.to_slot().ok_or_else(|| BundleError::Write {
        path: out.to_path_buf(),
        reason: "too many parts for the manifest".into(),
    })?;
    let header =
        format::header(MANIFEST_NAME, MANIFEST_SLOT).ok_or_else(|| BundleError::Write {
            path: out.to_path_buf(),
            reason: "no tar header for the manifest".into(),
        })?;
    file.seek(SeekFrom::Start(0)).await.map_err(failed)?;
    file.write_all(&header).await.map_err(failed)?;
    file.write_all(&slot).await.map_err(failed)?;
    Ok(slot)
}

type Opened = (ByteStream, Option<u64>, Vec<String>, Option<String>, String);

async fn open(provider: &dyn Provider, planned: &Planned) -> Result<Opened, BundleError> {
    Ok(match &planned.source {
        Source::Image {
            names, id, size, ..
        } => (
            provider.save_images(names),
            *size,
            names.clone(),
            Some(id.clone()),
            format!("Saving {} into the bundle", names.join(", ")),
        ),
        Source::Bytes(b) => (
            Box::pin(futures_util::stream::iter([Ok(bytes::Bytes::from(
                b.clone(),
            ))])),
            Some(b.len() as u64),
            Vec::new(),
            None,
            format!("Adding {}", planned.name),
        ),
        Source::File(path) => {
            let bad = |e: std::io::Error| BundleError::BadInput {
                path: path.clone(),
                reason: e.to_string(),
            };
            let f = tokio::fs::File::open(path).await.map_err(bad)?;
            let len = f.metadata().await.map_err(bad)?.len();
            (
                reader_stream(f, CHUNK),
                Some(len),
                Vec::new(),
                None,
                format!("Adding {}", path.display()),
            )
        }
    })
}
