//! Tar archives, read and built in one place: the engine copies files in and out of containers
//! as tar, the node image's build context is a tar, and `export logs` bundles a `.tar.gz`.
//!
//! Everything built here is root-owned with a zero mtime, so the same inputs give the same bytes.
//! Readers take only regular files (and, when unpacking, directories): links and devices from a
//! node never point or write outside the folder they are unpacked into.

mod stream;

pub(crate) use stream::reader_stream;
pub use stream::ByteStream;

use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// An in-memory tar of files, each at its path inside the archive.
pub(crate) struct Builder(tar::Builder<Vec<u8>>);

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    pub(crate) fn new() -> Self {
        Builder(tar::Builder::new(Vec::new()))
    }

    /// Add a root-owned regular file with permission bits `mode`.
    pub(crate) fn file(&mut self, path: &str, data: &[u8], mode: u32) -> std::io::Result<()> {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(mode);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        header.set_cksum();
        self.0.append_data(&mut header, path, data)
    }

    pub(crate) fn finish(self) -> std::io::Result<Vec<u8>> {
        self.0.into_inner()
    }
}

/// The text of the first regular file (the engine's copy of one file is a tar holding it);
/// `None` when there is none or it cannot be read.
pub(crate) fn first_file(tar: &[u8]) -> Option<String> {
    let mut archive = tar::Archive::new(tar);
    for entry in archive.entries().ok()? {
        let mut entry = entry.ok()?;
        if entry.header().entry_type().is_file() {
            let mut s = String::new();
            entry.read_to_string(&mut s).ok()?;
            return Some(s);
        }
    }
    None
}

/// Every regular file's path and text; entries that cannot be read as text are left out.
pub(crate) fn text_files(tar: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut archive = tar::Archive::new(tar);
    let Ok(entries) = archive.entries() else {
        return out;
    };
    for mut entry in entries.flatten() {
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let Ok(path) = entry.path().map(|p| p.to_string_lossy().into_owned()) else {
            continue;
        };
        let mut text = String::new();
        if entry.read_to_string(&mut text).is_ok() {
            out.push((path, text));
        }
    }
    out
}

/// Each entry's path and permission bits, in order.
#[cfg(test)]
pub(crate) fn modes(tar: &[u8]) -> std::io::Result<Vec<(String, u32)>> {
    let mut archive = tar::Archive::new(tar);
    let mut out = Vec::new();
    for entry in archive.entries()? {
        let entry = entry?;
        let path = entry.path()?.to_string_lossy().into_owned();
        out.push((path, entry.header().mode()?));
    }
    Ok(out)
}

/// Unpack regular files and directories only: symlinks (pod log links, absolute targets) and
/// device nodes stay behind, so nothing can point or write outside `into`.
pub(crate) fn unpack_plain(tar: &[u8], into: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(into)?;
    let mut archive = tar::Archive::new(tar);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_dir()) {
            continue;
        }
        entry.set_preserve_permissions(false);
        // Directories must stay writable for their children.
        if kind.is_dir() {
            let path = entry.path()?.into_owned();
            if path.components().all(|c| matches!(c, Component::Normal(_))) {
                std::fs::create_dir_all(into.join(path))?;
            }
            continue;
        }
        entry.unpack_in(into)?;
    }
    Ok(())
}

/// `dir` as a gzipped tar at `dest`, its entries under the folder's own name; links are stored
/// as links, not followed. Synced before returning.
pub(crate) fn write_tar_gz(dir: &Path, dest: &Path, default_name: &str) -> std::io::Result<()> {
    let file = std::fs::File::create(dest)?;
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut builder = tar::Builder::new(gz);
    builder.follow_symlinks(false);
    let name = dir
        .file_name()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default_name));
    builder.append_dir_all(&name, dir)?;
    builder.into_inner()?.finish()?.sync_all()
}

/// The paths of a `.tar.gz`.
pub fn tar_gz_entries(archive: &Path) -> std::io::Result<Vec<String>> {
    let file = std::fs::File::open(archive)?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut names = Vec::new();
    for entry in tar.entries()? {
        let entry = entry?;
        names.push(entry.path()?.to_string_lossy().into_owned());
    }
    Ok(names)
}

/// One file's text out of a `.tar.gz`.
pub fn tar_gz_file(archive: &Path, path: &str) -> std::io::Result<Option<String>> {
    let file = std::fs::File::open(archive)?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in tar.entries()? {
        let mut entry = entry?;
        if entry.path()?.to_string_lossy() == path {
            let mut s = String::new();
            entry.read_to_string(&mut s)?;
            return Ok(Some(s));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries of any kind, as a node's engine might send them (links and directories too).
    fn tar_of(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, kind, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(*kind);
            h.set_size(data.len() as u64);
            h.set_mode(0o600);
            if *kind == tar::EntryType::Symlink {
                h.set_link_name("/etc/passwd").unwrap();
            }
            h.set_cksum();
            b.append_data(&mut h, path, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn built_files_are_root_owned_with_their_modes() {
        let mut b = Builder::new();
        b.file("usr/bin/kubelet", b"elf", 0o755).unwrap();
        b.file("Dockerfile", b"FROM x", 0o644).unwrap();
        let tar = b.finish().unwrap();
        assert_eq!(
            modes(&tar).unwrap(),
            vec![
                ("usr/bin/kubelet".to_string(), 0o755),
                ("Dockerfile".to_string(), 0o644)
            ]
        );
        let mut archive = tar::Archive::new(&tar[..]);
        for e in archive.entries().unwrap() {
            let e = e.unwrap();
            assert_eq!(e.header().uid().unwrap(), 0);
            assert_eq!(e.header().gid().unwrap(), 0);
            assert_eq!(e.header().mtime().unwrap(), 0);
        }
        assert_eq!(
            text_files(&tar),
            vec![
                ("usr/bin/kubelet".to_string(), "elf".to_string()),
                ("Dockerfile".to_string(), "FROM x".to_string())
            ]
        );
    }

    #[test]
    fn reads_the_first_regular_file_only() {
        let tar = tar_of(&[
            ("kind/", tar::EntryType::Directory, b""),
            ("kind/minik-ips", tar::EntryType::Regular, b"172.18.0.2\n"),
            ("kind/other", tar::EntryType::Regular, b"x"),
        ]);
        assert_eq!(first_file(&tar).as_deref(), Some("172.18.0.2\n"));
        assert_eq!(first_file(b"garbage"), None);
        assert!(text_files(b"garbage").is_empty());
        let links = tar_of(&[("a", tar::EntryType::Symlink, b"")]);
        assert_eq!(first_file(&links), None);
        assert!(text_files(&links).is_empty());
    }

    #[test]
    fn unpacks_files_and_dirs_but_no_links_and_archives_the_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let bundle = tmp.path().join("bundle");
        let tar = tar_of(&[
            ("log/", tar::EntryType::Directory, b""),
            ("log/journal/", tar::EntryType::Directory, b""),
            ("log/journal/x.journal", tar::EntryType::Regular, b"j"),
            ("log/containers/a.log", tar::EntryType::Symlink, b""),
        ]);
        unpack_plain(&tar, &bundle.join("n/var")).unwrap();
        let f = bundle.join("n/var/log/journal/x.journal");
        assert_eq!(std::fs::read(&f).unwrap(), b"j");
        assert!(!bundle.join("n/var/log/containers/a.log").exists());

        let archive = tmp.path().join("bundle.tar.gz");
        write_tar_gz(&bundle, &archive, "unused").unwrap();
        let names = tar_gz_entries(&archive).unwrap();
        assert!(
            names
                .iter()
                .any(|n| n == "bundle/n/var/log/journal/x.journal"),
            "{names:?}"
        );
        assert_eq!(
            tar_gz_file(&archive, "bundle/n/var/log/journal/x.journal")
                .unwrap()
                .as_deref(),
            Some("j")
        );
        assert_eq!(tar_gz_file(&archive, "bundle/none").unwrap(), None);
    }
}
