//! Issue 11's reproducers, run against the minik binary: hostile or malformed input ends in a
//! clear exit-2 error within a second of CPU and 200 MB, never a crash, a hang or a flood; input
//! kind accepts gets past config checks; names, flags and -H URLs are refused before the engine
//! is contacted; connection failures keep the operating system's reason and say it once.
//! The engine is pointed at a socket that doesn't exist (`-H unix:///…`), so no test here needs
//! Docker, and exit 3 ("engine unreachable") proves the input itself was accepted.
#![cfg(unix)]

use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const NOWHERE: &str = "unix:///nonexistent/minik-test.sock";

/// One run of minik and what it cost: its own CPU time and peak resident size, read from the
/// kernel's accounting of that one process (wait4), so other tests' processes and a busy
/// machine's scheduling don't count (wall time on two loaded cores does).
struct Run {
    out: Output,
    cpu: Duration,
    max_rss_mb: u64,
}

impl Run {
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    fn code(&self) -> Option<i32> {
        self.out.status.code()
    }
}

fn run_with(args: &[&str], setup: impl FnOnce(&mut Command)) -> Run {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minik"));
    cmd.args(args)
        .env("HOME", home.path())
        .env("KUBECONFIG", home.path().join("config"))
        .env("CI", "true")
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env_remove("MINIK_CLUSTER_NAME")
        .stdin(Stdio::null());
    setup(&mut cmd);
    #[allow(clippy::zombie_processes)] // reaped by wait4 below, which std's wait can't replace
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        stdout.read_to_end(&mut v).map(|_| v)
    });
    let mut stderr = Vec::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_end(&mut stderr)
        .unwrap();
    let stdout = reader.join().unwrap().unwrap();
    let (status, usage) = wait4(child.id());
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Run {
        out: Output {
            status,
            stdout,
            stderr,
        },
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        max_rss_mb: usage.ru_maxrss as u64 / 1024,
    }
}

/// Reaps `pid` and returns its exit status and resource usage.
fn wait4(pid: u32) -> (std::process::ExitStatus, libc::rusage) {
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 writes only the status and the struct it is given; pid is our own child,
    // not yet waited for (std's Child never waits unless asked).
    let rc = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(
        rc,
        pid as libc::pid_t,
        "wait4: {}",
        std::io::Error::last_os_error()
    );
    (std::process::ExitStatus::from_raw(status), usage)
}

fn run(args: &[&str]) -> Run {
    run_with(args, |_| {})
}

/// Exit 2, fast, small, one clear first line containing `want`, no control characters.
fn refused(r: &Run, want: &str) {
    let err = r.stderr();
    assert_eq!(r.code(), Some(2), "{err}");
    assert!(err.starts_with("error: "), "{err}");
    // Wrapped to the terminal's width: compared with line breaks as spaces.
    assert!(
        crate::common::squashed(&err).contains(want),
        "want {want:?} in:\n{err}"
    );
    assert!(r.cpu < Duration::from_secs(1), "{:?} of CPU", r.cpu);
    assert!(r.max_rss_mb < 200, "{} MB", r.max_rss_mb);
    assert!(err.len() < 4096, "{} bytes of stderr", err.len());
    assert!(!err.contains('\x1b'), "escape sequence echoed: {err:?}");
}

fn config_file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_string()
}

const HEAD: &str = "apiVersion: kind.x-k8s.io/v1alpha4\nkind: Cluster\n";

#[test]
fn hostile_configs_and_counts_are_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let deep = config_file(
        &dir,
        "deep.yaml",
        format!("{HEAD}nodes:\n{}x\n", "- ".repeat(100_000)).as_bytes(),
    );
    refused(
        &run(&["create", "-H", NOWHERE, "--config", &deep]),
        "nested more than 64",
    );

    let mut big = format!("{HEAD}name: ").into_bytes();
    big.resize(50 << 20, b'a');
    let big = config_file(&dir, "big.yaml", &big);
    refused(
        &run(&["create", "-H", NOWHERE, "--config", &big]),
        "larger than 1 MiB",
    );
    refused(
        &run(&["create", "-H", NOWHERE, "--config", "/dev/zero"]),
        "larger than 1 MiB",
    );

    for n in ["4294967295", "99999", "101"] {
        refused(
            &run(&["create", "-H", NOWHERE, "--nodes", n]),
            "the most minik makes",
        );
    }
    refused(
        &run(&["create", "-H", NOWHERE, "--control-planes", "500"]),
        "--control-planes 500",
    );
    let many = config_file(
        &dir,
        "many.yaml",
        format!("{HEAD}nodes:\n{}", "- role: worker\n".repeat(5000)).as_bytes(),
    );
    refused(
        &run(&["create", "-H", NOWHERE, "--config", &many]),
        "5000 nodes",
    );

    let list = config_file(&dir, "list.yaml", b"apiVersion: [a, b]\nkind: Cluster\n");
    refused(
        &run(&["create", "-H", NOWHERE, "--config", &list]),
        "apiVersion must be text, found a list",
    );

    // Echoed values: escapes and newlines shown escaped, a long value cut.
    let esc = config_file(
        &dir,
        "esc.yaml",
        format!("{HEAD}name: \"\\e]0;pwned\\a\\e[31mred\\nline\"\n").as_bytes(),
    );
    let r = run(&["create", "-H", NOWHERE, "--config", &esc]);
    refused(&r, "\\u{1b}[31mred\\nline");
    assert!(!r.stderr().contains('\x07'));
    let long = config_file(
        &dir,
        "long.yaml",
        format!("{HEAD}name: {}\n", "n".repeat(900_000)).as_bytes(),
    );
    refused(
        &run(&["create", "-H", NOWHERE, "--config", &long]),
        "more bytes)",
    );
}

#[test]
fn what_kind_reads_gets_past_the_config_checks() {
    let dir = tempfile::tempdir().unwrap();
    let merge = format!(
        "{HEAD}nodes:\n- &base\n  role: control-plane\n  labels: {{a: b}}\n- <<: *base\n  role: worker\n"
    );
    let empty = format!(
        "{HEAD}name: \"\"\nnetworking:\n  ipFamily: \"\"\n  kubeProxyMode: \"\"\nnodes:\n\
         - role: \"\"\n  extraPortMappings:\n  - containerPort: 80\n    protocol: \"\"\n  \
         extraMounts:\n  - hostPath: /\n    containerPath: /h\n    propagation: \"\"\n"
    );
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(HEAD.encode_utf16().flat_map(u16::to_le_bytes));
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(HEAD.as_bytes());
    for (file, bytes) in [
        ("merge.yaml", merge.into_bytes()),
        ("empty.yaml", empty.into_bytes()),
        ("utf16.yaml", utf16),
        ("bom.yaml", bom),
    ] {
        let path = config_file(&dir, file, &bytes);
        let r = run(&["create", "-H", NOWHERE, "--config", &path, "--image", "x"]);
        assert_eq!(r.code(), Some(3), "{file}: {}", r.stderr());
        assert!(
            r.stderr().contains("cannot reach"),
            "{file}: {}",
            r.stderr()
        );
    }
}

#[test]
fn bad_names_and_urls_are_refused_before_the_engine() {
    let bad = "Bad_Name";
    for args in [
        &["delete", "--name", bad][..],
        &["get", "nodes", "--name", bad],
        &["get", "kubeconfig", "--name", bad],
        &["get", "cluster-config", "--name", bad],
        &["export", "kubeconfig", "--name", bad],
        &["export", "logs", "--name", bad],
        &["stop", "--name", bad],
        &["start", "--name", bad],
        &["node", "add", "--name", bad],
        &["node", "delete", "x", "--name", bad],
        &["load", "docker-image", "busybox", "--name", bad],
        &["load", "image-archive", "a.tar", "--name", bad],
    ] {
        let mut full = args.to_vec();
        full.extend(["-H", NOWHERE]);
        refused(&run(&full), "cluster name \"Bad_Name\" is not valid");
    }
    refused(
        &run(&["node", "delete", "Evil\x1b[2J", "-H", NOWHERE]),
        "node name \"Evil\\u{1b}[2J\" is not valid",
    );
    for (url, want) in [
        ("tcp://127.0.0.1:99999", "port \"99999\""),
        ("tcp://[::1", "missing its ']'"),
        ("npipe:////./pipe/docker_engine", "Windows named pipe"),
        ("ftp://x", "unsupported scheme"),
    ] {
        refused(&run(&["get", "clusters", "-H", url]), want);
    }
}

/// One connection failure: exit 3, the cause said once, the hint that fits.
fn unreachable(r: &Run, cause: &str, hint: &str) {
    let err = r.stderr();
    assert_eq!(r.code(), Some(3), "{err}");
    assert_eq!(err.matches("cannot reach").count(), 1, "{err}");
    assert!(err.contains(cause), "want {cause:?} in:\n{err}");
    assert!(err.contains(hint), "want {hint:?} in:\n{err}");
    assert!(!err.contains("hyper"), "{err}");
}

/// A socket the user may not open: owned by another user, mode 0600.
fn socket_of_another_user(dir: &std::path::Path) {
    let locked = dir.join("locked.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&locked).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let as_root = unsafe { libc::geteuid() } == 0;
    let url = format!("unix://{}", locked.display());
    let r = run_with(&["get", "clusters", "-H", &url], |c| {
        if as_root {
            // Root opens any socket: be someone else, as a workshop user is.
            c.uid(65534).gid(65534).env("HOME", "/tmp");
        } else {
            let _ = std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000));
        }
    });
    unreachable(&r, "ermission denied", "docker group");
}

/// TLS: a TCP server that answers the handshake with plain text.
fn plain_text_where_tls_was_expected(dir: &std::path::Path) {
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = tcp.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for c in tcp.incoming().flatten() {
            let mut c = c;
            let _ = c.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\nnot tls\n");
        }
    });
    let certs = dir.join("certs");
    std::fs::create_dir(&certs).unwrap();
    let r = run_with(
        &[
            "get",
            "clusters",
            "-H",
            &format!("https://127.0.0.1:{port}"),
        ],
        |c| {
            c.env("DOCKER_CERT_PATH", &certs);
        },
    );
    assert_eq!(r.code(), Some(3), "{}", r.stderr());
    assert!(
        r.stderr().contains("hint: the TLS handshake"),
        "{}",
        r.stderr()
    );
    assert_eq!(
        r.stderr().matches("cannot reach").count(),
        1,
        "{}",
        r.stderr()
    );
}

#[test]
fn connection_failures_name_their_real_cause() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);

    // No such socket.
    let r = run(&[
        "get",
        "clusters",
        "-H",
        &format!("unix://{}", path("none.sock").display()),
    ]);
    unreachable(&r, "does not exist", "hint:");

    // A socket file nobody listens on: connection refused.
    let dead = path("dead.sock");
    drop(std::os::unix::net::UnixListener::bind(&dead).unwrap());
    let r = run(&[
        "get",
        "clusters",
        "-H",
        &format!("unix://{}", dead.display()),
    ]);
    unreachable(&r, "onnection refused", "no engine answers");

    socket_of_another_user(dir.path());

    // A listener that closes every connection at once.
    let closing = path("closing.sock");
    let listener = std::os::unix::net::UnixListener::bind(&closing).unwrap();
    std::thread::spawn(move || {
        for c in listener.incoming() {
            drop(c);
        }
    });
    let r = run(&[
        "get",
        "clusters",
        "-H",
        &format!("unix://{}", closing.display()),
    ]);
    assert_eq!(r.code(), Some(3), "{}", r.stderr());
    assert_eq!(
        r.stderr().matches("cannot reach").count(),
        1,
        "{}",
        r.stderr()
    );

    plain_text_where_tls_was_expected(dir.path());
}

#[test]
fn a_signal_ends_a_waiting_command_with_its_exit_code() {
    // An engine that accepts connections and never answers keeps `get clusters` waiting.
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("silent.sock");
    let listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in listener.incoming() {
            held.push(c);
        }
    });
    for (signal, code) in [("TERM", 143), ("HUP", 129), ("INT", 130)] {
        let child = Command::new(env!("CARGO_BIN_EXE_minik"))
            .args([
                "get",
                "clusters",
                "-H",
                &format!("unix://{}", sock.display()),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(400));
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{signal}: {err}");
        assert!(err.contains("error: interrupted by"), "{err}");
    }
}
