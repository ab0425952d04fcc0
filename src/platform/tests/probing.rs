//! Probing well-known sockets when the chosen one is absent, and the "not reachable" text.

use std::os::unix::net::UnixListener;

use super::endpoint_store::Fake;
use crate::platform::*;

const HOME: &str = "/Users/ana";

#[test]
fn default_socket_missing_lists_running_engines_with_their_fix() {
    let f = Fake::new();
    // Colima has a stored context; OrbStack's socket is a real listening socket but no context.
    f.write(&format!("{HOME}/.colima/default/docker.sock"), "");
    let meta = r#"{"Name":"colima","Endpoints":{"docker":{"Host":"unix:///Users/ana/.colima/default/docker.sock"}}}"#;
    f.context(HOME, "colima", meta);
    let orb =
        HostFs::rooted(f.root()).map(std::path::Path::new("/Users/ana/.orbstack/run/docker.sock"));
    std::fs::create_dir_all(orb.parent().expect("parent")).expect("mkdir");
    let _listener = UnixListener::bind(&orb).expect("bind");

    let host = f.host(HostOs::Macos, &[("HOME", HOME)]);
    let r = resolve_endpoint(&host, &EndpointFlags::default()).expect("resolves");
    assert_eq!(r.endpoint.source, EndpointSource::Default);
    assert!(r.endpoint_missing(&host));
    let found: Vec<(&str, &str)> = r
        .alternatives
        .iter()
        .map(|c| (c.runtime.as_str(), c.fix.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "OrbStack",
                "export DOCKER_HOST=unix:///Users/ana/.orbstack/run/docker.sock"
            ),
            ("Colima (profile default)", "docker context use colima"),
        ]
    );
    assert_eq!(
        r.alternatives[1].endpoint.source,
        EndpointSource::Probed {
            runtime: "Colima (profile default)".into()
        }
    );

    let text = not_reachable_message(&r, &host, "connection error: No such file or directory");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "cannot reach the container engine at unix:///var/run/docker.sock: the socket does not exist"
    );
    assert!(lines.contains(&"  found OrbStack at unix:///Users/ana/.orbstack/run/docker.sock"));
    assert_eq!(
        lines.last().copied(),
        Some(
            "  fix: to use OrbStack: export DOCKER_HOST=unix:///Users/ana/.orbstack/run/docker.sock \
             (or another engine listed above)"
        )
    );
}

#[test]
fn a_stopped_desktop_context_still_finds_colima() {
    let f = Fake::new();
    f.write(
        &format!("{HOME}/.docker/config.json"),
        r#"{"currentContext":"desktop-linux"}"#,
    );
    let dd = r#"{"Name":"desktop-linux","Endpoints":{"docker":{"Host":"unix:///Users/ana/.docker/run/docker.sock"}}}"#;
    f.context(HOME, "desktop-linux", dd);
    f.write(&format!("{HOME}/.colima/work/docker.sock"), "");
    let host = f.host(HostOs::Macos, &[("HOME", HOME)]);
    let r = resolve_endpoint(&host, &EndpointFlags::default()).expect("resolves");
    assert_eq!(r.alternatives.len(), 1);
    assert_eq!(r.alternatives[0].runtime, "Colima (profile work)");
    assert_eq!(
        r.alternatives[0].fix, "export DOCKER_HOST=unix:///Users/ana/.colima/work/docker.sock",
        "no colima-work context is stored"
    );
}

#[test]
fn linux_rootless_and_podman_sockets() {
    let f = Fake::new();
    f.write("/run/user/1000/docker.sock", "");
    f.write("/run/user/1000/podman/podman.sock", "");
    f.write("/run/podman/podman.sock", "");
    let host = f.host(
        HostOs::Linux,
        &[("HOME", "/home/ana"), ("XDG_RUNTIME_DIR", "/run/user/1000")],
    );
    let r = resolve_endpoint(&host, &EndpointFlags::default()).expect("resolves");
    let names: Vec<&str> = r.alternatives.iter().map(|c| c.runtime.as_str()).collect();
    assert_eq!(
        names,
        ["rootless Docker", "Podman (rootless)", "Podman (rootful)"]
    );
    assert_eq!(
        r.alternatives[0].endpoint.host,
        "unix:///run/user/1000/docker.sock"
    );
}

#[test]
fn podman_machine_socket_on_macos() {
    let f = Fake::new();
    let tmp = "/var/folders/7k/T";
    f.write(&format!("{tmp}/podman/podman-machine-default-api.sock"), "");
    let host = f.host(HostOs::Macos, &[("HOME", HOME), ("TMPDIR", tmp)]);
    let r = resolve_endpoint(&host, &EndpointFlags::default()).expect("resolves");
    assert_eq!(r.alternatives.len(), 1);
    assert_eq!(
        r.alternatives[0].runtime,
        "Podman machine podman-machine-default"
    );
}

#[test]
fn no_probing_when_the_socket_is_there() {
    let f = Fake::new();
    f.write("/var/run/docker.sock", "");
    f.write("/run/user/1000/docker.sock", "");
    let host = f.host(
        HostOs::Linux,
        &[("HOME", "/home/ana"), ("XDG_RUNTIME_DIR", "/run/user/1000")],
    );
    let r = resolve_endpoint(&host, &EndpointFlags::default()).expect("resolves");
    assert!(r.alternatives.is_empty());
    assert!(!r.endpoint_missing(&host));
}

#[test]
fn not_reachable_fixes_by_cause() {
    let f = Fake::new();
    f.write("/var/run/docker.sock", "");
    let linux = f.host(HostOs::Linux, &[("HOME", "/home/ana")]);
    let r = resolve_endpoint(&linux, &EndpointFlags::default()).expect("resolves");
    let n = not_reachable(
        &r,
        &linux,
        "permission denied while trying to connect to the Docker daemon socket",
    );
    assert!(n
        .headline
        .ends_with("permission denied while trying to connect to the Docker daemon socket"));
    assert!(n.fix.contains("usermod -aG docker"));
    assert!(n.looked.iter().any(|l| l == "DOCKER_HOST is not set"));

    let n = not_reachable(&r, &linux, "Connection refused (os error 111)");
    assert!(n.fix.contains("systemctl start docker"));

    let mac = Fake::new().host(HostOs::Macos, &[("HOME", HOME)]);
    let r = resolve_endpoint(&mac, &EndpointFlags::default()).expect("resolves");
    let n = not_reachable(&r, &mac, "No such file or directory");
    assert!(n.fix.contains("open Docker Desktop"));
    assert!(n
        .looked
        .iter()
        .any(|l| l.starts_with("no other engine socket found")));

    let remote = Fake::new().host(HostOs::Linux, &[("DOCKER_HOST", "tcp://build.lan:2376")]);
    let r = resolve_endpoint(&remote, &EndpointFlags::default()).expect("resolves");
    let n = not_reachable(&r, &remote, "operation timed out");
    assert!(n
        .fix
        .starts_with("check that the engine at tcp://build.lan:2376 is running"));

    let rows = checks_unreachable(&r, &remote, "operation timed out");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, Status::Fail);
    assert!(is_blocking(&rows));
}

#[test]
fn ssh_engines_get_the_fix_for_what_ssh_said() {
    let host = Fake::new().host(HostOs::Linux, &[("DOCKER_HOST", "ssh://ana@box.lan")]);
    let r = resolve_endpoint(&host, &EndpointFlags::default()).expect("resolves");
    let cases = [
        (
            "ssh authentication to ana@box.lan failed: Permission denied (publickey).",
            "ssh-agent",
        ),
        (
            "ana@box.lan has no docker command: sh: 1: docker: not found",
            "install Docker",
        ),
        (
            "ssh could not connect to ana@box.lan: Connection refused",
            "ssh server runs there",
        ),
        (
            "the ssh client is not installed (install OpenSSH)",
            "OpenSSH client",
        ),
    ];
    for (error, fix) in cases {
        let n = not_reachable(&r, &host, error);
        assert!(n.headline.ends_with(error), "{}", n.headline);
        assert!(n.fix.contains(fix), "{error}: {}", n.fix);
    }
}

/// Issue #25: ssh takes the port as `-p`, so the command the hint offers to try must too.
#[test]
fn the_ssh_hint_is_a_command_ssh_accepts() {
    let url = "ssh://root@127.0.0.1:35475";
    let host = Fake::new().host(HostOs::Linux, &[("DOCKER_HOST", url)]);
    let r = resolve_endpoint(&host, &EndpointFlags::default()).expect("resolves");
    for error in [
        "ssh authentication to root@127.0.0.1 failed: Permission denied (publickey).",
        "`docker system dial-stdio` failed on root@127.0.0.1: Cannot connect",
    ] {
        let fix = not_reachable(&r, &host, error).fix;
        assert!(
            fix.contains("`ssh -p 35475 root@127.0.0.1 docker version`"),
            "{fix}"
        );
        assert!(!fix.contains("127.0.0.1:35475"), "{fix}");
    }
    let host = Fake::new().host(HostOs::Linux, &[("DOCKER_HOST", "ssh://box")]);
    let r = resolve_endpoint(&host, &EndpointFlags::default()).expect("resolves");
    let fix = not_reachable(&r, &host, "ssh authentication to box failed").fix;
    assert!(fix.contains("`ssh box docker version`"), "{fix}");
}
