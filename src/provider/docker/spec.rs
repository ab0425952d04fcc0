//! NodeSpec → Docker's container-create body. Pure, so the exact settings are golden-tested.

use std::collections::HashMap;

use bollard::models::{
    ContainerCreateBody, DeviceMapping, EndpointSettings, HostConfig, HostConfigCgroupnsModeEnum,
    NetworkingConfig, PortBinding, RestartPolicy, RestartPolicyNameEnum,
};

use crate::provider::{NodeSpec, Privileges, LABEL_CLUSTER, LABEL_ROLE};

/// Capabilities dropped in the explicit-capabilities fallback: CAP_SYS_RESOURCE is the one an
/// engine without it in its own bounding set cannot grant ("unable to apply caps").
const FALLBACK_CAP_DROP: &[&str] = &["SYS_RESOURCE"];

pub(crate) fn container_body(spec: &NodeSpec) -> ContainerCreateBody {
    let mut labels: HashMap<String, String> = spec
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    // A container of no cluster (the node-image build's scratch container) carries no
    // ownership labels: an image committed from it would hand them to every container made
    // from that image, and a cluster nobody created would show up in `minik get clusters`.
    if !spec.cluster.is_empty() {
        labels.insert(LABEL_CLUSTER.into(), spec.cluster.clone());
        labels.insert(LABEL_ROLE.into(), spec.role.as_str().into());
    }

    let env: Vec<String> = spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect();

    let (port_bindings, exposed) = port_bindings(spec);

    let mut binds: Vec<String> = Vec::new();
    let mut host = HostConfig {
        // The node's name is its DNS name on the network and its Kubernetes node name.
        network_mode: Some(spec.network.clone()),
        // Restart after a daemon or host reboot, but don't loop on a node that can't boot.
        restart_policy: Some(RestartPolicy {
            name: Some(RestartPolicyNameEnum::ON_FAILURE),
            maximum_retry_count: Some(1),
        }),
        // systemd must be PID 1, whatever daemon.json says about "init"; other containers get
        // the engine's tiny init so that their children are reaped.
        init: Some(!spec.systemd),
        port_bindings: (!port_bindings.is_empty()).then_some(port_bindings),
        sysctls: (!spec.sysctls.is_empty()).then(|| spec.sysctls.clone().into_iter().collect()),
        ..Default::default()
    };

    if spec.systemd {
        systemd_settings(&mut host, &mut binds);
    }
    apply_privileges(&mut host, spec.privileges);

    binds.extend(spec.mounts.iter().map(mount_bind));
    if !spec.devices.is_empty() {
        let devs = host.devices.get_or_insert_with(Vec::new);
        for d in &spec.devices {
            if !devs.iter().any(|x| x.path_on_host.as_deref() == Some(d)) {
                devs.push(device(d));
            }
        }
    }
    if spec.userns_host {
        // Under userns-remap the node must share the host's user namespace to be "root".
        host.userns_mode = Some("host".into());
    }
    host.binds = (!binds.is_empty()).then_some(binds);

    ContainerCreateBody {
        image: Some(spec.image.clone()),
        hostname: Some(spec.name.clone()),
        labels: Some(labels),
        env: (!env.is_empty()).then_some(env),
        // A TTY so that systemd writes its boot status to the log minik waits on.
        tty: Some(spec.systemd),
        entrypoint: spec.entrypoint.clone(),
        cmd: spec.command.clone(),
        // Pods, images and logs live on a volume, not on the container's overlay filesystem.
        volumes: spec.systemd.then(|| vec!["/var".to_string()]),
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        host_config: Some(host),
        networking_config: Some(NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                spec.network.clone(),
                EndpointSettings::default(),
            )])),
        }),
        ..Default::default()
    }
}

fn device(path: &str) -> DeviceMapping {
    DeviceMapping {
        path_on_host: Some(path.to_string()),
        path_in_container: Some(path.to_string()),
        cgroup_permissions: Some("rwm".to_string()),
    }
}

/// Docker's port bindings and exposed ports for the spec's published ports.
#[allow(clippy::type_complexity)]
fn port_bindings(spec: &NodeSpec) -> (HashMap<String, Option<Vec<PortBinding>>>, Vec<String>) {
    let mut port_bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
    let mut exposed = Vec::new();
    for p in &spec.ports {
        let key = format!("{}/{}", p.container_port, p.protocol);
        exposed.push(key.clone());
        port_bindings
            .entry(key)
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(PortBinding {
                host_ip: Some(p.listen_address.clone()),
                host_port: Some(p.host_port.to_string()),
            });
    }
    (port_bindings, exposed)
}

/// What a node running systemd as PID 1 needs from its container.
fn systemd_settings(host: &mut HostConfig, binds: &mut Vec<String>) {
    // systemd wants a writable /run and /tmp that are not on the image's overlay.
    host.tmpfs = Some(HashMap::from([
        ("/tmp".to_string(), String::new()),
        ("/run".to_string(), String::new()),
    ]));
    // Modules the kubelet and kube-proxy probe for.
    binds.push("/lib/modules:/lib/modules:ro".into());
    // A private cgroup namespace: the node sees its own cgroup as the root, which is what
    // lets its systemd and the entrypoint re-mount the hierarchies it owns.
    host.cgroupns_mode = Some(HostConfigCgroupnsModeEnum::PRIVATE);
    // No seccomp/AppArmor filter: nested runc, mounts and iptables need the raw syscalls.
    host.security_opt = Some(vec![
        "seccomp=unconfined".to_string(),
        "apparmor=unconfined".to_string(),
    ]);
}

fn apply_privileges(host: &mut HostConfig, privileges: Privileges) {
    match privileges {
        Privileges::Privileged => host.privileged = Some(true),
        Privileges::ExplicitCapabilities => {
            // What --privileged grants, spelled out: every capability the engine can give,
            // every device, and /proc and /sys without masked or read-only paths
            // (the API form of `--security-opt systempaths=unconfined`).
            host.cap_add = Some(vec!["ALL".to_string()]);
            host.cap_drop = Some(FALLBACK_CAP_DROP.iter().map(|s| s.to_string()).collect());
            host.device_cgroup_rules = Some(vec!["a *:* rwm".to_string()]);
            host.masked_paths = Some(Vec::new());
            host.readonly_paths = Some(Vec::new());
            let mut devices = vec!["/dev/fuse".to_string()];
            devices.retain(|d| std::path::Path::new(d).exists());
            host.devices = Some(devices.iter().map(|d| device(d)).collect());
        }
        Privileges::None => {}
    }
}

/// `HOST:CONTAINER:OPTIONS` for one mount.
fn mount_bind(m: &crate::provider::BindMount) -> String {
    let mut opts = vec![if m.read_only { "ro" } else { "rw" }.to_string()];
    if m.selinux_relabel {
        opts.push("Z".into());
    }
    if let Some(p) = &m.propagation {
        opts.push(p.clone());
    }
    format!("{}:{}:{}", m.host_path, m.container_path, opts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{NodeRole, PortMapping};
    use std::collections::BTreeMap;

    fn spec(privileges: Privileges) -> NodeSpec {
        NodeSpec {
            name: "demo-control-plane".into(),
            cluster: "demo".into(),
            role: NodeRole::ControlPlane,
            image: "minik/node:test".into(),
            network: "minik".into(),
            privileges,
            systemd: true,
            env: vec![(
                "KUBECONFIG".into(),
                crate::kubeconfig::ADMIN_CONF_PATH.into(),
            )],
            ports: vec![PortMapping {
                listen_address: "127.0.0.1".into(),
                host_port: 40123,
                container_port: 6443,
                protocol: "tcp".into(),
            }],
            mounts: vec![],
            devices: vec![],
            userns_host: false,
            entrypoint: None,
            command: None,
            labels: BTreeMap::new(),
            sysctls: BTreeMap::new(),
        }
    }

    #[test]
    fn sysctls_reach_the_engine_only_when_asked_for() {
        let plain = container_body(&spec(Privileges::Privileged));
        assert_eq!(plain.host_config.unwrap().sysctls, None);
        let mut s = spec(Privileges::Privileged);
        s.sysctls = BTreeMap::from([("net.ipv6.conf.all.forwarding".into(), "1".into())]);
        let host = container_body(&s).host_config.unwrap();
        let sysctls = host.sysctls.unwrap();
        assert_eq!(
            sysctls
                .get("net.ipv6.conf.all.forwarding")
                .map(String::as_str),
            Some("1")
        );
    }

    /// Normalise the parts that depend on the host (which devices exist) and sort maps.
    fn golden_json(body: &ContainerCreateBody) -> String {
        let mut v = serde_json::to_value(body).unwrap();
        if let Some(h) = v.get_mut("HostConfig") {
            h.as_object_mut().unwrap().remove("Devices");
        }
        serde_json::to_string_pretty(&sort(v)).unwrap() + "\n"
    }

    fn sort(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let sorted: BTreeMap<_, _> = m.into_iter().map(|(k, v)| (k, sort(v))).collect();
                serde_json::Value::Object(sorted.into_iter().collect())
            }
            other => other,
        }
    }

    fn check_golden(name: &str, actual: &str) {
        let path = format!(
            "{}/tests/golden/provider/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        if std::env::var_os("MINIK_UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(std::path::Path::new(&path).parent().unwrap()).unwrap();
            std::fs::write(&path, actual).unwrap();
        }
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("missing {path}; run with MINIK_UPDATE_GOLDEN=1"));
        pretty_assertions::assert_eq!(expected, actual, "golden file {path}");
    }

    #[test]
    fn privileged_node_matches_golden() {
        check_golden(
            "node-privileged.json",
            &golden_json(&container_body(&spec(Privileges::Privileged))),
        );
    }

    #[test]
    fn explicit_capabilities_node_matches_golden() {
        let body = container_body(&spec(Privileges::ExplicitCapabilities));
        check_golden("node-explicit-caps.json", &golden_json(&body));
        let host = body.host_config.unwrap();
        assert_eq!(host.privileged, None);
        assert_eq!(host.cap_drop.unwrap(), vec!["SYS_RESOURCE"]);
    }

    #[test]
    fn load_balancer_is_an_ordinary_container() {
        let mut s = spec(Privileges::None);
        s.systemd = false;
        s.role = NodeRole::ExternalLoadBalancer;
        let body = container_body(&s);
        let host = body.host_config.as_ref().unwrap();
        assert_eq!(host.privileged, None);
        assert_eq!(host.tmpfs, None);
        assert_eq!(body.volumes, None);
        assert_eq!(
            body.labels.unwrap()["io.minik.role"],
            "external-load-balancer"
        );
    }

    #[test]
    fn mounts_carry_propagation_and_relabel() {
        let mut s = spec(Privileges::Privileged);
        s.mounts.push(crate::provider::BindMount {
            host_path: "/data".into(),
            container_path: "/mnt/data".into(),
            read_only: true,
            selinux_relabel: true,
            propagation: Some("rslave".into()),
        });
        let binds = container_body(&s).host_config.unwrap().binds.unwrap();
        assert!(
            binds.contains(&"/data:/mnt/data:ro,Z,rslave".to_string()),
            "{binds:?}"
        );
    }
}
