//! Config errors that point at the offending spot and say how to fix it.

use std::fmt;

/// A position in the config file, both numbers starting at 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// One problem with the cluster configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The config file as the user named it, `<stdin>`, or the command-line flag that set the value.
    pub origin: String,
    /// Where in `origin` the problem is; `None` for values that came from flags or defaults.
    pub location: Option<Location>,
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl ConfigError {
    pub fn new(
        origin: impl Into<String>,
        location: Option<Location>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        ConfigError {
            origin: origin.into(),
            location,
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// The first line alone: `<file>:<line>:<col>: <message>`.
    pub fn headline(&self) -> String {
        match self.location {
            Some(at) => format!(
                "{}:{}:{}: {}",
                self.origin, at.line, at.column, self.message
            ),
            None => format!("{}: {}", self.origin, self.message),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline())?;
        if !self.hint.is_empty() {
            write!(f, "\n  hint: {}", self.hint)?;
        }
        Ok(())
    }
}

/// Every problem found, in file order. Never empty when returned as an error.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.0.iter()
    }

    pub fn push(&mut self, error: ConfigError) {
        self.0.push(error);
    }

    pub fn extend(&mut self, other: ConfigErrors) {
        self.0.extend(other.0);
    }

    /// Sorts by position (errors without one last) and returns `Err` if there is anything.
    pub fn into_result(mut self) -> Result<(), ConfigErrors> {
        self.0.sort_by_key(|e| (e.location.is_none(), e.location));
        self.0.dedup();
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

impl From<ConfigError> for ConfigErrors {
    fn from(e: ConfigError) -> Self {
        ConfigErrors(vec![e])
    }
}

impl IntoIterator for ConfigErrors {
    type Item = ConfigError;
    type IntoIter = std::vec::IntoIter<ConfigError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    // A truncated name (`ClusterConfig` for `ClusterConfiguration`) is a likely slip too.
    if lower.len() >= 4 {
        if let Some(c) = candidates
            .iter()
            .find(|c| c.to_ascii_lowercase().starts_with(&lower))
        {
            return Some(c);
        }
    }
    candidates
        .iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diag
            } else {
                1 + diag.min(above).min(row[j])
            };
            diag = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_position_message_and_hint() {
        let e = ConfigError::new(
            "kind.yaml",
            Some(Location { line: 3, column: 5 }),
            "bad",
            "fix it",
        );
        assert_eq!(e.to_string(), "kind.yaml:3:5: bad\n  hint: fix it");
        let flag = ConfigError::new("--name", None, "bad name", "");
        assert_eq!(flag.to_string(), "--name: bad name");
        let all = ConfigErrors(vec![e, flag]);
        assert_eq!(all.to_string().lines().count(), 3);
    }

    #[test]
    fn sorts_by_position() {
        let at = |l| Some(Location { line: l, column: 1 });
        let errs = ConfigErrors(vec![
            ConfigError::new("f", None, "c", ""),
            ConfigError::new("f", at(9), "b", ""),
            ConfigError::new("f", at(2), "a", ""),
        ]);
        let sorted = errs.into_result().unwrap_err();
        let msgs: Vec<_> = sorted.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(msgs, ["a", "b", "c"]);
    }

    #[test]
    fn suggests_close_names_only() {
        let known = ["extraPortMappings", "extraMounts", "labels", "role"];
        assert_eq!(
            closest("extraPortMapping", &known),
            Some("extraPortMappings")
        );
        assert_eq!(closest("extramounts", &known), Some("extraMounts"));
        assert_eq!(closest("rol", &known), Some("role"));
        assert_eq!(closest("completelyDifferent", &known), None);
        assert_eq!(closest("extraPort", &known), Some("extraPortMappings"));
        assert_eq!(closest("ext", &known), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
