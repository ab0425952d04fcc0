//! Reading a config file: `apiVersion` and `kind` first, then a strict decode of that version.

use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use super::decode::Decoder;
use super::error::{closest, ConfigError, ConfigErrors, Location};
use super::overrides::{apply_tracked, Overrides};
use super::source::SourceMap;
use super::yaml::{self, Node, Value};
use super::{minik_v1alpha1, ports, text, v1alpha4, validate, ClusterConfig, Protocol};
use crate::text::quoted;

/// The largest config file minik reads. kind's biggest examples are a few kilobytes; a megabyte
/// leaves room for long patches and still parses in well under a second.
pub(crate) const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// The only `kind` of config document.
pub(crate) const CLUSTER_KIND: &str = "Cluster";
/// The `apiVersion`s minik reads, its own first.
pub(crate) const API_VERSIONS: [&str; 2] = [minik_v1alpha1::API_VERSION, v1alpha4::API_VERSION];

/// Reads and validates a config file's text. `origin` is the file's path (relative `hostPath`s are
/// resolved against its folder) or `-` for standard input (resolved against the current folder).
/// For flags on top, use [`LoadedConfig`] instead.
pub(crate) fn load(source: &str, origin: &Path) -> Result<ClusterConfig, ConfigErrors> {
    let loaded = LoadedConfig::parse(source, origin)?;
    loaded.validate()?;
    Ok(loaded.config)
}

/// A decoded configuration together with where each setting came from, so that checks made
/// after command-line overrides still point at the right line or flag.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedConfig {
    pub config: ClusterConfig,
    pub sources: SourceMap,
    /// Problems found while decoding (defaults stand in for the bad values); reported by
    /// [`LoadedConfig::validate`] together with everything else.
    decode_errors: ConfigErrors,
}

impl Default for LoadedConfig {
    /// The configuration used without a config file.
    fn default() -> Self {
        LoadedConfig {
            config: ClusterConfig::default(),
            sources: SourceMap::defaults(),
            decode_errors: ConfigErrors::default(),
        }
    }
}

impl LoadedConfig {
    /// Reads the file at `origin`, or standard input for `-`, and decodes it. At most
    /// [`MAX_CONFIG_BYTES`] are read, so an endless input (`/dev/zero`, a pipe) ends with an error.
    pub fn read(origin: &Path) -> Result<Self, ConfigErrors> {
        let display = origin.display().to_string();
        let cannot = |e: String| {
            ConfigError::new(
                display.clone(),
                None,
                format!("cannot read the config file: {e}"),
                "check the path; use - to read the config from standard input",
            )
        };
        let mut bytes = Vec::new();
        let read = if origin == Path::new("-") {
            std::io::stdin()
                .lock()
                .take(MAX_CONFIG_BYTES + 1)
                .read_to_end(&mut bytes)
        } else {
            std::fs::File::open(origin)
                .and_then(|f| f.take(MAX_CONFIG_BYTES + 1).read_to_end(&mut bytes))
        };
        read.map_err(|e| cannot(e.to_string()))?;
        if bytes.len() as u64 > MAX_CONFIG_BYTES {
            return Err(ConfigError::new(
                display,
                None,
                format!(
                    "the config file is larger than {} MiB, the most minik reads",
                    MAX_CONFIG_BYTES >> 20
                ),
                "a cluster config is a few kilobytes; check that this is the right file",
            )
            .into());
        }
        let text = text::decode(&bytes).map_err(|e| ConfigErrors(vec![cannot(e)]))?;
        LoadedConfig::parse(&text, origin)
    }

    /// Decodes `source` and applies defaults. Fails at once only when the file can't be read as a
    /// config at all (YAML syntax, empty, wrong apiVersion or kind); problems with fields (unknown
    /// names, types, enum values) are kept and reported by [`LoadedConfig::validate`] together
    /// with the semantic checks, which must run after the overrides.
    pub fn parse(source: &str, origin: &Path) -> Result<Self, ConfigErrors> {
        let display = origin.display().to_string();
        let source = source.strip_prefix('\u{feff}').unwrap_or(source);
        let mut d = Decoder::new(SourceMap::new(&display));
        let root = match document(&mut d, source) {
            Some(root) => root,
            None => return Err(sorted(d.errors)),
        };
        d.map.record("", root.at, root.at);
        let Some(api_version) = header(&mut d, &root) else {
            return Err(sorted(d.errors));
        };
        let base = base_dir(origin);
        let config = if api_version == minik_v1alpha1::API_VERSION {
            minik_v1alpha1::decode_cluster(&mut d, &root, &base)
        } else {
            v1alpha4::decode_cluster(&mut d, &root, &base)
        };
        if config.nodes.len() > super::MAX_NODES {
            let at = d.map.value_at("nodes").unwrap_or(root.at);
            d.error(
                at,
                format!(
                    "{} nodes; the most minik makes is {}",
                    config.nodes.len(),
                    super::MAX_NODES
                ),
                super::MAX_NODES_WHY,
            );
            return Err(sorted(d.errors));
        }
        Ok(LoadedConfig {
            config,
            sources: d.map,
            decode_errors: d.errors,
        })
    }

    /// Applies command-line flags; later errors about those values name the flag. Fails only
    /// when `--nodes` is fewer than the control planes.
    pub fn apply_overrides(&mut self, overrides: &Overrides) -> Result<(), ConfigErrors> {
        apply_tracked(&mut self.config, overrides, &mut self.sources)
    }

    /// All problems found while decoding, plus every check that needs nothing but the config and
    /// the file system; all at once, in file order.
    pub fn validate(&self) -> Result<(), ConfigErrors> {
        let mut all = self.decode_errors.clone();
        if let Err(found) = validate::validate(&self.config, &self.sources) {
            // A value that failed to decode was replaced by its default; don't judge that again.
            let spoiled: Vec<_> = self
                .decode_errors
                .iter()
                .filter_map(|e| e.location)
                .collect();
            for e in found {
                if !e.location.is_some_and(|at| spoiled.contains(&at)) {
                    all.push(e);
                }
            }
        }
        all.into_result()
    }

    /// The pod and service subnets against the engine's node network (`subnets` of `network`).
    pub fn check_node_network(
        &self,
        network: &str,
        subnets: &[String],
    ) -> Result<(), ConfigErrors> {
        super::validate::check_node_network(&self.config, &self.sources, network, subnets)
    }

    /// Fixed host ports that are already taken; pass [`ports::host_port_in_use`] for the real probe.
    pub fn check_host_ports(
        &self,
        port_in_use: &dyn Fn(IpAddr, u16, Protocol) -> bool,
    ) -> Result<(), ConfigErrors> {
        ports::check_host_ports(&self.config, &self.sources, port_in_use)
    }
}

fn sorted(errors: ConfigErrors) -> ConfigErrors {
    match errors.into_result() {
        Ok(()) => ConfigErrors::default(),
        Err(e) => e,
    }
}

const START_HINT: &str = "start the file with \"apiVersion: minik.dev/v1alpha1\" (or kind's \"kind.x-k8s.io/v1alpha4\") and \"kind: Cluster\"";

/// The one non-empty YAML document of the file.
fn document(d: &mut Decoder, source: &str) -> Option<Node> {
    let docs = match yaml::parse(source) {
        Ok(docs) => docs,
        Err((at, msg)) => {
            d.error(
                at,
                format!("invalid YAML: {msg}"),
                "check the indentation and quoting here and on the line before",
            );
            return None;
        }
    };
    let mut docs = docs.into_iter().filter(|n| n.value != Value::Null);
    let Some(root) = docs.next() else {
        d.error(
            Location { line: 1, column: 1 },
            "the config file is empty".into(),
            START_HINT,
        );
        return None;
    };
    if let Some(extra) = docs.next() {
        d.error(
            extra.at,
            "a second YAML document; a config file holds one Cluster".into(),
            "remove the --- separator and what follows, or put the other cluster in its own file",
        );
        return None;
    }
    Some(root)
}

/// Checks `apiVersion` and `kind`; returns the apiVersion when both are right.
fn header(d: &mut Decoder, root: &Node) -> Option<String> {
    let Value::Map(entries) = &root.value else {
        d.error(
            root.at,
            format!(
                "the config must be a mapping of fields, found {}",
                root.describe()
            ),
            START_HINT,
        );
        return None;
    };
    let field = |name: &str| {
        entries
            .iter()
            .find(|(k, _)| matches!(&k.value, Value::Scalar { text, .. } if text == name))
            .map(|(_, v)| v)
    };
    let text = |n: &Node| match &n.value {
        Value::Scalar { text, .. } => Some(text.clone()),
        _ => None,
    };
    let Some(api) = field("apiVersion") else {
        d.error(root.at, "missing \"apiVersion\"".into(), START_HINT);
        return None;
    };
    let Some(api_text) = text(api) else {
        d.error(
            api.at,
            format!("apiVersion must be text, found {}", api.describe()),
            START_HINT,
        );
        return None;
    };
    if !API_VERSIONS.contains(&api_text.as_str()) {
        let message = match closest(&api_text, &API_VERSIONS) {
            Some(guess) => format!(
                "unknown apiVersion {}, did you mean \"{guess}\"?",
                quoted(&api_text)
            ),
            None => format!("unknown apiVersion {}", quoted(&api_text)),
        };
        d.error(
            api.at,
            message,
            format!(
                "minik reads apiVersion {} and {}",
                API_VERSIONS[0], API_VERSIONS[1]
            ),
        );
        return None;
    }
    let Some(kind) = field("kind") else {
        d.error(root.at, "missing \"kind\"".into(), "add \"kind: Cluster\"");
        return None;
    };
    let Some(kind_text) = text(kind) else {
        d.error(
            kind.at,
            format!("kind must be text, found {}", kind.describe()),
            "add \"kind: Cluster\"",
        );
        return None;
    };
    if kind_text != CLUSTER_KIND {
        let guess = closest(&kind_text, &[CLUSTER_KIND])
            .map(|g| format!(", did you mean \"{g}\"?"))
            .unwrap_or_default();
        d.error(
            kind.at,
            format!(
                "unknown kind {} for apiVersion {api_text}{guess}",
                quoted(&kind_text)
            ),
            "the kind of a cluster config is Cluster",
        );
        return None;
    }
    Some(api_text)
}

/// The folder relative `hostPath`s are resolved against, made absolute.
fn base_dir(origin: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    if origin == Path::new("-") {
        return cwd;
    }
    match origin.parent() {
        Some(parent) => cwd.join(parent),
        None => cwd,
    }
}

/// Port mappings the file gave no `listenAddress` bind loopback (127.0.0.1, or ::1 for an
/// IPv6 cluster): a bundle's config comes from someone else (`bundle::host_access`).
pub(crate) fn loopback_port_defaults(loaded: &mut LoadedConfig) {
    let loopback = match loaded.config.networking.ip_family {
        super::IpFamily::Ipv6 => "::1",
        super::IpFamily::Ipv4 | super::IpFamily::Dual => "127.0.0.1",
    };
    for (i, node) in loaded.config.nodes.iter_mut().enumerate() {
        for (j, m) in node.extra_port_mappings.iter_mut().enumerate() {
            let path = format!("nodes[{i}].extraPortMappings[{j}].listenAddress");
            if !loaded.sources.has(&path) {
                m.listen_address = loopback.to_string();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_inside_the_node_network_are_refused_with_their_line() {
        let text = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n  podSubnet: 172.18.128.0/17\n";
        let loaded = LoadedConfig::parse(text, Path::new("c.yaml")).unwrap();
        let err = loaded
            .check_node_network("minik", &["172.18.0.0/16".into(), "fc00:f853::/64".into()])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("c.yaml:4:14: podSubnet 172.18.128.0/17 overlaps the node network minik (172.18.0.0/16)"),
            "{err}"
        );
        assert!(!err.contains("serviceSubnet"), "{err}");
        // Disjoint ranges pass.
        loaded
            .check_node_network("minik", &["172.30.0.0/16".into()])
            .unwrap();
    }
}
