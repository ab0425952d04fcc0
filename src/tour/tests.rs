//! The built-in lab reads cleanly and speaks both languages; languages follow flag and locale.

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

#[test]
fn language_from_flag_then_locale_then_english() {
    let env = |vars: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    };
    assert_eq!(
        language(Some(Lang::Ko), env(&[("LANG", "en_US.UTF-8")])),
        Lang::Ko
    );
    assert_eq!(language(None, env(&[("LANG", "ko_KR.UTF-8")])), Lang::Ko);
    assert_eq!(
        language(None, env(&[("LC_ALL", "en_GB"), ("LANG", "ko_KR")])),
        Lang::En
    );
    assert_eq!(
        language(None, env(&[("LC_ALL", ""), ("LANG", "ko_KR")])),
        Lang::Ko
    );
    assert_eq!(language(None, env(&[("LANG", "fr_FR.UTF-8")])), Lang::En);
    assert_eq!(language(None, env(&[])), Lang::En);
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
