//! Issue #22: `minik init --lang ko` (no terminal, so every default) and `minik doctor
//! --workshop --lang ko`, run as the learner runs them against a TEST DOUBLE engine: a Docker
//! Engine API that replays a recorded Linux engine's answers (tests/fixtures/platform/
//! native-cgroup-v2) on 127.0.0.2, which minik treats as another machine, so no row depends on
//! the machine the tests run on. Every line of the output reads as Korean but for commands,
//! names and values, and the whole output is the reviewed golden file
//! tests/golden/ko/ (`MINIK_UPDATE_GOLDEN=1` rewrites it). The locale alone
//! (LANG=ko_KR.UTF-8, no --lang) picks Korean too.

#[path = "../../src/i18n/leaks.rs"]
#[allow(dead_code)]
mod leak_words;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/platform/native-cgroup-v2")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The recorded answer to a read the doctor makes, as the engine routes it (any API version
/// prefix); the engine's 404 body for a route it does not have.
fn answer(path: &str) -> (u16, String) {
    let route = path.split('?').next().unwrap_or(path);
    let route = match route.strip_prefix("/v1.") {
        Some(rest) => rest.split_once('/').map_or(route, |(_, r)| r),
        None => route.trim_start_matches('/'),
    };
    match route {
        "_ping" => (200, "OK".into()),
        "version" => (200, fixture("version.json")),
        "info" => (200, fixture("info.json")),
        "containers/json" | "images/json" => (200, "[]".into()),
        _ => (404, format!("{{\"message\":\"page not found: {route}\"}}")),
    }
}

/// One connection: requests read until it closes, each answered (HTTP/1.1 keep-alive).
fn serve(stream: TcpStream) {
    let mut out = match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let mut length = 0usize;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            if h == "\r\n" {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let (status, text) = answer(&path);
        let kind = if text.starts_with(['{', '[']) {
            "application/json"
        } else {
            "text/plain"
        };
        let head = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nApi-Version: 1.51\r\nContent-Length: {}\r\n\r\n",
            text.len()
        );
        if out.write_all(head.as_bytes()).is_err() || out.write_all(text.as_bytes()).is_err() {
            return;
        }
    }
}

/// The engine's address, `tcp://127.0.0.2:PORT`.
fn engine() -> String {
    let listener = TcpListener::bind("127.0.0.2:0").expect("127.0.0.2 is a loopback address");
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            std::thread::spawn(move || serve(s));
        }
    });
    format!("tcp://127.0.0.2:{port}")
}

/// A folder with a `kubectl` that says it is v1.36.1, first on PATH.
fn kubectl_dir(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let kubectl = bin.join("kubectl");
    std::fs::write(
        &kubectl,
        "#!/bin/sh\necho '{\"clientVersion\":{\"gitVersion\":\"v1.36.1\"}}'\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&kubectl, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn minik(args: &[&str], dir: &Path, lang_env: Option<&str>) -> Output {
    let path = format!("{}:/usr/bin:/bin", kubectl_dir(dir).display());
    let mut c = Command::new(env!("CARGO_BIN_EXE_minik"));
    c.args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir)
        .env("CI", "true")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "80")
        .stdin(Stdio::null());
    if let Some(l) = lang_env {
        c.env("LANG", l);
    }
    c.output().expect("run minik")
}

/// The English words in `text` (the project's leak detector), read whole: a command or a
/// quote the terminal's width broke goes on over lines.
fn leaks(text: &str) -> Vec<String> {
    leak_words::english_words(text)
}

fn golden(name: &str, text: &str) {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/ko/{name}"));
    if std::env::var_os("MINIK_UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, text).unwrap();
    }
    let expected = std::fs::read_to_string(&golden).expect("golden file (MINIK_UPDATE_GOLDEN=1)");
    pretty_assertions::assert_eq!(text, expected);
}

#[test]
fn init_speaks_korean_from_the_flag_and_from_the_locale() {
    let host = engine();
    for (how, args, lang) in [
        ("flag", vec!["--lang", "ko"], None),
        ("locale", vec![], Some("ko_KR.UTF-8")),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut all = vec!["init", "--name", "lab", "-H", &host];
        all.extend(args);
        let o = minik(&all, dir.path(), lang);
        let stderr = String::from_utf8_lossy(&o.stderr).replace(&host, "tcp://ENGINE");
        assert!(o.status.success(), "{how}: {stderr}");
        let leaked = leaks(&stderr);
        assert!(
            leaked.is_empty(),
            "{how}:\n{}\n\n{stderr}",
            leaked.join("\n")
        );
        let file = std::fs::read_to_string(dir.path().join("minik.yaml")).unwrap_or_default();
        golden("init.txt", &stderr);
        golden("minik.yaml", &file);
    }
}

#[test]
fn doctor_workshop_speaks_korean_from_the_flag_and_from_the_locale() {
    let host = engine();
    for (how, args, lang) in [
        ("flag", vec!["--lang", "ko"], None),
        ("locale", vec![], Some("ko_KR.UTF-8")),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut all = vec!["doctor", "--workshop", "--nodes", "3", "-H", &host];
        all.extend(args);
        let o = minik(&all, dir.path(), lang);
        let stdout = String::from_utf8_lossy(&o.stdout).replace(&host, "tcp://ENGINE");
        let stdout = dns_servers_masked(&stdout);
        assert!(
            o.status.success(),
            "{how}: {stdout}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let leaked = leaks(&stdout);
        assert!(
            leaked.is_empty(),
            "{how}:\n{}\n\n{stdout}",
            leaked.join("\n")
        );
        golden("doctor-workshop.txt", &stdout);
    }
}

/// This machine's DNS servers (read from its /etc/resolv.conf even for a remote engine) as
/// `<DNS>`, so the golden file holds on every machine.
fn dns_servers_masked(text: &str) -> String {
    text.lines()
        .map(|l| match l.rfind("DNS ") {
            Some(at) if l.contains("VPN") => format!("{}DNS <DNS>", &l[..at]),
            _ => l.to_string(),
        })
        .map(|l| l + "\n")
        .collect()
}

/// No engine at all, the first thing many learners meet: the doctor's failed row (where minik
/// looked, what to do) and init's warning read in Korean. Where minik looked depends on this
/// machine (other engines' sockets), so the text is checked, not compared.
#[test]
fn init_without_an_engine_says_why_in_korean() {
    let dir = tempfile::tempdir().unwrap();
    let host = format!("unix://{}/no-engine.sock", dir.path().display());
    let o = minik(&["init", "--lang", "ko", "-H", &host], dir.path(), None);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let leaked = leaks(&stderr);
    assert!(leaked.is_empty(), "{}\n\n{stderr}", leaked.join("\n"));
    for want in [
        "경고: 이 컴퓨터를 점검한 결과",
        "엔진 연결",
        "소켓 파일이 없습니다",
        "해결:",
    ] {
        assert!(stderr.contains(want), "{want}: {stderr}");
    }
}
