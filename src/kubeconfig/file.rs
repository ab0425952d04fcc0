//! Reading and rewriting kubeconfig files safely.
//!
//! Locking: like kubectl (client-go), a writer creates `<file>.lock` exclusively and removes
//! it when done, so minik and a concurrent `kubectl config ...` never interleave. A lock that
//! is still there after a short wait is reported with the command to remove it if stale.
//!
//! Writing: the new content goes to a temporary file in the same folder, is flushed to disk
//! and renamed over the old file, so readers see the old or the new file, never half of one.
//! The file ends with mode 0600 (and keeps its owner where the OS allows, e.g. under sudo).
//! A symlinked kubeconfig is written through to its target. New folders get mode 0700.

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::Duration;

use super::entry::{remove_entry, KubeconfigEntry};
use super::types::Config;
use super::KubeconfigError;

/// Waits between attempts to take a lock: about 0.6 s in all, then give up.
const LOCK_RETRY_DELAYS_MS: [u64; 6] = [10, 20, 40, 80, 160, 320];

/// Add or replace `entry` in the kubeconfig at `path` (created if missing), optionally making
/// it the current context. Everything else in the file is kept. The file is not rewritten
/// when nothing changes, so merging twice is a no-op.
pub(crate) fn merge_into_file(
    path: &Path,
    entry: &KubeconfigEntry,
    set_current_context: bool,
) -> Result<(), KubeconfigError> {
    create_parent_dirs(path)?;
    let _lock = FileLock::acquire(path)?;
    let (mut config, original) = read_config(path)?;
    if entry.apply(&mut config, set_current_context) || original.is_none() {
        write_config(path, &config, original.as_deref())?;
    }
    Ok(())
}

/// Remove cluster `cluster`'s entries from every file in `paths`, clearing `current-context`
/// where it pointed at them. Missing files are skipped; files without the entries are not
/// touched. Returns the files that changed. Every file is tried even if one fails.
pub(crate) fn remove_from_files(
    paths: &[PathBuf],
    cluster: &str,
) -> Result<Vec<PathBuf>, KubeconfigError> {
    let mut changed = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match remove_from_file(path, cluster) {
            Ok(true) => changed.push(path.clone()),
            Ok(false) => {}
            Err(e) => errors.push(e),
        }
    }
    match errors.len() {
        0 => Ok(changed),
        1 => Err(errors.remove(0)),
        _ => Err(KubeconfigError::Several(errors)),
    }
}

fn remove_from_file(path: &Path, cluster: &str) -> Result<bool, KubeconfigError> {
    if !path.exists() {
        return Ok(false);
    }
    let _lock = FileLock::acquire(path)?;
    let (mut config, original) = read_config(path)?;
    if !remove_entry(&mut config, cluster) {
        return Ok(false);
    }
    write_config(path, &config, original.as_deref())?;
    Ok(true)
}

/// Read and parse a kubeconfig; a missing, empty or comment-only file is an empty config.
#[cfg(test)]
pub(crate) fn read_file(path: &Path) -> Result<Config, KubeconfigError> {
    read_config(path).map(|(config, _)| config)
}

/// The parsed config and the file's text (`None` when the file does not exist).
fn read_config(path: &Path) -> Result<(Config, Option<String>), KubeconfigError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Config::default(), None)),
        Err(source) => {
            return Err(KubeconfigError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let parse_error = |reason: String| KubeconfigError::Parse {
        path: path.to_path_buf(),
        reason,
    };
    let text = String::from_utf8(bytes).map_err(|_| parse_error("it is not UTF-8 text".into()))?;
    let config = Config::parse(&text).map_err(parse_error)?;
    Ok((config, Some(text)))
}

fn write_config(
    path: &Path,
    config: &Config,
    original: Option<&str>,
) -> Result<(), KubeconfigError> {
    let text = config
        .to_yaml()
        .map_err(|reason| KubeconfigError::Serialize {
            path: path.to_path_buf(),
            reason,
        })?;
    if original == Some(text.as_str()) {
        return Ok(());
    }
    write_atomic(path, text.as_bytes()).map_err(|source| KubeconfigError::Write {
        path: path.to_path_buf(),
        source,
    })
}

fn create_parent_dirs(path: &Path) -> Result<(), KubeconfigError> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|source| KubeconfigError::Write {
            path: path.to_path_buf(),
            source,
        })
}

/// Replace `path`'s content with `data` through a temporary file and a rename.
fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    // Write through a symlink instead of replacing it with a regular file.
    let target = match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = target.file_name().unwrap_or(target.as_os_str());
    let mut prefix = OsString::from(".");
    prefix.push(file_name);
    prefix.push(".minik-");
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    tmp.write_all(data)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(0o600))?;
        // Keep the owner of an existing file (matters when run with sudo); best effort.
        if let (Ok(old), Ok(new)) = (fs::metadata(&target), tmp.as_file().metadata()) {
            if (old.uid(), old.gid()) != (new.uid(), new.gid()) {
                let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(old.uid()), Some(old.gid()));
            }
        }
    }
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|e| e.error)?;
    // Make the rename itself durable; not possible (nor needed) everywhere.
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// `<file>.lock`, held for as long as this value lives.
struct FileLock {
    lock: PathBuf,
}

impl FileLock {
    fn acquire(path: &Path) -> Result<FileLock, KubeconfigError> {
        let lock = lock_path(path);
        let mut delays = LOCK_RETRY_DELAYS_MS.iter();
        loop {
            match OpenOptions::new().write(true).create_new(true).open(&lock) {
                Ok(_) => return Ok(FileLock { lock }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => match delays.next() {
                    Some(ms) => sleep(Duration::from_millis(*ms)),
                    None => {
                        return Err(KubeconfigError::Locked {
                            path: path.to_path_buf(),
                            lock,
                        })
                    }
                },
                Err(source) => {
                    return Err(KubeconfigError::Lock {
                        path: path.to_path_buf(),
                        lock,
                        source,
                    })
                }
            }
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.lock);
    }
}

/// The lock file kubectl uses for `path`: the same name with `.lock` appended.
pub(crate) fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}
