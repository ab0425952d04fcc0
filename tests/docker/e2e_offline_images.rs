//! An offline node-image build checks its images before it commits the image: a folder made
//! the way a user makes one from `kubeadm config images list`, minus kubeadm's pause image, is
//! refused naming that image (kubeadm init would otherwise time out on every pod's sandbox).
//! Uses the folder and base image tests/e2e/prepare.sh made (MINIK_TEST_CACHE, default
//! <repo>/.minik-test) and the placeholder images it tagged with the real names.

use std::path::PathBuf;
use std::process::Command;

use crate::common::*;

fn cache() -> PathBuf {
    std::env::var_os("MINIK_TEST_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".minik-test"))
}

fn lines(args: &[&str]) -> Vec<String> {
    let o = Command::new("docker").args(args).output().expect("docker");
    assert!(o.status.success(), "docker {args:?}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn a_folder_without_kubeadms_pause_image_is_refused_naming_it() {
    let prepared = cache().join("kubernetes");
    assert!(
        prepared.join("version").is_file(),
        "run tests/e2e/prepare.sh first ({prepared:?})"
    );
    // Node images inherit the base's label: ask for the base by its repository too.
    let base = lines(&[
        "images",
        "--filter",
        "reference=minik-test/debian",
        "--filter",
        "label=io.minik.test.base-packages",
        "--format",
        "{{.Repository}}:{{.Tag}}",
    ]);
    let base = base.first().expect("prepare.sh's base image");
    let dir = tempfile::tempdir().unwrap();
    let cp = Command::new("cp")
        .arg("-a")
        .arg(prepared.join("version"))
        .arg(prepared.join("bin"))
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(cp.status.success(), "{}", text(&cp));
    // Every image the pipeline provides but kubeadm's pause image: the placeholders and the
    // etcd image, which holds Debian's real etcd.
    let labelled = |label: &str| {
        lines(&[
            "images",
            "--filter",
            &format!("label={label}"),
            "--format",
            "{{.Repository}}:{{.Tag}}",
        ])
    };
    let names: Vec<String> = labelled("io.minik.test.placeholder-for")
        .into_iter()
        .chain(labelled("io.minik.test.debian-etcd-for"))
        // Re-tagged placeholders leave untagged ones behind (`<none>:<none>`).
        .filter(|n| !n.contains("/pause:") && !n.contains("<none>"))
        .collect();
    std::fs::create_dir(dir.path().join("images")).unwrap();
    let tar = dir.path().join("images/all-but-pause.tar");
    let mut save = vec!["save", "-o", tar.to_str().unwrap()];
    save.extend(names.iter().map(String::as_str));
    lines(&save);

    let image = unique("minik/node:test-no-pause");
    let dir_arg = dir.path().to_str().unwrap();
    let o = minik(
        &[
            "build",
            "node-image",
            "--base-image",
            base,
            "--kubernetes-dir",
            dir_arg,
            "--image",
            &image,
        ],
        &[],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("would lack registry.k8s.io/pause:3.10.1:"),
        "{out}"
    );
    let inspect = Command::new("docker")
        .args(["image", "inspect", &image])
        .output()
        .unwrap();
    assert!(
        !inspect.status.success(),
        "the refused image was committed: {out}"
    );
}
