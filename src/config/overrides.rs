//! Command-line flags on top of the config file: a flag, when given, wins over the file, and the
//! file wins over the defaults.

use super::error::{ConfigError, ConfigErrors};
use super::source::SourceMap;
use super::{ClusterConfig, NodeConfig, Role};

/// Values given on the command line; `None` keeps what the file (or the default) says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `--name` (or `MINIK_CLUSTER_NAME`): the cluster name.
    pub name: Option<String>,
    /// `--image`: the node image of every node, replacing per-node `image`s (as kind's `--image`).
    pub image: Option<String>,
    /// `--control-planes`: how many control-plane nodes. Surplus ones are dropped from the end of
    /// the file's list; missing ones are added, with default settings, after the last one.
    pub control_planes: Option<usize>,
    /// `--nodes`: how many nodes in all, control planes included; the workers make up the rest,
    /// dropped from the end or added (with default settings) as for control planes.
    pub nodes: Option<usize>,
}

/// The flags named in errors about values they set.
pub(crate) const NAME_FLAG: &str = "--name";
pub(crate) const IMAGE_FLAG: &str = "--image";
pub(crate) const CONTROL_PLANES_FLAG: &str = "--control-planes";
pub(crate) const NODES_FLAG: &str = "--nodes";

/// The path that stands for the number of nodes (rather than any one node).
pub(crate) const NODE_COUNT: &str = "nodes[*]";

/// Applies `overrides` to `config` (flags over file over defaults). Fails only when `--nodes` is
/// fewer than the control planes.
#[cfg(test)]
pub(crate) fn apply_overrides(
    mut config: ClusterConfig,
    overrides: &Overrides,
) -> Result<ClusterConfig, ConfigErrors> {
    apply_tracked(&mut config, overrides, &mut SourceMap::defaults())?;
    Ok(config)
}

/// Like [`apply_overrides`], also recording in `src` which settings now come from flags.
pub(crate) fn apply_tracked(
    config: &mut ClusterConfig,
    overrides: &Overrides,
    src: &mut SourceMap,
) -> Result<(), ConfigErrors> {
    if let Some(name) = &overrides.name {
        config.name = name.clone();
        src.set_by_flag("name", NAME_FLAG);
    }
    for (count, flag) in [
        (overrides.control_planes, CONTROL_PLANES_FLAG),
        (overrides.nodes, NODES_FLAG),
    ] {
        if let Some(n) = count.filter(|n| *n > super::MAX_NODES) {
            return Err(ConfigError::new(
                flag,
                None,
                format!(
                    "{flag} {n} is more than {}, the most minik makes",
                    super::MAX_NODES
                ),
                format!("{}; use a smaller number", super::MAX_NODES_WHY),
            )
            .into());
        }
    }
    let control_planes = overrides
        .control_planes
        .unwrap_or_else(|| config.control_planes());
    let workers = match overrides.nodes {
        Some(n) if n < control_planes => {
            return Err(ConfigError::new(
                NODES_FLAG,
                None,
                format!("--nodes {n} is fewer than the {control_planes} control-plane nodes"),
                "--nodes counts every node, control planes included",
            )
            .into());
        }
        Some(n) => Some(n - control_planes),
        None => None,
    };
    for (role, count, flag) in [
        (
            Role::ControlPlane,
            overrides.control_planes,
            CONTROL_PLANES_FLAG,
        ),
        (Role::Worker, workers, NODES_FLAG),
    ] {
        if let Some(n) = count {
            let old_index = resize(&mut config.nodes, role, n);
            src.renumber_nodes(&old_index);
            for (new, old) in old_index.iter().enumerate() {
                if old.is_none() {
                    src.set_by_flag(&format!("nodes[{new}]"), flag);
                }
            }
            if role == Role::ControlPlane {
                // "no control plane" is then the flag's doing.
                src.set_by_flag(NODE_COUNT, flag);
            }
        }
    }
    if let Some(image) = &overrides.image {
        for (i, node) in config.nodes.iter_mut().enumerate() {
            node.image = Some(image.clone());
            src.set_by_flag(&format!("nodes[{i}].image"), IMAGE_FLAG);
        }
    }
    Ok(())
}

/// Makes `nodes` hold `n` nodes of `role`; returns, for each new position, the old one.
fn resize(nodes: &mut Vec<NodeConfig>, role: Role, n: usize) -> Vec<Option<usize>> {
    let have = nodes.iter().filter(|x| x.role == role).count();
    let mut out: Vec<(Option<usize>, NodeConfig)> = Vec::with_capacity(nodes.len() + n);
    let mut kept = 0;
    for (i, node) in nodes.drain(..).enumerate() {
        if node.role == role {
            if kept == n {
                continue;
            }
            kept += 1;
        }
        out.push((Some(i), node));
    }
    if n > have {
        let at = match out.iter().rposition(|(_, x)| x.role == role) {
            Some(last) => last + 1,
            None if role == Role::ControlPlane => 0,
            None => out.len(),
        };
        for _ in have..n {
            out.insert(at, (None, NodeConfig::new(role)));
        }
    }
    let (old, new): (Vec<_>, Vec<_>) = out.into_iter().unzip();
    *nodes = new;
    old
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(c: &ClusterConfig) -> Vec<&str> {
        c.nodes.iter().map(|n| n.role.as_str()).collect()
    }

    #[test]
    fn flags_win_and_absent_flags_keep_the_file() {
        let mut file = ClusterConfig::with_nodes("from-file", 1, 2);
        file.nodes[1].labels.insert("keep".into(), "me".into());
        let same = apply_overrides(file.clone(), &Overrides::default()).unwrap();
        assert_eq!(same, file);
        let o = Overrides {
            name: Some("cli".into()),
            image: Some("img:1".into()),
            ..Overrides::default()
        };
        let c = apply_overrides(file, &o).unwrap();
        assert_eq!(c.name, "cli");
        assert!(c.nodes.iter().all(|n| n.image.as_deref() == Some("img:1")));
        assert_eq!(c.nodes[1].labels["keep"], "me");
    }

    #[test]
    fn resizing_keeps_existing_nodes_in_place() {
        let mut file = ClusterConfig::with_nodes("c", 1, 2);
        file.nodes[2]
            .labels
            .insert("second".into(), "worker".into());
        let o = Overrides {
            control_planes: Some(3),
            nodes: Some(4),
            ..Overrides::default()
        };
        let c = apply_overrides(file, &o).unwrap();
        assert_eq!(
            roles(&c),
            ["control-plane", "control-plane", "control-plane", "worker"]
        );
        assert!(
            c.nodes[3].labels.is_empty(),
            "the surplus worker is the last one"
        );
        // --nodes alone keeps the file's control planes and sizes the workers.
        let c = apply_overrides(
            c,
            &Overrides {
                nodes: Some(5),
                ..Overrides::default()
            },
        )
        .unwrap();
        assert_eq!((c.control_planes(), c.workers()), (3, 2));
        let none = apply_overrides(
            c,
            &Overrides {
                control_planes: Some(0),
                ..Overrides::default()
            },
        )
        .unwrap();
        assert_eq!(roles(&none), ["worker", "worker"]);
    }

    #[test]
    fn too_few_nodes_is_an_error() {
        let file = ClusterConfig::with_nodes("c", 3, 0);
        let err = apply_overrides(
            file,
            &Overrides {
                nodes: Some(2),
                ..Overrides::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "--nodes: --nodes 2 is fewer than the 3 control-plane nodes\n  hint: --nodes counts every node, control planes included"
        );
    }

    #[test]
    fn tracked_overrides_blame_the_flag() {
        let mut c = ClusterConfig::default();
        let mut src = SourceMap::new("c.yaml");
        let o = Overrides {
            name: Some("Bad".into()),
            nodes: Some(2),
            ..Overrides::default()
        };
        apply_tracked(&mut c, &o, &mut src).unwrap();
        assert_eq!(src.error("name", "x".into(), "").origin, NAME_FLAG);
        assert_eq!(
            src.error("nodes[1].labels", "x".into(), "").origin,
            NODES_FLAG
        );
        assert_eq!(src.error("nodes[0]", "x".into(), "").origin, "c.yaml");
    }
}
