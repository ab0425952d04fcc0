//! What `minik bundle` says when it is done: the file written, what a load brought, where the
//! room fetches from. Plain sentences (events carry them), kept here with the other renderings.

use std::net::SocketAddr;
use std::path::Path;

use crate::bundle::{BundleDigest, Loaded, Manifest, PartKind};

/// `bundle create`'s summary: the file, its size and what it carries.
pub(crate) fn bundle_written(file: &Path, manifest: &Manifest) -> String {
    let images: Vec<&str> = manifest
        .parts
        .iter()
        .flat_map(|p| p.images.iter().map(String::as_str))
        .collect();
    format!(
        "Wrote {} ({:.1} MB): {}{}{}{}",
        file.display(),
        manifest.file_size().unwrap_or(0) as f64 / 1e6,
        images.join(", "),
        if manifest.config().is_some() {
            ", the config"
        } else {
            ""
        },
        match manifest.of_kind(PartKind::Minik).count() {
            0 => String::new(),
            n => format!(", {n} minik release file{}", if n == 1 { "" } else { "s" }),
        },
        match manifest.of_kind(PartKind::Lab).count() {
            0 => String::new(),
            n => format!(", {n} lab{}", if n == 1 { "" } else { "s" }),
        }
    )
}

/// After a load: what was loaded, and the next command for the cluster and for each lab.
pub(crate) fn bundle_loaded(file: &Path, loaded: &Loaded) -> Vec<String> {
    // 20 hex digits are a pin already (80 bits), and short enough to read.
    let pin = match loaded.digest.get(..20) {
        Some(d) => format!(" --sha256 {d}"),
        None => String::new(),
    };
    let mut lines = vec![format!(
        "Loaded {}: {} image{} loaded, {} already present. Make a cluster with:  minik create \
         --bundle {}{pin}",
        file.display(),
        loaded.loaded,
        if loaded.loaded == 1 { "" } else { "s" },
        loaded.present,
        file.display()
    )];
    for id in &loaded.labs {
        lines.push(format!(
            "Lab {id} is ready: run it with  minik tour --lab {id}"
        ));
    }
    lines
}

/// The bundle's digest for the organiser to project: in full (to paste) and in groups of four
/// (to read out and compare by eye); attendees type all of it or its first 20 digits or more.
pub(crate) fn bundle_digest(digest: &BundleDigest) -> String {
    let grouped = digest.grouped();
    let (first, second) = grouped.split_at(grouped.len() / 2);
    format!(
        "Bundle digest (show it to the room; it is the only thing that proves the bundle is \
         yours):\n\n    {}\n\n    {}\n    {}\n\nAttendees pass it (all of it, or its first 20 \
         digits or more) as  --sha256 DIGEST",
        digest.hex(),
        first.trim(),
        second.trim()
    )
}

/// `bundle serve` is listening on `bound`; attendees reach it at `shown`.
pub(crate) fn bundle_serving(
    file: &Path,
    bound: SocketAddr,
    shown: &str,
    digest: &BundleDigest,
) -> String {
    let d = digest.hex();
    format!(
        "Serving {} on {bound}; attendees open {shown} in a browser, or run:\n\n    \
         minik bundle fetch {shown} --sha256 {d} && minik create --bundle bundle.minik \
         --sha256 {d}\n\n{}\n\nStop with Ctrl-C.",
        file.display(),
        bundle_digest(digest)
    )
}

/// The release files a bundle hands out, each with its SHA-256, for the organiser's screen
/// (attendees compare them with the release page's SHA256SUMS).
pub(crate) fn bundle_release_files(manifest: &Manifest) -> Option<String> {
    let lines: Vec<String> = manifest
        .of_kind(PartKind::Minik)
        .map(|p| format!("    {}  {}", p.sha256, p.name.trim_start_matches("minik/")))
        .collect();
    (!lines.is_empty()).then(|| {
        format!(
            "minik release files on the page (SHA-256; compare with the release's \
             SHA256SUMS):\n{}",
            lines.join("\n")
        )
    })
}

/// What a bundle's config does to this machine, for `create --bundle` to show before it asks.
pub(crate) fn bundle_host_access(file: &Path, lines: &[String]) -> String {
    format!(
        "The config in {} does more than make a plain cluster on this machine:\n{}",
        file.display(),
        lines
            .iter()
            .map(|l| format!("  - {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

/// Ask on the terminal whether to create from such a config; `Ok(false)` when declined.
pub(crate) fn confirm_host_access() -> std::io::Result<bool> {
    let term = console::Term::stderr();
    dialoguer::Confirm::with_theme(&dialoguer::theme::ColorfulTheme::default())
        .with_prompt("Create the cluster with this config?")
        .default(false)
        .interact_on(&term)
        .map_err(|dialoguer::Error::IO(io)| io)
}

/// A local bundle loaded without `--sha256`: what that means.
pub(crate) fn bundle_unpinned(file: &Path) -> String {
    format!(
        "{} is not checked against a digest you trust: whoever made or changed the file chose \
         what it runs; pass --sha256 with the digest from the organiser's screen",
        file.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_names_the_next_commands() {
        let loaded = Loaded {
            labs: vec!["day1".into()],
            loaded: 1,
            present: 2,
            ..Loaded::default()
        };
        let lines = bundle_loaded(Path::new("b.minik"), &loaded);
        assert_eq!(
            lines,
            vec![
                "Loaded b.minik: 1 image loaded, 2 already present. Make a cluster with:  minik \
                 create --bundle b.minik",
                "Lab day1 is ready: run it with  minik tour --lab day1",
            ]
        );
        let digest = BundleDigest::of_slot(b"m");
        let serving = bundle_serving(
            Path::new("b.minik"),
            "0.0.0.0:8370".parse().unwrap(),
            "http://10.0.0.2:8370",
            &digest,
        );
        let hex = digest.hex();
        assert!(
            serving.contains(&format!(
                "minik bundle fetch http://10.0.0.2:8370 --sha256 {hex} && minik create \
                 --bundle bundle.minik --sha256 {hex}"
            )),
            "{serving}"
        );
        assert!(serving.contains(&digest.grouped()[..39]), "{serving}");
    }
}
