//! A small W3C WebDriver client (test code): Debian's chromedriver driving Debian's Chromium,
//! headless, over plain HTTP on 127.0.0.1. Only the commands the UI tests use: a session,
//! navigate, run a script, a screenshot. Plain `std` sockets: one request per connection.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// One HTTP/1.1 request to `at` on its own connection (`Connection: close`); the status and
/// the body (chunked answers decoded).
pub(crate) fn http(
    at: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, String) {
    let mut s = TcpStream::connect(at).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let body = body.map(Value::to_string).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {at}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    // chromedriver keeps the connection open whatever the request says: read what the
    // headers announce (Content-Length, or chunks up to the last one), not to the end.
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        if let Some(done) = complete(&raw) {
            return done;
        }
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return complete(&raw).unwrap_or((0, String::new())),
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
}

/// The status and body once `raw` holds a whole answer.
fn complete(raw: &[u8]) -> Option<(u16, String)> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let body = &raw[split + 4..];
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let body = if head.contains("transfer-encoding: chunked") {
        if !body.ends_with(b"0\r\n\r\n") {
            return None;
        }
        dechunk(body)
    } else {
        let n = length.unwrap_or(0);
        if body.len() < n {
            return None;
        }
        body[..n].to_vec()
    };
    Some((status, String::from_utf8_lossy(&body).to_string()))
}

/// The bytes of a chunked body (sizes in hex, each line ended by CRLF).
fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&rest[..eol]).trim().to_string();
        let n = usize::from_str_radix(&size, 16).unwrap_or(0);
        let data = &rest[eol + 2..];
        if n == 0 || data.len() < n {
            break;
        }
        out.extend_from_slice(&data[..n]);
        rest = data[n..].strip_prefix(b"\r\n").unwrap_or(&data[n..]);
    }
    out
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) struct Browser {
    driver: Child,
    at: SocketAddr,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// chromedriver on a free port, and one headless Chromium session.
    pub(crate) fn start() -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (tests/deps.sh installs chromium-driver)");
        let at: SocketAddr = ([127, 0, 0, 1], port).into();
        let started = Instant::now();
        while TcpStream::connect(at).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1400,1000",
                         "--no-first-run", "--no-default-browser-check",
                         format!("--user-data-dir={}", profile.path().display())]
            }
        }}});
        let (code, body) = http(at, "POST", "/session", Some(&caps));
        if code != 200 {
            let mut driver = driver;
            let _ = driver.kill();
            let _ = driver.wait();
            panic!("new session: {code} {body}");
        }
        let v: Value = serde_json::from_str(&body).unwrap();
        let session = v["value"]["sessionId"].as_str().unwrap().to_string();
        Browser {
            driver,
            at,
            session,
            _profile: profile,
        }
    }

    fn call(&self, method: &str, what: &str, body: Option<&Value>) -> Value {
        let path = format!("/session/{}/{what}", self.session);
        let (code, text) = http(self.at, method, &path, body);
        assert_eq!(code, 200, "{method} {what}: {text}");
        serde_json::from_str::<Value>(&text).unwrap()["value"].take()
    }

    pub(crate) fn goto(&self, url: &str) {
        self.call("POST", "url", Some(&json!({ "url": url })));
    }

    /// The value of a script's `return`.
    pub(crate) fn run(&self, script: &str) -> Value {
        self.call(
            "POST",
            "execute/sync",
            Some(&json!({"script": script, "args": []})),
        )
    }

    /// The first element `css` matches, as WebDriver's element reference.
    pub(crate) fn find(&self, css: &str) -> Value {
        self.call(
            "POST",
            "element",
            Some(&json!({"using": "css selector", "value": css})),
        )
    }

    /// The ID in a web element reference (`{"element-6066-…": ID}`, W3C WebDriver).
    fn element_id(element: &Value) -> String {
        element
            .as_object()
            .and_then(|o| o.iter().find(|(k, _)| k.starts_with("element-6066")))
            .and_then(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("an element reference: {element}"))
            .to_string()
    }

    /// A real click (the browser's own pointer events) on an element from [`Browser::find`];
    /// `false` when the element went stale (the page redrew it) or could not be clicked.
    pub(crate) fn click(&self, element: &Value) -> bool {
        let id = Self::element_id(element);
        let path = format!("/session/{}/element/{id}/click", self.session);
        http(self.at, "POST", &path, Some(&json!({}))).0 == 200
    }

    /// Keys typed into an element (WebDriver's key codes: `\u{E007}` is Enter); `false` as
    /// for [`Browser::click`].
    pub(crate) fn keys(&self, element: &Value, text: &str) -> bool {
        let id = Self::element_id(element);
        let path = format!("/session/{}/element/{id}/value", self.session);
        http(self.at, "POST", &path, Some(&json!({ "text": text }))).0 == 200
    }

    /// The browser console's entries since the last call (chromedriver's log endpoint), each
    /// `{level, message}`.
    pub(crate) fn console(&self) -> Vec<Value> {
        let v = self.call("POST", "se/log", Some(&json!({"type": "browser"})));
        v.as_array().cloned().unwrap_or_default()
    }

    /// A Chrome DevTools command through chromedriver (`goog/cdp/execute`), e.g. to emulate
    /// the system's `prefers-reduced-motion`.
    pub(crate) fn devtools(&self, cmd: &str, params: Value) -> Value {
        self.call(
            "POST",
            "goog/cdp/execute",
            Some(&json!({ "cmd": cmd, "params": params })),
        )
    }

    /// The page as PNG bytes.
    pub(crate) fn screenshot(&self) -> Vec<u8> {
        let b64 = self.call("GET", "screenshot", None);
        decode_base64(b64.as_str().unwrap())
    }

    /// Polls `script` until `ok` says yes; the last value either way.
    pub(crate) fn wait_for(
        &self,
        script: &str,
        limit: Duration,
        ok: impl Fn(&Value) -> bool,
    ) -> (bool, Value, Duration) {
        let started = Instant::now();
        loop {
            let v = self.run(script);
            if ok(&v) {
                return (true, v, started.elapsed());
            }
            if started.elapsed() > limit {
                return (false, v, started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = http(
            self.at,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn decode_base64(text: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes().filter_map(val) {
        acc = (acc << 6) | c;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}
