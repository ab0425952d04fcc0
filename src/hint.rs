//! What to do about an error, kept beside the error that needs it (uv's `Hint` pattern).
//!
//! Every error enum implements [`Hint`]; an enum that wraps another asks the inner one, so the
//! one renderer in `ui` gets the hint of the innermost error that has one by asking the top.

pub(crate) trait Hint {
    /// One line the user can act on, when minik knows one.
    fn hint(&self) -> Option<String>;
}
