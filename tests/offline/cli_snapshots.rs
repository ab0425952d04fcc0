//! Snapshots of what the minik binary prints when no engine is involved: `--help` of minik and
//! of every subcommand (found by walking the help's own command lists, so a new subcommand
//! fails here until its snapshot exists), and bad input refused before any engine is contacted
//! (exit code and stderr). Each case is one human-reviewed file in tests/golden/cli;
//! `MINIK_UPDATE_GOLDEN=1 cargo test --test offline cli_snapshots` rewrites them, and the
//! diff is then read like any other change. Files no case produces fail the test too.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// An engine that cannot exist: a case that reached the engine would show exit 3 in its file.
pub(crate) const NOWHERE: &str = "unix:///nonexistent/minik-test.sock";

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/cli")
}

/// Run minik in the repository root with a private HOME, no engine settings, no terminal and a
/// fixed width (clap wraps help to $COLUMNS), English (the tour follows the locale), and render
/// what it did. The other offline snapshot tests run minik through this too.
pub(crate) fn run(args: &[&str]) -> (Option<i32>, String) {
    let home = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_minik"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("HOME", home.path())
        .env("KUBECONFIG", home.path().join("config"))
        .env("CI", "true")
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env_remove("MINIK_CLUSTER_NAME")
        .stdin(Stdio::null())
        .output()
        .expect("run minik");
    let code = o.status.code();
    let text = format!(
        "$ minik {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        code.map_or("signal".to_string(), |c| c.to_string()),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (code, text)
}

/// Compare every `(file name, output)` with its golden file (or rewrite them), and check that
/// no other file with `prefix` is left in the folder.
fn check(prefix: &str, cases: &[(String, String)]) {
    let dir = golden_dir();
    let update = std::env::var_os("MINIK_UPDATE_GOLDEN").is_some_and(|v| v == "1");
    if update {
        std::fs::create_dir_all(&dir).unwrap();
    }
    let mut failures = Vec::new();
    for (file, actual) in cases {
        let path = dir.join(file);
        if update {
            std::fs::write(&path, actual).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(want) if &want == actual => {}
            Ok(want) => failures.push(format!(
                "{file} differs:\n{}",
                pretty_assertions::StrComparison::new(&want, actual)
            )),
            Err(e) => failures.push(format!("{file}: {e}")),
        }
    }
    let made: BTreeSet<&str> = cases.iter().map(|(f, _)| f.as_str()).collect();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with(prefix) && !made.contains(name.as_str()) {
            failures.push(format!(
                "{name}: no case makes this file any more; remove it"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(after reviewing, MINIK_UPDATE_GOLDEN=1 cargo test --test offline cli_snapshots \
         rewrites the files)",
        failures.join("\n")
    );
}

/// The subcommands a help text lists under "Commands:" (`help` itself left out).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A name starts its line; a wrapped description is indented further.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(String::from)
        .collect()
}

#[test]
fn help_of_minik_and_every_subcommand() {
    let mut cases = Vec::new();
    let mut todo = vec![Vec::<String>::new()];
    while let Some(path) = todo.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let (code, text) = run(&args);
        assert_eq!(code, Some(0), "{text}");
        for sub in subcommands(&text) {
            let mut next = path.clone();
            next.push(sub);
            todo.push(next);
        }
        let name = std::iter::once("help-minik".to_string())
            .chain(path.iter().cloned())
            .collect::<Vec<_>>()
            .join("-");
        cases.push((format!("{name}.txt"), text));
    }
    assert!(cases.len() > 10, "too few commands found: {cases:#?}");
    check("help-", &cases);
}

#[test]
fn bad_input_refused_without_an_engine() {
    let cases: &[(&str, &[&str])] = &[
        ("no-command", &[]),
        ("unknown-command", &["frobnicate"]),
        ("unknown-flag", &["create", "--nodez", "3"]),
        ("missing-argument", &["node", "delete", "-H", NOWHERE]),
        ("bad-duration", &["create", "--wait", "soon", "-H", NOWHERE]),
        ("nodes-zero", &["create", "--nodes", "0", "-H", NOWHERE]),
        (
            "nodes-too-many",
            &["create", "--nodes", "101", "-H", NOWHERE],
        ),
        ("bad-name", &["create", "--name", "Bad_Name", "-H", NOWHERE]),
        (
            "bad-name-get-nodes",
            &["get", "nodes", "--name", "Bad_Name", "-H", NOWHERE],
        ),
        (
            "missing-config",
            &["create", "--config", "no-such-file.yaml", "-H", NOWHERE],
        ),
        (
            "invalid-config",
            &[
                "create",
                "--config",
                "tests/fixtures/config/invalid-many.yaml",
                "-H",
                NOWHERE,
            ],
        ),
        ("unsupported-url", &["get", "clusters", "-H", "ftp://x"]),
        (
            "init-control-planes",
            &[
                "init",
                "--nodes",
                "1",
                "--control-planes",
                "2",
                "-H",
                NOWHERE,
            ],
        ),
        ("init-bad-port", &["init", "--port", "http", "-H", NOWHERE]),
        ("completion-shell", &["completion", "nosh"]),
    ];
    let mut made = Vec::new();
    for (name, args) in cases {
        let (code, text) = run(args);
        // Bad input is exit 2, and nothing here may get as far as the engine (exit 3).
        assert_eq!(code, Some(2), "{text}");
        made.push((format!("error-{name}.txt"), text));
    }
    check("error-", &made);
}
