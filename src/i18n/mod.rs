//! The languages minik speaks to learners (the tour, `init`, `doctor`), and the Korean catalog
//! of error messages and hints keyed by each error variant's stable key (`key()`, from
//! [`crate::error_keys`]). English stays each error's `Display` text; `ui::render_error` picks
//! the catalog's Korean when the learner's language is Korean. Every other line `init`,
//! `doctor` and `doctor --workshop` show is a [`Msg`]: a [`Key`] (keys.rs, with its English)
//! and its values, whose Korean is in messages.ko.yaml, or a whole sentence the doctor's
//! catalog (doctor.ko.yaml) translates by its English; the tests fail on a key or a sentence
//! a rendered line uses without Korean. The glossary ([`glossary`]) holds the Korean
//! Kubernetes docs' terms the catalogs and the labs use.
//!
//! A catalog template names the variant's values as `{name}` and the translated text of the
//! error it wraps as `{source}`. Korean particles change with the sound before them (이/가,
//! 을/를, 은/는, 으로/로), which a value's text does not say, so a template never puts one of
//! those right after a placeholder: a noun follows the value (`{name} 클러스터가`) or a particle
//! that never changes (의, 에, 에서, 도, 인, 입니다). A test holds the catalog to that.

#[cfg(test)]
pub(crate) mod glossary;
mod keys;
mod msg;

pub(crate) use keys::Key;
pub(crate) use msg::Msg;

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The languages minik's learner-facing text is kept in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Ko,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ko];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The language of a POSIX locale such as `ko_KR.UTF-8` (`C` and unknown ones: none).
    pub fn from_locale(locale: &str) -> Option<Lang> {
        let lang = locale.split(['_', '.', '@', '-']).next()?;
        Lang::from_code(&lang.to_ascii_lowercase())
    }
}

/// The language to speak: the flag, else the first locale variable set (LC_ALL, LC_MESSAGES,
/// LANG, as gettext reads them), else English.
pub(crate) fn language(flag: Option<Lang>, env: impl Fn(&str) -> Option<String>) -> Lang {
    if let Some(l) = flag {
        return l;
    }
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|k| env(k))
        .find(|v| !v.is_empty())
        .and_then(|v| Lang::from_locale(&v))
        .unwrap_or(Lang::En)
}

/// One error variant's Korean: its line and, when the variant has a hint, the hint.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Entry {
    pub(crate) error: String,
    /// Present for every entry (`~` when the variant has no hint of its own), so a writer
    /// decides for each variant rather than forgetting one.
    pub(crate) hint: Option<String>,
}

const KO_ERRORS: &str = include_str!("errors.ko.yaml");

/// The Korean catalog, read once; a catalog that does not parse (caught by the tests) leaves
/// every message in English rather than failing the command.
pub(crate) fn ko_errors() -> &'static BTreeMap<String, Entry> {
    static CATALOG: OnceLock<BTreeMap<String, Entry>> = OnceLock::new();
    CATALOG.get_or_init(|| serde_yaml::from_str(KO_ERRORS).unwrap_or_default())
}

/// `minik doctor`'s Korean: a title per check id, and sentences keyed by their English.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DoctorWords {
    pub(crate) titles: BTreeMap<String, String>,
    pub(crate) texts: BTreeMap<String, String>,
}

const KO_DOCTOR: &str = include_str!("doctor.ko.yaml");

/// The doctor's Korean, read once (English everywhere if it does not parse: the tests catch it).
pub(crate) fn ko_doctor() -> &'static DoctorWords {
    static WORDS: OnceLock<DoctorWords> = OnceLock::new();
    WORDS.get_or_init(|| serde_yaml::from_str(KO_DOCTOR).unwrap_or_default())
}

const KO_MESSAGES: &str = include_str!("messages.ko.yaml");

/// The Korean of every keyed line ([`Key`]), by id, read once (English everywhere if it does
/// not parse: the tests catch it).
pub(crate) fn ko_messages() -> &'static BTreeMap<String, String> {
    static WORDS: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    WORDS.get_or_init(|| serde_yaml::from_str(KO_MESSAGES).unwrap_or_default())
}

/// An error's line in `lang`: its English (`Display`), or the catalog's Korean for its key
/// filled with its values (English when the catalog lacks it). For errors that wrap none;
/// `ui::render_error` renders whole chains.
pub(crate) fn error_line(
    key: &str,
    args: &[(&'static str, String)],
    english: String,
    lang: Lang,
) -> String {
    match lang {
        Lang::En => english,
        Lang::Ko => ko_errors()
            .get(key)
            .and_then(|e| fill(&e.error, args))
            .unwrap_or(english),
    }
}

/// `template` with each `{name}` replaced by its value (`{{` and `}}` are literal braces);
/// `None` when it names a value `args` lacks (the caller then shows the English text rather
/// than a half-filled line).
pub(crate) fn fill(template: &str, args: &[(&str, String)]) -> Option<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(at) = rest.find(['{', '}']) {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if rest[at..].starts_with("{{") || rest[at..].starts_with("}}") {
            out.push_str(&rest[at..at + 1]);
            rest = &after[1..];
            continue;
        }
        if rest[at..].starts_with('}') {
            return None;
        }
        let close = after.find('}')?;
        let name = &after[..close];
        let (_, value) = args.iter().find(|(n, _)| *n == name)?;
        out.push_str(value);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The placeholders a template names, in order.
#[cfg(test)]
pub(crate) fn placeholders(template: &str) -> Vec<String> {
    let plain = template.replace("{{", "").replace("}}", "");
    let mut names = Vec::new();
    let mut rest = plain.as_str();
    while let Some(open) = rest.find('{') {
        let Some((name, after)) = rest[open + 1..].split_once('}') else {
            break;
        };
        names.push(name.to_string());
        rest = after;
    }
    names
}

#[cfg(test)]
pub(crate) mod leaks;
#[cfg(test)]
mod tests;
