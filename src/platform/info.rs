//! The fields minik uses from the engine's `GET /info` and `GET /version` answers.
//!
//! Parsing is lenient: engines differ (Docker 20.10 has no containerd store, Podman's compat API
//! adds `Rootless` and leaves `IndexServerAddress` empty, old engines lack `CgroupVersion`), so a
//! missing or oddly typed field becomes its default rather than an error.

use serde::Serialize;
use serde_json::Value;

fn s(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

fn opt_s(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(|x| match x {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .filter(|s| !s.is_empty())
}

fn b(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn u(v: &Value, key: &str) -> u64 {
    v.get(key).and_then(Value::as_u64).unwrap_or(0)
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// What the engine says about itself (`/info`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EngineInfo {
    /// `linux`, or `windows` in Docker Desktop's Windows-containers mode.
    pub os_type: String,
    /// `Docker Desktop`, `OrbStack`, `Ubuntu 24.04.1 LTS`, `fedora`, ...
    pub operating_system: String,
    /// `docker-desktop`, `orbstack`, `colima`, `lima-rancher-desktop`, or a host name.
    pub name: String,
    pub kernel_version: String,
    /// `x86_64`, `aarch64`, ...
    pub architecture: String,
    pub server_version: String,
    pub ncpu: u64,
    /// Bytes.
    pub mem_total: u64,
    /// `"1"`, `"2"`; `None` on engines older than 20.10.
    pub cgroup_version: Option<String>,
    /// `cgroupfs`, `systemd`, or `none` (rootless on v1: no limits at all).
    pub cgroup_driver: String,
    pub memory_limit: bool,
    pub swap_limit: bool,
    pub pids_limit: bool,
    pub cpu_shares: bool,
    pub cpu_cfs_quota: bool,
    /// `overlay2`, `overlayfs` (containerd store), `fuse-overlayfs`, `btrfs`, `zfs`, `vfs`, ...
    pub driver: String,
    pub driver_status: Vec<(String, String)>,
    pub security_options: Vec<String>,
    pub labels: Vec<String>,
    pub http_proxy: String,
    pub https_proxy: String,
    pub no_proxy: String,
    /// Podman says `Apache-2.0`.
    pub product_license: Option<String>,
    pub index_server_address: String,
    /// Podman's extra `Rootless` field.
    pub rootless_field: Option<bool>,
    pub system_time: Option<String>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the engine's /info answer is not a JSON object")]
pub struct InfoError;

impl EngineInfo {
    pub fn from_json(v: &Value) -> Result<Self, InfoError> {
        if !v.is_object() {
            return Err(InfoError);
        }
        let driver_status = v
            .get("DriverStatus")
            .and_then(Value::as_array)
            .map(|rows| {
                rows.iter()
                    .filter_map(|row| {
                        let pair = row.as_array()?;
                        let k = pair.first()?.as_str()?;
                        let val = pair.get(1).and_then(Value::as_str).unwrap_or("");
                        Some((k.to_string(), val.to_string()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(EngineInfo {
            os_type: s(v, "OSType"),
            operating_system: s(v, "OperatingSystem"),
            name: s(v, "Name"),
            kernel_version: s(v, "KernelVersion"),
            architecture: s(v, "Architecture"),
            server_version: s(v, "ServerVersion"),
            ncpu: u(v, "NCPU"),
            mem_total: u(v, "MemTotal"),
            cgroup_version: opt_s(v, "CgroupVersion"),
            cgroup_driver: s(v, "CgroupDriver"),
            memory_limit: b(v, "MemoryLimit"),
            swap_limit: b(v, "SwapLimit"),
            pids_limit: b(v, "PidsLimit"),
            cpu_shares: b(v, "CPUShares"),
            cpu_cfs_quota: b(v, "CpuCfsQuota"),
            driver: s(v, "Driver"),
            driver_status,
            security_options: strings(v, "SecurityOptions"),
            labels: strings(v, "Labels"),
            http_proxy: s(v, "HttpProxy"),
            https_proxy: s(v, "HttpsProxy"),
            no_proxy: s(v, "NoProxy"),
            product_license: opt_s(v, "ProductLicense"),
            index_server_address: s(v, "IndexServerAddress"),
            rootless_field: v.get("Rootless").and_then(Value::as_bool),
            system_time: opt_s(v, "SystemTime"),
            warnings: strings(v, "Warnings"),
        })
    }

    /// Whether `SecurityOptions` has an entry `name=<name>` (entries look like
    /// `name=seccomp,profile=builtin`).
    pub fn has_security_option(&self, name: &str) -> bool {
        self.security_option(name).is_some()
    }

    /// The full `SecurityOptions` entry for `name=<name>`.
    pub fn security_option(&self, name: &str) -> Option<&str> {
        self.security_options
            .iter()
            .find(|o| {
                o.split(',')
                    .any(|kv| kv.strip_prefix("name=").is_some_and(|n| n == name))
            })
            .map(String::as_str)
    }

    /// A `DriverStatus` value by key, e.g. `Backing Filesystem` or `driver-type`.
    pub fn driver_status(&self, key: &str) -> Option<&str> {
        self.driver_status
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.iter().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k == key).then_some(v)
        })
    }
}

/// What `/version` adds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct EngineVersion {
    /// `Docker Desktop 4.37.1 (178610)`, `Docker Engine - Community`, ...
    pub(crate) platform_name: Option<String>,
    pub(crate) component_names: Vec<String>,
    pub(crate) version: Option<String>,
    pub(crate) api_version: Option<String>,
}

impl EngineVersion {
    pub(crate) fn from_json(v: &Value) -> Self {
        let components = v
            .get("Components")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|c| s(c, "Name"))
                    .filter(|n| !n.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        EngineVersion {
            platform_name: v.get("Platform").and_then(|p| opt_s(p, "Name")),
            component_names: components,
            version: opt_s(v, "Version"),
            api_version: opt_s(v, "ApiVersion"),
        }
    }

    /// `4.37.1` out of `Docker Desktop 4.37.1 (178610)`.
    pub(crate) fn desktop_version(&self) -> Option<String> {
        let rest = self
            .platform_name
            .as_deref()?
            .strip_prefix("Docker Desktop ")?;
        rest.split_whitespace().next().map(str::to_string)
    }
}

/// `(major, minor, patch)` from the start of a version or kernel string (`6.6.87.2-microsoft…`,
/// `20.10.24+dfsg1`, `v5.2.0`).
pub(crate) fn parse_version(s: &str) -> Option<(u64, u64, u64)> {
    let s = s.trim_start_matches('v');
    let mut nums = s
        .split(|c: char| !c.is_ascii_digit())
        .take(3)
        .map(|p| p.parse::<u64>().ok());
    let major = nums.next()??;
    let minor = nums.next().flatten().unwrap_or(0);
    let patch = nums.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_security_options_and_driver_status() {
        let info = EngineInfo::from_json(&json!({
            "SecurityOptions": ["name=seccomp,profile=builtin", "name=rootless", "name=cgroupns"],
            "DriverStatus": [["driver-type", "io.containerd.snapshotter.v1"]],
            "Labels": ["com.docker.desktop.address=unix:///x"],
            "NCPU": 4
        }))
        .unwrap();
        assert!(info.has_security_option("rootless"));
        assert!(!info.has_security_option("userns"));
        assert_eq!(
            info.driver_status("driver-type"),
            Some("io.containerd.snapshotter.v1")
        );
        assert_eq!(info.label("com.docker.desktop.address"), Some("unix:///x"));
        assert_eq!(info.ncpu, 4);
        assert!(EngineInfo::from_json(&json!([1])).is_err());
    }

    #[test]
    fn versions() {
        assert_eq!(
            parse_version("6.6.87.2-microsoft-standard-WSL2"),
            Some((6, 6, 87))
        );
        assert_eq!(parse_version("20.10.24+dfsg1"), Some((20, 10, 24)));
        assert_eq!(parse_version("5.10"), Some((5, 10, 0)));
        assert_eq!(parse_version("dev"), None);
        let v = EngineVersion::from_json(
            &json!({"Platform": {"Name": "Docker Desktop 4.34.0 (165256)"}}),
        );
        assert_eq!(v.desktop_version().as_deref(), Some("4.34.0"));
    }
}
