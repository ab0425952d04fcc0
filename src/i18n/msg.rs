//! A learner-facing line kept in every language minik speaks: a sentence the doctor's catalog
//! translates by its English (`doctor.ko.yaml`'s `texts`), or a [`Key`] with its values (the
//! Korean in `messages.ko.yaml`), or a value shown as it came (a version, a path, an engine's
//! own words). A line is made once, in English for `-o json` and the tests, and rendered in
//! the learner's language where it is printed.

use std::fmt;

use super::keys::Key;
use super::Lang;

/// One line in every language; its English is what `Display`, `Deref` and JSON show.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Msg {
    english: String,
    source: Source,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
enum Source {
    /// A whole sentence the doctor's catalog has, by its English.
    Sentence,
    /// A keyed template and its values, each a line of its own (a number is a verbatim line).
    Keyed(Key, Vec<(&'static str, Msg)>),
    /// Shown as it is in every language.
    #[default]
    Verbatim,
}

/// `msg!(Key::X, name = value, ...)`: the line `Key::X` with each `{name}` filled by the
/// value's `Display` text, shown as it is in every language; `msg!(Key::X, name = value;
/// inner => other_msg)` fills `{inner}` with another line, translated with this one.
#[macro_export]
#[doc(hidden)]
macro_rules! msg {
    ($key:expr $(, $name:ident = $val:expr)* $(; $($mname:ident => $mval:expr),+)? $(,)?) => {
        $crate::i18n::Msg::new(
            $key,
            vec![
                $((stringify!($name), $crate::i18n::Msg::verbatim(($val).to_string())),)*
                $($((stringify!($mname), $crate::i18n::Msg::from($mval)),)+)?
            ],
        )
    };
}

impl Msg {
    /// `key`'s line with `args` in its places. A template naming a value `args` lacks is a
    /// mistake the tests catch; outside them the template is shown rather than a half line.
    pub(crate) fn new(key: Key, args: Vec<(&'static str, Msg)>) -> Msg {
        let english = fill(key.english(), &args, Lang::En);
        #[cfg(test)]
        {
            let mut want = super::placeholders(key.english());
            want.sort();
            want.dedup();
            let mut have: Vec<String> = args.iter().map(|(n, _)| n.to_string()).collect();
            have.sort();
            assert_eq!(want, have, "{} is given the wrong values", key.id());
        }
        Msg {
            english: english.unwrap_or_else(|| key.english().to_string()),
            source: Source::Keyed(key, args),
        }
    }

    /// A value shown as it came, in every language (a version, a path, an engine's words).
    pub(crate) fn verbatim(text: impl Into<String>) -> Msg {
        Msg {
            english: text.into(),
            source: Source::Verbatim,
        }
    }

    #[cfg(test)]
    pub(crate) fn as_str(&self) -> &str {
        &self.english
    }

    /// The line in `lang`: English when the catalog lacks it (the tests fail on that).
    pub(crate) fn in_lang(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.english.clone();
        }
        match &self.source {
            Source::Verbatim => self.english.clone(),
            Source::Sentence => super::ko_doctor()
                .texts
                .get(&self.english)
                .cloned()
                .unwrap_or_else(|| self.english.clone()),
            Source::Keyed(key, args) => super::ko_messages()
                .get(key.id())
                .and_then(|t| fill(t, args, lang))
                .unwrap_or_else(|| self.english.clone()),
        }
    }

    /// The sentences and keys of this line and the lines in it that have no Korean, for
    /// the tests (a value shown as it came needs none).
    #[cfg(test)]
    pub(crate) fn untranslated(&self) -> Vec<String> {
        match &self.source {
            Source::Verbatim => Vec::new(),
            Source::Sentence if super::ko_doctor().texts.contains_key(&self.english) => Vec::new(),
            Source::Sentence => vec![self.english.clone()],
            Source::Keyed(key, args) => {
                let own = (!super::ko_messages().contains_key(key.id())).then(|| key.id().into());
                own.into_iter()
                    .chain(args.iter().flat_map(|(_, m)| m.untranslated()))
                    .collect()
            }
        }
    }
}

fn fill(template: &str, args: &[(&'static str, Msg)], lang: Lang) -> Option<String> {
    let values: Vec<(&str, String)> = args.iter().map(|(n, m)| (*n, m.in_lang(lang))).collect();
    super::fill(template, &values)
}

/// A sentence the doctor's catalog translates by its English.
impl From<&'static str> for Msg {
    fn from(s: &'static str) -> Msg {
        Msg {
            english: s.to_string(),
            source: Source::Sentence,
        }
    }
}

impl std::ops::Deref for Msg {
    type Target = str;
    fn deref(&self) -> &str {
        &self.english
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.english)
    }
}

impl PartialEq<&str> for Msg {
    fn eq(&self, other: &&str) -> bool {
        self.english == *other
    }
}

impl PartialEq<str> for Msg {
    fn eq(&self, other: &str) -> bool {
        self.english == other
    }
}

impl serde::Serialize for Msg {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.english)
    }
}
