//! How each load error is classed (bad input or a failure) and what to do about it, next to
//! the error type so a new variant is classed where it is added.

use super::LoadError;
use crate::hint::Hint;

impl LoadError {
    /// The images, archives or node names given cannot be used (exit 2).
    pub fn is_bad_input(&self) -> bool {
        match self {
            LoadError::ImageId(_) | LoadError::UnknownNodes { .. } | LoadError::Archive { .. } => {
                true
            }
            LoadError::Cluster(c) => c.is_bad_input(),
            LoadError::ImageNotPresent(_)
            | LoadError::NodeNotRunning { .. }
            | LoadError::Source { .. }
            | LoadError::NodesFailed(_)
            | LoadError::Provider(_) => false,
        }
    }
}

impl Hint for LoadError {
    fn hint(&self) -> Option<String> {
        let hint = match self {
            LoadError::Cluster(_) | LoadError::Provider(_) => return None,
            LoadError::ImageNotPresent(name) => format!(
                "minik never pulls: `docker pull {name}` or `docker build -t {name} .` it first"
            ),
            LoadError::ImageId(_) => {
                "pass a name such as app:dev (add one with `docker tag ID app:dev`)".into()
            }
            LoadError::UnknownNodes { .. } => {
                "pass container names from `minik get nodes`, comma-separated".into()
            }
            LoadError::NodeNotRunning { cluster, .. } => {
                format!("start the cluster first: minik start --name {cluster}")
            }
            LoadError::Archive { .. } => {
                "pass archives made by `docker save -o FILE IMAGE` (or any OCI image archive)"
                    .into()
            }
            LoadError::Source { .. } => {
                "nothing was imported on nodes whose import failed; retry".into()
            }
            LoadError::NodesFailed(_) => "the other nodes finished; run the same command again \
                                          to retry (nodes that already have the image are \
                                          skipped)"
                .into(),
        };
        Some(hint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_archives_are_bad_input_and_missing_images_are_not() {
        assert!(LoadError::ImageId("sha256:ab".into()).is_bad_input());
        assert!(LoadError::Archive {
            path: "x.tar".into(),
            reason: "not a tar".into()
        }
        .is_bad_input());
        assert!(!LoadError::ImageNotPresent("app:dev".into()).is_bad_input());
        assert!(!LoadError::NodesFailed(vec![]).is_bad_input());
        let hint = LoadError::ImageNotPresent("app:dev".into()).hint();
        assert!(hint.is_some_and(|h| h.contains("docker pull app:dev")));
    }
}
