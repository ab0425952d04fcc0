//! The built-in labs read cleanly and speak both languages (the language itself is chosen in
//! src/i18n, tested there).

use super::*;

#[test]
fn the_builtin_lab_is_valid_and_bilingual() {
    let lab = builtin(DEFAULT_LAB).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(lab.namespace, "minik-tour");
    assert!(lab.steps.len() >= 8);
    for s in &lab.steps {
        for lang in ["en", "ko"] {
            assert!(s.title.0.contains_key(lang), "{}: no {lang} title", s.id);
            assert!(s.text.0.contains_key(lang), "{}: no {lang} text", s.id);
        }
        assert!(s.command.is_some(), "{}: nothing to try", s.id);
        assert!(!s.checks.is_empty(), "{}: no checks", s.id);
    }
    let ids: Vec<&str> = lab.steps.iter().map(|s| s.id.as_str()).collect();
    for want in [
        "nodes",
        "control-plane",
        "node-agents",
        "namespace",
        "deployment",
        "scale",
        "self-healing",
        "worker-away",
        "service",
        "volume",
    ] {
        assert!(ids.contains(&want), "{want} missing from {ids:?}");
    }
    assert!(builtin("nope").is_err());
}

/// The scheduling lab (#22): its own namespace, both languages, every step checked, and the node
/// label it sets undone by its own cleanup.
#[test]
fn the_scheduling_lab_is_valid_bilingual_and_undoes_its_label() {
    let lab = builtin("scheduling").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(lab.namespace, "minik-scheduling");
    for s in &lab.steps {
        for lang in ["en", "ko"] {
            assert!(s.title.0.contains_key(lang), "{}: no {lang} title", s.id);
            assert!(s.text.0.contains_key(lang), "{}: no {lang} text", s.id);
        }
        assert!(!s.checks.is_empty(), "{}: no checks", s.id);
    }
    let ids: Vec<&str> = lab.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "namespace",
            "capacity",
            "label",
            "node-selector",
            "toleration",
            "too-big",
            "why-pending",
            "oom",
            "restarts"
        ]
    );
    let label = &lab.steps[2];
    let words = |c: &lab::Kubectl| c.0.join(" ");
    assert_eq!(
        label.command.as_ref().map(words).as_deref(),
        Some("label node {worker} disktype=ssd")
    );
    assert_eq!(
        label.cleanup.iter().map(words).collect::<Vec<_>>(),
        ["label node {worker} disktype-"]
    );
}

#[test]
fn the_rollout_lab_is_valid_bilingual_and_reads_its_clients_log() {
    let lab = builtin("rollout").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(lab.namespace, "minik-rollout");
    let ids: Vec<&str> = lab.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "namespace",
            "app",
            "client",
            "update",
            "status",
            "replicasets",
            "broken",
            "stalled",
            "undo",
            "no-downtime"
        ]
    );
    for s in &lab.steps {
        for lang in ["en", "ko"] {
            assert!(s.title.0.contains_key(lang), "{}: no {lang} title", s.id);
            assert!(s.text.0.contains_key(lang), "{}: no {lang} text", s.id);
        }
        assert!(s.command.is_some(), "{}: nothing to try", s.id);
        assert!(!s.checks.is_empty(), "{}: no checks", s.id);
    }
    let last = lab.steps.last().unwrap();
    assert!(last.checks.iter().any(|c| c.expect
        == crate::tour::lab::Expect::LogLastWord("failed=0".into())
        && c.name.as_deref() == Some("client")));
}

#[test]
fn log_last_word_is_one_word_about_pods() {
    let lab = |check: &str| {
        format!(
            "apiVersion: minik.dev/v1alpha1\nkind: Lab\nid: logs\nsteps:\n- id: a\n  title: A\n  \
             text: A\n  try: kubectl get pods -n {{namespace}}\n  checks:\n  - {check}\n"
        )
    };
    assert!(parse_foreign(&lab("{kind: pods, name: c, logLastWord: failed=0}"), "t").is_ok());
    let err = parse_foreign(&lab("{kind: pods, name: c, logLastWord: 'failed 0'}"), "t")
        .unwrap_err()
        .to_string();
    assert!(err.contains("logLastWord is one word"), "{err}");
    let err = parse_foreign(&lab("{kind: deployments, logLastWord: ok}"), "t")
        .unwrap_err()
        .to_string();
    assert!(err.contains("logLastWord reads pods' logs"), "{err}");
    let err = parse_foreign(&lab("{kind: pods, count: 1, logLastWord: ok}"), "t")
        .unwrap_err()
        .to_string();
    assert!(err.contains("exactly one thing"), "{err}");
}

/// Adding a lab is adding its file and registering its id: the two never differ, each file is
/// named after its lab's id, and every built-in lab reads and speaks both languages.
#[test]
fn every_lab_file_is_registered_and_every_registered_lab_has_its_file() {
    let files: Vec<String> = LABS
        .files()
        .map(|f| f.path().display().to_string())
        .collect();
    for file in &files {
        let id = file.strip_suffix(".yaml").unwrap_or(file);
        assert!(
            BUILTIN_LABS.contains(&id),
            "src/tour/labs/{file} is not in BUILTIN_LABS (src/tour/mod.rs): add {id:?} there"
        );
    }
    for id in BUILTIN_LABS {
        assert!(
            files.contains(&format!("{id}.yaml")),
            "BUILTIN_LABS names {id} but src/tour/labs/{id}.yaml is missing"
        );
        let lab = builtin(id).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&lab.id, id, "src/tour/labs/{id}.yaml holds lab {}", lab.id);
        for lang in ["en", "ko"] {
            assert!(lab.title.0.contains_key(lang), "{id}: no {lang} title");
        }
    }
    assert_eq!(builtin_labs().len(), BUILTIN_LABS.len());
    assert!(BUILTIN_LABS.contains(&DEFAULT_LAB));
}

/// Object names the built-in labs' Korean text mentions, which stay as they are.
const LAB_NAMES: &[&str] = &[
    "hello", "notes", "default", "standard", "client", "tier", "app",
];

#[test]
fn every_builtin_labs_korean_uses_the_glossary_and_reads_as_korean() {
    let mut problems = Vec::new();
    for lab in builtin_labs() {
        let mut texts = vec![("title".to_string(), lab.title.get(Lang::Ko).to_string())];
        for s in &lab.steps {
            texts.push((format!("{}.title", s.id), s.title.get(Lang::Ko).to_string()));
            texts.push((format!("{}.text", s.id), s.text.get(Lang::Ko).to_string()));
        }
        for (place, text) in texts {
            let bad = crate::i18n::glossary::discouraged(&text, Lang::Ko);
            if !bad.is_empty() {
                problems.push(format!("{}/{place}: discouraged {bad:?}", lab.id));
            }
            let english = crate::i18n::leaks::english_words_but(&text, LAB_NAMES);
            if !english.is_empty() {
                problems.push(format!("{}/{place}: English {english:?}", lab.id));
            }
        }
        for s in &lab.steps {
            let bad = crate::i18n::glossary::discouraged(s.text.get(Lang::En), Lang::En);
            if !bad.is_empty() {
                problems.push(format!("{}/{}: discouraged {bad:?}", lab.id, s.id));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
