//! What `minik bundle` says when it is done: the file written, what a load brought, where the
//! room fetches from. Plain sentences (events carry them), kept here with the other renderings.

use std::net::SocketAddr;
use std::path::Path;

use crate::bundle::{Loaded, Manifest, PartKind};

/// `bundle create`'s summary: the file, its size and what it carries.
pub fn bundle_written(file: &Path, manifest: &Manifest) -> String {
    let images: Vec<&str> = manifest
        .parts
        .iter()
        .flat_map(|p| p.images.iter().map(String::as_str))
        .collect();
    format!(
        "Wrote {} ({:.1} MB): {}{}{}{}",
        file.display(),
        manifest.file_size() as f64 / 1e6,
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
pub fn bundle_loaded(file: &Path, loaded: &Loaded) -> Vec<String> {
    let mut lines = vec![format!(
        "Loaded {}: {} image{} loaded, {} already present. Make a cluster with:  minik create \
         --bundle {}",
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

/// `bundle serve` is listening on `bound`; attendees reach it at `shown`.
pub fn bundle_serving(file: &Path, bound: SocketAddr, shown: &str) -> String {
    format!(
        "Serving {} on {bound}; attendees open {shown} in a browser, or run:\n\n    \
         minik bundle fetch {shown} && minik create --bundle bundle.minik\n\n\
         Stop with Ctrl-C.",
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
        let serving = bundle_serving(
            Path::new("b.minik"),
            "0.0.0.0:8370".parse().unwrap(),
            "http://10.0.0.2:8370",
        );
        assert!(
            serving.contains("minik bundle fetch http://10.0.0.2:8370 && minik create"),
            "{serving}"
        );
    }
}
