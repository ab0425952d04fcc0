//! `minik tour` without an engine: organisers' lab files refused with every problem at
//! `file:line:col` (tests/fixtures/tour/labs), the built-in tour listed in both languages, and
//! no terminal without --yes refused before the engine. Golden files in tests/golden/tour;
//! `MINIK_UPDATE_GOLDEN=1 cargo test --test offline tour_labs` rewrites them for review.

use std::path::Path;
use std::process::Command;

use crate::cli_snapshots::{run, NOWHERE};

fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/tour/{name}.txt"));
    if std::env::var_os("MINIK_UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        want == actual,
        "{name} differs:\n{}\n(after reviewing, MINIK_UPDATE_GOLDEN=1 cargo test --test offline \
         tour_labs rewrites it)",
        pretty_assertions::StrComparison::new(&want, actual)
    );
}

#[test]
fn bad_lab_files_are_refused_with_positions() {
    for (name, file) in [
        (
            "unknown-field",
            "tests/fixtures/tour/labs/unknown-field.yaml",
        ),
        ("bad-checks", "tests/fixtures/tour/labs/bad-checks.yaml"),
    ] {
        let (code, text) = run(&["tour", "--lab", file, "-H", NOWHERE]);
        assert_eq!(code, Some(2), "{text}");
        assert!(text.contains(&format!("{file}:")), "{text}");
        golden(&format!("lab-{name}"), &text);
    }
    let (code, text) = run(&["tour", "--lab", "tests/fixtures/tour/labs/none.yaml"]);
    assert_eq!(code, Some(2), "{text}");
}

#[test]
fn the_builtin_tour_lists_in_english_and_korean() {
    let (code, text) = run(&["tour", "--list"]);
    assert_eq!(code, Some(0), "{text}");
    golden("list-en", &text);
    let (code, text) = run(&["tour", "--list", "--lang", "ko", "-o", "json"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("\"title\": \"컨트롤 플레인\""), "{text}");
    golden("list-ko-json", &text);
    // A Korean locale picks Korean without the flag.
    let o = Command::new(env!("CARGO_BIN_EXE_minik"))
        .args(["tour", "--list"])
        .env("LANG", "ko_KR.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("노드와 역할"));
}

#[test]
fn bad_flags_are_refused_before_the_engine() {
    let (code, text) = run(&["tour", "--name", "lab", "-H", NOWHERE]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("--yes"), "{text}");
    let (code, text) = run(&["tour", "--yes", "--skip", "volumes", "-H", NOWHERE]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("error: there is no step \"volumes\" in this lab"),
        "{text}"
    );
    assert!(
        text.contains("hint: the steps are: nodes, control-plane"),
        "{text}"
    );
}

/// Every bypass of the lab sandbox the security review found (issue #21), as a lab file: refused
/// before anything runs (exit 2, at the offending line), where minik before #21 listed each one.
#[test]
fn hostile_labs_are_refused() {
    for (file, says) in [
        ("verb-behind-flag", "comes before the verb"),
        ("second-namespace", "names its namespace more than once"),
        ("dotted-cluster-kind", "is not a kind a lab may change"),
        (
            "cluster-admin-binding",
            "is not a namespaced kind a lab may create",
        ),
        ("privileged-hostpath-pod", "Pod Security \"baseline\""),
        ("run-privileged", "\"--privileged\" is not allowed in a lab"),
        ("profile-output", "is not allowed in a lab"),
        ("other-server", "is not allowed in a lab"),
        ("manifest-url", "reads only the step's own manifest"),
        ("check-kind-url", "is not a kind of object"),
        ("terminal-escapes", "control character U+001B"),
        ("builtin-id", "lab id \"basics\" is the built-in lab's"),
    ] {
        let path = format!("tests/fixtures/tour/labs/hostile/{file}.yaml");
        let (code, text) = run(&["tour", "--lab", &path, "--list"]);
        assert_eq!(code, Some(2), "{file}: {text}");
        assert!(text.contains(&format!("{path}:")), "{file}: {text}");
        // Wrapped to the terminal's width: compared with line breaks as spaces.
        assert!(
            crate::common::squashed(&text).contains(says),
            "{file}: {text}"
        );
        assert!(!text.contains('\u{1b}'), "{file}: {text}");
    }
}
