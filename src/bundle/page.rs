//! The page `minik bundle serve` shows attendees: the one command to run for their system,
//! spelled with the address they reached the page at and the bundle's digest, and the minik
//! release files (each with its SHA-256) when the bundle carries them. Anyone on the network can
//! serve a page, so it says where the digest to trust is: the organiser's screen.

use super::digest::BundleDigest;
use super::format::{Manifest, PartKind};
use crate::tour::Lang;

/// The served bundle's path.
pub(crate) const BUNDLE_PATH: &str = "/bundle.minik";

/// The page for a visitor who reached the server as `host` (the request's Host header), in
/// `lang`.
pub(crate) fn render(manifest: &Manifest, host: &str, digest: &BundleDigest, lang: Lang) -> String {
    let w = super::page_text::words(lang);
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
        .flat_map(|p| {
            p.images.iter().map(|i| match &p.platform {
                Some(platform) => format!("{} ({})", escape(i), escape(platform)),
                None => escape(i),
            })
        })
        .collect();
    let total: u64 = manifest.parts.iter().map(|p| p.size).sum();
    let get_minik = if files.is_empty() {
        String::new()
    } else {
        format!(
            "<h2>{}</h2>\n<p>{}</p>\n<ul>\n{files}</ul>\n",
            w.no_minik, w.no_minik_text
        )
    };
    let (h0, h1, h2, h3) = w.holds;
    format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width\">\n\
         <title>{title}</title>\n<style>body{{font-family:sans-serif;max-width:50em;\
         margin:2em auto;padding:0 1em}}pre{{background:#eee;padding:1em;overflow-x:auto}}\
         </style></head><body>\n\
         <h1>{heading}</h1>\n\
         <p>{intro}</p>\n\
         <h2>{unix}</h2>\n<pre>minik {fetch} &amp;&amp; minik {create}</pre>\n\
         <h2>Windows (PowerShell)</h2>\n<pre>minik.exe {fetch}; if ($?) {{ minik.exe {create} }}</pre>\n\
         <h2>{check}</h2>\n<p>{d0} <code>{grouped}</code>{d1}</p>\n\
         {get_minik}\
         <p>{h0}{size}{h1}{version}{h2}{images}{h3}</p>\n\
         <p>{coverage}</p>\n\
         </body></html>\n",
        lang = w.lang,
        title = w.title,
        heading = w.heading,
        intro = w.intro,
        unix = w.unix,
        check = w.check,
        d0 = w.digest.0,
        d1 = w.digest.1,
        coverage = escape(&super::platform::coverage(manifest, lang).unwrap_or_default()),
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
            platform: None,
            load_as: vec![],
            compression: None,
            unpacked_size: None,
        }];
        if minik {
            parts.push(Part {
                name: "minik/minik-linux-amd64".into(),
                kind: PartKind::Minik,
                size: 30_000_000,
                sha256: "cd".repeat(32),
                images: vec![],
                image_id: None,
                platform: None,
                load_as: vec![],
                compression: None,
                unpacked_size: None,
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
        let page = render(&manifest(false), "10.0.0.5:8370", &d, Lang::En);
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
        let page = render(&manifest(true), "h", &d, Lang::En);
        assert!(page.contains(&format!(
            "<a href=\"/minik/minik-linux-amd64\">minik-linux-amd64</a> (30 MB)<br><code>SHA-256 \
             {}</code>",
            "cd".repeat(32)
        )));
        assert!(page.contains("SHA256SUMS"));
        let ko = render(&manifest(true), "h", &d, Lang::Ko);
        assert!(ko.contains("<html lang=\"ko\">") && ko.contains("진행자 화면"));
        assert!(ko.contains(&format!("minik bundle fetch http://h --sha256 {hex}")));
    }

    #[test]
    fn a_hostile_host_header_cannot_write_markup() {
        let page = render(
            &manifest(false),
            "<script>x</script>",
            &BundleDigest::of_slot(b""),
            Lang::Ko,
        );
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;"));
    }
}
