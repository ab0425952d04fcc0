//! Labs that came in a workshop bundle: `minik bundle load` (and `fetch`, `create --bundle`)
//! verifies them and keeps each as `<state folder>/minik/labs/<id>.yaml`, so an attendee runs
//! one with `minik tour --lab ID` and never handles the file. Written through a temporary file
//! and a rename; a lab of the same id is replaced (the room's newest bundle wins, and `bundle
//! load` says so), and a built-in lab's id is never kept.

use std::path::{Path, PathBuf};

/// The folder of bundled labs: `$XDG_STATE_HOME/minik/labs` (or the platform's equivalent).
pub(crate) fn dir() -> Option<PathBuf> {
    super::progress::dir().and_then(|tour| tour.parent().map(|p| p.join("labs")))
}

/// The file of lab `id` (a validated name: no path separators).
pub(crate) fn path(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}.yaml"))
}

/// Would keeping `text` as lab `id` replace a different lab kept earlier?
pub(crate) fn replaces(dir: &Path, id: &str, text: &str) -> bool {
    std::fs::read(path(dir, id)).is_ok_and(|kept| kept != text.as_bytes())
}

/// Keep `text` as lab `id` (never a built-in lab's id).
pub(crate) fn install(dir: &Path, id: &str, text: &str) -> std::io::Result<PathBuf> {
    if super::is_builtin(id) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{id} is the id of a built-in lab"),
        ));
    }
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".lab-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    std::io::Write::write_all(&mut tmp, text.as_bytes())?;
    let to = path(dir, id);
    tmp.persist(&to).map_err(|e| e.error)?;
    Ok(to)
}

/// The ids of the labs kept, sorted.
pub(crate) fn ids(dir: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let id = name.strip_suffix(".yaml")?;
            (!id.starts_with('.')).then(|| id.to_string())
        })
        .collect();
    ids.sort();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_labs_are_listed_and_replaced_by_id() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("labs");
        assert!(ids(&dir).is_empty());
        install(&dir, "day1", "a").unwrap();
        install(&dir, "day2", "b").unwrap();
        let p = install(&dir, "day1", "c").unwrap();
        assert_eq!(std::fs::read_to_string(p).unwrap(), "c");
        assert_eq!(ids(&dir), ["day1", "day2"]);
        assert!(replaces(&dir, "day1", "d"));
        assert!(!replaces(&dir, "day1", "c"));
        assert!(!replaces(&dir, "day3", "c"));
    }

    /// Security review L1: a bundle's lab `id: basics` was kept and shadowed the built-in one.
    #[test]
    fn a_builtin_id_is_never_kept_nor_shadowed() {
        let d = tempfile::tempdir().unwrap();
        assert!(install(d.path(), "basics", "x").is_err());
        std::fs::write(path(d.path(), "basics"), "id: evil").unwrap();
        let lab = crate::tour::find_lab(Path::new("basics"), Some(d.path())).unwrap();
        assert_eq!(lab, crate::tour::builtin("basics").unwrap());
    }
}
