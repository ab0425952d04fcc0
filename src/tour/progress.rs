//! Where a learner is in a tour, per cluster and lab, so that `minik tour` resumes at the same
//! step; also the cleanup commands still owed (a worker to uncordon), so that a tour killed
//! outright is cleaned up by the next run. Kept in the user's state folder, written through a
//! temporary file and a rename.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Progress {
    /// The id of the step to do next.
    pub(crate) step: String,
    /// kubectl argument lists (placeholders filled) that undo changes outside the namespace.
    #[serde(default)]
    pub(crate) cleanup: Vec<Vec<String>>,
}

/// The progress files' folder: `$XDG_STATE_HOME/minik/tour` (or the platform's equivalent).
pub(crate) fn dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("dev", "minik", "minik")?;
    let base = dirs
        .state_dir()
        .unwrap_or_else(|| dirs.data_local_dir())
        .to_path_buf();
    Some(base.join("tour"))
}

/// The file for a cluster and lab (both validated names: no path separators).
pub(crate) fn file(dir: &Path, cluster: &str, lab: &str) -> PathBuf {
    dir.join(format!("{cluster}.{lab}.json"))
}

/// The saved progress; `None` when there is none or it cannot be read (a fresh start).
pub(crate) fn load(path: &Path) -> Option<Progress> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

pub(crate) fn save(path: &Path, progress: &Progress) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let text = serde_json::to_vec_pretty(progress).map_err(std::io::Error::other)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tour-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    std::io::Write::write_all(&mut tmp, &text)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

pub(crate) fn remove(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_loads_and_removes() {
        let dir = tempfile::tempdir().unwrap();
        let path = file(dir.path(), "lab", "basics");
        assert_eq!(load(&path), None);
        let p = Progress {
            step: "scale".into(),
            cleanup: vec![vec!["uncordon".into(), "lab-worker2".into()]],
        };
        save(&path, &p).unwrap();
        assert_eq!(load(&path), Some(p));
        // Only the file itself is left: no temporary files.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        remove(&path).unwrap();
        remove(&path).unwrap();
        assert_eq!(load(&path), None);
        std::fs::write(&path, "{not json").unwrap();
        assert_eq!(load(&path), None);
    }
}
