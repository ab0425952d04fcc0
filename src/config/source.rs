//! Where each setting came from: a position in the config file, a command-line flag, or a default.
//! Settings are named by paths such as `nodes[1].extraPortMappings[0].hostPort`.

use std::collections::{BTreeMap, BTreeSet};

use super::error::{ConfigError, Location};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spot {
    key: Location,
    value: Location,
}

/// Positions of the settings of one config file, plus the ones later replaced by flags.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceMap {
    origin: String,
    spots: BTreeMap<String, Spot>,
    /// Paths whose value a command-line flag replaced, with the flag.
    flags: BTreeMap<String, String>,
    /// Paths whose value could not be decoded (already reported; the default stands in).
    failed: BTreeSet<String>,
}

impl SourceMap {
    /// `origin` is how errors name the file (`-` becomes `<stdin>`).
    pub fn new(origin: &str) -> Self {
        let origin = if origin == "-" {
            "<stdin>".to_string()
        } else {
            origin.to_string()
        };
        SourceMap {
            origin,
            ..SourceMap::default()
        }
    }

    /// For a configuration that did not come from a file.
    pub fn defaults() -> Self {
        SourceMap::new("default configuration")
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub(crate) fn record(&mut self, path: &str, key: Location, value: Location) {
        self.spots.insert(path.to_string(), Spot { key, value });
    }

    pub(crate) fn mark_failed(&mut self, path: &str) {
        self.failed.insert(path.to_string());
    }

    /// Was the value at `path` reported as undecodable (so checks relying on it should be skipped)?
    pub(crate) fn failed(&self, path: &str) -> bool {
        self.failed.contains(path)
    }

    /// Did the file itself set `path`?
    pub(crate) fn has(&self, path: &str) -> bool {
        self.spots.contains_key(path) && self.flag_for(path).is_none()
    }

    /// Marks `path` (and everything under it) as set by `flag`.
    pub(crate) fn set_by_flag(&mut self, path: &str, flag: &str) {
        self.flags.insert(path.to_string(), flag.to_string());
    }

    /// Renames node indices after nodes were added or removed: `old_index[new] = Some(old)`.
    pub(crate) fn renumber_nodes(&mut self, old_index: &[Option<usize>]) {
        let moved = |spots: &BTreeMap<String, Spot>, new: usize, old: usize| {
            let from = format!("nodes[{old}]");
            spots
                .iter()
                .filter_map(|(k, v)| {
                    let rest = k.strip_prefix(&from)?;
                    (rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
                        .then(|| (format!("nodes[{new}]{rest}"), *v))
                })
                .collect::<Vec<_>>()
        };
        let mut renamed = Vec::new();
        for (new, old) in old_index.iter().enumerate() {
            if let Some(old) = old {
                renamed.extend(moved(&self.spots, new, *old));
            }
        }
        self.spots.retain(|k, _| !k.starts_with("nodes["));
        self.spots.extend(renamed);
    }

    /// The flag that set `path` or one of its parents.
    fn flag_for(&self, path: &str) -> Option<&str> {
        let mut p = path;
        loop {
            if let Some(f) = self.flags.get(p) {
                return Some(f);
            }
            p = parent(p)?;
        }
    }

    /// The closest recorded spot for `path`: itself or its nearest recorded parent.
    fn spot(&self, path: &str) -> Option<(bool, Spot)> {
        let mut p = path;
        let mut exact = true;
        loop {
            if let Some(s) = self.spots.get(p) {
                return Some((exact, *s));
            }
            p = parent(p)?;
            exact = false;
        }
    }

    /// Where the value at `path` is (or, if the file did not set it, its closest parent).
    pub(crate) fn value_at(&self, path: &str) -> Option<Location> {
        self.spot(path)
            .map(|(exact, s)| if exact { s.value } else { s.key })
    }

    /// Where the key of `path` is.
    pub(crate) fn key_at(&self, path: &str) -> Option<Location> {
        self.spot(path).map(|(_, s)| s.key)
    }

    /// An error about the value at `path`, attributed to the flag that set it if any.
    pub(crate) fn error(
        &self,
        path: &str,
        message: String,
        hint: impl Into<String>,
    ) -> ConfigError {
        self.error_pointing(path, self.value_at(path), message, hint)
    }

    /// Like [`SourceMap::error`] but pointing at the key rather than the value.
    pub(crate) fn key_error(
        &self,
        path: &str,
        message: String,
        hint: impl Into<String>,
    ) -> ConfigError {
        self.error_pointing(path, self.key_at(path), message, hint)
    }

    /// The flag that set `path` if any, else the file at `at`.
    fn error_pointing(
        &self,
        path: &str,
        at: Option<Location>,
        message: String,
        hint: impl Into<String>,
    ) -> ConfigError {
        match self.flag_for(path) {
            Some(flag) => ConfigError::new(flag, None, message, hint),
            None => ConfigError::new(self.origin.clone(), at, message, hint),
        }
    }
}

/// `a.b[2].c` → `a.b[2]` → `a.b` → `a` → `""` → None.
fn parent(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    let cut = path.rfind(['.', '[']).unwrap_or(0);
    Some(&path[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize) -> Location {
        Location { line, column: 1 }
    }

    #[test]
    fn falls_back_to_the_nearest_parent() {
        let mut m = SourceMap::new("c.yaml");
        m.record("", at(1), at(1));
        m.record("nodes", at(2), at(3));
        m.record("nodes[0]", at(3), at(3));
        m.record("nodes[0].role", at(3), at(4));
        assert_eq!(m.value_at("nodes[0].role"), Some(at(4)));
        assert_eq!(m.value_at("nodes[0].image"), Some(at(3)));
        assert_eq!(m.value_at("networking.podSubnet"), Some(at(1)));
        assert_eq!(parent("nodes[0].role"), Some("nodes[0]"));
        assert_eq!(parent("nodes[0]"), Some("nodes"));
        assert_eq!(parent("nodes"), Some(""));
    }

    #[test]
    fn flags_win_over_positions() {
        let mut m = SourceMap::new("-");
        m.record("name", at(1), at(1));
        m.set_by_flag("name", "--name");
        let e = m.error("name", "bad".into(), "");
        assert_eq!(e.headline(), "--name: bad");
        assert_eq!(m.error("nodes", "x".into(), "").origin, "<stdin>");
    }

    #[test]
    fn renumbering_moves_node_positions() {
        let mut m = SourceMap::new("c.yaml");
        m.record("nodes[0]", at(3), at(3));
        m.record("nodes[1]", at(5), at(5));
        m.record("nodes[1].role", at(5), at(6));
        m.record("nodes[10]", at(9), at(9));
        m.renumber_nodes(&[Some(1), None]);
        assert_eq!(m.value_at("nodes[0].role"), Some(at(6)));
        assert_eq!(m.value_at("nodes[1]"), None);
    }
}
