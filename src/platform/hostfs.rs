//! File-system access for host probes, optionally re-rooted so tests can fake a whole machine.
//!
//! Paths handed to [`HostFs`] are the paths as they would be on the real host (`/home/ana/.docker`,
//! `/var/run/docker.sock`). A rooted `HostFs` maps them under a folder, so a fixture folder can
//! play the part of `/`. Messages keep showing the host paths, never the fixture paths.

use std::collections::BTreeMap;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Environment variables, as a plain map so callers can pass a fake one.
pub(crate) type EnvMap = BTreeMap<String, String>;

/// The value of an environment variable, treating an empty value as unset (as the docker CLI does).
pub(crate) fn env_get<'a>(env: &'a EnvMap, key: &str) -> Option<&'a str> {
    env.get(key).map(String::as_str).filter(|v| !v.is_empty())
}

/// The first of `keys` that is set and not empty.
pub(crate) fn env_first<'a>(env: &'a EnvMap, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| env_get(env, k))
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostFs {
    root: Option<PathBuf>,
}

impl HostFs {
    /// The real file system.
    pub fn real() -> Self {
        HostFs { root: None }
    }

    /// A fake file system: host path `/a/b` is read from `<root>/a/b`.
    pub fn rooted(root: impl Into<PathBuf>) -> Self {
        HostFs {
            root: Some(root.into()),
        }
    }

    /// Where a host path really lives.
    pub fn map(&self, path: &Path) -> PathBuf {
        match &self.root {
            None => path.to_path_buf(),
            Some(root) => {
                let mut out = root.clone();
                for part in path.components() {
                    match part {
                        Component::Normal(p) => out.push(p),
                        Component::ParentDir => out.push(".."),
                        Component::Prefix(_) | Component::RootDir | Component::CurDir => {}
                    }
                }
                out
            }
        }
    }

    /// Whether the path exists (following symlinks, so a dangling socket symlink counts as absent).
    pub fn exists(&self, path: &Path) -> bool {
        self.map(path).exists()
    }

    pub fn read_to_string(&self, path: &Path) -> io::Result<String> {
        std::fs::read_to_string(self.map(path))
    }

    /// The file's text, or `None` when it is missing or unreadable.
    pub fn read_opt(&self, path: &Path) -> Option<String> {
        self.read_to_string(path).ok()
    }

    /// Names of the entries of a folder, sorted; empty when it cannot be read.
    pub fn dir_names(&self, path: &Path) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.map(path)) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        names.sort();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooted_paths_map_under_the_root() {
        let fs = HostFs::rooted("/tmp/fake");
        assert_eq!(
            fs.map(Path::new("/var/run/docker.sock")),
            PathBuf::from("/tmp/fake/var/run/docker.sock")
        );
        assert_eq!(HostFs::real().map(Path::new("/x/y")), PathBuf::from("/x/y"));
    }

    #[test]
    fn empty_env_values_count_as_unset() {
        let mut env = EnvMap::new();
        env.insert("A".into(), String::new());
        env.insert("B".into(), "b".into());
        assert_eq!(env_get(&env, "A"), None);
        assert_eq!(env_first(&env, &["A", "B"]), Some("b"));
    }
}
