//! The bundle file's layout: a plain tar (`tar tvf room.minik` lists it) whose first entry is
//! `manifest.json` and whose other entries are the parts it lists, in its order.
//!
//! A tar header needs its entry's size up front, and `docker save` does not say how big its
//! stream will be. So the writer streams each part straight into the file behind a placeholder
//! header and goes back to fill the header in once the part has ended (one seek, no temporary
//! copy). The manifest has the same problem (its hashes are known only at the end), so it lives
//! in a slot of fixed size at the start, padded with spaces (JSON ignores trailing whitespace),
//! written last. Having it first lets a reader check sizes, free disk and truncation before it
//! reads any part, and lets `bundle serve` answer with the manifest at once.
//!
//! Every entry is a root-owned regular file with a zero mtime, so the same inputs give the same
//! layout; only ustar headers are used (names stay under 100 bytes).

use serde::{Deserialize, Serialize};

/// Tar's block size: headers are one block, data is padded to whole blocks.
pub const BLOCK: u64 = 512;
/// Bytes reserved for `manifest.json` (hundreds of parts fit).
pub const MANIFEST_SLOT: u64 = 64 << 10;
/// The manifest's entry name; it is always the first entry.
pub const MANIFEST_NAME: &str = "manifest.json";
/// The one format this minik reads and writes.
pub const FORMAT: u32 = 1;

/// What a bundle holds, written at its start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`]; another number means another minik made it.
    pub format: u32,
    /// The minik that made the bundle (`minik version`).
    pub minik_version: String,
    /// The Kubernetes version of the node image, when it was chosen by version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_version: Option<String>,
    pub parts: Vec<Part>,
}

/// One entry after the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// Its entry name in the tar (`images/1-node.tar`, `config.yaml`, `minik/<file>`).
    pub name: String,
    pub kind: PartKind,
    pub size: u64,
    /// SHA-256 of its bytes, lower-case hex.
    pub sha256: String,
    /// For images: the names `docker save` was given (the archive tags them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    /// For images: the engine's image ID when it was saved (a load that finds every name at
    /// this ID skips the part).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartKind {
    /// The node image clusters are made from.
    NodeImage,
    /// The HA load balancer's image, when the node image cannot run it.
    LoadBalancerImage,
    /// A workshop image, loaded into every node after create.
    Image,
    /// The cluster config file.
    Config,
    /// A minik release file for attendees (`--with-minik`).
    Minik,
    /// A `minik tour` lab (`--lab`), kept for `minik tour --lab ID` when loaded.
    Lab,
}

impl PartKind {
    pub fn is_image(self) -> bool {
        matches!(
            self,
            PartKind::NodeImage | PartKind::LoadBalancerImage | PartKind::Image
        )
    }
}

impl Manifest {
    /// The JSON, padded with spaces to exactly [`MANIFEST_SLOT`] bytes; `None` when too big.
    pub fn to_slot(&self) -> Option<Vec<u8>> {
        let mut json = serde_json::to_vec_pretty(self).ok()?;
        json.push(b'\n');
        if json.len() as u64 > MANIFEST_SLOT {
            return None;
        }
        json.resize(MANIFEST_SLOT as usize, b' ');
        Some(json)
    }

    pub fn from_slot(slot: &[u8]) -> Result<Manifest, String> {
        serde_json::from_slice(slot).map_err(|e| e.to_string())
    }

    /// Where each part's header starts, and where the file's end-of-archive blocks start.
    pub fn layout(&self) -> (Vec<u64>, u64) {
        let mut at = BLOCK + MANIFEST_SLOT;
        let mut offsets = Vec::with_capacity(self.parts.len());
        for p in &self.parts {
            offsets.push(at);
            at += BLOCK + padded(p.size);
        }
        (offsets, at)
    }

    /// The whole file's size: every entry, then tar's two zero blocks.
    pub fn file_size(&self) -> u64 {
        self.layout().1 + 2 * BLOCK
    }

    pub fn node_image(&self) -> Option<&Part> {
        self.parts.iter().find(|p| p.kind == PartKind::NodeImage)
    }

    pub fn config(&self) -> Option<&Part> {
        self.parts.iter().find(|p| p.kind == PartKind::Config)
    }

    pub fn of_kind(&self, kind: PartKind) -> impl Iterator<Item = &Part> {
        self.parts.iter().filter(move |p| p.kind == kind)
    }
}

/// `size` rounded up to whole blocks.
pub fn padded(size: u64) -> u64 {
    size.div_ceil(BLOCK) * BLOCK
}

/// A ustar header for a regular file; `None` when the name does not fit one.
pub fn header(name: &str, size: u64) -> Option<[u8; BLOCK as usize]> {
    let mut h = tar::Header::new_ustar();
    h.set_path(name).ok()?;
    h.set_size(size);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    let mut out = [0u8; BLOCK as usize];
    out.copy_from_slice(h.as_bytes());
    Some(out)
}

/// A header's entry name and size, when it is a valid header.
pub fn read_header(block: &[u8]) -> Option<(String, u64)> {
    if block.len() != BLOCK as usize {
        return None;
    }
    let h = tar::Header::from_byte_slice(block);
    let sum: u32 = block
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                *b as u32
            }
        })
        .sum();
    if h.cksum().ok()? != sum {
        return None;
    }
    let name = h.path().ok()?.to_string_lossy().into_owned();
    Some((name, h.size().ok()?))
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest {
            format: FORMAT,
            minik_version: "0.1.0".into(),
            kubernetes_version: None,
            parts: vec![
                Part {
                    name: "images/1-node.tar".into(),
                    kind: PartKind::NodeImage,
                    size: 1000,
                    sha256: "ab".into(),
                    images: vec!["minik/node:v1".into()],
                    image_id: Some("sha256:cd".into()),
                },
                Part {
                    name: "config.yaml".into(),
                    kind: PartKind::Config,
                    size: 512,
                    sha256: "ef".into(),
                    images: vec![],
                    image_id: None,
                },
            ],
        }
    }

    #[test]
    fn the_manifest_fills_its_slot_and_reads_back() {
        let m = manifest();
        let slot = m.to_slot().unwrap();
        assert_eq!(slot.len() as u64, MANIFEST_SLOT);
        assert_eq!(Manifest::from_slot(&slot).unwrap(), m);
        assert!(Manifest::from_slot(b"{not json").is_err());
        let huge = Manifest {
            parts: vec![m.parts[0].clone(); 1000],
            ..m
        };
        assert_eq!(huge.to_slot(), None);
    }

    #[test]
    fn parts_follow_the_manifest_in_whole_blocks() {
        let (offsets, end) = manifest().layout();
        let first = BLOCK + MANIFEST_SLOT;
        assert_eq!(offsets, vec![first, first + BLOCK + 1024]);
        assert_eq!(end, first + BLOCK + 1024 + BLOCK + 512);
        assert_eq!(manifest().file_size(), end + 1024);
        assert_eq!((padded(0), padded(1), padded(512)), (0, 512, 512));
    }

    #[test]
    fn headers_round_trip_and_damage_is_seen() {
        let mut h = header("images/1-node.tar", 12345).unwrap();
        assert_eq!(
            read_header(&h),
            Some(("images/1-node.tar".to_string(), 12345))
        );
        h[0] ^= 1;
        assert_eq!(read_header(&h), None);
        assert_eq!(read_header(&[0u8; 10]), None);
        assert!(header(&"x".repeat(300), 1).is_none());
    }

    #[test]
    fn the_tar_crate_reads_a_bundle_layout() {
        // The format is plain tar: any tar reader lists it.
        let m = manifest();
        let mut file = Vec::new();
        file.extend_from_slice(&header(MANIFEST_NAME, MANIFEST_SLOT).unwrap());
        file.extend_from_slice(&m.to_slot().unwrap());
        for p in &m.parts {
            file.extend_from_slice(&header(&p.name, p.size).unwrap());
            file.resize(file.len() + padded(p.size) as usize, 7);
        }
        file.resize(file.len() + 2 * BLOCK as usize, 0);
        assert_eq!(file.len() as u64, m.file_size());
        let mut a = tar::Archive::new(&file[..]);
        let names: Vec<(String, u64)> = a
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.path().unwrap().display().to_string(), e.size())
            })
            .collect();
        assert_eq!(
            names,
            vec![
                (MANIFEST_NAME.to_string(), MANIFEST_SLOT),
                ("images/1-node.tar".to_string(), 1000),
                ("config.yaml".to_string(), 512),
            ]
        );
    }
}
