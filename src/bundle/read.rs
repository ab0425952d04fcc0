//! Reading a bundle: the manifest first, checked against the file's length before any part is
//! touched (a cut-off download is refused at once, naming the first part it cuts), then each
//! part on demand, its header checked against the manifest.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::digest::{BundleDigest, Pin};
use super::format::{self, Manifest, Part, BLOCK, MANIFEST_NAME, MANIFEST_SLOT};
use super::BundleError;

/// The bytes a bundle starts with: the manifest's tar header and its slot.
pub(crate) const HEAD: u64 = BLOCK + MANIFEST_SLOT;

/// An opened bundle: its manifest, its digest and where each part starts.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub path: PathBuf,
    pub manifest: Manifest,
    /// SHA-256 of the manifest slot as stored: what attendees pin.
    pub digest: BundleDigest,
    offsets: Vec<u64>,
}

/// A bundle's first [`HEAD`] bytes, read: its manifest (checked) and its digest. `Err` is the
/// reason it is not a bundle.
pub(crate) fn read_head(head: &[u8]) -> Result<(Manifest, BundleDigest), String> {
    if head.len() as u64 != HEAD {
        return Err("too short to hold a manifest".into());
    }
    match format::read_header(&head[..BLOCK as usize]) {
        Some((name, size)) if name == MANIFEST_NAME && size == MANIFEST_SLOT => {}
        _ => return Err(format!("it does not start with {MANIFEST_NAME}")),
    }
    let slot = &head[BLOCK as usize..];
    let manifest = Manifest::from_slot(slot)
        .map_err(|e| format!("its {MANIFEST_NAME} cannot be read: {e}"))?;
    if manifest.format != format::FORMAT {
        return Err(format!(
            "it is format {} (made by minik {}); this minik reads format {}",
            manifest.format,
            manifest.minik_version,
            format::FORMAT
        ));
    }
    manifest.check().map_err(|e| format!("its manifest {e}"))?;
    Ok((manifest, BundleDigest::of_slot(slot)))
}

impl Bundle {
    pub async fn open(path: &Path) -> Result<Bundle, BundleError> {
        let unreadable = |e: std::io::Error| BundleError::Unreadable {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        let not_bundle = |reason: String| BundleError::NotABundle {
            path: path.to_path_buf(),
            reason,
        };
        let mut file = tokio::fs::File::open(path).await.map_err(unreadable)?;
        let meta = file.metadata().await.map_err(unreadable)?;
        if !meta.is_file() {
            return Err(not_bundle("not a file".into()));
        }
        let mut head = vec![0u8; HEAD as usize];
        if meta.len() < HEAD {
            return Err(not_bundle("too short to hold a manifest".into()));
        }
        file.read_exact(&mut head).await.map_err(unreadable)?;
        let (manifest, digest) = read_head(&head).map_err(not_bundle)?;
        let (offsets, _) = manifest
            .layout()
            .ok_or_else(|| not_bundle("its manifest declares sizes that overflow".into()))?;
        for (part, at) in manifest.parts.iter().zip(&offsets) {
            // No overflow: check() bounded every size, layout() the sum.
            let end = at + BLOCK + part.size;
            if end > meta.len() {
                return Err(BundleError::Truncated {
                    path: path.to_path_buf(),
                    part: part.name.clone(),
                    needed: end - meta.len(),
                });
            }
        }
        Ok(Bundle {
            path: path.to_path_buf(),
            manifest,
            digest,
            offsets,
        })
    }

    /// Refuse the bundle unless its digest is the pinned one (before anything reaches the
    /// engine).
    pub fn check_pin(&self, pin: &Pin) -> Result<(), BundleError> {
        if pin.matches(&self.digest) {
            return Ok(());
        }
        Err(BundleError::WrongDigest {
            file: self.path.display().to_string(),
            pinned: pin.as_hex().to_string(),
            actual: self.digest.hex(),
        })
    }

    /// The bytes of part `i` (exactly its size), after its header was checked; the caller
    /// verifies the hash as it reads (see [`Verifier`]).
    pub async fn part_reader(
        &self,
        i: usize,
    ) -> Result<tokio::io::Take<tokio::fs::File>, BundleError> {
        let part = &self.manifest.parts[i];
        let unreadable = |e: std::io::Error| BundleError::Unreadable {
            path: self.path.clone(),
            reason: e.to_string(),
        };
        let mut file = tokio::fs::File::open(&self.path)
            .await
            .map_err(unreadable)?;
        file.seek(SeekFrom::Start(self.offsets[i]))
            .await
            .map_err(unreadable)?;
        let mut header = [0u8; BLOCK as usize];
        file.read_exact(&mut header).await.map_err(unreadable)?;
        match format::read_header(&header) {
            Some((name, size)) if name == part.name && size == part.size => {}
            found => {
                return Err(self.corrupt(
                    part,
                    match found {
                        Some((name, size)) => format!(
                            "has header {name:?} ({size} bytes), the manifest says {:?} ({} bytes)",
                            part.name, part.size
                        ),
                        None => "has a damaged tar header".into(),
                    },
                ))
            }
        }
        Ok(file.take(part.size))
    }

    /// A small part read whole and verified (the config file).
    pub async fn read_part(&self, i: usize) -> Result<Vec<u8>, BundleError> {
        let mut reader = self.part_reader(i).await?;
        let mut data = Vec::new();
        reader
            .read_to_end(&mut data)
            .await
            .map_err(|e| BundleError::Unreadable {
                path: self.path.clone(),
                reason: e.to_string(),
            })?;
        let mut v = Verifier::new(&self.manifest.parts[i]);
        v.update(&data);
        v.finish()
            .map_err(|reason| self.corrupt(&self.manifest.parts[i], reason))?;
        Ok(data)
    }

    pub fn index_of(&self, part: &Part) -> Option<usize> {
        self.manifest.parts.iter().position(|p| p.name == part.name)
    }

    /// Where part `i`'s bytes start in the file (after its header).
    pub fn data_offset(&self, i: usize) -> u64 {
        self.offsets[i] + BLOCK
    }

    pub fn corrupt(&self, part: &Part, reason: String) -> BundleError {
        BundleError::Corrupt {
            path: self.path.clone(),
            part: part.name.clone(),
            reason,
        }
    }
}

/// Checks a part's bytes against the manifest as they stream past.
pub(crate) struct Verifier {
    hasher: Sha256,
    seen: u64,
    size: u64,
    sha256: String,
}

impl Verifier {
    pub(crate) fn new(part: &Part) -> Verifier {
        Verifier {
            hasher: Sha256::new(),
            seen: 0,
            size: part.size,
            sha256: part.sha256.clone(),
        }
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
        self.seen += bytes.len() as u64;
    }

    pub(crate) fn seen(&self) -> u64 {
        self.seen
    }

    /// `Err(reason)` (words that follow "part NAME") when the bytes are not the manifest's.
    pub(crate) fn finish(self) -> Result<(), String> {
        if self.seen != self.size {
            return Err(format!(
                "is cut off: {} of its {} bytes are there",
                self.seen, self.size
            ));
        }
        let got = format::hex(&self.hasher.finalize());
        if got != self.sha256 {
            return Err(format!(
                "was altered: its SHA-256 is {got}, the manifest says {}",
                self.sha256
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::format::PartKind;

    fn part(data: &[u8]) -> Part {
        Part {
            name: "images/1-node.tar".into(),
            kind: PartKind::NodeImage,
            size: data.len() as u64,
            sha256: format::hex(&Sha256::digest(data)),
            images: vec![],
            image_id: None,
        }
    }

    #[test]
    fn the_verifier_tells_cut_off_from_altered() {
        let p = part(b"hello world");
        let mut v = Verifier::new(&p);
        v.update(b"hello ");
        v.update(b"world");
        assert_eq!(v.finish(), Ok(()));
        let mut v = Verifier::new(&p);
        v.update(b"hello");
        assert!(v
            .finish()
            .unwrap_err()
            .starts_with("is cut off: 5 of its 11"));
        let mut v = Verifier::new(&p);
        v.update(b"hello World");
        assert!(v.finish().unwrap_err().starts_with("was altered"));
    }

    mod fuzz {
        use super::super::*;
        use crate::bundle::format::{Manifest, PartKind, FORMAT};
        use crate::bundle::test_bundle;
        use proptest::prelude::*;

        fn kind() -> impl Strategy<Value = PartKind> {
            prop_oneof![
                Just(PartKind::NodeImage),
                Just(PartKind::Image),
                Just(PartKind::Config),
                Just(PartKind::Lab),
                Just(PartKind::Minik),
            ]
        }

        fn part() -> impl Strategy<Value = Part> {
            (
                "[a-z./]{0,12}",
                kind(),
                prop_oneof![any::<u64>(), 0u64..10_000],
                "[0-9a-f]{64}|[A-Z]{0,3}",
                proptest::collection::vec("[a-z:]{1,6}", 0..2),
            )
                .prop_map(|(name, kind, size, sha256, images)| Part {
                    name,
                    kind,
                    size,
                    sha256,
                    images,
                    image_id: None,
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]

            /// Any manifest a forger can write is read or refused, never a panic, and one that
            /// is read has a file size that does not overflow.
            #[test]
            fn any_manifest_is_read_or_refused(parts in proptest::collection::vec(part(), 0..6)) {
                let m = Manifest {
                    format: FORMAT,
                    minik_version: "x".into(),
                    kubernetes_version: None,
                    parts,
                };
                let mut head = format::header(MANIFEST_NAME, MANIFEST_SLOT).unwrap().to_vec();
                head.extend_from_slice(&m.to_slot().unwrap());
                if let Ok((read, _)) = read_head(&head) {
                    prop_assert!(read.file_size().is_some());
                    for p in &read.parts {
                        prop_assert!(p.size <= format::max_size(p.kind));
                    }
                }
            }

            /// Bytes flipped anywhere in a real bundle's head, or the file cut anywhere: open
            /// refuses or reads it, never panics, and a changed slot changes the digest.
            #[test]
            fn damaged_heads_and_cut_files_are_refused(
                flips in proptest::collection::vec((0..HEAD as usize, any::<u8>()), 1..4),
                cut in 0usize..80_000,
            ) {
                let good = test_bundle::small(5_000, 9);
                let (m, digest) = read_head(&good[..HEAD as usize]).unwrap();
                let (offsets, _) = m.layout().unwrap();
                let last = m.parts.len() - 1;
                let data_end = (offsets[last] + BLOCK + m.parts[last].size) as usize;
                let mut bad = good[..HEAD as usize].to_vec();
                for (at, x) in &flips {
                    bad[*at] ^= x | 1;
                }
                if let Ok((_, d)) = read_head(&bad) {
                    prop_assert!(bad[512..] == good[512..HEAD as usize] || d != digest);
                }
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("b.minik");
                std::fs::write(&path, &good[..cut.min(good.len())]).unwrap();
                let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
                let opened = rt.block_on(Bundle::open(&path));
                prop_assert_eq!(opened.is_ok(), cut >= data_end);
            }
        }
    }
}
