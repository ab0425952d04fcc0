//! What minik reads from etcd for a step: a lab may ask to see one of its own objects as etcd
//! stores it, or a snapshot of etcd being taken — never anything else. The lab file names only a
//! kind from a closed list and an object name (`etcd: {get: deployments/hello}`), or
//! `etcd: {snapshot: save}`; minik builds the key itself (`/registry/deployments/NAMESPACE/hello`,
//! always in the lab's own namespace) and runs `etcdctl` with fixed arguments in the etcd pod of
//! the tour's control plane (`kubectl exec` with kubeadm's admin kubeconfig, and etcd's own
//! client certificate), so a lab reads no other namespace's key, no prefix and no option of its
//! choosing, and no shell is involved. What etcdctl prints is shown with every byte that is not
//! printable text as a dot: a real API server stores protobuf (`k8s` and a zero byte, then
//! binary with the strings readable).
//!
//! ```yaml
//! etcd: {get: secrets/db}      # shown after the step's checks pass
//! etcd: {snapshot: save}       # saved on the control-plane node, listed, then removed
//! ```

use super::lab::{Etcd, EtcdResource, ETCD_RESOURCES};
use crate::config::decode::Decoder;
use crate::config::yaml::Node;
use crate::text::quoted;

const FIELDS: [&str; 2] = ["get", "snapshot"];
const EXAMPLE: &str = "etcd: {get: deployments/hello}";

/// kubeadm's etcd client certificates (the etcd pod mounts `/etc/kubernetes/pki/etcd`).
const CA: &str = "/etc/kubernetes/pki/etcd/ca.crt";
const CERT: &str = "/etc/kubernetes/pki/etcd/healthcheck-client.crt";
const KEY: &str = "/etc/kubernetes/pki/etcd/healthcheck-client.key";
/// Where a snapshot is saved: etcd's data folder, a hostPath the etcd container may write, on
/// the control-plane node; minik removes the file once it is shown.
pub(crate) const SNAPSHOT: &str = "/var/lib/etcd/minik-tour-snapshot.db";
/// Namespaces whose keys minik never reads, whatever a lab's namespace says.
const SYSTEM_NAMESPACES: [&str; 4] = ["kube-system", "kube-public", "kube-node-lease", "default"];
/// Text shown per line of a value, and the most lines shown.
const CHUNK: usize = 64;
const MAX_LINES: usize = 80;
/// A text line longer than this is cut as a value is.
const TEXT_CHUNK: usize = 200;

/// Decodes `etcd: {...}`; `None` (with errors recorded) when it is not one minik has.
pub(super) fn decode(d: &mut Decoder, node: &Node, path: &str) -> Option<Etcd> {
    let mut out = None;
    for (field, p, value) in d.fields(node, path, "an etcd view", &FIELDS) {
        if out.is_some() {
            d.error(
                value.at,
                "an etcd view is either get or snapshot, not both".into(),
                "write one etcd view per step",
            );
            return None;
        }
        let text = d.string(value, &p, EXAMPLE)?;
        out = if field == "get" {
            match parse_get(&text) {
                Ok((resource, name)) => Some(Etcd::Get { resource, name }),
                Err(why) => {
                    d.error(value.at, why, get_hint());
                    return None;
                }
            }
        } else if text == "save" {
            Some(Etcd::Snapshot)
        } else {
            d.error(
                value.at,
                format!("invalid snapshot {}", quoted(&text)),
                "write snapshot: save",
            );
            return None;
        };
    }
    if out.is_none() {
        d.error(node.at, "the etcd view names nothing".into(), get_hint());
    }
    out
}

fn get_hint() -> String {
    let kinds: Vec<&str> = ETCD_RESOURCES.iter().map(|(n, _, _)| *n).collect();
    format!(
        "write get: KIND/NAME, an object of the lab's own namespace, with KIND one of: {} \
         (or snapshot: save)",
        kinds.join(", ")
    )
}

/// `KIND/NAME`: a kind from [`ETCD_RESOURCES`] and a Kubernetes object name (lowercase
/// letters, digits, `-` and `.`, starting and ending with a letter or digit: no `/`, no `..`,
/// no option, no placeholder).
pub(crate) fn parse_get(text: &str) -> Result<(EtcdResource, String), String> {
    let Some((kind, name)) = text.split_once('/') else {
        return Err(format!("{} is not KIND/NAME", quoted(text)));
    };
    let Some((_, _, resource)) = ETCD_RESOURCES.iter().find(|(n, _, _)| *n == kind) else {
        return Err(format!("minik reads no {} from etcd", quoted(kind)));
    };
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.bytes().all(|b| alnum(b) || b == b'-' || b == b'.')
        && name.bytes().next().is_some_and(alnum)
        && name.bytes().last().is_some_and(alnum)
        && !name.contains("..");
    if !ok {
        return Err(format!("invalid object name {}", quoted(name)));
    }
    Ok((*resource, name.to_string()))
}

/// The object's etcd key, in `namespace` (the lab's); `None` for a namespace minik never reads
/// or one that is not a Kubernetes name.
pub(crate) fn key(resource: EtcdResource, namespace: &str, name: &str) -> Option<String> {
    let ns_ok = !namespace.is_empty()
        && namespace.len() <= 63
        && namespace
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !namespace.starts_with('-')
        && !SYSTEM_NAMESPACES.contains(&namespace);
    let prefix = ETCD_RESOURCES
        .iter()
        .find(|(_, _, r)| *r == resource)
        .map(|(_, p, _)| *p)?;
    let (_, checked) = parse_get(&format!("{}/{name}", resource_name(resource))).ok()?;
    ns_ok.then(|| format!("/registry/{prefix}/{namespace}/{checked}"))
}

fn resource_name(r: EtcdResource) -> &'static str {
    ETCD_RESOURCES
        .iter()
        .find(|(_, _, x)| *x == r)
        .map(|(n, _, _)| *n)
        .unwrap_or("")
}

/// The kubectl arguments (admin) that run etcdctl with `args` in the etcd pod of
/// `control_plane`: kubeadm names that static pod `etcd-NODE`.
pub(crate) fn etcdctl(control_plane: &str, args: &[&str]) -> Vec<String> {
    let pod = format!("etcd-{control_plane}");
    let fixed = [
        "exec",
        "-n",
        "kube-system",
        &pod,
        "-c",
        "etcd",
        "--",
        "etcdctl",
        "--endpoints=https://127.0.0.1:2379",
    ];
    fixed
        .iter()
        .map(|s| s.to_string())
        .chain([
            format!("--cacert={CA}"),
            format!("--cert={CERT}"),
            format!("--key={KEY}"),
        ])
        .chain(args.iter().map(|s| s.to_string()))
        .collect()
}

/// etcdctl's output for a reader: text as it is, every other byte as a dot (protobuf's binary,
/// and nothing that could drive the terminal), cut into lines that fit beside the view's indent.
pub(crate) fn printable(bytes: &[u8]) -> Vec<String> {
    chunked(bytes, CHUNK)
}

fn chunked(bytes: &[u8], chunk: usize) -> Vec<String> {
    let text: String = bytes
        .iter()
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    let chars: Vec<char> = text.chars().collect();
    let mut lines: Vec<String> = chars
        .chunks(chunk)
        .map(|c| c.iter().collect::<String>())
        .collect();
    if lines.len() > MAX_LINES {
        let more = chars.len() - MAX_LINES * chunk;
        lines.truncate(MAX_LINES);
        lines.push(format!("... (+{more})"));
    }
    lines
}

/// Lines of text (etcdctl's messages, `ls -l`), each made printable; the view wraps them at
/// their spaces, so only a line longer than any terminal is cut.
pub(crate) fn text_lines(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .flat_map(|l| chunked(l, TEXT_CHUNK))
        .take(MAX_LINES)
        .collect()
}

/// `etcdctl get`'s output: the key on its line, then the value (etcdctl ends each with a
/// newline; the value's own bytes, newlines included, are shown as they are stored).
pub(crate) fn get_lines(stdout: &[u8]) -> Vec<String> {
    let Some(at) = stdout.iter().position(|&b| b == b'\n') else {
        return printable(stdout);
    };
    let (key, value) = (&stdout[..at], &stdout[at + 1..]);
    let value = value.strip_suffix(b"\n").unwrap_or(value);
    let mut lines = printable(key);
    lines.extend(printable(value));
    lines
}

#[cfg(test)]
#[path = "etcd_tests.rs"]
mod tests;
