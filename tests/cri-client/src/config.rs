//! JSON request files -> CRI messages. Only the fields a kubelet sets for ordinary Linux pods;
//! every field is optional (CRI's zero value), so callers write only what they mean.

use crate::Failure;
use k8s_cri::v1 as cri;
use serde::Deserialize;
use std::collections::HashMap;
use std::io::Read;

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Meta {
    name: String,
    uid: String,
    namespace: String,
    attempt: u32,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Namespaces {
    network: i32,
    pid: i32,
    ipc: i32,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Security {
    namespace_options: Namespaces,
    privileged: bool,
    run_as_user: Option<i64>,
    readonly_rootfs: bool,
    capabilities_add: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct LinuxSandbox {
    cgroup_parent: String,
    sysctls: HashMap<String, String>,
    security_context: Security,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Dns {
    servers: Vec<String>,
    searches: Vec<String>,
    options: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Port {
    protocol: i32,
    container_port: i32,
    host_port: i32,
    host_ip: String,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Sandbox {
    metadata: Meta,
    hostname: String,
    log_directory: String,
    dns_config: Option<Dns>,
    port_mappings: Vec<Port>,
    labels: HashMap<String, String>,
    annotations: HashMap<String, String>,
    linux: LinuxSandbox,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct KeyValue {
    key: String,
    value: String,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Mount {
    container_path: String,
    host_path: String,
    readonly: bool,
    propagation: i32,
}

/// The cgroup limits a kubelet sets on a container (kuberuntime's
/// generateLinuxContainerResources): containerd writes them to the container's cgroup, so the
/// kernel enforces them (a memory limit OOM-kills).
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Resources {
    cpu_period: i64,
    cpu_quota: i64,
    cpu_shares: i64,
    memory_limit_in_bytes: i64,
    oom_score_adj: i64,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct LinuxContainer {
    resources: Option<Resources>,
    security_context: Security,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Container {
    metadata: Meta,
    image: String,
    command: Vec<String>,
    args: Vec<String>,
    working_dir: String,
    envs: Vec<KeyValue>,
    mounts: Vec<Mount>,
    labels: HashMap<String, String>,
    annotations: HashMap<String, String>,
    log_path: String,
    stdin: bool,
    tty: bool,
    linux: LinuxContainer,
}

fn read<T: for<'de> Deserialize<'de>>(path: &str) -> Result<T, Failure> {
    let mut text = String::new();
    if path == "-" {
        std::io::stdin().read_to_string(&mut text)?;
    } else {
        text = std::fs::read_to_string(path).map_err(|e| Failure(format!("{path}: {e}")))?;
    }
    serde_json::from_str(&text).map_err(|e| Failure(format!("{path}: {e}")))
}

fn namespaces(n: &Namespaces) -> Option<cri::NamespaceOption> {
    Some(cri::NamespaceOption {
        network: n.network,
        pid: n.pid,
        ipc: n.ipc,
        ..Default::default()
    })
}

pub fn sandbox(path: &str) -> Result<cri::PodSandboxConfig, Failure> {
    let s: Sandbox = read(path)?;
    let sec = &s.linux.security_context;
    Ok(cri::PodSandboxConfig {
        metadata: Some(cri::PodSandboxMetadata {
            name: s.metadata.name,
            uid: s.metadata.uid,
            namespace: s.metadata.namespace,
            attempt: s.metadata.attempt,
        }),
        hostname: s.hostname,
        log_directory: s.log_directory,
        dns_config: s.dns_config.map(|d| cri::DnsConfig {
            servers: d.servers,
            searches: d.searches,
            options: d.options,
        }),
        port_mappings: s
            .port_mappings
            .into_iter()
            .map(|p| cri::PortMapping {
                protocol: p.protocol,
                container_port: p.container_port,
                host_port: p.host_port,
                host_ip: p.host_ip,
            })
            .collect(),
        labels: s.labels,
        annotations: s.annotations,
        linux: Some(cri::LinuxPodSandboxConfig {
            cgroup_parent: s.linux.cgroup_parent,
            sysctls: s.linux.sysctls,
            security_context: Some(cri::LinuxSandboxSecurityContext {
                namespace_options: namespaces(&sec.namespace_options),
                privileged: sec.privileged,
                readonly_rootfs: sec.readonly_rootfs,
                run_as_user: sec.run_as_user.map(|value| cri::Int64Value { value }),
                ..Default::default()
            }),
            ..Default::default()
        }),
        windows: None,
    })
}

pub fn container(path: &str) -> Result<cri::ContainerConfig, Failure> {
    let c: Container = read(path)?;
    let sec = &c.linux.security_context;
    Ok(cri::ContainerConfig {
        metadata: Some(cri::ContainerMetadata {
            name: c.metadata.name,
            attempt: c.metadata.attempt,
        }),
        image: Some(cri::ImageSpec {
            image: c.image,
            ..Default::default()
        }),
        command: c.command,
        args: c.args,
        working_dir: c.working_dir,
        envs: c
            .envs
            .into_iter()
            .map(|e| cri::KeyValue {
                key: e.key,
                value: e.value,
            })
            .collect(),
        mounts: c
            .mounts
            .into_iter()
            .map(|m| cri::Mount {
                container_path: m.container_path,
                host_path: m.host_path,
                readonly: m.readonly,
                propagation: m.propagation,
                ..Default::default()
            })
            .collect(),
        labels: c.labels,
        annotations: c.annotations,
        log_path: c.log_path,
        stdin: c.stdin,
        tty: c.tty,
        linux: Some(cri::LinuxContainerConfig {
            resources: c.linux.resources.map(|r| cri::LinuxContainerResources {
                cpu_period: r.cpu_period,
                cpu_quota: r.cpu_quota,
                cpu_shares: r.cpu_shares,
                memory_limit_in_bytes: r.memory_limit_in_bytes,
                oom_score_adj: r.oom_score_adj,
                ..Default::default()
            }),
            security_context: Some(cri::LinuxContainerSecurityContext {
                namespace_options: namespaces(&sec.namespace_options),
                privileged: sec.privileged,
                readonly_rootfs: sec.readonly_rootfs,
                run_as_user: sec.run_as_user.map(|value| cri::Int64Value { value }),
                capabilities: (!sec.capabilities_add.is_empty()).then(|| cri::Capability {
                    add_capabilities: sec.capabilities_add.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        }),
        ..Default::default()
    })
}
