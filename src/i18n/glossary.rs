//! The terms minik's text uses, one file per language with the same ids: glossary.en.yaml
//! and glossary.ko.yaml (the Korean Kubernetes docs' terms). The tests hold the labs, the
//! tour's messages and the error catalog to them: a discouraged variant anywhere fails.

use std::collections::BTreeMap;

use super::Lang;

/// One idea's word in one language, and the variants not to use for it.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Term {
    pub(crate) term: String,
    pub(crate) avoid: Vec<String>,
}

const EN: &str = include_str!("glossary.en.yaml");
const KO: &str = include_str!("glossary.ko.yaml");

/// The glossary of `lang`, by id; empty if its file does not parse (the tests catch that).
pub(crate) fn of(lang: Lang) -> BTreeMap<String, Term> {
    let text = match lang {
        Lang::En => EN,
        Lang::Ko => KO,
    };
    serde_yaml::from_str(text).unwrap_or_default()
}

/// Each discouraged variant `text` uses, with the term to use instead. Line breaks count as
/// spaces (a lab's paragraph may break a two-word term). Korean variants are found anywhere
/// (Korean words take their particles attached); English ones as whole words, in any case.
pub(crate) fn discouraged(text: &str, lang: Lang) -> Vec<(String, String)> {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let haystack = match lang {
        Lang::En => flat.to_lowercase(),
        Lang::Ko => flat,
    };
    let mut found = Vec::new();
    for t in of(lang).into_values() {
        for bad in &t.avoid {
            let hit = match lang {
                Lang::Ko => haystack.contains(bad.as_str()),
                Lang::En => whole_word(&haystack, &bad.to_lowercase()),
            };
            if hit {
                found.push((bad.clone(), t.term.clone()));
            }
        }
    }
    found
}

fn whole_word(haystack: &str, word: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '-';
    haystack.match_indices(word).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + word.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}
