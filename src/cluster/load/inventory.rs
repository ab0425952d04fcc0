//! What a node's containerd holds, read with `ctr` in one exec, and what to do about each image.
//!
//! Docker names an image by its ID: the digest of its config (classic store) or of its
//! index/manifest (containerd image store). `ctr images ls` shows each reference's target
//! digest (a manifest or an index); containerd's garbage-collection labels on that target, shown
//! by `ctr content ls`, name its config (`containerd.io/gc.ref.content.config`) and, for an
//! index, its manifests (`containerd.io/gc.ref.content.m.N`). So both kinds of ID can be matched
//! without one `ctr` call per image.

use std::collections::BTreeMap;

/// Shell script run in the node; its sections are split by [`Inventory::parse`].
pub(super) const PROBE_SCRIPT: &str =
    "echo '@@config'; cat /etc/containerd/config.toml 2>/dev/null; \
     echo '@@images'; ctr -n k8s.io images ls || exit 1; \
     echo '@@content'; ctr -n k8s.io content ls || exit 1";

/// The snapshotter containerd uses when its config does not name one.
pub(crate) const DEFAULT_SNAPSHOTTER: &str = "overlayfs";

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Inventory {
    /// Reference name → target digest.
    pub(crate) refs: BTreeMap<String, String>,
    /// Blob digest → the digests its GC labels point at (config first, then manifests).
    pub(crate) children: BTreeMap<String, Vec<String>>,
    /// The snapshotter images must be unpacked into.
    pub(crate) snapshotter: String,
}

/// What one node needs for one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// The name already points at the image: nothing to do.
    Present,
    /// The image is there under another name: add the name, no import.
    Tag { from: String },
    /// The image is missing.
    Import,
}

impl Inventory {
    pub(crate) fn parse(output: &str) -> Inventory {
        let mut section = "";
        let (mut config, mut images, mut content) = (String::new(), Vec::new(), Vec::new());
        for line in output.lines() {
            match line.trim_end() {
                "@@config" => section = "config",
                "@@images" => section = "images",
                "@@content" => section = "content",
                _ => match section {
                    "config" => {
                        config.push_str(line);
                        config.push('\n');
                    }
                    "images" => images.push(line),
                    "content" => content.push(line),
                    _ => {}
                },
            }
        }
        Inventory {
            refs: parse_images_ls(&images.join("\n")),
            children: parse_content_ls(&content.join("\n")),
            snapshotter: snapshotter(&config),
        }
    }

    /// Does `target` (a reference's target digest) lead to the image with `id`?
    fn target_is(&self, target: &str, id: &str) -> bool {
        if target == id {
            return true;
        }
        // One level for a manifest (its config), two for an index (its manifests' configs).
        let kids = self.children.get(target).map(Vec::as_slice).unwrap_or(&[]);
        kids.iter().any(|k| {
            k == id
                || self
                    .children
                    .get(k)
                    .is_some_and(|grand| grand.iter().any(|g| g == id))
        })
    }

    /// What to do so that `name` (normalised) points at the image `id` on this node.
    pub(crate) fn decide(&self, id: &str, name: &str) -> Action {
        if self.refs.get(name).is_some_and(|t| self.target_is(t, id)) {
            return Action::Present;
        }
        let mut holders: Vec<&String> = self
            .refs
            .iter()
            .filter(|(_, t)| self.target_is(t, id))
            .map(|(r, _)| r)
            .collect();
        // Prefer a readable name as the source of the new tag over a digest or ID reference.
        holders.sort_by_key(|r| (r.contains('@') || r.starts_with("sha256:"), r.len()));
        match holders.first() {
            Some(from) => Action::Tag {
                from: (*from).clone(),
            },
            None => Action::Import,
        }
    }
}

/// `ctr images ls`: `REF TYPE DIGEST SIZE PLATFORMS LABELS`, with a header line.
pub(crate) fn parse_images_ls(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| {
            let mut cols = l.split_whitespace();
            let r = cols.next()?;
            let _type = cols.next()?;
            let digest = cols.next()?;
            (r != "REF" && digest.starts_with("sha256:")).then(|| (r.to_string(), digest.into()))
        })
        .collect()
}

/// `ctr content ls`: `DIGEST SIZE AGE LABELS`; keeps the config and manifest GC labels.
pub(crate) fn parse_content_ls(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for l in text.lines() {
        let mut cols = l.split_whitespace();
        let Some(digest) = cols.next().filter(|d| d.starts_with("sha256:")) else {
            continue;
        };
        let mut config = Vec::new();
        let mut manifests = Vec::new();
        for label in cols.flat_map(|c| c.split(',')) {
            let Some((key, value)) = label.split_once('=') else {
                continue;
            };
            if key == "containerd.io/gc.ref.content.config" {
                config.push(value.to_string());
            } else if key.starts_with("containerd.io/gc.ref.content.m.") {
                manifests.push(value.to_string());
            }
        }
        if !config.is_empty() || !manifests.is_empty() {
            config.extend(manifests);
            out.insert(digest.to_string(), config);
        }
    }
    out
}

/// The CRI snapshotter named in containerd's config file: `plugins."io.containerd.grpc.v1.cri"
/// .containerd.snapshotter` (config version 2) or `plugins."io.containerd.cri.v1.images"
/// .snapshotter` (versions 3 and 4), else the default.
pub(crate) fn snapshotter(config_toml: &str) -> String {
    let from_toml = toml::from_str::<toml::Table>(config_toml)
        .ok()
        .and_then(|t| {
            let plugins = t.get("plugins")?.as_table()?;
            let v2 = plugins
                .get("io.containerd.grpc.v1.cri")
                .and_then(|c| c.get("containerd"))
                .and_then(|c| c.get("snapshotter"));
            let v3 = plugins
                .get("io.containerd.cri.v1.images")
                .and_then(|c| c.get("snapshotter"));
            v2.or(v3)?.as_str().map(str::to_string)
        });
    // A file TOML cannot read (hand-edited) still usually has the plain line.
    let from_line = || {
        config_toml.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == "snapshotter").then(|| v.trim().trim_matches('"').to_string())
        })
    };
    from_toml
        .or_else(from_line)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_SNAPSHOTTER.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMAGES_LS: &str = "\
REF                                   TYPE                                                 DIGEST                                                                  SIZE      PLATFORMS   LABELS
docker.io/library/app:latest          application/vnd.docker.distribution.manifest.v2+json sha256:m1 1.9 MiB   linux/amd64 -
docker.io/library/app@sha256:m1       application/vnd.docker.distribution.manifest.v2+json sha256:m1 1.9 MiB   linux/amd64 -
registry.k8s.io/pause:3.10            application/vnd.oci.image.index.v1+json              sha256:i1 312.0 KiB linux/amd64,linux/arm64 io.cri-containerd.pinned=pinned
";
    const CONTENT_LS: &str = "\
DIGEST\tSIZE\tAGE\tLABELS
sha256:m1\t527B\t2 minutes\tcontainerd.io/gc.ref.content.config=sha256:c1,containerd.io/gc.ref.content.l.0=sha256:l0
sha256:i1\t2.2kB\t3 days\tcontainerd.io/distribution.source.registry.k8s.io=pause,containerd.io/gc.ref.content.m.0=sha256:m2,containerd.io/gc.ref.content.m.1=sha256:m3
sha256:m2\t527B\t3 days\tcontainerd.io/gc.ref.content.config=sha256:c2
sha256:l0\t2MB\t2 minutes\t
";

    fn inventory() -> Inventory {
        Inventory::parse(&format!(
            "@@config\nversion = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n  \
             snapshotter = \"native\"\n@@images\n{IMAGES_LS}@@content\n{CONTENT_LS}"
        ))
    }

    #[test]
    fn images_ls_maps_refs_to_targets() {
        let refs = parse_images_ls(IMAGES_LS);
        assert_eq!(refs.len(), 3);
        assert_eq!(refs["docker.io/library/app:latest"], "sha256:m1");
        assert_eq!(refs["registry.k8s.io/pause:3.10"], "sha256:i1");
        assert!(parse_images_ls("REF TYPE DIGEST SIZE PLATFORMS LABELS\n").is_empty());
    }

    #[test]
    fn content_ls_keeps_config_and_manifest_links() {
        let c = parse_content_ls(CONTENT_LS);
        assert_eq!(c["sha256:m1"], vec!["sha256:c1"]);
        assert_eq!(c["sha256:i1"], vec!["sha256:m2", "sha256:m3"]);
        assert!(!c.contains_key("sha256:l0"));
    }

    #[test]
    fn snapshotter_comes_from_the_config_file() {
        assert_eq!(inventory().snapshotter, "native");
        let v3 = "version = 3\n[plugins.'io.containerd.cri.v1.images']\nsnapshotter = 'fuse-overlayfs'\n";
        assert_eq!(snapshotter(v3), "fuse-overlayfs");
        assert_eq!(snapshotter(""), "overlayfs");
        assert_eq!(snapshotter("version = 2\n"), "overlayfs");
        // Not TOML any more, but the line is still there.
        assert_eq!(
            snapshotter("[[[broken\n  snapshotter = \"btrfs\"\n"),
            "btrfs"
        );
    }

    #[test]
    fn the_same_id_under_the_same_name_is_present() {
        let inv = inventory();
        for (id, name) in [
            // Classic store: the ID is the config digest.
            ("sha256:c1", "docker.io/library/app:latest"),
            // Containerd image store: the ID is the target digest itself.
            ("sha256:i1", "registry.k8s.io/pause:3.10"),
            // An index's manifests' configs count too.
            ("sha256:c2", "registry.k8s.io/pause:3.10"),
        ] {
            assert_eq!(inv.decide(id, name), Action::Present, "{id} {name}");
        }
    }

    #[test]
    fn the_same_id_under_another_name_is_only_tagged() {
        let inv = inventory();
        assert_eq!(
            inv.decide("sha256:c1", "docker.io/library/app:v2"),
            Action::Tag {
                from: "docker.io/library/app:latest".into()
            }
        );
    }

    #[test]
    fn a_new_id_is_imported_even_when_the_name_exists() {
        let inv = inventory();
        for name in [
            "docker.io/library/app:latest",
            "docker.io/library/new:latest",
        ] {
            assert_eq!(inv.decide("sha256:c9", name), Action::Import, "{name}");
        }
        assert_eq!(
            Inventory::default().decide("sha256:c1", "x"),
            Action::Import
        );
    }

    #[test]
    fn a_failed_listing_section_is_empty_not_an_error() {
        let inv = Inventory::parse("@@config\n@@images\n@@content\n");
        assert!(inv.refs.is_empty());
        assert_eq!(inv.snapshotter, "overlayfs");
    }
}
