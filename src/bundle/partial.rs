//! The file a `bundle fetch` downloads into, guarded: it lives in a private folder beside the
//! destination (0700, ours, not a link), is opened without following links and must be a
//! regular file of ours, so nobody can plant a file to be "resumed" or a link to be written
//! through. Nothing is trusted from it or from the network until the bundle's head (manifest
//! header and slot) has arrived and checked out against the pin: from then on the manifest's
//! file size caps every write, and free disk is checked for the rest. A resumed file's head is
//! checked the same way before a byte is asked for.

use std::path::{Path, PathBuf};

use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufWriter};

use super::digest::Trust;
use super::read::{read_head, HEAD};
use super::BundleError;
use crate::events::Events;

/// Why writing stopped: worth another request, or a refusal that ends the fetch.
pub(crate) enum Stop {
    Retry(String),
    Refuse(BundleError),
}

impl From<std::io::Error> for Stop {
    fn from(e: std::io::Error) -> Stop {
        Stop::Retry(e.to_string())
    }
}

/// The private folder holding `out`'s partial download: `.NAME.fetch` beside it.
pub(super) fn private_dir(out: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(out.file_name().unwrap_or_default());
    name.push(".fetch");
    out.with_file_name(name)
}

/// `NAME.partial` in the private folder.
pub(crate) fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    private_dir(out).join(name)
}

/// A download in progress.
pub(crate) struct Partial {
    pub(crate) path: PathBuf,
    file: BufWriter<tokio::fs::File>,
    /// Bytes in the file.
    pub(crate) have: u64,
    /// The file's first bytes, until the head is complete and checked.
    head: Vec<u8>,
    /// The bundle's size, once its head checked out.
    pub(crate) total: Option<u64>,
    /// A length the server announced, compared with the manifest's.
    pub(crate) announced: Option<u64>,
    url: String,
    trust: Trust,
}

impl Partial {
    /// Open (or resume) `out`'s partial download, refusing a planted file or link.
    pub(super) async fn open(
        out: &Path,
        url: &str,
        trust: Trust,
        events: &Events,
    ) -> Result<Partial, BundleError> {
        let path = partial_path(out);
        let local = |e: std::io::Error| BundleError::Write {
            path: path.clone(),
            reason: e.to_string(),
        };
        let file = open_private(&path).await.map_err(local)?;
        let mut p = Partial {
            have: file.metadata().await.map_err(local)?.len(),
            file: BufWriter::with_capacity(1 << 20, file),
            path: path.clone(),
            head: Vec::new(),
            total: None,
            announced: None,
            url: url.to_string(),
            trust,
        };
        if p.have == 0 {
            return Ok(p);
        }
        let mut head = vec![0u8; p.have.min(HEAD) as usize];
        let f = p.file.get_mut();
        f.seek(std::io::SeekFrom::Start(0)).await.map_err(local)?;
        f.read_exact(&mut head).await.map_err(local)?;
        p.head = head;
        let resumable = match p.head_complete() {
            Ok(()) => p.total.is_none_or(|t| p.have <= t),
            Err(_) => false,
        };
        if resumable {
            events.info(format!("Resuming {} from byte {}", path.display(), p.have));
            let have = p.have;
            p.file
                .seek(std::io::SeekFrom::Start(have))
                .await
                .map_err(local)?;
        } else {
            events.warn(format!(
                "{} is not the start of the bundle asked for; downloading again",
                path.display()
            ));
            p.restart().await.map_err(local)?;
        }
        Ok(p)
    }

    /// Empty the file: the next bytes are the bundle's first.
    pub(super) async fn restart(&mut self) -> std::io::Result<()> {
        self.file.flush().await?;
        self.file.get_mut().set_len(0).await?;
        self.file.seek(std::io::SeekFrom::Start(0)).await?;
        self.have = 0;
        self.head.clear();
        self.total = None;
        self.announced = None;
        Ok(())
    }

    /// Append `data`, never beyond the manifest's size; the head is checked the moment it is
    /// complete.
    pub(super) async fn write(&mut self, mut data: &[u8]) -> Result<(), Stop> {
        if self.total.is_none() {
            let take = data.len().min((HEAD - self.have) as usize);
            self.head.extend_from_slice(&data[..take]);
            self.file.write_all(&data[..take]).await?;
            self.have += take as u64;
            data = &data[take..];
            self.head_complete().map_err(Stop::Refuse)?;
            if let Some(total) = self.total {
                self.check_disk(total).map_err(Stop::Refuse)?;
            }
        }
        if data.is_empty() {
            return Ok(());
        }
        let total = self.total.unwrap_or(HEAD);
        if self.have + data.len() as u64 > total {
            return Err(Stop::Refuse(
                self.refused(format!("it sent more than the bundle's {total} bytes")),
            ));
        }
        self.file.write_all(data).await?;
        self.have += data.len() as u64;
        Ok(())
    }

    /// Once the head is all there: check it (and the pin), and learn the bundle's size.
    fn head_complete(&mut self) -> Result<(), BundleError> {
        if self.total.is_some() || (self.head.len() as u64) < HEAD {
            return Ok(());
        }
        let (manifest, digest) =
            read_head(&self.head).map_err(|why| self.refused(format!("not a bundle: {why}")))?;
        if let Trust::Pin(pin) = &self.trust {
            if !pin.matches(&digest) {
                return Err(BundleError::WrongDigest {
                    file: self.url.clone(),
                    pinned: pin.as_hex().to_string(),
                    actual: digest.hex(),
                });
            }
        }
        // check() in read_head bounded the sizes, so the sum exists.
        let total = manifest
            .file_size()
            .ok_or_else(|| self.refused("its manifest's sizes overflow".into()))?;
        self.total = Some(total);
        self.head = Vec::new();
        self.announce(self.announced)
    }

    /// A length the server announced: it must be the manifest's, once that is known.
    pub(super) fn announce(&mut self, length: Option<u64>) -> Result<(), BundleError> {
        self.announced = length.or(self.announced);
        match (self.total, self.announced) {
            (Some(t), Some(a)) if t != a => Err(self.refused(format!(
                "it announced {a} bytes, the bundle's manifest says {t}"
            ))),
            _ => Ok(()),
        }
    }

    fn check_disk(&self, total: u64) -> Result<(), BundleError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let need = total.saturating_sub(self.have);
        match fs4::available_space(dir) {
            Ok(free) if free < need => Err(BundleError::Write {
                path: self.path.clone(),
                reason: format!(
                    "the bundle needs {need} bytes more and the disk has {free} free; free some \
                     space or fetch with -o onto another disk"
                ),
            }),
            _ => Ok(()),
        }
    }

    fn refused(&self, reason: String) -> BundleError {
        BundleError::Refused {
            url: self.url.clone(),
            reason,
        }
    }

    pub(super) async fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush().await
    }

    /// Sync and move the finished file to `out`; the private folder goes.
    pub(super) async fn finish(mut self, out: &Path) -> std::io::Result<()> {
        self.file.flush().await?;
        self.file.get_mut().sync_all().await?;
        drop(self.file);
        tokio::fs::rename(&self.path, out).await?;
        let _ = tokio::fs::remove_dir(private_dir(out)).await;
        Ok(())
    }

    /// Remove what was downloaded (a refused bundle is no progress).
    pub(super) async fn discard(self, out: &Path) {
        drop(self.file);
        let _ = tokio::fs::remove_file(&self.path).await;
        let _ = tokio::fs::remove_dir(private_dir(out)).await;
    }
}

/// The private folder (made 0700, or checked to be ours, 0700 and no link) and the partial
/// file in it, opened without following a link and checked to be our own regular file.
async fn open_private(path: &Path) -> std::io::Result<tokio::fs::File> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    match builder.create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        rustix::fs::OFlags::NOFOLLOW.bits() as i32,
    );
    let opened = options.open(path);
    #[cfg(unix)]
    check_ours(dir, path, &opened)?;
    Ok(tokio::fs::File::from_std(opened?))
}

/// The folder and the file must be this user's, the folder private and not a link, the file
/// regular with one name. Our uid is the owner of a file we create in the folder.
#[cfg(unix)]
fn check_ours(
    dir: &Path,
    path: &Path,
    opened: &std::io::Result<std::fs::File>,
) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let refuse = |what: &str| {
        std::io::Error::other(format!("{what}; remove {} and fetch again", dir.display()))
    };
    let d = std::fs::symlink_metadata(dir)?;
    let me = tempfile::tempfile_in(dir)?.metadata()?.uid();
    if !d.is_dir() || d.uid() != me || d.mode() & 0o077 != 0 {
        return Err(refuse(&format!(
            "{} is not a private folder of yours",
            dir.display()
        )));
    }
    let file = match opened {
        Ok(f) => f.metadata()?,
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
            return Err(refuse(&format!("{} is a link", path.display())))
        }
        Err(e) => return Err(std::io::Error::new(e.kind(), e.to_string())),
    };
    if !file.is_file() || file.uid() != me || file.nlink() != 1 {
        return Err(refuse(&format!(
            "{} is not a regular file of yours",
            path.display()
        )));
    }
    Ok(())
}
