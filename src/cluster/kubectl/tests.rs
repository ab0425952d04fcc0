//! How `minik kubectl`'s arguments are rewritten for the node: local files travel on standard
//! input, and nothing else changes (what `kubectl exec` runs after `--` least of all).

use super::*;

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

#[test]
fn arguments_without_files_pass_unchanged() {
    let args = strings(&["get", "nodes", "-o", "wide", "-n", "kube-system"]);
    let p = plan(&args).unwrap();
    assert_eq!(
        p,
        Plan {
            args,
            input: Input::None
        }
    );
    assert_eq!(
        command(&strings(&["get", "nodes"])),
        strings(&[
            "kubectl",
            "--kubeconfig=/etc/kubernetes/admin.conf",
            "get",
            "nodes"
        ])
    );
}

#[test]
fn a_local_file_in_every_spelling_travels_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.yaml");
    std::fs::write(&file, "kind: Namespace\n").unwrap();
    let f = file.to_str().unwrap();
    for (typed, flag) in [
        (vec!["-f".to_string(), f.to_string()], "-f"),
        (vec![format!("-f={f}")], "-f"),
        (vec![format!("-f{f}")], "-f"),
        (vec!["--filename".to_string(), f.to_string()], "--filename"),
        (vec![format!("--filename={f}")], "--filename"),
    ] {
        let mut args = strings(&["apply", "-n", "x"]);
        args.extend(typed);
        let p = plan(&args).unwrap();
        assert_eq!(
            p.args,
            strings(&["apply", "-n", "x", flag, "-"]),
            "{args:?}"
        );
        assert_eq!(p.input, Input::File(file.clone()), "{args:?}");
    }
}

#[test]
fn stdin_and_urls_pass_through() {
    let p = plan(&strings(&["apply", "-f", "-"])).unwrap();
    assert_eq!(
        (p.args, p.input),
        (strings(&["apply", "-f", "-"]), Input::Stdin)
    );
    let url = "https://example.com/app.yaml";
    let p = plan(&strings(&["apply", "-f", url])).unwrap();
    assert_eq!(
        (p.args, p.input),
        (strings(&["apply", "-f", url]), Input::None)
    );
}

#[test]
fn what_kubectl_exec_runs_is_never_rewritten() {
    // `-f` after `--` is tail's, inside the pod; the file need not exist here.
    let args = strings(&["exec", "web", "--", "tail", "-f", "/no/such/file/here"]);
    assert_eq!(plan(&args).unwrap().args, args);
}

#[test]
fn inputs_that_cannot_reach_the_node_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap().to_string();
    let a = dir.path().join("a.yaml");
    std::fs::write(&a, "x").unwrap();
    let a = a.to_str().unwrap().to_string();

    let e = plan(&strings(&["apply", "-f", &d])).unwrap_err();
    assert!(matches!(e, KubectlInputError::Folder(_)), "{e}");
    assert!(e.hint_text().contains("apply -f -"), "{}", e.hint_text());

    let e = plan(&strings(&["apply", "-f", "/no/such/file.yaml"])).unwrap_err();
    assert!(matches!(e, KubectlInputError::Unreadable(..)), "{e}");
    assert!(
        e.to_string()
            .starts_with("/no/such/file.yaml: cannot read it"),
        "{e}"
    );

    let e = plan(&strings(&["apply", "-f", &a, "-f", "-"])).unwrap_err();
    assert!(matches!(e, KubectlInputError::TwoInputs(..)), "{e}");
    let e = plan(&strings(&["apply", "-f", &a, "--filename", &a])).unwrap_err();
    assert!(matches!(e, KubectlInputError::TwoInputs(..)), "{e}");

    let e = plan(&strings(&["apply", "-f"])).unwrap_err();
    assert!(matches!(e, KubectlInputError::MissingValue), "{e}");
}

#[test]
fn other_flags_that_start_like_f_are_left_alone() {
    // --field-selector, --force and --for are not -f; bundled short flags other than -fX are
    // kubectl's to read.
    let args = strings(&[
        "delete",
        "pod",
        "x",
        "--force",
        "--field-selector=a=b",
        "--for=delete",
    ]);
    assert_eq!(plan(&args).unwrap().args, args);
}

#[test]
fn kubectl_is_looked_for_on_path() {
    let dir = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let name = if cfg!(windows) {
        "kubectl.exe"
    } else {
        "kubectl"
    };
    std::fs::write(dir.path().join(name), "").unwrap();
    let path = |dirs: &[&std::path::Path]| std::env::join_paths(dirs).unwrap();
    assert!(found_in(Some(&path(&[empty.path(), dir.path()]))));
    assert!(!found_in(Some(&path(&[empty.path()]))));
    assert!(!found_in(None));
}
