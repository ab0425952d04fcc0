//! End to end: SIGTERM and SIGHUP (a cancelled CI job, a closed terminal) at random moments of a
//! 3-node create clean up as Ctrl-C does: nothing labelled for the cluster remains, no kubeconfig
//! entry is written, no privileged-mode probe container is left, and minik exits 128 + the
//! signal's number. Some trials send a second signal during the cleanup, which must not cut it
//! short.
#![cfg(unix)]
// The seed and each trial are printed so a failing run can be replayed.
#![allow(clippy::print_stderr)]

use crate::common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{leftovers, minik, text, TestCluster, TEST_IMAGE};

/// A small deterministic generator (xorshift), seeded from the clock and printed, so a failing
/// run can be replayed with MINIK_TEST_SEED.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::env::var("MINIK_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
                    | 1
            });
        eprintln!("MINIK_TEST_SEED={seed}");
        Rng(seed)
    }

    /// Uniform in [0, 1).
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Volumes and networks the engine still has for the cluster (containers: [`leftovers`]).
fn other_leftovers(cluster: &str) -> String {
    let filter = format!("label=io.minik.cluster={cluster}");
    let mut found = String::new();
    for what in ["volume", "network"] {
        let o = Command::new("docker")
            .args([what, "ls", "-q", "--filter", &filter])
            .output()
            .unwrap();
        found.push_str(String::from_utf8_lossy(&o.stdout).trim());
    }
    found
}

/// The privileged-mode probe container of minik process `pid`, if the engine still has it.
fn probe_leftover(pid: u32) -> String {
    let o = Command::new("docker")
        .args([
            "ps",
            "-aq",
            "--filter",
            &format!("name=^minik-probe-{pid}$"),
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn kill(pid: u32, signal: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{signal} {pid}");
}

fn trials(signal: &str, code: i32, count: usize, rng: &mut Rng, duration: &mut f64) {
    let mut done = 0;
    while done < count {
        let tc = TestCluster::new("sig");
        let (name, kubeconfig) = (tc.name.clone(), tc.kubeconfig.clone());
        let started = Instant::now();
        let child = Command::new(env!("CARGO_BIN_EXE_minik"))
            .args(["create", "--name", &name, "--nodes", "3", "--wait", "0"])
            .args(["--image", &TEST_IMAGE])
            .env("KUBECONFIG", &kubeconfig)
            .env("HOME", tc.home())
            .env("CI", "true")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Let the process take the signals over (it does so before any engine call).
        let at = Duration::from_secs_f64(0.2 + rng.next() * *duration);
        let twice = rng.next() < 0.3;
        std::thread::sleep(at);
        kill(child.id(), signal);
        let mut second_sent = false;
        if twice {
            std::thread::sleep(Duration::from_millis(300));
            // The process may have finished its cleanup already.
            second_sent = Command::new("kill")
                .args([&format!("-{signal}"), &child.id().to_string()])
                .status()
                .is_ok_and(|s| s.success());
        }
        let pid = child.id();
        let out = child.wait_with_output().unwrap();
        let elapsed = started.elapsed().as_secs_f64();
        let log = text(&out);
        if out.status.code() == Some(0) {
            // The create finished before the signal: draw from a shorter span and try again.
            *duration = (elapsed - at.as_secs_f64()).max(0.0) + at.as_secs_f64() * 0.8;
            let d = minik(
                &["delete", "--name", &name],
                &[("KUBECONFIG", kubeconfig.to_str().unwrap())],
            );
            assert!(d.status.success(), "{}", text(&d));
            continue;
        }
        eprintln!(
            "{signal} at {:.1}s{}: exit {:?} after {elapsed:.1}s",
            at.as_secs_f64(),
            if twice { " (twice)" } else { "" },
            out.status.code()
        );
        assert_eq!(out.status.code(), Some(code), "{signal}: {log}");
        assert!(
            log.contains(&format!("interrupted by SIG{signal}")),
            "{signal}: {log}"
        );
        assert_eq!(
            leftovers(&name),
            "",
            "containers left after {signal}: {log}"
        );
        assert_eq!(other_leftovers(&name), "", "volumes/networks left: {log}");
        // The privileged-mode probe runs early in create, under no cluster label of its own.
        assert_eq!(probe_leftover(pid), "", "probe container left: {log}");
        let entry = std::fs::read_to_string(&kubeconfig).unwrap_or_default();
        assert!(
            !entry.contains(&name),
            "kubeconfig entry left after {signal}:\n{entry}"
        );
        // A second signal that found minik still cleaning up a good while later was reported,
        // and the cleanup went on (checked above: nothing left).
        if second_sent && elapsed - at.as_secs_f64() > 1.0 {
            assert!(
                log.contains(&format!("SIG{signal} received: cleanup is in progress")),
                "{log}"
            );
        }
        done += 1;
    }
}

#[test]
fn sigterm_and_sighup_during_create_clean_up() {
    let mut rng = Rng::new();
    // A 3-node create without --wait takes about 30 s on two busy cores; a create that ends
    // before its signal shortens the span.
    let mut duration = 30.0;
    trials("TERM", 143, 10, &mut rng, &mut duration);
    trials("HUP", 129, 10, &mut rng, &mut duration);
}
