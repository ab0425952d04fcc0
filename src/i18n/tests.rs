use std::collections::BTreeSet;

use super::*;

/// Every key an error a learner's command can show may have, with the names of its values.
fn every_key() -> Vec<(&'static str, &'static [&'static str])> {
    [
        crate::error::Error::KEY_ARGS,
        crate::cluster::ClusterError::KEY_ARGS,
        crate::provider::ProviderError::KEY_ARGS,
        crate::input::InputError::KEY_ARGS,
        crate::cluster::load::LoadError::KEY_ARGS,
        crate::bundle::BundleError::KEY_ARGS,
        crate::nodeimage::NodeImageError::KEY_ARGS,
        crate::engine::EngineError::KEY_ARGS,
        crate::cluster::create::PrepareError::KEY_ARGS,
        crate::create::CreateError::KEY_ARGS,
        crate::tour::TourError::KEY_ARGS,
        crate::failure::Failure::KEY_ARGS,
        crate::signals::Cancelled::KEY_ARGS,
        crate::live::LiveError::KEY_ARGS,
    ]
    .concat()
}

#[test]
fn the_catalog_parses() {
    let raw: Result<BTreeMap<String, Entry>, _> = serde_yaml::from_str(KO_ERRORS);
    assert!(raw.is_ok(), "{:?}", raw.err());
    assert!(!ko_errors().is_empty());
}

#[test]
fn every_error_key_has_korean_text() {
    let catalog = ko_errors();
    let missing: Vec<&str> = every_key()
        .into_iter()
        .map(|(k, _)| k)
        .filter(|k| !catalog.contains_key(*k))
        .collect();
    assert!(missing.is_empty(), "no Korean for: {missing:?}");
}

#[test]
fn the_catalog_has_no_key_no_error_has() {
    let known: BTreeSet<&str> = every_key().into_iter().map(|(k, _)| k).collect();
    let stale: Vec<&String> = ko_errors()
        .keys()
        .filter(|k| !known.contains(k.as_str()))
        .collect();
    assert!(stale.is_empty(), "catalog keys no error has: {stale:?}");
}

#[test]
fn every_entry_says_whether_it_has_a_hint() {
    // `hint: ~` and a hint are both fine; a missing `hint:` line is a variant nobody decided on.
    let raw: BTreeMap<String, serde_yaml::Value> =
        serde_yaml::from_str(KO_ERRORS).unwrap_or_default();
    let undecided: Vec<&String> = raw
        .iter()
        .filter(|(_, v)| v.get("hint").is_none())
        .map(|(k, _)| k)
        .collect();
    assert!(undecided.is_empty(), "no hint line: {undecided:?}");
}

#[test]
fn templates_name_only_the_values_their_variant_has() {
    let args: BTreeMap<&str, &[&str]> = every_key().into_iter().collect();
    for (key, entry) in ko_errors() {
        let Some(names) = args.get(key.as_str()) else {
            continue;
        };
        for (field, template) in [("error", Some(&entry.error)), ("hint", entry.hint.as_ref())] {
            for p in template.map(|t| placeholders(t)).unwrap_or_default() {
                assert!(
                    names.contains(&p.as_str()) || (p == "source" && field == "error"),
                    "{key}.{field} names {{{p}}}, which the variant does not have ({names:?})"
                );
            }
        }
    }
}

#[test]
fn no_particle_that_changes_with_sound_follows_a_value() {
    // After a value, 이/가 etc. would need to know its last sound; 이라는/이다 forms included.
    const CHANGING: &[&str] = &[
        "이 ", "가 ", "을", "를", "은", "는", "과", "와", "으로", "로 ", "라는", "이라", "(이)",
        "(으)", "이나", "나 ",
    ];
    for (key, entry) in ko_errors() {
        for template in [Some(&entry.error), entry.hint.as_ref()]
            .into_iter()
            .flatten()
        {
            for (i, _) in template.match_indices('}') {
                if template[..i].ends_with('}') || template[i + 1..].starts_with('}') {
                    continue;
                }
                let after = &template[i + 1..];
                let bad = CHANGING.iter().find(|p| after.starts_with(*p));
                assert!(
                    bad.is_none(),
                    "{key}: {bad:?} right after a value in {template:?}"
                );
            }
        }
    }
}

#[test]
fn the_catalog_uses_the_glossarys_terms() {
    for (key, entry) in ko_errors() {
        for template in [Some(&entry.error), entry.hint.as_ref()]
            .into_iter()
            .flatten()
        {
            let bad = glossary::discouraged(template, Lang::Ko);
            assert!(bad.is_empty(), "{key}: {bad:?}");
        }
    }
}

#[test]
fn the_catalog_is_korean_but_for_commands_and_names() {
    let mut leaks = Vec::new();
    for (key, entry) in ko_errors() {
        for template in [Some(&entry.error), entry.hint.as_ref()]
            .into_iter()
            .flatten()
        {
            let words = leaks::english_words(template);
            if !words.is_empty() {
                leaks.push(format!("{key}: English {words:?} in {template:?}"));
            }
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}

#[test]
fn values_fill_their_places_and_braces_can_be_literal() {
    let args = [("name", "\"lab\"".to_string())];
    assert_eq!(
        fill("이름이 {name}인 클러스터", &args).as_deref(),
        Some("이름이 \"lab\"인 클러스터")
    );
    assert_eq!(
        fill("bin/{{kubeadm,kubelet}} {name}", &args).as_deref(),
        Some("bin/{kubeadm,kubelet} \"lab\"")
    );
    // A value the variant lacks leaves the caller to show English, never a half-filled line.
    assert_eq!(fill("{missing} 클러스터", &args), None);
    assert_eq!(fill("닫히지 않은 {name", &args), None);
}

#[test]
fn the_glossaries_name_the_same_ideas() {
    let en: BTreeSet<String> = glossary::of(Lang::En).into_keys().collect();
    let ko: BTreeSet<String> = glossary::of(Lang::Ko).into_keys().collect();
    assert!(!en.is_empty());
    assert_eq!(en, ko);
}

#[test]
fn the_glossary_finds_discouraged_variants_across_lines() {
    let bad = glossary::discouraged("클러스터의 스토리지\n        클래스가", Lang::Ko);
    assert_eq!(
        bad,
        vec![("스토리지 클래스".into(), "스토리지클래스".into())]
    );
    assert!(glossary::discouraged("스토리지클래스(StorageClass)가", Lang::Ko).is_empty());
    let bad = glossary::discouraged("the Master Nodes run", Lang::En);
    assert_eq!(bad.len(), 1);
    assert!(glossary::discouraged("mastered nodes", Lang::En).is_empty());
}

#[test]
fn english_in_korean_text_is_found_but_commands_and_glosses_are_not() {
    assert!(leaks::english_words("minik get clusters로 확인하세요").is_empty());
    assert!(leaks::english_words("의도한 상태(desired state)와 --nodes 3").is_empty());
    assert!(leaks::english_words("lab-worker(워커)에서 Running").is_empty());
    assert_eq!(
        leaks::english_words("lab-worker Running on worker"),
        vec!["on".to_string(), "worker".to_string()]
    );
    assert_eq!(
        leaks::english_words("기대한 상태: 3 pods app=hello"),
        vec!["pods".to_string()]
    );
}

#[test]
fn languages_from_flag_then_locale_then_english() {
    let env = |vars: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    };
    assert_eq!(
        language(Some(Lang::En), env(&[("LANG", "ko_KR.UTF-8")])),
        Lang::En
    );
    assert_eq!(language(None, env(&[("LANG", "ko_KR.UTF-8")])), Lang::Ko);
    assert_eq!(
        language(Some(Lang::Ko), env(&[("LANG", "en_US.UTF-8")])),
        Lang::Ko
    );
    assert_eq!(
        language(None, env(&[("LC_ALL", "C"), ("LANG", "ko_KR.UTF-8")])),
        Lang::En
    );
    // An empty LC_ALL is unset, as POSIX reads it.
    assert_eq!(
        language(None, env(&[("LC_ALL", ""), ("LANG", "ko_KR")])),
        Lang::Ko
    );
    assert_eq!(language(None, env(&[("LANG", "fr_FR.UTF-8")])), Lang::En);
    assert_eq!(language(None, env(&[])), Lang::En);
}

#[test]
fn every_doctor_check_has_a_korean_title() {
    let raw: Result<DoctorWords, _> = serde_yaml::from_str(KO_DOCTOR);
    assert!(raw.is_ok(), "{:?}", raw.err());
    let words = ko_doctor();
    for id in crate::platform::checks::CHECK_IDS {
        assert!(
            words.titles.contains_key(*id),
            "check {id} has no Korean title"
        );
    }
    for id in words.titles.keys() {
        assert!(
            crate::platform::checks::CHECK_IDS.contains(&id.as_str()),
            "title for {id}, which no check has"
        );
    }
}

#[test]
fn the_doctors_korean_reads_as_korean_and_translates_sentences_the_checks_have() {
    let files = [
        "platform/checks/engine.rs",
        "platform/checks/kernel.rs",
        "platform/checks/resources.rs",
        "platform/checks/workshop.rs",
        "platform/checks/ports.rs",
        "platform/checks/kubectl.rs",
        "doctor/workshop.rs",
        "doctor/kubectl.rs",
    ];
    let sources: String = files
        .iter()
        .map(|f| {
            let path = format!("{}/src/{f}", env!("CARGO_MANIFEST_DIR"));
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
        })
        .collect();
    let words = ko_doctor();
    for (en, ko) in words.texts.iter().chain(&words.titles) {
        let english = leaks::english_words(ko);
        assert!(english.is_empty(), "English {english:?} in {ko:?}");
        assert!(glossary::discouraged(ko, Lang::Ko).is_empty(), "{ko}");
        if words.texts.contains_key(en) {
            let literal = format!("{en:?}");
            assert!(sources.contains(&literal), "no check says {literal}");
        }
    }
}
