//! Endpoint rules and the context store, on a fake HOME in a temp folder.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::platform::*;

pub(super) struct Fake {
    pub(crate) dir: TempDir,
}

impl Fake {
    pub(super) fn new() -> Self {
        Fake {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub(super) fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file at a host path (under the fake root).
    pub(super) fn write(&self, host_path: &str, content: &str) -> PathBuf {
        let p = HostFs::rooted(self.root()).map(Path::new(host_path));
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, content).expect("write");
        p
    }

    pub(super) fn context(&self, home: &str, name: &str, meta: &str) {
        let hash = context_dir_name(name);
        self.write(
            &format!("{home}/.docker/contexts/meta/{hash}/meta.json"),
            meta,
        );
    }

    pub(super) fn host(&self, os: HostOs, env: &[(&str, &str)]) -> HostFacts {
        HostFacts {
            os,
            arch: Arch::Amd64,
            kernel_release: None,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            fs: HostFs::rooted(self.root()),
            cgroup: None,
            inotify: None,
            uid: Some(1000),
        }
    }

    /// A Linux host whose HOME is [`HOME`], with `env` set as well.
    pub(super) fn linux(&self, env: &[(&str, &str)]) -> HostFacts {
        let mut all = vec![("HOME", HOME)];
        all.extend_from_slice(env);
        self.host(HostOs::Linux, &all)
    }
}

fn meta(name: &str, host: &str, skip: bool) -> String {
    format!(
        r#"{{"Name":"{name}","Metadata":{{"Description":""}},"Endpoints":{{"docker":{{"Host":"{host}","SkipTLSVerify":{skip}}}}}}}"#
    )
}

const HOME: &str = "/home/ana";

fn with_contexts() -> Fake {
    let f = Fake::new();
    f.write(
        &format!("{HOME}/.docker/config.json"),
        r#"{"auths":{},"currentContext":"colima"}"#,
    );
    f.context(
        HOME,
        "colima",
        &meta(
            "colima",
            "unix:///home/ana/.colima/default/docker.sock",
            false,
        ),
    );
    f.context(
        HOME,
        "remote",
        &meta("remote", "tcp://build.lan:2376", true),
    );
    f
}

fn resolve(host: &HostFacts, flags: EndpointFlags) -> Resolution {
    resolve_endpoint(host, &flags).expect("resolves")
}

#[test]
fn current_context_is_used_when_nothing_else_is_set() {
    let f = with_contexts();
    let r = resolve(&f.linux(&[]), EndpointFlags::default());
    assert_eq!(r.endpoint.source.context_name(), Some("colima"));
    assert_eq!(
        r.endpoint.kind,
        EndpointKind::Unix {
            path: "/home/ana/.colima/default/docker.sock".into()
        }
    );
}

#[test]
fn docker_host_beats_docker_context_and_current_context() {
    let f = with_contexts();
    let host = f.linux(&[
        ("DOCKER_HOST", "tcp://10.0.0.9:2375"),
        ("DOCKER_CONTEXT", "remote"),
    ]);
    let r = resolve(&host, EndpointFlags::default());
    assert_eq!(r.endpoint.source, EndpointSource::DockerHostEnv);
    assert_eq!(r.endpoint.host, "tcp://10.0.0.9:2375");
    assert!(!r.endpoint.is_local());
}

#[test]
fn docker_context_beats_current_context() {
    let f = with_contexts();
    let host = f.linux(&[("DOCKER_CONTEXT", "remote")]);
    let r = resolve(&host, EndpointFlags::default());
    assert_eq!(
        r.endpoint.source,
        EndpointSource::DockerContextEnv {
            name: "remote".into()
        }
    );
}

#[test]
fn context_flag_beats_docker_host_and_host_flag_beats_docker_context() {
    let f = with_contexts();
    let host = f.linux(&[
        ("DOCKER_HOST", "tcp://10.0.0.9:2375"),
        ("DOCKER_CONTEXT", "remote"),
    ]);
    let flags = EndpointFlags {
        context: Some("colima".into()),
        host: None,
    };
    let r = resolve(&host, flags);
    assert_eq!(
        r.endpoint.source,
        EndpointSource::ContextFlag {
            name: "colima".into()
        }
    );

    let flags = EndpointFlags {
        host: Some("unix:///tmp/x.sock".into()),
        context: None,
    };
    let r = resolve(&host, flags);
    assert_eq!(r.endpoint.source, EndpointSource::HostFlag);
    assert_eq!(r.endpoint.host, "unix:///tmp/x.sock");

    let both = EndpointFlags {
        host: Some("unix:///tmp/x.sock".into()),
        context: Some("colima".into()),
    };
    assert_eq!(resolve_endpoint(&host, &both), Err(EndpointError::Conflict));
}

#[test]
fn a_missing_context_is_a_clear_error() {
    let f = with_contexts();
    let host = f.linux(&[("DOCKER_CONTEXT", "desktop-linux")]);
    let err = resolve_endpoint(&host, &EndpointFlags::default()).expect_err("missing");
    let text = err.to_string();
    assert!(matches!(err, EndpointError::ContextNotFound { .. }));
    assert!(
        text.starts_with("docker context \"desktop-linux\" (from DOCKER_CONTEXT) does not exist"),
        "{text}"
    );
    assert!(text.contains(&context_dir_name("desktop-linux")), "{text}");
    assert!(
        text.contains("docker context ls") && text.ends_with("or unset DOCKER_CONTEXT"),
        "{text}"
    );
}

#[test]
fn tls_context_with_skip_verify() {
    let f = with_contexts();
    let tls = format!(
        "{HOME}/.docker/contexts/tls/{}/docker",
        context_dir_name("remote")
    );
    for file in ["ca.pem", "cert.pem", "key.pem"] {
        f.write(&format!("{tls}/{file}"), "-----BEGIN-----");
    }
    let host = f.linux(&[("DOCKER_CONTEXT", "remote")]);
    let r = resolve(&host, EndpointFlags::default());
    let files = TlsFiles {
        ca: Some(PathBuf::from(format!("{tls}/ca.pem"))),
        cert: Some(PathBuf::from(format!("{tls}/cert.pem"))),
        key: Some(PathBuf::from(format!("{tls}/key.pem"))),
    };
    assert_eq!(
        r.endpoint.kind,
        EndpointKind::Tcp {
            host: "build.lan:2376".into(),
            tls: Some(files),
            skip_verify: true
        }
    );
}

#[test]
fn meta_keys_are_matched_case_insensitively() {
    let f = Fake::new();
    f.context(
        HOME,
        "odd",
        r#"{"name":"odd","endpoints":{"docker":{"host":"tcp://h:1234","skipTLSVerify":true}}}"#,
    );
    let host = f.linux(&[("DOCKER_CONTEXT", "odd")]);
    let r = resolve(&host, EndpointFlags::default());
    assert_eq!(
        r.endpoint.kind,
        EndpointKind::Tcp {
            host: "h:1234".into(),
            tls: None,
            skip_verify: true
        }
    );
}

#[test]
fn docker_tls_verify_and_cert_path_for_docker_host() {
    let f = Fake::new();
    f.write("/certs/ca.pem", "x");
    f.write("/certs/cert.pem", "x");
    f.write("/certs/key.pem", "x");
    let host = f.linux(&[
        ("DOCKER_HOST", "tcp://build.lan"),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", "/certs"),
    ]);
    let r = resolve(&host, EndpointFlags::default());
    let EndpointKind::Tcp {
        host: h,
        tls,
        skip_verify,
    } = r.endpoint.kind
    else {
        panic!("tcp expected");
    };
    assert_eq!(h, "build.lan:2376");
    assert!(!skip_verify);
    assert_eq!(
        tls.and_then(|t| t.key),
        Some(PathBuf::from("/certs/key.pem"))
    );

    // DOCKER_CERT_PATH without DOCKER_TLS_VERIFY: TLS, but the server certificate is not checked.
    let host = f.host(
        HostOs::Linux,
        &[
            ("DOCKER_HOST", "tcp://build.lan:2376"),
            ("DOCKER_CERT_PATH", "/certs"),
        ],
    );
    let r = resolve(&host, EndpointFlags::default());
    assert!(matches!(
        r.endpoint.kind,
        EndpointKind::Tcp {
            skip_verify: true,
            tls: Some(_),
            ..
        }
    ));
}

#[test]
fn docker_config_moves_the_config_folder() {
    let f = Fake::new();
    f.write("/etc/dc/config.json", r#"{"currentContext":"colima"}"#);
    let dir_meta = format!(
        "/etc/dc/contexts/meta/{}/meta.json",
        context_dir_name("colima")
    );
    f.write(&dir_meta, &meta("colima", "unix:///x/colima.sock", false));
    let host = f.linux(&[("DOCKER_CONFIG", "/etc/dc")]);
    let r = resolve(&host, EndpointFlags::default());
    assert_eq!(r.endpoint.host, "unix:///x/colima.sock");
}

#[test]
fn broken_config_json_is_a_warning_not_an_error() {
    let f = Fake::new();
    f.write(&format!("{HOME}/.docker/config.json"), "{not json");
    let r = resolve(&f.linux(&[]), EndpointFlags::default());
    assert_eq!(r.endpoint.source, EndpointSource::Default);
    assert_eq!(r.warnings.len(), 1);
    assert!(r.warnings[0].contains("config.json"));
}

#[test]
fn the_default_context_and_the_windows_default() {
    let f = with_contexts();
    let host = f.linux(&[("DOCKER_CONTEXT", "default")]);
    let r = resolve(&host, EndpointFlags::default());
    assert_eq!(r.endpoint.host, "unix:///var/run/docker.sock");
    assert_eq!(
        r.endpoint.source,
        EndpointSource::DockerContextEnv {
            name: "default".into()
        }
    );

    let r = resolve(
        &Fake::new().host(HostOs::Windows, &[]),
        EndpointFlags::default(),
    );
    assert_eq!(r.endpoint.host, "npipe:////./pipe/docker_engine");
    assert!(r.alternatives.is_empty());
}

#[test]
fn a_context_without_a_docker_endpoint() {
    let f = Fake::new();
    f.context(HOME, "k8s-only", r#"{"Name":"k8s-only","Endpoints":{}}"#);
    let host = f.linux(&[("DOCKER_CONTEXT", "k8s-only")]);
    let err = resolve_endpoint(&host, &EndpointFlags::default()).expect_err("no endpoint");
    assert!(matches!(err, EndpointError::NoDockerEndpoint { .. }));
}
