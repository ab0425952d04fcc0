//! Patching the generated kubeadm config, a stream of YAML documents.
//!
//! Matching follows kind: a patch applies to a document when their `kind`s are equal (so a patch
//! without `kind` matches nothing) and, if the patch names an `apiVersion`, when its group equals the
//! document's group and its version, if given, equals the document's version. A patch without
//! `apiVersion` therefore applies across kubeadm API versions. A JSON6902 patch is aimed with its
//! `group`, `version` and `kind` fields the same way (`group/version`, or just `version`).
//!
//! All merge patches are applied before any JSON6902 patch, each list in order. Documents no patch
//! touched are passed through byte for byte; patched ones are re-serialized with sorted keys.

use serde_json::Value;

use super::kubeadm_merge::merge_kubeadm_fields;
use super::PatchError;

/// A JSON6902 patch aimed at one generated kubeadm document.
#[derive(Debug, Clone, PartialEq)]
pub struct Json6902Patch {
    pub group: String,
    pub version: String,
    pub kind: String,
    /// The patch operations as a YAML or JSON list.
    pub patch: String,
}

/// One config level's kubeadm patches (the cluster's or a node's), in the config's order.
#[derive(Debug, Clone, Copy)]
pub struct KubeadmPatches<'a> {
    pub merge: &'a [String],
    pub json6902: &'a [Json6902Patch],
}

/// The document kinds minik renders, which are the only ones a patch can match.
pub(crate) const KUBEADM_KINDS: &[&str] = &[
    "ClusterConfiguration",
    "InitConfiguration",
    "JoinConfiguration",
    "KubeletConfiguration",
    "KubeProxyConfiguration",
];

/// One document of a merge patch, with what it matches on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MergePatch {
    pub(crate) kind: String,
    pub(crate) api_version: String,
    pub(crate) body: Value,
}

/// A patched kubeadm config and the patches that matched none of its documents (kind applies
/// those silently; they are nearly always a wrong `apiVersion` or `kind`, so minik warns).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PatchedConfig {
    pub(crate) text: String,
    /// Labels like `kubeadmConfigPatches[0]` (`node ...` for a node's own patches).
    pub(crate) unmatched: Vec<String>,
}

/// Applies the cluster's kubeadm patches and then `node`'s (as kind does) to `config`.
pub(crate) fn kubeadm_config_for_node(
    config: &str,
    cluster: KubeadmPatches<'_>,
    node: KubeadmPatches<'_>,
) -> Result<PatchedConfig, PatchError> {
    let label = |what: &str, i: usize| format!("{what}[{i}]");
    let node_label = |what: &str, i: usize| format!("node {what}[{i}]");
    let merges = labelled(cluster.merge, "kubeadmConfigPatches", label).chain(labelled(
        node.merge,
        "kubeadmConfigPatches",
        node_label,
    ));
    let json = "kubeadmConfigPatchesJSON6902";
    let json6902 =
        labelled(cluster.json6902, json, label).chain(labelled(node.json6902, json, node_label));
    apply(config, merges.collect(), json6902.collect())
}

/// Applies `merge_patches` and then `json6902` to the multi-document kubeadm `config`.
pub(crate) fn kubeadm_config(
    config: &str,
    merge_patches: &[String],
    json6902: &[Json6902Patch],
) -> Result<String, PatchError> {
    let label = |what: &str, i: usize| format!("{what}[{i}]");
    apply(
        config,
        labelled(merge_patches, "kubeadmConfigPatches", label).collect(),
        labelled(json6902, "kubeadmConfigPatchesJSON6902", label).collect(),
    )
    .map(|p| p.text)
}

fn labelled<'a, T>(
    items: &'a [T],
    what: &'a str,
    label: impl Fn(&str, usize) -> String + 'a,
) -> impl Iterator<Item = (String, &'a T)> + 'a {
    items
        .iter()
        .enumerate()
        .map(move |(i, item)| (label(what, i), item))
}

/// One document of the stream: the separator line before it (if any), its text, and its parsed
/// value once a patch changed it.
struct Doc {
    separator: Option<String>,
    text: String,
    value: Value,
    patched: bool,
}

fn apply(
    config: &str,
    merges: Vec<(String, &String)>,
    json6902: Vec<(String, &Json6902Patch)>,
) -> Result<PatchedConfig, PatchError> {
    let mut docs = split(config)
        .into_iter()
        .enumerate()
        .map(|(i, (separator, text))| {
            let value = parse_yaml(&text)
                .map_err(|e| PatchError::new(format!("generated document {}", i + 1), e))?;
            Ok(Doc {
                separator,
                text,
                value,
                patched: false,
            })
        })
        .collect::<Result<Vec<_>, PatchError>>()?;
    let mut parsed = Vec::new();
    for (label, text) in merges {
        let patches = parse_merge_patches(text).map_err(|e| PatchError::new(&label, e))?;
        parsed.extend(patches.into_iter().map(|p| (label.clone(), p)));
    }
    let mut unmatched: Vec<String> = Vec::new();
    let mut note_unmatched = |label: &str, hit: bool| {
        if !hit && !unmatched.iter().any(|l| l == label) {
            unmatched.push(label.to_string());
        }
    };
    for (label, patch) in &parsed {
        let mut hit = false;
        for doc in docs.iter_mut() {
            let (kind, api) = type_meta(&doc.value);
            if matches(&kind, &api, &patch.kind, &patch.api_version) {
                let mut body = patch.body.clone();
                merge_kubeadm_fields(&mut doc.value, &mut body, &api, &patch.api_version);
                json_patch::merge(&mut doc.value, &body);
                doc.patched = true;
                hit = true;
            }
        }
        note_unmatched(label, hit);
    }
    for (label, p) in json6902 {
        let ops = parse_json6902(&p.patch).map_err(|e| PatchError::new(&label, e))?;
        let api = if p.group.is_empty() {
            p.version.clone()
        } else {
            format!("{}/{}", p.group, p.version)
        };
        let mut hit = false;
        for doc in docs.iter_mut() {
            let (kind, doc_api) = type_meta(&doc.value);
            if matches(&kind, &doc_api, &p.kind, &api) {
                json_patch::patch(&mut doc.value, &ops)
                    .map_err(|e| PatchError::new(format!("{label} on {kind}"), e))?;
                doc.patched = true;
                hit = true;
            }
        }
        note_unmatched(&label, hit);
    }
    let mut out = String::with_capacity(config.len());
    for doc in docs {
        if let Some(sep) = &doc.separator {
            out.push_str(sep);
        }
        if doc.patched {
            out.push_str(&leading_comments(&doc.text));
            out.push_str(&to_yaml(&doc.value).map_err(|e| PatchError::new("patched document", e))?);
        } else {
            out.push_str(&doc.text);
        }
    }
    Ok(PatchedConfig {
        text: out,
        unmatched,
    })
}

/// kind's rule: kinds must be equal; a patch without apiVersion matches any version; otherwise
/// groups must be equal and, if the patch has a version, versions too.
fn matches(kind: &str, api: &str, patch_kind: &str, patch_api: &str) -> bool {
    if kind != patch_kind {
        return false;
    }
    if patch_api.is_empty() {
        return true;
    }
    let (group, version) = split_api_version(api);
    let (patch_group, patch_version) = split_api_version(patch_api);
    group == patch_group && (patch_version.is_empty() || version == patch_version)
}

fn split_api_version(api: &str) -> (&str, &str) {
    api.rsplit_once('/').unwrap_or(("", api))
}

fn type_meta(v: &Value) -> (String, String) {
    let s = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    (s("kind"), s("apiVersion"))
}

/// Splits a stream at `---` lines, keeping each separator line so untouched text is kept as is.
fn split(stream: &str) -> Vec<(Option<String>, String)> {
    let mut docs = vec![(None, String::new())];
    for line in stream.split_inclusive('\n') {
        let is_separator = line.strip_prefix("---").is_some_and(|rest| {
            let rest = rest.trim();
            rest.is_empty() || rest.starts_with('#')
        });
        if is_separator {
            docs.push((Some(line.to_string()), String::new()));
        } else if let Some((_, text)) = docs.last_mut() {
            text.push_str(line);
        }
    }
    docs
}

fn parse_yaml(text: &str) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_yaml::from_str(text).map_err(|e| e.to_string())
}

/// The documents of one kubeadmConfigPatches entry (it may hold several, split by `---`).
pub(crate) fn parse_merge_patches(text: &str) -> Result<Vec<MergePatch>, String> {
    let mut out = Vec::new();
    for (i, (_, doc)) in split(text).into_iter().enumerate() {
        let body = parse_yaml(&doc).map_err(|e| format!("document {}: {e}", i + 1))?;
        if body.is_null() {
            continue;
        }
        if !body.is_object() {
            return Err(format!("document {} is not a mapping", i + 1));
        }
        let (kind, api_version) = type_meta(&body);
        let body = without_kind_metadata(body);
        out.push(MergePatch {
            kind,
            api_version,
            body,
        });
    }
    Ok(out)
}

/// kind's generated documents carry `metadata: {name: config}` and kind removes it after
/// patching, so patches written for kind often repeat it; kubeadm's types have no such field.
/// Drop exactly that (other metadata is the user's business and is kept).
fn without_kind_metadata(mut body: Value) -> Value {
    if let Some(obj) = body.as_object_mut() {
        let kind_era = obj
            .get("metadata")
            .and_then(Value::as_object)
            .is_some_and(|m| m.len() == 1 && m.get("name") == Some(&Value::from("config")));
        if kind_era {
            obj.remove("metadata");
        }
    }
    body
}

/// A JSON6902 patch: a YAML or JSON list of operations.
pub(crate) fn parse_json6902(text: &str) -> Result<json_patch::Patch, String> {
    let value = parse_yaml(text)?;
    serde_json::from_value(value).map_err(|e| format!("not a list of JSON6902 operations: {e}"))
}

/// Comment lines at the top of a document (`# generated by minik`), kept when it is re-serialized.
fn leading_comments(text: &str) -> String {
    text.split_inclusive('\n')
        .take_while(|l| l.trim_start().starts_with('#') || l.trim().is_empty())
        .filter(|l| !l.trim().is_empty())
        .collect()
}

/// YAML with keys sorted at every level, so output does not depend on map implementations.
fn to_yaml(v: &Value) -> Result<String, String> {
    fn sorted(v: &Value) -> Result<serde_yaml::Value, String> {
        Ok(match v {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                let mut out = serde_yaml::Mapping::new();
                for k in keys {
                    if let Some(item) = map.get(k) {
                        out.insert(serde_yaml::Value::String(k.clone()), sorted(item)?);
                    }
                }
                serde_yaml::Value::Mapping(out)
            }
            Value::Array(items) => {
                serde_yaml::Value::Sequence(items.iter().map(sorted).collect::<Result<_, _>>()?)
            }
            other => serde_yaml::to_value(other).map_err(|e| e.to_string())?,
        })
    }
    serde_yaml::to_string(&sorted(v)?).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_follows_kind() {
        let v4 = "kubeadm.k8s.io/v1beta4";
        assert!(matches("InitConfiguration", v4, "InitConfiguration", ""));
        assert!(matches("InitConfiguration", v4, "InitConfiguration", v4));
        assert!(matches(
            "InitConfiguration",
            v4,
            "InitConfiguration",
            "kubeadm.k8s.io/"
        ));
        assert!(!matches(
            "InitConfiguration",
            v4,
            "InitConfiguration",
            "kubeadm.k8s.io/v1beta3"
        ));
        assert!(!matches("InitConfiguration", v4, "JoinConfiguration", ""));
        assert!(!matches("InitConfiguration", v4, "", ""));
        assert!(matches(
            "KubeletConfiguration",
            "kubelet.config.k8s.io/v1beta1",
            "KubeletConfiguration",
            "kubelet.config.k8s.io/v1beta1"
        ));
    }

    #[test]
    fn splitting_keeps_separators_and_untouched_text() {
        let stream = "# head\na: 1\n---\nb: 2\n--- # c\nc: 3\n";
        let docs = split(stream);
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[2].0.as_deref(), Some("--- # c\n"));
        let same = kubeadm_config(stream, &[], &[]).unwrap();
        assert_eq!(same, stream);
    }

    #[test]
    fn patches_that_match_nothing_are_reported_by_label() {
        let config = "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\n";
        let mut cluster = crate::config::ClusterConfig::with_nodes("c", 1, 0);
        cluster.kubeadm_config_patches = vec![
            "kind: ClusterConfiguration\nclusterName: x\n".into(),
            "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n".into(),
        ];
        cluster.kubeadm_config_patches_json6902 = vec![Json6902Patch {
            group: "kubeadm.k8s.io".into(),
            version: "v1beta3".into(),
            kind: "InitConfiguration".into(),
            patch: "[]".into(),
        }];
        let mut node = cluster.nodes[0].clone();
        node.kubeadm_config_patches = vec!["kind: Nope\n".into()];
        let out =
            kubeadm_config_for_node(config, cluster.kubeadm_patches(), node.kubeadm_patches())
                .unwrap();
        assert!(out.text.contains("clusterName: x"), "{}", out.text);
        assert_eq!(
            out.unmatched,
            [
                "kubeadmConfigPatches[1]",
                "node kubeadmConfigPatches[0]",
                "kubeadmConfigPatchesJSON6902[0]"
            ]
        );
    }

    #[test]
    fn kind_era_metadata_is_dropped_from_merge_patches() {
        let config = "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\n";
        let patch = "kind: ClusterConfiguration\nmetadata:\n  name: config\nclusterName: x\n";
        let out = kubeadm_config(config, &[patch.into()], &[]).unwrap();
        assert!(!out.contains("metadata"), "{out}");
        assert!(out.contains("clusterName: x"), "{out}");
        // Anything else under metadata is not kind's and stays.
        let patch = "kind: ClusterConfiguration\nmetadata:\n  name: other\n";
        let out = kubeadm_config(config, &[patch.into()], &[]).unwrap();
        assert!(out.contains("name: other"), "{out}");
    }

    #[test]
    fn bad_patches_name_the_patch() {
        let err = kubeadm_config("kind: A\n", &["kind: [\n".into()], &[]).unwrap_err();
        assert_eq!(err.context, "kubeadmConfigPatches[0]");
        let bad = Json6902Patch {
            group: String::new(),
            version: String::new(),
            kind: "A".into(),
            patch: "- op: remove\n  path: /nope\n".into(),
        };
        let err = kubeadm_config("kind: A\n", &[], &[bad]).unwrap_err();
        assert_eq!(err.context, "kubeadmConfigPatchesJSON6902[0] on A");
    }
}
