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
