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

    /// Where each part's header starts, and where the file's end-of-archive blocks start;
    /// `None` when the declared sizes overflow (a forged manifest).
    pub fn layout(&self) -> Option<(Vec<u64>, u64)> {
        let mut at = BLOCK + MANIFEST_SLOT;
        let mut offsets = Vec::with_capacity(self.parts.len());
        for p in &self.parts {
            offsets.push(at);
            at = at.checked_add(BLOCK)?.checked_add(padded(p.size)?)?;
        }
        Some((offsets, at))
    }

    /// The whole file's size: every entry, then tar's two zero blocks; `None` on overflow.
    pub fn file_size(&self) -> Option<u64> {
        self.layout()?.1.checked_add(2 * BLOCK)
    }

    /// Refuse what no minik writes, before anything trusts a size or a name: parts of
    /// unbounded size, a file size that overflows, duplicate or misplaced names, a second
    /// config, hashes that are not SHA-256. `Err` is the words after "its manifest".
    pub fn check(&self) -> Result<(), String> {
        let mut names = std::collections::BTreeSet::new();
        for p in &self.parts {
            if !names.insert(p.name.as_str()) {
                return Err(format!("names part {:?} twice", p.name));
            }
            check_part(p).map_err(|why| format!("has part {:?}: {why}", p.name))?;
        }
        if self.of_kind(PartKind::Config).count() > 1 {
            return Err("has more than one config part".into());
        }
        if self.file_size().is_none() {
            return Err("declares sizes whose sum overflows".into());
        }
        Ok(())
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

/// `size` rounded up to whole blocks; `None` when that overflows.
pub(crate) fn padded(size: u64) -> Option<u64> {
    size.div_ceil(BLOCK).checked_mul(BLOCK)
}

/// The largest part of each kind a bundle may declare: an image fits in 1 TiB, a release file
/// in 1 GiB; config and lab parts are read whole into memory, so they stay small.
pub(crate) fn max_size(kind: PartKind) -> u64 {
    match kind {
        PartKind::NodeImage | PartKind::LoadBalancerImage | PartKind::Image => 1 << 40,
        PartKind::Minik => 1 << 30,
        PartKind::Config => MAX_CONFIG_BYTES,
        PartKind::Lab => crate::tour::lab_file::MAX_LAB_BYTES as u64,
    }
}

/// The largest config part: the most minik reads of any config file.
pub(crate) const MAX_CONFIG_BYTES: u64 = crate::config::MAX_CONFIG_BYTES;

/// One part's size, name and hash, as minik writes them.
fn check_part(p: &Part) -> Result<(), String> {
    let max = max_size(p.kind);
    if p.size > max {
        return Err(format!(
            "it declares {} bytes, more than the {max} a {} part may have",
            p.size,
            kind_name(p.kind)
        ));
    }
    if p.sha256.len() != 64
        || !p
            .sha256
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err("its sha256 is not 64 lower-case hex digits".into());
    }
    let safe = |s: &str| {
        !s.is_empty()
            && !s.starts_with('.')
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    let placed = match p.kind {
        k if k.is_image() => p.name.strip_prefix("images/").is_some_and(safe),
        PartKind::Config => p.name == "config.yaml",
        PartKind::Lab => p.name.strip_prefix("labs/").is_some_and(safe),
        PartKind::Minik => p.name.strip_prefix("minik/").is_some_and(safe),
        _ => false,
    };
    if !placed {
        return Err(format!(
            "a {} part cannot have that name",
            kind_name(p.kind)
        ));
    }
    if p.kind.is_image() == p.images.is_empty() {
        return Err(if p.images.is_empty() {
            "an image part must name its images".into()
        } else {
            "only image parts name images".into()
        });
    }
    Ok(())
}

fn kind_name(kind: PartKind) -> &'static str {
    match kind {
        PartKind::NodeImage => "node-image",
        PartKind::LoadBalancerImage => "load-balancer-image",
        PartKind::Image => "image",
        PartKind::Config => "config",
        PartKind::Minik => "minik",
        PartKind::Lab => "lab",
    }
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
pub(crate) fn read_header(block: &[u8]) -> Option<(String, u64)> {
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
                    sha256: "ab".repeat(32),
                    images: vec!["minik/node:v1".into()],
                    image_id: Some("sha256:cd".into()),
                },
                Part {
                    name: "config.yaml".into(),
                    kind: PartKind::Config,
                    size: 512,
                    sha256: "ef".repeat(32),
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
        let (offsets, end) = manifest().layout().unwrap();
        let first = BLOCK + MANIFEST_SLOT;
        assert_eq!(offsets, vec![first, first + BLOCK + 1024]);
        assert_eq!(end, first + BLOCK + 1024 + BLOCK + 512);
        assert_eq!(manifest().file_size(), Some(end + 1024));
        assert_eq!(
            (padded(0), padded(1), padded(512)),
            (Some(0), Some(512), Some(512))
        );
    }

    #[test]
    fn forged_sizes_and_names_are_refused_without_overflow() {
        let m = manifest();
        assert_eq!(m.check(), Ok(()));
        let with = |f: &dyn Fn(&mut Manifest)| {
            let mut m = manifest();
            f(&mut m);
            m.check().unwrap_err()
        };
        // Sizes that overflowed the layout (a panic in debug builds, wrapped offsets in release).
        for size in [u64::MAX, u64::MAX - 1000, (1 << 40) + 1] {
            let why = with(&|m| m.parts[0].size = size);
            assert!(why.contains("more than the"), "{why}");
        }
        let mut huge = manifest();
        huge.parts[0].size = u64::MAX - 1000;
        assert_eq!((huge.layout(), huge.file_size()), (None, None));
        assert!(with(&|m| m.parts[1].size = MAX_CONFIG_BYTES + 1).contains("config part"));
        assert!(with(&|m| m.parts.push(m.parts[0].clone())).contains("twice"));
        assert!(with(&|m| {
            let mut c = m.parts[1].clone();
            c.name = "other.yaml".into();
            m.parts.push(c)
        })
        .contains("cannot have that name"));
        assert!(with(&|m| m.parts[0].name = "images/../../x.tar".into()).contains("name"));
        assert!(with(&|m| m.parts[0].images.clear()).contains("name its images"));
        assert!(with(&|m| m.parts[0].sha256 = "AB".repeat(32)).contains("hex"));
        assert_eq!(padded(u64::MAX), None);
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
            file.resize(file.len() + padded(p.size).unwrap() as usize, 7);
        }
        file.resize(file.len() + 2 * BLOCK as usize, 0);
        assert_eq!(Some(file.len() as u64), m.file_size());
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
