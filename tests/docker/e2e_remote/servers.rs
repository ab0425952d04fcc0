//! The remote ends the remote-engine tests talk to, all on 127.0.0.1 and made fresh by each test
//! in its own temp dir: an OpenSSH server (Debian's sshd, key-only, a throwaway host key and
//! client key) and a TLS-terminating proxy (stunnel) in front of this machine's engine socket,
//! with a CA, server and client certificates made by openssl. Each server is stopped on drop.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nothing listens on right now.
pub(super) fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

fn run(program: &str, args: &[&str], dir: &Path) {
    let o = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed (.ci/run installs it): {e}"));
    assert!(
        o.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Starts `program` and waits until `port` accepts connections; the child is killed on drop.
struct Daemon(Child);

impl Daemon {
    fn start(program: &str, args: &[&str], log: &Path, port: u16) -> Daemon {
        let log = std::fs::File::create(log).expect("daemon log");
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("{program} must be installed (.ci/run installs it): {e}"));
        let mut daemon = Daemon(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = daemon.0.try_wait() {
                panic!("{program} exited at start ({status})");
            }
            assert!(
                Instant::now() < deadline,
                "{program} did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        daemon
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An address of this machine that is not loopback: the one its default route leaves from
/// (connecting a UDP socket sends nothing).
fn non_loopback_address() -> String {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").expect("bind a UDP socket");
    socket
        .connect("203.0.113.1:9")
        .expect("these tests need a default route (for an address that is not loopback)");
    let ip = socket.local_addr().expect("local address").ip();
    assert!(!ip.is_loopback(), "{ip} is loopback");
    ip.to_string()
}

/// An sshd whose root login takes the test's key only. `ssh://root@127.0.0.1` reaches the
/// engine; `ssh://root@nodocker` is a session where `docker` is not on the PATH;
/// `ssh://root@wrongkey` offers a key the server does not know; `ssh://root@far` reaches it by
/// an address of this machine that is not loopback, so to minik
/// the engine is on another host ([`SshServer::far_address`]). Those aliases live in the
/// ssh config of [`SshServer::bin_dir`]'s `ssh`, a wrapper that adds `-F <that config>`:
/// OpenSSH reads `~/.ssh` from the password database, not `$HOME`, and the user's own ssh setup
/// must stay untouched.
pub(super) struct SshServer {
    _daemon: Daemon,
    pub(super) dir: tempfile::TempDir,
    pub(super) far_address: String,
}

impl SshServer {
    pub(super) fn start() -> SshServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        for key in ["host_key", "id", "wrong"] {
            run(
                "ssh-keygen",
                &["-q", "-t", "ed25519", "-N", "", "-f", key],
                d,
            );
        }
        std::fs::copy(d.join("id.pub"), d.join("authorized_keys")).unwrap();
        let (port, nodocker_port) = (free_port(), free_port());
        let far_address = non_loopback_address();
        let p = |name: &str| d.join(name).display().to_string();
        let sshd_config = format!(
            "Port {port}\nPort {nodocker_port}\nListenAddress 127.0.0.1\n\
             ListenAddress {far_address}\nHostKey {}\n\
             PidFile {}\nAuthorizedKeysFile {}\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
             PermitRootLogin prohibit-password\nUsePAM no\nStrictModes no\nLogLevel ERROR\n\
             Match LocalPort {nodocker_port}\n  \
             ForceCommand exec env PATH=/nonexistent /bin/sh -c \"$SSH_ORIGINAL_COMMAND\"\n",
            p("host_key"),
            p("sshd.pid"),
            p("authorized_keys"),
        );
        std::fs::write(d.join("sshd_config"), sshd_config).unwrap();
        // sshd's privilege separation directory; the package makes it only at boot.
        std::fs::create_dir_all("/run/sshd").expect("mkdir /run/sshd");
        let daemon = Daemon::start(
            "/usr/sbin/sshd",
            &["-D", "-e", "-f", &p("sshd_config")],
            &d.join("sshd.log"),
            port,
        );
        let host_key = std::fs::read_to_string(d.join("host_key.pub")).unwrap();
        let known = format!(
            "[127.0.0.1]:{port} {host_key}[127.0.0.1]:{nodocker_port} {host_key}\
             [{far_address}]:{port} {host_key}"
        );
        std::fs::write(d.join("known_hosts"), known).unwrap();
        let ssh_config = format!(
            "Host 127.0.0.1\n  Port {port}\n  IdentityFile {id}\n\
             Host nodocker\n  HostName 127.0.0.1\n  Port {nodocker_port}\n  IdentityFile {id}\n\
             Host wrongkey\n  HostName 127.0.0.1\n  Port {port}\n  IdentityFile {wrong}\n\
             Host far\n  HostName {far_address}\n  Port {port}\n  IdentityFile {id}\n\
             Host *\n  IdentitiesOnly yes\n  UserKnownHostsFile {known}\n  \
             StrictHostKeyChecking yes\n",
            id = p("id"),
            wrong = p("wrong"),
            known = p("known_hosts"),
        );
        std::fs::write(d.join("ssh_config"), ssh_config).unwrap();
        let bin = d.join("bin");
        std::fs::create_dir(&bin).unwrap();
        let wrapper = format!(
            "#!/bin/sh\nexec /usr/bin/ssh -F {} \"$@\"\n",
            p("ssh_config")
        );
        std::fs::write(bin.join("ssh"), wrapper).unwrap();
        run("chmod", &["+x", "ssh"], &bin);
        SshServer {
            _daemon: daemon,
            dir,
            far_address,
        }
    }

    /// Put first on minik's PATH.
    pub(super) fn bin_dir(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    /// `ssh` processes of this server's config still running a few seconds after minik exited
    /// (a child whose minik is gone sees its stdin close and ends within a round trip).
    pub(super) fn lingering_clients(&self) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let live = self.live_clients();
            if live.is_empty() || Instant::now() > deadline {
                return live;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn live_clients(&self) -> Vec<String> {
        let config = self.dir.path().join("ssh_config").display().to_string();
        let mut live = Vec::new();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
                let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
                if cmdline.starts_with("/usr/bin/ssh ") && cmdline.contains(&config) {
                    live.push(cmdline);
                }
            }
        }
        live
    }
}

/// stunnel on a loopback port, verifying client certificates against a CA made here, passing
/// the plain stream on to the engine's socket. `cert_path` holds the client's ca.pem, cert.pem
/// and key.pem, as DOCKER_CERT_PATH wants them.
pub(super) struct TlsProxy {
    _daemon: Daemon,
    pub(super) port: u16,
    dir: tempfile::TempDir,
}

impl TlsProxy {
    pub(super) fn start() -> TlsProxy {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let mut ca = vec!["req", "-x509"];
        ca.extend(ec);
        ca.extend(["-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "2"]);
        ca.extend(["-subj", "/CN=minik test CA"]);
        run("openssl", &ca, d);
        for (name, ext) in [
            (
                "server",
                "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
            ),
            ("client", "extendedKeyUsage=clientAuth\n"),
        ] {
            let key = format!("{name}-key.pem");
            let csr = format!("{name}.csr");
            let mut req = vec!["req"];
            req.extend(ec);
            req.extend(["-keyout", &key, "-out", &csr, "-subj", "/CN=minik-test"]);
            run("openssl", &req, d);
            std::fs::write(d.join(format!("{name}.ext")), ext).unwrap();
            let (ext, pem) = (format!("{name}.ext"), format!("{name}.pem"));
            let sign = [
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca-key.pem",
                "-CAcreateserial",
                "-out",
                &pem,
                "-days",
                "2",
                "-extfile",
                &ext,
            ];
            run("openssl", &sign, d);
        }
        let cert_path = d.join("client-certs");
        std::fs::create_dir(&cert_path).unwrap();
        for (from, to) in [
            ("ca.pem", "ca.pem"),
            ("client.pem", "cert.pem"),
            ("client-key.pem", "key.pem"),
        ] {
            std::fs::copy(d.join(from), cert_path.join(to)).unwrap();
        }
        let port = free_port();
        let p = |name: &str| d.join(name).display().to_string();
        let conf = format!(
            "foreground = yes\npid =\ndebug = 4\n[docker]\naccept = 127.0.0.1:{port}\n\
             connect = /var/run/docker.sock\ncert = {}\nkey = {}\nCAfile = {}\n\
             verifyChain = yes\nrequireCert = yes\n",
            p("server.pem"),
            p("server-key.pem"),
            p("ca.pem"),
        );
        std::fs::write(d.join("stunnel.conf"), conf).unwrap();
        let daemon = Daemon::start(
            "stunnel4",
            &[&p("stunnel.conf")],
            &d.join("stunnel.log"),
            port,
        );
        TlsProxy {
            _daemon: daemon,
            port,
            dir,
        }
    }

    pub(super) fn cert_path(&self) -> String {
        self.dir.path().join("client-certs").display().to_string()
    }
}
