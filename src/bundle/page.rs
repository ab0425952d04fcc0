//! The page `minik bundle serve` shows attendees: the one command to run for their system,
//! spelled with the address they reached the page at and the bundle's digest, and the minik
//! release files (each with its SHA-256) when the bundle carries them. Anyone on the network can
//! serve a page, so it says where the digest to trust is: the organiser's screen.

use super::digest::BundleDigest;
use super::format::{Manifest, PartKind};

/// The served bundle's path.
pub(crate) const BUNDLE_PATH: &str = "/bundle.minik";

/// The page for a visitor who reached the server as `host` (the request's Host header).
pub(crate) fn render(manifest: &Manifest, host: &str, digest: &BundleDigest) -> String {
    let base = format!("http://{host}");
    let d = digest.hex();
    let fetch = format!("bundle fetch {base} --sha256 {d}");
    let create = format!("create --bundle bundle.minik --sha256 {d}");
    let mut files = String::new();
    for p in manifest.of_kind(PartKind::Minik) {
        let name = p.name.trim_start_matches("minik/");
        files.push_str(&format!(
            "<li><a href=\"/minik/{0}\">{0}</a> ({1})<br><code>SHA-256 {2}</code></li>\n",
            escape(name),
            human(p.size),
            escape(&p.sha256)
        ));
    }
    let images: Vec<String> = manifest
        .parts
        .iter()
        .flat_map(|p| p.images.iter().map(|i| escape(i)))
        .collect();
    let total: u64 = manifest.parts.iter().map(|p| p.size).sum();
    let get_minik = if files.is_empty() {
        String::new()
    } else {
        format!(
            "<h2>No minik yet?</h2>\n<p>Best: get minik from its release page before the \
             workshop. Else download yours here and, before running it, compare its SHA-256 \
             (<code>sha256sum FILE</code>, or <code>shasum -a 256 FILE</code> on macOS) with the \
             release page's <code>SHA256SUMS</code>; a file from this page is only as \
             trustworthy as this network.</p>\n<ul>\n{files}</ul>\n"
        )
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width\">\n\
         <title>minik workshop</title>\n<style>body{{font-family:sans-serif;max-width:50em;\
         margin:2em auto;padding:0 1em}}pre{{background:#eee;padding:1em;overflow-x:auto}}\
         </style></head><body>\n\
         <h1>Your cluster for this room</h1>\n\
         <p>Everything comes from this laptop: no internet needed. Run this in a terminal:</p>\n\
         <h2>Linux and macOS</h2>\n<pre>minik {fetch} &amp;&amp; minik {create}</pre>\n\
         <h2>Windows (PowerShell)</h2>\n<pre>minik.exe {fetch}; if ($?) {{ minik.exe {create} }}</pre>\n\
         <h2>Check the digest first</h2>\n<p>This page shows the digest <code>{grouped}</code>. \
         Compare it with the one on the <strong>organiser's screen</strong> before you run \
         anything: anyone on this network can serve a page like this one, with a digest of \
         their own bundle. minik refuses any bundle whose digest differs from the one you \
         type.</p>\n\
         {get_minik}\
         <p>The bundle ({size}, made by minik {version}) holds: {images}. \
         <code>bundle fetch</code> resumes if the connection drops and checks every part.</p>\n\
         </body></html>\n",
        fetch = escape(&fetch),
        create = escape(&create),
        grouped = escape(&digest.grouped()),
        size = human(total),
        version = escape(&manifest.minik_version),
        images = images.join(", "),
    )
}

/// Bytes as the page shows them (MB, GB).
fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.0} MB", b / 1e6)
    } else {
        format!("{:.0} kB", (b / 1e3).ceil())
    }
}

/// The Host header comes from the network: never let it write markup.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::format::{Part, FORMAT};

    fn manifest(minik: bool) -> Manifest {
        let mut parts = vec![Part {
            name: "images/01-node.tar".into(),
            kind: PartKind::NodeImage,
            size: 2_000_000_000,
            sha256: "ab".into(),
            images: vec!["minik/node:v1.36.1".into()],
            image_id: None,
        }];
        if minik {
            parts.push(Part {
                name: "minik/minik-linux-amd64".into(),
                kind: PartKind::Minik,
                size: 30_000_000,
                sha256: "cd".repeat(32),
                images: vec![],
                image_id: None,
            });
        }
        Manifest {
            format: FORMAT,
            minik_version: "0.1.0".into(),
            kubernetes_version: None,
            parts,
        }
    }

    #[test]
    fn the_page_gives_the_command_with_the_visitors_address_and_the_digest() {
        let d = BundleDigest::of_slot(b"m");
        let hex = d.hex();
        let page = render(&manifest(false), "10.0.0.5:8370", &d);
        assert!(page.contains(&format!(
            "minik bundle fetch http://10.0.0.5:8370 --sha256 {hex} &amp;&amp; minik create \
             --bundle bundle.minik --sha256 {hex}"
        )));
        assert!(page.contains(&format!(
            "minik.exe bundle fetch http://10.0.0.5:8370 --sha256 {hex};"
        )));
        assert!(page.contains(&d.grouped()) && page.contains("organiser's screen"));
        assert!(page.contains("minik/node:v1.36.1"));
        assert!(page.contains("2.0 GB"));
        assert!(!page.contains("No minik yet"));
        assert_eq!(human(18), "1 kB");
        let page = render(&manifest(true), "h", &d);
        assert!(page.contains(&format!(
            "<a href=\"/minik/minik-linux-amd64\">minik-linux-amd64</a> (30 MB)<br><code>SHA-256 \
             {}</code>",
            "cd".repeat(32)
        )));
        assert!(page.contains("SHA256SUMS"));
    }

    #[test]
    fn a_hostile_host_header_cannot_write_markup() {
        let page = render(
            &manifest(false),
            "<script>x</script>",
            &BundleDigest::of_slot(b""),
        );
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;"));
    }
}
