//! The words of the page `bundle serve` shows attendees, in English and Korean (합니다체, the
//! terms of the Korean Kubernetes docs), chosen by the browser's Accept-Language: a room in
//! Seoul reads the one command it has to run in its own language.

use crate::tour::Lang;

/// The page's sentences; `{…}` parts are filled in by the page.
pub(super) struct Words {
    pub lang: &'static str,
    pub title: &'static str,
    pub heading: &'static str,
    pub intro: &'static str,
    pub unix: &'static str,
    pub check: &'static str,
    /// Before and after the grouped digest.
    pub digest: (&'static str, &'static str),
    pub no_minik: &'static str,
    pub no_minik_text: &'static str,
    /// Before the size, between version and images, after the images.
    pub holds: (&'static str, &'static str, &'static str, &'static str),
}

pub(super) fn words(lang: Lang) -> Words {
    match lang {
        Lang::En => Words {
            lang: "en",
            title: "minik workshop",
            heading: "Your cluster for this room",
            intro: "Everything comes from this laptop: no internet needed. Run this in a terminal:",
            unix: "Linux and macOS",
            check: "Check the digest first",
            digest: (
                "This page shows the digest",
                ". Compare it with the one on the <strong>organiser's screen</strong> before \
                 you run anything: anyone on this network can serve a page like this one, with \
                 a digest of their own bundle. minik refuses any bundle whose digest differs \
                 from the one you type.",
            ),
            no_minik: "No minik yet?",
            no_minik_text: "Best: get minik from its release page before the workshop. Else \
                 download yours here and, before running it, compare its SHA-256 \
                 (<code>sha256sum FILE</code>, or <code>shasum -a 256 FILE</code> on macOS) \
                 with the release page's <code>SHA256SUMS</code>; a file from this page is \
                 only as trustworthy as this network.",
            holds: (
                "The bundle (",
                ", made by minik ",
                ") holds: ",
                ". <code>bundle fetch</code> resumes if the connection drops and checks every \
                 part.",
            ),
        },
        Lang::Ko => Words {
            lang: "ko",
            title: "minik 워크숍",
            heading: "이 강의실의 클러스터",
            intro: "모든 것을 이 노트북에서 받으므로 인터넷이 필요하지 않습니다. 터미널에서 \
                 다음을 실행합니다:",
            unix: "Linux와 macOS",
            check: "먼저 다이제스트를 확인합니다",
            digest: (
                "이 페이지가 보여 주는 다이제스트는",
                "입니다. 무엇이든 실행하기 전에 <strong>진행자 화면</strong>의 다이제스트와 \
                 비교합니다. 이 네트워크의 누구나 자기 번들의 다이제스트로 이런 페이지를 제공할 \
                 수 있습니다. minik은 입력한 다이제스트와 다른 번들을 거부합니다.",
            ),
            no_minik: "minik이 아직 없습니까?",
            no_minik_text: "워크숍 전에 릴리스 페이지에서 minik을 받는 것이 가장 좋습니다. \
                 여기서 받는다면 실행하기 전에 SHA-256(<code>sha256sum FILE</code>, macOS에서는 \
                 <code>shasum -a 256 FILE</code>)을 릴리스 페이지의 <code>SHA256SUMS</code>와 \
                 비교합니다. 이 페이지의 파일은 이 네트워크만큼만 믿을 수 있습니다.",
            holds: (
                "번들(",
                ", minik ",
                "으로 생성)에 들어 있는 것: ",
                ". 연결이 끊기면 <code>bundle fetch</code>가 이어서 받고, 모든 부분을 \
                 검사합니다.",
            ),
        },
    }
}

/// The language of `Accept-Language` (`ko-KR,ko;q=0.9,en;q=0.8`): the first of English and
/// Korean it lists with a quality above zero, else English.
pub(super) fn language(accept: Option<&str>) -> Lang {
    let mut best: Option<(f32, Lang)> = None;
    for item in accept.unwrap_or_default().split(',') {
        let mut fields = item.split(';');
        let tag = fields
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let q = fields
            .find_map(|f| f.trim().strip_prefix("q=")?.parse::<f32>().ok())
            .unwrap_or(1.0);
        let lang = match tag.split('-').next() {
            Some("ko") => Lang::Ko,
            Some("en") => Lang::En,
            _ => continue,
        };
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map_or(Lang::En, |(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browser_chooses_korean_or_english() {
        assert_eq!(
            language(Some("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7")),
            Lang::Ko
        );
        assert_eq!(language(Some("en-US,en;q=0.9,ko;q=0.8")), Lang::En);
        assert_eq!(language(Some("fr-FR,ko;q=0.5")), Lang::Ko);
        assert_eq!(language(Some("ko;q=0,de")), Lang::En);
        assert_eq!(language(Some("de-DE")), Lang::En);
        assert_eq!(language(None), Lang::En);
    }
}
