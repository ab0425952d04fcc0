//! The image names inside a `docker save` archive, read as the archive streams to the engine.
//! `docker load` tags what the archive's own `manifest.json` (`RepoTags`), `repositories` and
//! OCI `index.json` name, not what the bundle's manifest lists; a bundle could otherwise re-point
//! any name on the engine (`postgres:16`). So every image part is parsed as a tar on its way
//! (a thread reading a copy of each chunk), and its names must equal the part's before the
//! held-back end of the archive is released (see [`super::load`]).

use std::collections::BTreeSet;
use std::io::Read;
use std::sync::mpsc;

use bytes::Bytes;

use crate::cluster::load::normalize;

/// The largest naming file read from an archive (they are a few kilobytes).
const MAX_NAMING_FILE: u64 = 1 << 20;

/// Reads an archive's names from the chunks it is fed, on a thread of its own.
pub(crate) struct TagReader {
    tx: Option<mpsc::Sender<Bytes>>,
    names: tokio::task::JoinHandle<Result<BTreeSet<String>, String>>,
}

impl TagReader {
    pub(crate) fn start() -> TagReader {
        let (tx, rx) = mpsc::channel();
        let names = tokio::task::spawn_blocking(move || {
            let reader = ChunkReader {
                rx,
                current: Bytes::new(),
            };
            names_in(reader)
        });
        TagReader {
            tx: Some(tx),
            names,
        }
    }

    /// The next chunk of the archive (a cheap copy of the same bytes).
    pub(crate) fn feed(&self, chunk: &Bytes) {
        if let Some(tx) = &self.tx {
            // A reader that stopped (the archive ended or was refused) needs no more.
            let _ = tx.send(chunk.clone());
        }
    }

    /// Every name the archive gives its images, once the whole archive was fed.
    pub(crate) async fn finish(mut self) -> Result<BTreeSet<String>, String> {
        self.tx = None;
        self.names
            .await
            .map_err(|e| format!("its archive could not be read: {e}"))?
    }
}

/// Check an archive's names against the part's: every name inside must be one the manifest
/// lists for the part, and every listed name must be inside. `Err` follows "part NAME".
pub(crate) fn check(inside: &BTreeSet<String>, listed: &[String]) -> Result<(), String> {
    let listed: BTreeSet<String> = listed.iter().map(|n| normalize(n)).collect();
    let inside: BTreeSet<String> = inside.iter().map(|n| normalize(n)).collect();
    let foreign: Vec<&String> = inside.difference(&listed).collect();
    if !foreign.is_empty() {
        return Err(format!(
            "names images its manifest does not list: {}",
            join(&foreign)
        ));
    }
    // A name by digest or ID is not a tag: `docker save` writes no RepoTags for it.
    let missing: Vec<&String> = listed
        .difference(&inside)
        .filter(|n| !n.contains('@') && !n.contains("sha256:"))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "does not carry the images its manifest lists: {}",
            join(&missing)
        ));
    }
    Ok(())
}

fn join(names: &[&String]) -> String {
    names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The names in a tar stream: from every top-level `manifest.json`, `repositories` and
/// `index.json` (a later copy does not hide an earlier one: each is read).
fn names_in(reader: impl Read) -> Result<BTreeSet<String>, String> {
    let mut archive = tar::Archive::new(reader);
    let mut names = BTreeSet::new();
    let entries = archive
        .entries()
        .map_err(|e| format!("is not a docker save archive: {e}"))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("is not a docker save archive: {e}"))?;
        let path = entry
            .path()
            .map_err(|e| format!("has an entry with a bad name: {e}"))?;
        let Some(file) = top_level(&path.to_string_lossy()) else {
            continue;
        };
        if !matches!(
            file.as_str(),
            "manifest.json" | "repositories" | "index.json"
        ) {
            continue;
        }
        if entry.header().entry_type() != tar::EntryType::Regular {
            return Err(format!("has a {file} that is not a regular file"));
        }
        let mut text = Vec::new();
        entry
            .take(MAX_NAMING_FILE + 1)
            .read_to_end(&mut text)
            .map_err(|e| format!("could not be read: {e}"))?;
        if text.len() as u64 > MAX_NAMING_FILE {
            return Err(format!("has a {file} larger than {MAX_NAMING_FILE} bytes"));
        }
        let found =
            parse(&file, &text).map_err(|e| format!("has a {file} that is not JSON: {e}"))?;
        names.extend(found);
    }
    Ok(names)
}

/// The entry's name as an extracting engine sees it (`./a/../manifest.json` is
/// `manifest.json`), when it is at the archive's top level.
fn top_level(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split(['/', '\\']) {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    (parts.len() == 1).then(|| parts[0].to_string())
}

/// The image names one naming file gives.
fn parse(file: &str, text: &[u8]) -> Result<Vec<String>, serde_json::Error> {
    use serde_json::Value;
    let v: Value = serde_json::from_slice(text)?;
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(match file {
        "manifest.json" => v
            .as_array()
            .map(|images| {
                images
                    .iter()
                    .flat_map(|i| strings(&i["RepoTags"]))
                    .collect()
            })
            .unwrap_or_default(),
        "repositories" => v
            .as_object()
            .map(|repos| {
                repos
                    .iter()
                    .flat_map(|(repo, tags)| {
                        let tags = tags.as_object().map(|t| t.keys().cloned().collect());
                        tags.unwrap_or_else(Vec::new)
                            .into_iter()
                            .map(move |t| format!("{repo}:{t}"))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        _ => v["manifests"]
            .as_array()
            .map(|ms| {
                ms.iter()
                    .flat_map(|m| index_names(&m["annotations"]))
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// An OCI index entry's names: containerd's image name, and a ref name that is a whole
/// reference (a bare tag names nothing by itself).
fn index_names(annotations: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(n) = annotations["io.containerd.image.name"].as_str() {
        out.push(n.to_string());
    }
    if let Some(n) = annotations["org.opencontainers.image.ref.name"].as_str() {
        if n.contains(['/', ':', '@']) {
            out.push(n.to_string());
        }
    }
    out
}

/// `Read` over the chunks sent to the reader's thread; ends when the sender is dropped.
struct ChunkReader {
    rx: mpsc::Receiver<Bytes>,
    current: Bytes,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.recv() {
                Ok(chunk) => self.current = chunk,
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current = self.current.slice(n..);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tar of (name, bytes) regular files.
    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in files {
            // Raw names: a hostile archive may hold `..`, which the builder refuses to write.
            let mut h = tar::Header::new_gnu();
            h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append(&h, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn read(archive: &[u8]) -> Result<BTreeSet<String>, String> {
        names_in(archive)
    }

    #[test]
    fn names_come_from_every_naming_file_of_the_archive() {
        let a = tar_of(&[
            ("blobs/sha256/aa", b"layer"),
            ("manifest.json", br#"[{"RepoTags":["shop/web:1"]}]"#),
            ("repositories", br#"{"victim":{"latest":"aa"}}"#),
            (
                "index.json",
                br#"{"manifests":[{"annotations":{"io.containerd.image.name":"docker.io/library/pg:16","org.opencontainers.image.ref.name":"16"}}]}"#,
            ),
            ("./x/../manifest.json", br#"[{"RepoTags":["second:copy"]}]"#),
            ("sub/manifest.json", br#"[{"RepoTags":["ignored:deep"]}]"#),
        ]);
        let names = read(&a).unwrap();
        let want: BTreeSet<String> = [
            "shop/web:1",
            "victim:latest",
            "docker.io/library/pg:16",
            "second:copy",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(names, want);
        assert!(read(b"not a tar at all, just some bytes".repeat(40).as_slice()).is_err());
        let bad = tar_of(&[("manifest.json", b"{not json")]);
        assert!(read(&bad).unwrap_err().contains("not JSON"));
    }

    #[test]
    fn the_names_must_be_exactly_the_parts() {
        let inside = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        let listed = vec!["shop/web:1".to_string()];
        assert_eq!(check(&inside(&["shop/web:1"]), &listed), Ok(()));
        assert_eq!(check(&inside(&["docker.io/shop/web:1"]), &listed), Ok(()));
        let extra = check(&inside(&["shop/web:1", "postgres:16"]), &listed).unwrap_err();
        assert!(extra.contains("postgres:16"), "{extra}");
        let missing = check(&inside(&[]), &listed).unwrap_err();
        assert!(missing.contains("does not carry"), "{missing}");
        assert_eq!(check(&inside(&[]), &["sha256:abc".to_string()]), Ok(()));
    }

    #[tokio::test]
    async fn the_reader_follows_chunks_of_any_size() {
        let a = tar_of(&[("manifest.json", br#"[{"RepoTags":["a:1","b:2"]}]"#)]);
        for size in [1usize, 7, 512, 100_000] {
            let r = TagReader::start();
            for c in a.chunks(size) {
                r.feed(&Bytes::copy_from_slice(c));
            }
            assert_eq!(r.finish().await.unwrap().len(), 2);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

        /// Any bytes, or a real archive with bytes changed, are read or refused: never a panic,
        /// and a name outside the part is never let through unseen.
        #[test]
        fn any_archive_is_read_or_refused(
            noise in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3000),
            flips in proptest::collection::vec((0usize..4096, 1u8..=255), 0..6),
        ) {
            let _ = read(&noise);
            let mut a = tar_of(&[
                ("c.json", b"{}"),
                ("manifest.json", br#"[{"RepoTags":["a:1","victim:latest"]}]"#),
            ]);
            for (at, x) in flips {
                let i = at % a.len();
                a[i] ^= x;
            }
            if let Ok(names) = read(&a) {
                let listed = ["a:1".to_string()];
                if names.iter().any(|n| n.contains("victim")) {
                    proptest::prop_assert!(check(&names, &listed).is_err());
                }
            }
        }
    }
}
