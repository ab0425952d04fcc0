//! Which kubeconfig files to touch, by kubectl's rules.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::KubeconfigError;

/// The separator of the `KUBECONFIG` list on this OS.
pub(crate) const LIST_SEPARATOR: char = if cfg!(windows) { ';' } else { ':' };

/// The kubeconfig files a command works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KubeconfigPaths {
    /// Every file in play, in order: removal cleans all of them.
    pub(crate) all: Vec<PathBuf>,
    /// The one file a merge writes to.
    pub(crate) merge_target: PathBuf,
}

/// kubectl's selection, as a pure function:
/// - an explicit `--kubeconfig` path: only that file;
/// - else `KUBECONFIG` split on `separator`, empty and duplicate entries dropped; the merge
///   target is the first listed file that `exists`, or the last entry when none does;
/// - else (or when `KUBECONFIG` lists nothing) `<home>/.kube/config`.
pub(crate) fn select_paths(
    explicit: Option<&Path>,
    kubeconfig_env: Option<&OsStr>,
    home: Option<&Path>,
    separator: char,
    exists: &dyn Fn(&Path) -> bool,
) -> Result<KubeconfigPaths, KubeconfigError> {
    if let Some(path) = explicit.filter(|p| !p.as_os_str().is_empty()) {
        return Ok(KubeconfigPaths {
            all: vec![path.to_path_buf()],
            merge_target: path.to_path_buf(),
        });
    }
    let mut all: Vec<PathBuf> = Vec::new();
    for entry in kubeconfig_env
        .map(|v| split_list(v, separator))
        .unwrap_or_default()
    {
        if !entry.as_os_str().is_empty() && !all.contains(&entry) {
            all.push(entry);
        }
    }
    if let Some(last) = all.last() {
        let merge_target = all.iter().find(|p| exists(p)).unwrap_or(last).to_path_buf();
        return Ok(KubeconfigPaths { all, merge_target });
    }
    let home = home.ok_or(KubeconfigError::NoHome)?;
    let path = home.join(".kube").join("config");
    Ok(KubeconfigPaths {
        all: vec![path.clone()],
        merge_target: path,
    })
}

/// [`select_paths`] with this process's `KUBECONFIG`, home directory and file system.
pub(crate) fn kubeconfig_paths(
    explicit: Option<&Path>,
) -> Result<KubeconfigPaths, KubeconfigError> {
    let env = std::env::var_os("KUBECONFIG");
    let home = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    select_paths(
        explicit,
        env.as_deref(),
        home.as_deref(),
        LIST_SEPARATOR,
        &|p: &Path| p.exists(),
    )
}

fn split_list(value: &OsStr, separator: char) -> Vec<PathBuf> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        if separator.is_ascii() {
            // Byte-wise, so paths that are not UTF-8 survive.
            let sep = separator as u8;
            return value
                .as_bytes()
                .split(|b| *b == sep)
                .map(|part| PathBuf::from(OsStr::from_bytes(part)))
                .collect();
        }
    }
    value
        .to_string_lossy()
        .split(separator)
        .map(PathBuf::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn select(
        explicit: Option<&str>,
        env: Option<&str>,
        existing: &[&str],
    ) -> Result<KubeconfigPaths, KubeconfigError> {
        let existing: Vec<PathBuf> = existing.iter().map(PathBuf::from).collect();
        select_paths(
            explicit.map(Path::new),
            env.map(OsStr::new),
            Some(Path::new("/home/u")),
            ':',
            &|p: &Path| existing.iter().any(|e| e == p),
        )
    }

    fn paths(v: &[&str]) -> Vec<PathBuf> {
        v.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn explicit_path_wins_over_everything() {
        let got = select(Some("/x/kc"), Some("/a:/b"), &["/a"]).unwrap();
        assert_eq!(got.all, paths(&["/x/kc"]));
        assert_eq!(got.merge_target, PathBuf::from("/x/kc"));
    }

    #[test]
    fn kubeconfig_list_drops_empty_and_duplicate_entries() {
        let got = select(None, Some(":/a::/b:/a:/c:"), &[]).unwrap();
        assert_eq!(got.all, paths(&["/a", "/b", "/c"]));
    }

    #[test]
    fn merge_target_is_first_existing_file_else_last_entry() {
        let got = select(None, Some("/a:/b:/c"), &["/b", "/c"]).unwrap();
        assert_eq!(got.merge_target, PathBuf::from("/b"));
        let got = select(None, Some("/a:/b:/c"), &[]).unwrap();
        assert_eq!(got.merge_target, PathBuf::from("/c"));
    }

    #[test]
    fn falls_back_to_home_kube_config() {
        for env in [None, Some(""), Some("::")] {
            let got = select(None, env, &[]).unwrap();
            assert_eq!(got.all, paths(&["/home/u/.kube/config"]), "{env:?}");
            assert_eq!(got.merge_target, PathBuf::from("/home/u/.kube/config"));
        }
    }

    #[test]
    fn no_home_is_an_error_only_when_needed() {
        let none = |_: &Path| false;
        let err = select_paths(None, None, None, ':', &none).unwrap_err();
        assert!(matches!(err, KubeconfigError::NoHome));
        assert!(select_paths(None, Some(OsStr::new("/a")), None, ':', &none).is_ok());
    }

    #[test]
    fn windows_separator() {
        let got = select_paths(
            None,
            Some(OsStr::new(r"C:\k\a;;C:\k\b")),
            None,
            ';',
            &|_: &Path| false,
        )
        .unwrap();
        assert_eq!(got.all, paths(&[r"C:\k\a", r"C:\k\b"]));
        assert_eq!(got.merge_target, PathBuf::from(r"C:\k\b"));
    }
}
