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
    /// The journal of node actions done and not yet undone (written before each is done), so
    /// that a tour killed outright has them undone by the next `minik tour` on the cluster.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) node_actions: Vec<super::node_actions::Applied>,
    /// The worker `{worker}` names for this run of the lab, chosen once (the first step that
    /// needs it) so that a node action, its undo and the checks all mean the same node, a
    /// resumed tour included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) worker: Option<String>,
}

impl Progress {
    /// Nothing to resume and nothing owed: the file can go.
    pub(crate) fn is_empty(&self) -> bool {
        self.step.is_empty() && self.cleanup.is_empty() && self.node_actions.is_empty()
    }
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

/// The progress files of every lab toured on `cluster` (each lab's journal of node actions is
/// in its own file).
pub(crate) fn of_cluster(dir: &Path, cluster: &str) -> Vec<PathBuf> {
    let prefix = format!("{cluster}.");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let lab = name
                .to_str()
                .and_then(|n| n.strip_prefix(&prefix))
                .and_then(|n| n.strip_suffix(".json"));
            // A lab id has no dot: `a.b.basics.json` is cluster `a.b`'s, not `a`'s.
            lab.is_some_and(|l| !l.is_empty() && !l.contains('.'))
        })
        .map(|e| e.path())
        .collect();
    files.sort();
    files
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
            node_actions: Vec::new(),
            worker: Some("lab-worker2".into()),
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

    #[test]
    fn a_clusters_files_are_its_own() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "lab.basics.json",
            "lab.day1.json",
            "lab.b.basics.json",
            "lab2.basics.json",
            "lab..json",
            ".tour-x.tmp",
        ] {
            std::fs::write(dir.path().join(name), "{}").unwrap();
        }
        let names: Vec<String> = of_cluster(dir.path(), "lab")
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["lab.basics.json", "lab.day1.json"]);
        assert!(of_cluster(&dir.path().join("none"), "lab").is_empty());
    }
}
