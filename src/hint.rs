//! What to do about an error, kept beside the error that needs it (uv's `Hint` pattern).
//!
//! Every error enum implements [`Hint`] for its own variants only: a variant that wraps another
//! error exposes it as its `source()` instead of forwarding its hint, and the one renderer
//! (`ui::hints_for_error`) collects the hints of the whole chain, each once.

pub(crate) trait Hint {
    /// One line the user can act on, when minik knows one.
    fn hint(&self) -> Option<String>;
}
