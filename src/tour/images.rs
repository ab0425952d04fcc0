//! Before a lab's first step: which of the images it runs ([`super::catalog::images`]) the
//! cluster's nodes lack, asked of each node's containerd as `minik load` asks it (`ctr -n k8s.io
//! images ls`, in the namespace the kubelet's images live in), and how to load them. A notice,
//! not a failure: a node that can reach the registry pulls what it lacks.

use std::collections::BTreeSet;

use super::run::{Guide, Tour};
use crate::cluster::load::parse_images_ls;
use crate::node::image_ref::normalize;

/// An image the lab runs that some nodes lack.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct MissingImage {
    pub(crate) image: String,
    pub(crate) nodes: Vec<String>,
    /// What loads it from this host.
    pub(crate) load: String,
}

/// The images of `wanted` (as the lab names them) missing from each node's `held` names
/// (containerd's, normalised), each with the nodes that lack it.
pub(crate) fn missing(
    wanted: &[String],
    held: &[(String, BTreeSet<String>)],
    cluster: &str,
) -> Vec<MissingImage> {
    wanted
        .iter()
        .filter(|i| super::catalog::is_image_ref(i))
        .filter_map(|image| {
            let name = normalize(image);
            let nodes: Vec<String> = held
                .iter()
                .filter(|(_, refs)| !refs.contains(&name))
                .map(|(n, _)| n.clone())
                .collect();
            (!nodes.is_empty()).then(|| MissingImage {
                image: image.clone(),
                nodes,
                load: format!(
                    "docker pull {image} && minik load docker-image {image}{}",
                    crate::config::name_flag(cluster)
                ),
            })
        })
        .collect()
}

/// The notice: a heading, then each image with the nodes that lack it and its command.
pub(crate) fn notice(heading: &str, missing_on: &str, images: &[MissingImage]) -> String {
    let mut text = heading.to_string();
    for m in images {
        text.push_str(&format!(
            "\n  {} ({})\n    {}",
            m.image,
            missing_on.replace("{nodes}", &m.nodes.join(", ")),
            m.load
        ));
    }
    text
}

impl Tour<'_> {
    /// Says which of the lab's images the nodes lack (nothing when none does, or when no
    /// node's containerd answers).
    pub(super) async fn check_images(&self, guide: &dyn Guide) -> Vec<MissingImage> {
        let wanted = super::catalog::images(self.lab);
        if wanted.is_empty() {
            return Vec::new();
        }
        let mut held = Vec::new();
        let nodes = std::iter::once(self.control_plane()).chain(self.workers.iter().cloned());
        for node in nodes {
            let argv = ["ctr", "-n", "k8s.io", "images", "ls"];
            match self.access.on_node(&node, &argv).await {
                Ok(out) if out.exit_code == 0 => {
                    let refs = parse_images_ls(&out.stdout_text()).into_keys().collect();
                    held.push((node, refs));
                }
                // Not known is not missing: the notice names only what a node says it lacks.
                _ => continue,
            }
        }
        let cluster = self.vars.get("cluster").cloned().unwrap_or_default();
        let missing = missing(&wanted, &held, &cluster);
        if !missing.is_empty() {
            let m = self.m();
            guide.note(&notice(m.images_missing, m.missing_on, &missing));
        }
        missing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_each_missing_image_with_its_nodes_and_command() {
        let agnhost = "registry.k8s.io/e2e-test-images/agnhost:2.53";
        let held = vec![
            (
                "lab-control-plane".to_string(),
                BTreeSet::from([agnhost.to_string()]),
            ),
            (
                "lab-worker".to_string(),
                BTreeSet::from(["docker.io/library/busybox:1.36".to_string()]),
            ),
        ];
        let wanted = vec![
            agnhost.to_string(),
            "busybox:1.36".to_string(),
            "nginx".to_string(),
            // Never put in a command line.
            "x; rm -rf ~".to_string(),
        ];
        let m = missing(&wanted, &held, "lab");
        assert_eq!(m.len(), 3, "{m:?}");
        assert_eq!(m[0].image, agnhost);
        assert_eq!(m[0].nodes, ["lab-worker"]);
        assert_eq!(
            m[0].load,
            format!("docker pull {agnhost} && minik load docker-image {agnhost} --name lab")
        );
        // Short names are compared as containerd names them.
        assert_eq!(m[1].image, "busybox:1.36");
        assert_eq!(m[1].nodes, ["lab-control-plane"]);
        assert_eq!(m[2].image, "nginx");
        assert_eq!(m[2].nodes, ["lab-control-plane", "lab-worker"]);
        // The default cluster needs no --name.
        assert!(!missing(&wanted, &held, "minik")[0].load.contains("--name"));
        let text = notice("Missing:", "not on {nodes}", &m[2..]);
        assert!(
            text.contains(
                "\n  nginx (not on lab-control-plane, lab-worker)\n    docker pull nginx && \
                 minik load docker-image nginx --name lab"
            ),
            "{text}"
        );
        // No node answered: nothing is said to be missing.
        assert!(missing(&wanted, &[], "lab").is_empty());
    }
}
