//! Issue #22: `minik doctor` and `doctor --workshop` in Korean, every PASS/WARN/FAIL line of
//! every row's branches (fixture machines, then each fact changed to reach the branch), with
//! no English but commands, names and what other programs print, and every sentence and key
//! of every row with its Korean.

use std::collections::BTreeSet;

use super::fits::{plan, troubled, CASES};
use super::fixtures::environment;
use crate::doctor::workshop::{Machine, WorkshopReport};
use crate::i18n::leaks::english_words_but;
use crate::i18n::Lang;
use crate::platform::checks::kubectl::KubectlFacts;
use crate::platform::checks::ports::OwnedPort;
use crate::platform::checks::workshop::*;
use crate::platform::detect::{DesktopBackend, DesktopOs, Flavour};
use crate::platform::environment::{CgroupVersion, InotifyReading, InotifySource};
use crate::platform::proxy::ProxySource;
use crate::platform::*;

/// Names a rendered line may show as they are: Podman's `machine` and cgroup controllers
/// (`Delegate=cpu memory pids`).
const NAMES: &[&str] = &["machine", "cpu", "cpuset", "io", "memory", "pids"];

/// `env` with each fact changed in turn, so that every branch of every row is reached.
fn variants(env: &Environment) -> Vec<Environment> {
    let mut out = vec![env.clone()];
    let mut with = |f: &dyn Fn(&mut Environment)| {
        let mut e = env.clone();
        f(&mut e);
        out.push(e);
    };
    with(&|e| e.engine.desktop_version = Some("4.16.0".into()));
    with(&|e| e.engine.server_version = "19.03.1".into());
    with(&|e| e.engine.os_type = "windows".into());
    with(&|e| e.engine.os_type = String::new());
    with(&|e| e.engine.mem_total = 1 << 30);
    with(&|e| e.engine.mem_total = 5 << 30);
    with(&|e| e.engine.ncpu = 1);
    with(&|e| e.engine.ncpu = 3);
    with(&|e| e.remote = true);
    with(&|e| e.userns_remap = true);
    with(&|e| e.privileged_refused = Some(true));
    with(&|e| e.privileged_refused = Some(false));
    with(&|e| e.privileged_refused = None);
    with(&|e| {
        e.storage.driver = "vfs".into();
        e.rootless = !e.rootless;
    });
    with(&|e| e.storage.driver = "vfs".into());
    with(&|e| e.storage.driver = "btrfs".into());
    with(&|e| e.storage.driver = "fuse-overlayfs".into());
    with(&|e| {
        e.storage.containerd_snapshotter = true;
        e.storage.backing_fs = Some("extfs".into());
    });
    for v in [
        CgroupVersion::V1,
        CgroupVersion::Hybrid,
        CgroupVersion::Unknown,
    ] {
        with(&|e| {
            e.cgroup.version = v;
            e.cgroup.limits.cpus = false;
        });
    }
    with(&|e| {
        e.rootless = true;
        e.cgroup.limits.pids = false;
        e.cgroup.delegated = Some(vec!["memory".into()]);
    });
    with(&|e| {
        e.rootless = true;
        e.cgroup.limits.memory = false;
        e.cgroup.delegated = Some(vec![]);
    });
    with(&|e| {
        e.rootless = true;
        e.cgroup.version = CgroupVersion::V1;
    });
    with(&|e| {
        e.proxy.http_proxy = None;
        e.proxy.https_proxy = None;
        e.proxy.engine_proxy = Some("http://proxy.corp:3128".into());
    });
    with(&|e| {
        e.proxy.https_proxy = Some("http://proxy.corp:3128".into());
        e.proxy.no_proxy = None;
    });
    with(&|e| {
        e.proxy.https_proxy = Some("http://proxy.corp:3128".into());
        e.proxy.no_proxy = Some("localhost,127.0.0.1".into());
        e.proxy.source = ProxySource::DockerConfig {
            key: "default".into(),
        };
    });
    out.extend(kernel_variants(env));
    out.extend(host_variants(env));
    out
}

/// `env` on other hosts and engines: another architecture, Rosetta, an old Podman, a Docker
/// Desktop with a known bug, WSL 1 and an old WSL 2 kernel.
fn host_variants(env: &Environment) -> Vec<Environment> {
    let mut out = Vec::new();
    let mut with = |f: &dyn Fn(&mut Environment)| {
        let mut e = env.clone();
        f(&mut e);
        out.push(e);
    };
    with(&|e| e.engine.arch = Arch::Other("s390x".into()));
    with(&|e| {
        e.host_os = HostOs::Macos;
        e.host_arch = Arch::Amd64;
        e.engine.arch = Arch::Arm64;
        e.remote = false;
    });
    with(&|e| {
        e.flavour = Flavour::Podman {
            rootless: false,
            machine: false,
        };
        e.engine.server_version = "3.4.4".into();
    });
    with(&|e| {
        e.flavour = Flavour::DockerDesktop {
            os: DesktopOs::Mac,
            backend: DesktopBackend::Vm,
        };
        e.engine.desktop_version = Some("4.34.0".into());
    });
    with(&|e| {
        e.wsl = Some(crate::platform::host::Wsl {
            version: 1,
            distro: Some("Ubuntu".into()),
            systemd: false,
        });
        e.host_kernel = Some("4.4.0-19041-Microsoft".into());
    });
    with(&|e| {
        e.wsl = Some(crate::platform::host::Wsl {
            version: 2,
            distro: Some("Ubuntu".into()),
            systemd: true,
        });
        e.host_kernel = Some("5.10.16.3-microsoft-standard-WSL2".into());
    });
    out
}

/// `env` with each kernel-side fact changed in turn.
fn kernel_variants(env: &Environment) -> Vec<Environment> {
    let mut out = Vec::new();
    let mut with = |f: &dyn Fn(&mut Environment)| {
        let mut e = env.clone();
        f(&mut e);
        out.push(e);
    };
    with(&|e| e.inotify = None);
    for source in [InotifySource::Host, InotifySource::Engine] {
        with(&|e| {
            e.inotify = Some(InotifyReading {
                limits: InotifyLimits {
                    max_user_watches: 8192,
                    max_user_instances: 128,
                },
                source,
            })
        });
    }
    out
}

/// The workshop's facts in each of their branches.
fn facts_variants() -> Vec<WorkshopFacts> {
    let p = plan().ports;
    let base = troubled();
    let kubectl = |client: Option<&str>| KubectlFacts {
        client: client.map(String::from),
        server: "v1.35.0".parse().unwrap_or_else(|_| unreachable!()),
    };
    let mut out = vec![base.clone()];
    let mut with = |f: &dyn Fn(&mut WorkshopFacts)| {
        let mut x = base.clone();
        f(&mut x);
        out.push(x);
    };
    with(&|f| {
        f.disk = None;
        f.kubectl = Some(kubectl(None));
    });
    with(&|f| {
        if let Some(d) = f.disk.as_mut() {
            d.free_bytes = 5 << 30;
        }
        f.ports_in_use.clear();
        f.kubectl = Some(kubectl(Some("v1.34.2")));
    });
    with(&|f| {
        if let Some(d) = f.disk.as_mut() {
            d.free_bytes = 500 << 30;
        }
        f.ports_in_use.clear();
        f.ports_unknown.clear();
        f.kubectl = Some(kubectl(Some("v1.30.0")));
        f.vpn_interfaces = Some(vec![]);
    });
    with(&|f| {
        f.ports_in_use = vec![p[0].clone()];
        f.ports_owned = vec![OwnedPort {
            port: p[0].clone(),
            cluster: "lab".into(),
        }];
        f.kubectl = Some(kubectl(Some("devel")));
        f.vpn_interfaces = None;
    });
    with(&|f| {
        f.ports_in_use.clear();
        f.ports_unknown.clear();
        f.unprivileged_port_start = Some(1024);
        f.nameservers = Some(vec![]);
    });
    out
}

fn report(env: &Environment, checks: Vec<Check>) -> WorkshopReport {
    WorkshopReport {
        ready: !is_blocking(&checks),
        plan: plan(),
        machine: Machine {
            os: env.host_os,
            arch: "amd64".into(),
            runtime: env.flavour.label_msg(),
            engine: "unix:///var/run/docker.sock".into(),
            minik_version: "0.1.0",
        },
        checks,
    }
}

/// Every line of `text` reads as Korean, and every row's parts have Korean; what does not
/// goes into `problems`, once.
fn korean(text: &str, rows: &[Check], what: &str, problems: &mut BTreeSet<String>) {
    // The whole text, as a wrapped command or quote may go on over lines.
    let english = english_words_but(text, NAMES);
    if !english.is_empty() {
        problems.insert(format!("{what}: English {english:?} in\n{text}"));
    }
    for c in rows {
        let parts = [Some(&c.found), Some(&c.why), c.fix.as_ref()];
        for m in parts.into_iter().flatten() {
            for missing in m.untranslated() {
                problems.insert(format!("no Korean for {missing:?}"));
            }
        }
    }
}

#[test]
fn every_doctor_and_workshop_line_reads_in_korean() {
    let mut problems = BTreeSet::new();
    let mut rendered = 0;
    for case in CASES {
        let (_, _, env) = environment(case);
        for (i, env) in variants(&env).iter().enumerate() {
            for nodes in [1, 3] {
                let rows = checks(env, &Request::new(nodes));
                let text = crate::ui::doctor_text_at_in(&rows, 100, Lang::Ko);
                rendered += text.lines().count();
                korean(&text, &rows, &format!("doctor {case} #{i}"), &mut problems);
            }
            for (j, facts) in facts_variants().iter().enumerate() {
                let rows = workshop_checks(env, &plan(), facts);
                let r = report(env, rows.clone());
                let text = crate::ui::workshop_text_at_in(&r, 100, Lang::Ko);
                rendered += text.lines().count();
                korean(
                    &text,
                    &rows,
                    &format!("workshop {case} #{i}/{j}"),
                    &mut problems,
                );
            }
        }
    }
    assert!(rendered > 10_000, "only {rendered} lines rendered");
    let problems: Vec<String> = problems.into_iter().collect();
    assert!(
        problems.is_empty(),
        "{}\n{}",
        problems.len(),
        problems.join("\n")
    );
}
