//! What to do about an error, kept beside the error that needs it (uv's `Hint` pattern).
//!
//! Every error enum implements [`Hint`] for its own variants only: a variant that wraps another
//! error exposes it as its `source()` instead of forwarding its hint, and the one renderer
//! (`ui::hints_for_error`) collects the hints of the whole chain, each once.

pub(crate) trait Hint {
    /// One line the user can act on, when minik knows one.
    fn hint(&self) -> Option<String>;
}

/// Gives an error enum a stable message key per variant (`key()`), the list of every key
/// (`KEYS`), and the values each variant names (`args()`), from one table whose match is
/// exhaustive: a new variant does not compile until it has a key, and `i18n`'s tests fail until
/// that key has Korean text. Each row is `Enum::Variant pattern => "key" [, name = value]*`;
/// `value` is anything `Display`, named as `{name}` in the catalog's templates.
#[macro_export]
#[doc(hidden)]
macro_rules! error_keys {
    ($vis:vis $ty:ty { $($p:pat => $key:literal $(, $name:ident = $val:expr)*;)* }) => {
        impl $ty {
            /// Every key a value of this type can have, for the translation catalog's tests.
            #[allow(dead_code)]
            pub(crate) const KEYS: &'static [&'static str] = &[$($key),*];

            /// The names of the values each key's variant has, for the catalog's tests.
            #[allow(dead_code)]
            pub(crate) const KEY_ARGS: &'static [(&'static str, &'static [&'static str])] =
                &[$(($key, &[$(stringify!($name)),*])),*];

            /// A stable key per variant, for messages kept in other languages.
            #[allow(unused_variables)]
            $vis fn key(&self) -> &'static str {
                match self {
                    $($p => $key,)*
                }
            }

            /// The values the variant names, for filling its translated text.
            #[allow(unused_variables)]
            pub(crate) fn args(&self) -> Vec<(&'static str, String)> {
                match self {
                    $($p => vec![$((stringify!($name), ($val).to_string())),*],)*
                }
            }
        }
    };
}
