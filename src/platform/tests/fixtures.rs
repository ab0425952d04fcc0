//! Loads a fixture case: `info.json`, optional `version.json`, `host.json` (OS, arch, kernel
//! release, env, uid, `/proc/self/mounts` text, delegated controllers, inotify limits, and what
//! the provider would measure: bridge MTU, privileged refusal) and `root/` as the fake `/`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;

use crate::platform::{
    resolve_endpoint, Arch, CgroupProbe, EndpointFlags, Environment, HostFacts, HostFs, HostOs,
    InotifyLimits, Resolution,
};

#[derive(Deserialize, Clone, Copy)]
struct InotifyJson {
    max_user_watches: u64,
    max_user_instances: u64,
}

impl From<InotifyJson> for InotifyLimits {
    fn from(i: InotifyJson) -> Self {
        InotifyLimits {
            max_user_watches: i.max_user_watches,
            max_user_instances: i.max_user_instances,
        }
    }
}

#[derive(Deserialize, Default)]
struct EngineJson {
    bridge_mtu: Option<u32>,
    privileged_refused: Option<bool>,
    inotify: Option<InotifyJson>,
}

#[derive(Deserialize)]
struct HostJson {
    os: String,
    arch: String,
    kernel_release: Option<String>,
    env: BTreeMap<String, String>,
    uid: Option<u32>,
    mounts: Option<String>,
    delegated: Option<String>,
    inotify: Option<InotifyJson>,
    #[serde(default)]
    engine: EngineJson,
}

pub(super) struct Case {
    pub(crate) info: Value,
    pub(crate) version: Option<Value>,
    pub(crate) host: HostFacts,
    engine: EngineJson,
}

pub(super) fn dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/platform")
        .join(name)
}

fn read_json(path: PathBuf) -> Option<Value> {
    let text = std::fs::read_to_string(&path).ok()?;
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

pub(super) fn load(name: &str) -> Case {
    let d = dir(name);
    let info = read_json(d.join("info.json")).expect("info.json");
    let version = read_json(d.join("version.json"));
    let host_json: HostJson =
        serde_json::from_value(read_json(d.join("host.json")).expect("host.json"))
            .expect("host.json shape");
    let cgroup = host_json.mounts.as_deref().map(|m| {
        let mut probe = CgroupProbe::from_mounts(m);
        probe.delegated = host_json
            .delegated
            .as_deref()
            .map(|s| s.split_whitespace().map(str::to_string).collect());
        probe
    });
    let host = HostFacts {
        os: HostOs::parse(&host_json.os),
        arch: Arch::parse(&host_json.arch),
        kernel_release: host_json.kernel_release,
        env: host_json.env,
        fs: HostFs::rooted(d.join("root")),
        cgroup,
        inotify: host_json.inotify.map(Into::into),
        uid: host_json.uid,
    };
    Case {
        info,
        version,
        host,
        engine: host_json.engine,
    }
}

/// Resolves the endpoint on the fake machine, builds the environment and fills in what the
/// provider would measure.
pub(super) fn environment(name: &str) -> (Case, Resolution, Environment) {
    let case = load(name);
    let res = resolve_endpoint(&case.host, &EndpointFlags::default()).expect("endpoint");
    let mut env = Environment::build(&case.info, case.version.as_ref(), &res.endpoint, &case.host)
        .expect("environment");
    env.bridge_mtu = case.engine.bridge_mtu;
    env.privileged_refused = case.engine.privileged_refused;
    if let Some(i) = case.engine.inotify {
        env.set_engine_inotify(i.into());
    }
    (case, res, env)
}

/// The check with this id.
pub(super) fn check<'a>(
    rows: &'a [crate::platform::Check],
    id: &str,
) -> &'a crate::platform::Check {
    rows.iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}
