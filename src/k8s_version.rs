//! Kubernetes release versions (`v1.35.0`, `v1.37.0-rc.1`), parsed once and compared numerically.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KubeVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    /// Pre-release suffix without the dash (`rc.1`), empty for releases.
    pub pre: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid Kubernetes version {0:?}: expected the form v1.35.0")]
pub struct InvalidVersion(pub String);

impl crate::hint::Hint for InvalidVersion {
    fn hint(&self) -> Option<String> {
        Some("for example: --kubernetes-version v1.36.1".into())
    }
}

impl KubeVersion {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        KubeVersion {
            major,
            minor,
            patch,
            pre: String::new(),
        }
    }

    /// True when this version is at least `major.minor` (pre-releases of that minor count).
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }
}

impl FromStr for KubeVersion {
    type Err = InvalidVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidVersion(s.to_string());
        let trimmed = s.trim();
        let rest = trimmed.strip_prefix('v').unwrap_or(trimmed);
        // Build metadata (`+abc`) carries no ordering meaning.
        let rest = rest.split('+').next().unwrap_or(rest);
        let (core, pre) = match rest.split_once('-') {
            Some((c, p)) if !p.is_empty() => (c, p.to_string()),
            Some(_) => return Err(bad()),
            None => (rest, String::new()),
        };
        let mut parts = core.split('.');
        let mut next = || -> Result<u32, InvalidVersion> {
            let p = parts.next().ok_or_else(bad)?;
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            p.parse().map_err(|_| bad())
        };
        let v = KubeVersion {
            major: next()?,
            minor: next()?,
            patch: next()?,
            pre,
        };
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(v)
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_releases_and_prereleases() {
        assert_eq!(
            "v1.35.0".parse::<KubeVersion>().unwrap(),
            KubeVersion::new(1, 35, 0)
        );
        let rc: KubeVersion = "1.37.0-rc.1".parse().unwrap();
        assert_eq!(rc.pre, "rc.1");
        assert_eq!(rc.to_string(), "v1.37.0-rc.1");
        assert!(rc.at_least(1, 37));
        assert!(!rc.at_least(1, 38));
    }

    #[test]
    fn rejects_garbage() {
        for s in ["", "v1", "v1.2", "1.2.x", "v1.2.3.4", "latest", "v1.2.3-"] {
            assert!(s.parse::<KubeVersion>().is_err(), "{s}");
        }
    }
}
