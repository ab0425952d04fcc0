//! The container runtime of a node image: containerd, runc and crictl.
//!
//! Online builds download pinned upstream releases and verify each against the SHA-256 its
//! project publishes next to it, as the Kubernetes binaries are (see `download`). Offline builds
//! take the same files from `DIR/bin`. Either way they land where kind's images have them
//! (`/usr/local/bin`, runc in `/usr/local/sbin`), which node-image/'s containerd.service runs.

use serde_json::Value;

/// Pinned releases, as kind's base image (v0.33) has them: containerd 2.3 (an LTS line, supported
/// for Kubernetes 1.36 and 1.37 by containerd's matrix, see `pairing`), runc 1.4 and crictl.
pub(crate) const CONTAINERD_VERSION: &str = "2.3.4";
pub(crate) const RUNC_VERSION: &str = "1.4.3";
pub(crate) const CRICTL_VERSION: &str = "v1.36.0";

/// containerd's binaries from its release tarball (`bin/<name>`), installed to /usr/local/bin.
pub(crate) const CONTAINERD_BINARIES: &[&str] = &["containerd", "ctr", "containerd-shim-runc-v2"];

/// Where each runtime binary goes in the image; offline builds take `DIR/bin/<name>`.
pub(crate) const INSTALL_PATHS: &[(&str, &str)] = &[
    ("containerd", "/usr/local/bin/containerd"),
    ("ctr", "/usr/local/bin/ctr"),
    (
        "containerd-shim-runc-v2",
        "/usr/local/bin/containerd-shim-runc-v2",
    ),
    ("runc", "/usr/local/sbin/runc"),
    ("crictl", "/usr/local/bin/crictl"),
];

/// The release downloads, each as (what, url, checksum url, install shell run after the file
/// at `$f` has been verified).
pub(crate) struct Release {
    pub(crate) what: &'static str,
    pub(crate) url: String,
    pub(crate) checksum_url: String,
    /// The file's name in a checksum file that lists several (`runc.sha256sum`).
    pub(crate) checksum_name: String,
    pub(crate) install: String,
}

pub(crate) fn releases(arch: &str) -> Vec<Release> {
    let containerd = format!("containerd-{CONTAINERD_VERSION}-linux-{arch}.tar.gz");
    let containerd_url = format!(
        "https://github.com/containerd/containerd/releases/download/v{CONTAINERD_VERSION}/{containerd}"
    );
    let crictl = format!("crictl-{CRICTL_VERSION}-linux-{arch}.tar.gz");
    let crictl_url = format!(
        "https://github.com/kubernetes-sigs/cri-tools/releases/download/{CRICTL_VERSION}/{crictl}"
    );
    let runc = format!("runc.{arch}");
    let runc_base =
        format!("https://github.com/opencontainers/runc/releases/download/v{RUNC_VERSION}");
    let members: Vec<String> = CONTAINERD_BINARIES
        .iter()
        .map(|b| format!("bin/{b}"))
        .collect();
    vec![
        Release {
            what: "containerd",
            checksum_url: format!("{containerd_url}.sha256sum"),
            url: containerd_url,
            checksum_name: containerd,
            install: format!(
                "tar -xzf \"$f\" -C /usr/local {} && chown root:root /usr/local/bin/*",
                members.join(" ")
            ),
        },
        Release {
            what: "runc",
            url: format!("{runc_base}/{runc}"),
            checksum_url: format!("{runc_base}/runc.sha256sum"),
            checksum_name: runc,
            install: "install -D -m 0755 \"$f\" /usr/local/sbin/runc".into(),
        },
        Release {
            what: "crictl",
            checksum_url: format!("{crictl_url}.sha256"),
            url: crictl_url,
            checksum_name: crictl,
            install:
                "tar -xzf \"$f\" -C /usr/local/bin crictl && chown root:root /usr/local/bin/crictl"
                    .into(),
        },
    ]
}

/// The digest for `name` in a checksum file: `<hex>` alone, or `<hex>  <name>` lines (the
/// runc project publishes one file for every asset).
pub(crate) fn checksum_for(text: &str, name: &str) -> Result<String, String> {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let line = match lines.as_slice() {
        [one] => *one,
        _ => lines
            .iter()
            .find(|l| {
                l.split_whitespace()
                    .nth(1)
                    .is_some_and(|n| n.trim_start_matches('*') == name)
            })
            .copied()
            .ok_or(format!("no checksum for {name}"))?,
    };
    super::download::parse_checksum(line)
}

/// Shell that downloads `r` to a temporary file, refuses it unless its SHA-256 is `sha`, then
/// installs it.
pub(crate) fn fetch_script(r: &Release, sha: &str) -> String {
    format!(
        "set -eu; f=$(mktemp); trap 'rm -f \"$f\"' EXIT; \
         curl -fsSL --retry 4 --retry-delay 1 -o \"$f\" '{url}'; \
         echo \"{sha}  $f\" | sha256sum -c --quiet -; {install}",
        url = r.url,
        install = r.install
    )
}

/// `containerd --version` -> (major, minor, patch): `containerd github.com/containerd/containerd/v2
/// v2.1.5 <commit>` or Debian's `... 2.1.9+unknown` (a missing patch reads as 0).
pub(crate) fn containerd_version(output: &str) -> Option<(u32, u32, u32)> {
    output.split_whitespace().find_map(|word| {
        let v = word.strip_prefix('v').unwrap_or(word);
        let mut parts = v.split(['.', '+', '-', '~']);
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        v.contains('.').then_some((major, minor, patch))
    })
}

/// kind's pod base spec: containerd's default spec (`ctr oci spec`) without process rlimits
/// (pods get the runtime's defaults, as with any CRI runtime's unset base spec) and with the
/// createContainer hook that shows pods the node's product files.
pub(crate) fn cri_base(default_spec: &str) -> Result<String, String> {
    let mut spec: Value = serde_json::from_str(default_spec)
        .map_err(|e| format!("`ctr oci spec` did not print a JSON spec: {e}"))?;
    let obj = spec
        .as_object_mut()
        .ok_or("`ctr oci spec` did not print a JSON object")?;
    if let Some(Value::Object(process)) = obj.get_mut("process") {
        process.remove("rlimits");
    }
    let hooks = obj
        .entry("hooks")
        .or_insert_with(|| Value::Object(Default::default()));
    let hooks = hooks
        .as_object_mut()
        .ok_or("the spec's hooks are not an object")?;
    hooks.insert(
        "createContainer".into(),
        serde_json::json!([{ "path": "/kind/bin/mount-product-files.sh" }]),
    );
    let mut text = serde_json::to_string_pretty(&spec).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_urls_follow_each_projects_layout() {
        let r = releases("arm64");
        assert_eq!(
            r[0].url,
            format!("https://github.com/containerd/containerd/releases/download/v{CONTAINERD_VERSION}/containerd-{CONTAINERD_VERSION}-linux-arm64.tar.gz")
        );
        assert!(r[0].checksum_url.ends_with(".tar.gz.sha256sum"));
        assert_eq!(
            r[1].url,
            format!("https://github.com/opencontainers/runc/releases/download/v{RUNC_VERSION}/runc.arm64")
        );
        assert!(r[1].checksum_url.ends_with("/runc.sha256sum"));
        assert!(r[2]
            .url
            .ends_with(&format!("crictl-{CRICTL_VERSION}-linux-arm64.tar.gz")));
        assert!(r[2].checksum_url.ends_with(".tar.gz.sha256"));
        assert!(CONTAINERD_VERSION.starts_with("2."));
        assert!(RUNC_VERSION.starts_with("1.4"));
    }

    #[test]
    fn checksums_are_picked_by_name_from_multi_file_lists() {
        let a = "a".repeat(64);
        let b = "b".repeat(64);
        let list = format!("{a}  runc.amd64\n{b} *runc.arm64\n");
        assert_eq!(checksum_for(&list, "runc.arm64").unwrap(), b);
        assert_eq!(checksum_for(&list, "runc.amd64").unwrap(), a);
        assert!(checksum_for(&list, "runc.s390x").is_err());
        assert_eq!(checksum_for(&format!("{a}\n"), "x").unwrap(), a);
        assert!(checksum_for("<html>", "x").is_err());
    }

    #[test]
    fn the_script_verifies_before_installing() {
        let r = &releases("amd64")[0];
        let s = fetch_script(r, &"c".repeat(64));
        assert!(s.find("sha256sum -c").unwrap() < s.find("tar -xzf").unwrap());
        assert!(s.contains("bin/containerd bin/ctr bin/containerd-shim-runc-v2"));
    }

    #[test]
    fn containerd_versions_parse_from_upstream_and_debian_builds() {
        let up = "containerd github.com/containerd/containerd/v2 v2.1.5 fcd43222d6b07379a4be9786bda52438f0dd16a1";
        assert_eq!(containerd_version(up), Some((2, 1, 5)));
        let deb = "containerd github.com/containerd/containerd/v2 2.1.9+unknown ";
        assert_eq!(containerd_version(deb), Some((2, 1, 9)));
        let old = "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+b1";
        assert_eq!(containerd_version(old), Some((1, 6, 20)));
        assert_eq!(containerd_version("no version here"), None);
    }

    #[test]
    fn cri_base_is_containerds_default_without_rlimits_and_with_the_hook() {
        let default = r#"{"ociVersion":"1.2.1","process":{"cwd":"/","rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}]},"linux":{}}"#;
        let out: Value = serde_json::from_str(&cri_base(default).unwrap()).unwrap();
        assert_eq!(out["ociVersion"], "1.2.1");
        assert!(out["process"].get("rlimits").is_none());
        assert_eq!(out["process"]["cwd"], "/");
        assert_eq!(
            out["hooks"]["createContainer"][0]["path"],
            "/kind/bin/mount-product-files.sh"
        );
        assert!(cri_base("not json").is_err());
    }
}
