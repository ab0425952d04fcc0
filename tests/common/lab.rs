//! What every built-in lab's end-to-end test does: a 3-node test cluster with the lab's
//! images loaded, `minik tour --lab ID --yes` in English (JSON report) and Korean (text), every
//! step passed, and the lab's namespace gone afterwards. Each lab's own test adds what its checks
//! must have found and what else must be left clean.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{create, docker, kubectl, minik, squashed, text, unique, Cleanup};

/// A 3-node cluster for one lab, with a private HOME, KUBECONFIG and state folder; its
/// containers are removed when this is dropped, whether the test passed or panicked.
pub(crate) struct LabCluster {
    pub name: String,
    pub kubeconfig: PathBuf,
    state: PathBuf,
    _guard: Cleanup,
    home: tempfile::TempDir,
}

impl LabCluster {
    /// Creates the cluster (`prefix-<unique>`, 3 nodes) or fails the test with minik's output.
    pub(crate) fn create(prefix: &str) -> LabCluster {
        Self::create_with(prefix, |_| vec!["--nodes".into(), "3".into()])
    }

    /// Creates the cluster with the `create` flags `flags` gives for its private HOME (a
    /// `--config` file written there, say).
    pub(crate) fn create_with(
        prefix: &str,
        flags: impl FnOnce(&Path) -> Vec<String>,
    ) -> LabCluster {
        let home = tempfile::tempdir().expect("temp HOME");
        let name = unique(prefix);
        let lab = LabCluster {
            kubeconfig: home.path().join("config"),
            state: home.path().join("state"),
            _guard: Cleanup(name.clone()),
            name,
            home,
        };
        let flags = flags(lab.home());
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let o = create(&lab.name, &flags, &lab.env());
        assert!(o.status.success(), "create: {}", text(&o));
        lab
    }

    /// KUBECONFIG, HOME and XDG_STATE_HOME (where the tour keeps its progress) of this cluster.
    pub(crate) fn env(&self) -> [(&'static str, &str); 3] {
        [
            ("KUBECONFIG", self.kubeconfig.to_str().expect("UTF-8 path")),
            ("HOME", self.home.path().to_str().expect("UTF-8 path")),
            ("XDG_STATE_HOME", self.state.to_str().expect("UTF-8 path")),
        ]
    }

    pub(crate) fn home(&self) -> &Path {
        self.home.path()
    }

    pub(crate) fn minik(&self, args: &[&str]) -> Output {
        minik(args, &self.env())
    }

    pub(crate) fn kubectl(&self, args: &[&str]) -> Output {
        kubectl(&self.kubeconfig, args)
    }

    /// `minik load docker-image` of images the engine has under their real names (the test
    /// doubles tests/e2e/prepare.sh builds).
    pub(crate) fn load_images(&self, images: &[&str]) {
        for image in images {
            let present = docker(&["image", "inspect", image]);
            assert!(
                present.status.success(),
                "{image} is missing: run tests/e2e/prepare.sh (it builds the labs' test images)"
            );
        }
        let mut args = vec!["load", "docker-image"];
        args.extend_from_slice(images);
        args.extend_from_slice(&["--name", &self.name]);
        let o = self.minik(&args);
        assert!(o.status.success(), "load: {}", text(&o));
    }

    /// `minik load image-archive` of tests/e2e/prepare.sh's archive of the lab images, after
    /// checking it holds `images`. Loaded from the archive, not the engine's tags, which anyone
    /// building those names (another work tree, a learner) can re-point while a test runs.
    pub(crate) fn load_lab_archive(&self, images: &[&str]) {
        let cache = std::env::var("MINIK_TEST_CACHE")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/.minik-test").to_string());
        let tar = format!("{cache}/lab-images.tar");
        let names = std::fs::read_to_string(format!("{tar}.inputs")).unwrap_or_default();
        for image in images {
            assert!(
                names.contains(image),
                "{tar} lacks {image}: run tests/e2e/prepare.sh"
            );
        }
        let o = self.minik(&["load", "image-archive", &tar, "--name", &self.name]);
        assert!(o.status.success(), "load: {}", text(&o));
    }

    /// `minik tour --lab LAB --yes --lang en -o json`: the report, after checking the tour
    /// finished with `steps` passed in order. Prints each step's time.
    #[allow(clippy::print_stderr)] // the timings are the test's diagnostic
    pub(crate) fn run_en(&self, lab: &str, steps: &[&str]) -> Value {
        let o = self.tour(lab, &["--lang", "en", "-o", "json"]);
        let report: Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("no JSON report ({e}): {}", text(&o)));
        eprintln!("  steps: {}", assert_steps_passed(&report, steps));
        report
    }

    /// `minik tour --lab LAB --yes --lang ko` as text, line breaks read as spaces (minik wraps
    /// at 80 columns), after checking no English step heading slipped in.
    pub(crate) fn run_ko(&self, lab: &str) -> String {
        let o = self.tour(lab, &["--lang", "ko"]);
        let out = squashed(&String::from_utf8_lossy(&o.stdout));
        assert!(!out.contains("Step "), "English in the Korean tour:\n{out}");
        out
    }

    #[allow(clippy::print_stderr)] // the timing is the test's diagnostic
    fn tour(&self, lab: &str, extra: &[&str]) -> Output {
        let started = Instant::now();
        let mut args = vec!["tour", "-n", &self.name, "--lab", lab, "--yes"];
        args.extend_from_slice(extra);
        let o = self.minik(&args);
        assert!(o.status.success(), "tour {lab} {extra:?}: {}", text(&o));
        eprintln!(
            "tour --lab {lab} --yes {extra:?} took {:.1}s",
            started.elapsed().as_secs_f64()
        );
        o
    }

    /// Waits up to a minute for `namespace` to be gone (a namespace is deleted with all it
    /// holds, which takes the controllers a moment).
    pub(crate) fn wait_namespace_gone(&self, namespace: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let wanted = format!("namespace/{namespace}\n");
        loop {
            let o = self.kubectl(&["get", "namespaces", "-o", "name"]);
            assert!(o.status.success(), "{}", text(&o));
            if !String::from_utf8_lossy(&o.stdout).contains(&wanted) {
                return;
            }
            assert!(Instant::now() < deadline, "{namespace} left: {}", text(&o));
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}

/// The report says the tour finished with exactly `steps`, in order, each passed. Returns each
/// step's time, for the log.
pub(crate) fn assert_steps_passed(report: &Value, steps: &[&str]) -> String {
    assert_eq!(report["finished"], true, "{report:#}");
    let got: Vec<(&str, &str)> = step_list(report)
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap_or("?"),
                s["status"].as_str().unwrap_or("?"),
            )
        })
        .collect();
    let want: Vec<(&str, &str)> = steps.iter().map(|s| (*s, "passed")).collect();
    assert_eq!(got, want, "{report:#}");
    step_list(report)
        .iter()
        .map(|s| format!("{} {}s", s["id"].as_str().unwrap_or("?"), s["seconds"]))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the checks of step `id` found, as the report says it, one check a line.
pub(crate) fn found(report: &Value, id: &str) -> String {
    let step = step_list(report)
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no step {id} in {report:#}"));
    step["checks"]
        .as_array()
        .map(|checks| {
            checks
                .iter()
                .map(|c| c["found"].as_str().unwrap_or("").to_string())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

fn step_list(report: &Value) -> &Vec<Value> {
    report["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("no steps in {report:#}"))
}

/// Every one of `wants` is in `out` (a tour's squashed output).
pub(crate) fn assert_contains_all(out: &str, wants: &[&str]) {
    for want in wants {
        assert!(out.contains(want), "no {want:?} in:\n{out}");
    }
}
