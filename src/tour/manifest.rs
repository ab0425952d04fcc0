//! A step's manifest, read before anything runs: every document a namespaced kind labs may
//! create ([`super::kinds`]), in the tour's namespace, and every pod it makes within the
//! `baseline` level of Kubernetes' Pod Security Standards (no privileged or host-namespace
//! containers, no hostPath volumes or host ports, no capabilities beyond the default set, no
//! unconfined seccomp/AppArmor, no unsafe sysctls), as the namespace's PodSecurity admission
//! also enforces. A setting that must be off is refused unless it is absent or exactly `false`:
//! kubectl reads YAML 1.1, where `yes` and `on` are true.

use serde::Deserialize;
use serde_yaml::Value;

use super::kinds;
use crate::text::quoted;

/// Capabilities `baseline` lets a container add (the container runtime's defaults).
const BASELINE_CAPS: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];
/// Sysctls `baseline` allows (namespaced and safe).
const SAFE_SYSCTLS: [&str; 10] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];
const SELINUX_TYPES: [&str; 4] = [
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

/// Checks `text` (placeholders already filled) for a run in `namespace`; the refusal says what.
pub(super) fn check(text: &str, namespace: &str) -> Result<(), String> {
    let mut count = 0;
    for doc in serde_yaml::Deserializer::from_str(text) {
        let value = serde_yaml::Value::deserialize(doc)
            .map_err(|e| format!("the manifest is not valid YAML: {e}"))?;
        if value.is_null() {
            continue;
        }
        count += 1;
        check_document(&value, namespace).map_err(|e| format!("document {count}: {e}"))?;
    }
    if count == 0 {
        return Err("the manifest is empty".into());
    }
    Ok(())
}

fn get<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, k| v.get(k))
}

fn text<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    get(v, path).and_then(Value::as_str)
}

/// Is the setting at `path` off: absent, null, or exactly `false`?
fn off(v: &Value, path: &[&str]) -> bool {
    matches!(
        get(v, path),
        None | Some(Value::Null) | Some(Value::Bool(false))
    )
}

fn check_document(doc: &Value, namespace: &str) -> Result<(), String> {
    if has_tags_or_merges(doc) {
        return Err("YAML tags and merge keys (<<) are not allowed in a lab's manifest".into());
    }
    let api = text(doc, &["apiVersion"]).unwrap_or_default();
    let kind = text(doc, &["kind"]).unwrap_or_default();
    if !kinds::manifest_kind(api, kind) {
        return Err(format!(
            "{} {} is not a namespaced kind a lab may create",
            quoted(api),
            quoted(kind)
        ));
    }
    match get(doc, &["metadata", "namespace"]) {
        None | Some(Value::Null) => {}
        Some(ns) if ns.as_str() == Some(namespace) => {}
        Some(_) => {
            return Err(format!(
                "{kind} sets metadata.namespace to another namespace than the tour's"
            ))
        }
    }
    if kind == "Service" && !matches!(get(doc, &["spec", "externalIPs"]), None | Some(Value::Null))
    {
        return Err("a Service with externalIPs can capture other traffic".into());
    }
    let template: &[&str] = match kind {
        "Pod" => &[],
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" => &["spec", "template"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template"],
        _ => return Ok(()),
    };
    let Some(pod) = get(doc, template) else {
        return Ok(());
    };
    check_pod(pod).map_err(|e| format!("{kind}: {e} (Pod Security \"baseline\")"))
}

fn has_tags_or_merges(v: &Value) -> bool {
    match v {
        Value::Tagged(_) => true,
        Value::Sequence(s) => s.iter().any(has_tags_or_merges),
        Value::Mapping(m) => m.iter().any(|(k, v)| {
            k.as_str() == Some("<<") || has_tags_or_merges(k) || has_tags_or_merges(v)
        }),
        _ => false,
    }
}

/// A pod (or pod template: `metadata` and `spec`) within `baseline`.
fn check_pod(pod: &Value) -> Result<(), String> {
    let spec = get(pod, &["spec"]).unwrap_or(&Value::Null);
    for host in ["hostNetwork", "hostPID", "hostIPC"] {
        if !off(spec, &[host]) {
            return Err(format!("spec.{host} must be false"));
        }
    }
    let volumes = spec.get("volumes").and_then(Value::as_sequence);
    if volumes
        .into_iter()
        .flatten()
        .any(|v| v.get("hostPath").is_some())
    {
        return Err("hostPath volumes are not allowed".into());
    }
    check_security_context(get(spec, &["securityContext"]), "spec.securityContext")?;
    let sysctls = get(spec, &["securityContext", "sysctls"]).and_then(Value::as_sequence);
    for s in sysctls.into_iter().flatten() {
        let name = text(s, &["name"]).unwrap_or_default();
        if !SAFE_SYSCTLS.contains(&name) {
            return Err(format!("sysctl {} is not allowed", quoted(name)));
        }
    }
    let annotations = get(pod, &["metadata", "annotations"]).and_then(Value::as_mapping);
    for (k, v) in annotations.into_iter().flatten() {
        let key = k.as_str().unwrap_or_default();
        let value = v.as_str().unwrap_or_default();
        let apparmor = key.starts_with("container.apparmor.security.beta.kubernetes.io/");
        if apparmor && value != "runtime/default" && !value.starts_with("localhost/") {
            return Err(format!("AppArmor profile {} is not allowed", quoted(value)));
        }
    }
    for list in ["containers", "initContainers", "ephemeralContainers"] {
        let items = spec.get(list).and_then(Value::as_sequence);
        for c in items.into_iter().flatten() {
            let name = text(c, &["name"]).unwrap_or_default();
            check_container(c).map_err(|e| format!("container {}: {e}", quoted(name)))?;
        }
    }
    Ok(())
}

fn check_container(c: &Value) -> Result<(), String> {
    let sc = get(c, &["securityContext"]);
    if let Some(sc) = sc {
        if !off(sc, &["privileged"]) {
            return Err("securityContext.privileged must be false".into());
        }
        let added = get(sc, &["capabilities", "add"]);
        let added = match added {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Sequence(s)) => s.iter().collect(),
            Some(_) => return Err("capabilities.add must be a list".into()),
        };
        for cap in added {
            let cap = cap.as_str().unwrap_or_default();
            if !BASELINE_CAPS.contains(&cap) {
                return Err(format!("capability {} is not allowed", quoted(cap)));
            }
        }
        match text(sc, &["procMount"]) {
            None | Some("Default") => {}
            Some(_) => return Err("securityContext.procMount must be Default".into()),
        }
    }
    check_security_context(sc, "securityContext")?;
    let ports = c.get("ports").and_then(Value::as_sequence);
    for p in ports.into_iter().flatten() {
        match p.get("hostPort") {
            None | Some(Value::Null) => {}
            Some(v) if v.as_u64() == Some(0) => {}
            Some(_) => return Err("hostPort is not allowed".into()),
        }
    }
    Ok(())
}

/// The parts pod- and container-level security contexts share.
fn check_security_context(sc: Option<&Value>, at: &str) -> Result<(), String> {
    let Some(sc) = sc else { return Ok(()) };
    if !off(sc, &["windowsOptions", "hostProcess"]) {
        return Err(format!("{at}.windowsOptions.hostProcess must be false"));
    }
    for profile in ["seccompProfile", "appArmorProfile"] {
        if text(sc, &[profile, "type"]) == Some("Unconfined") {
            return Err(format!("{at}.{profile}.type must not be Unconfined"));
        }
    }
    if let Some(se) = get(sc, &["seLinuxOptions"]) {
        let t = text(se, &["type"]).unwrap_or_default();
        let fixed = !off(se, &["user"]) || !off(se, &["role"]);
        if fixed || !(t.is_empty() || SELINUX_TYPES.contains(&t)) {
            return Err(format!("{at}.seLinuxOptions may set only an allowed type"));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "manifest_tests.rs"]
mod tests;
