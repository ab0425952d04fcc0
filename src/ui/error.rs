//! The one place errors are rendered for humans: a first line that says what went wrong, then
//! any output that explains it (a failed command's output, a node's last log lines, where the
//! engine was looked for), then the hints of every error in its `source()` chain (uv's
//! `hints_for_error`): wrappers never forward a hint, and no hint is printed twice.

use std::error::Error as StdError;

use super::style::Paint;
use crate::bundle::BundleError;
use crate::cluster::create::PrepareError;
use crate::cluster::kubectl::{KubectlError, KubectlInputError};
use crate::cluster::load::LoadError;
use crate::cluster::ClusterError;
use crate::engine::EngineError;
use crate::error::Error;
use crate::hint::Hint;
use crate::i18n::{self, Lang};
use crate::input::InputError;
use crate::nodeimage::NodeImageError;
use crate::provider::ProviderError;
use crate::text::wrap;
use crate::tour::TourError;

/// At most this many lines of output: the end of a long output is where the cause usually is.
const DETAIL_LINES: usize = 25;

pub(crate) fn render_error(err: &Error, color: bool, lang: Lang) -> String {
    render_error_at(err, color, wrap::width(), lang)
}

/// [`render_error`] wrapped to `width` columns: the message's first line and each hint under
/// their own text, the message's other lines under their own indent; output (a command's, a
/// log's) is shown as it came.
pub(crate) fn render_error_at(err: &Error, color: bool, width: usize, lang: Lang) -> String {
    let words = Labels::of(lang);
    // Continuation lines start under the text, past the label (`오류: ` is as wide as `error:`
    // minus one: Hangul takes two columns).
    let under = |label: &str| " ".repeat(console::measure_text_width(label) + 1);
    let clean = |text: &str| {
        text.lines()
            .map(crate::text::clean_line)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let message = clean(&message(err, lang));
    let (first, others) = message.split_once('\n').unwrap_or((&message, ""));
    let label = format!("{} ", Paint::Error.apply(words.error, color));
    let mut lines = wrap::hanging(first, width, &label, &under(words.error));
    lines.extend(wrap::indented(others, width));
    if let Some(details) = details(err, lang) {
        let all: Vec<&str> = details.lines().collect();
        let start = all.len().saturating_sub(DETAIL_LINES);
        let label = if engine_looked(err).is_some() {
            words.looked
        } else {
            words.output
        };
        lines.push(Paint::Dim.apply(label, color));
        for l in &all[start..] {
            lines.push(format!("    {}", crate::text::clean_line(l)));
        }
    }
    let details = details(err, lang).unwrap_or_default();
    let label = format!("{} ", Paint::Hint.apply(words.hint, color));
    for hint in hints_in(err, lang) {
        // A hint already shown as the error's output is not repeated.
        if details.contains(&hint) {
            continue;
        }
        let hint = clean(&hint);
        let (first, others) = hint.split_once('\n').unwrap_or((&hint, ""));
        lines.extend(wrap::hanging(first, width, &label, &under(words.hint)));
        lines.extend(wrap::indented(others, width));
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// The labels of an error's lines, in the learner's language.
struct Labels {
    error: &'static str,
    hint: &'static str,
    output: &'static str,
    looked: &'static str,
}

impl Labels {
    fn of(lang: Lang) -> Labels {
        match lang {
            Lang::En => Labels {
                error: "error:",
                hint: "hint:",
                output: "  output:",
                looked: "  looked at:",
            },
            Lang::Ko => Labels {
                error: "오류:",
                hint: "힌트:",
                output: "  출력:",
                looked: "  찾아본 곳:",
            },
        }
    }
}

/// The key and values of an error minik keys (every error type a learner's command can
/// show), for the translation catalog.
fn keyed(e: &(dyn StdError + 'static)) -> Option<(&'static str, Vec<(&'static str, String)>)> {
    macro_rules! first_of {
        ($($t:ty),*) => {
            $(if let Some(x) = e.downcast_ref::<$t>() {
                return Some((x.key(), x.args()));
            })*
        };
    }
    // A step wrapper's source is a boxed cluster error.
    if let Some(x) = e.downcast_ref::<Box<ClusterError>>() {
        return Some((x.key(), x.args()));
    }
    first_of!(
        Error,
        ClusterError,
        ProviderError,
        InputError,
        LoadError,
        BundleError,
        NodeImageError,
        EngineError,
        PrepareError,
        crate::create::CreateError,
        TourError,
        crate::failure::Failure,
        crate::signals::Cancelled,
        crate::live::LiveError,
        KubectlError,
        KubectlInputError
    );
    None
}

/// An error's line in `lang`: English is its `Display`; Korean comes from the catalog, with
/// the wrapped error's Korean in place of `{source}`. An error the catalog lacks (or a
/// template naming a value the variant does not have) stays English rather than half-filled.
pub(crate) fn message(e: &(dyn StdError + 'static), lang: Lang) -> String {
    match lang {
        Lang::En => e.to_string(),
        Lang::Ko => ko_message(e).unwrap_or_else(|| e.to_string()),
    }
}

fn ko_message(e: &(dyn StdError + 'static)) -> Option<String> {
    let (key, mut args) = keyed(e)?;
    let entry = i18n::ko_errors().get(key)?;
    if entry.error.contains("{source}") {
        args.push(("source", message(e.source()?, Lang::Ko)));
    }
    i18n::fill(&entry.error, &args)
}

/// [`hints_for_error`] in `lang`: each hint from the catalog when it has the error's key,
/// else the English one.
pub(crate) fn hints_in(err: &(dyn StdError + 'static), lang: Lang) -> Vec<String> {
    if lang == Lang::En {
        return hints_for_error(err);
    }
    let mut hints: Vec<String> = Vec::new();
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(h) = own_hint(e) {
            let h = ko_hint(e).unwrap_or(h);
            if !hints.contains(&h) {
                hints.push(h);
            }
        }
        next = e.source();
    }
    hints
}

fn ko_hint(e: &(dyn StdError + 'static)) -> Option<String> {
    // A cluster error's hint is its innermost error's, past step wrappers.
    let (key, args) = match e.downcast_ref::<ClusterError>() {
        Some(c) => (c.root().key(), c.root().args()),
        None => keyed(e)?,
    };
    let template = i18n::ko_errors().get(key)?.hint.as_deref()?;
    i18n::fill(template, &args)
}

/// Where minik looked for an engine that did not answer.
fn engine_looked(err: &Error) -> Option<&[crate::i18n::Msg]> {
    err.find::<EngineError>().and_then(EngineError::looked)
}

/// Output worth showing under the message (a failed command's output, a node's log, where
/// the engine was looked for).
fn details(err: &Error, lang: Lang) -> Option<String> {
    if let Error::NodeImage(e) = err {
        return e.details();
    }
    if let Some(looked) = engine_looked(err) {
        let lines: Vec<String> = looked.iter().map(|l| l.in_lang(lang)).collect();
        return Some(lines.join("\n"));
    }
    err.find::<ProviderError>().and_then(ProviderError::details)
}

/// The hints of `err` and of every error it wraps, outermost first, each once.
pub(crate) fn hints_for_error(err: &(dyn StdError + 'static)) -> Vec<String> {
    let mut hints: Vec<String> = Vec::new();
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(h) = own_hint(e) {
            if !hints.contains(&h) {
                hints.push(h);
            }
        }
        next = e.source();
    }
    hints
}

/// The hint an error in the chain carries itself, for every error type minik renders.
fn own_hint(e: &(dyn StdError + 'static)) -> Option<String> {
    if let Some(e) = e.downcast_ref::<crate::failure::Failure>() {
        return e.hint();
    }
    if let Some(e) = e.downcast_ref::<ClusterError>() {
        return e.hint();
    }
    if let Some(e) = e.downcast_ref::<ProviderError>() {
        return e.hint();
    }
    if let Some(e) = e.downcast_ref::<InputError>() {
        return e.hint();
    }
    if let Some(e) = e.downcast_ref::<LoadError>() {
        return e.hint();
    }
    if let Some(e) = e.downcast_ref::<BundleError>() {
        return e.hint();
    }
    if let Some(e) = e.downcast_ref::<NodeImageError>() {
        return e.hint();
    }
    if let Some(e) = e.downcast_ref::<EngineError>() {
        return e.hint();
    }
    if let Some(e) = e.downcast_ref::<PrepareError>() {
        return e.hint();
    }
    if let Some(e) = e.downcast_ref::<KubectlInputError>() {
        return e.hint();
    }
    if let Some(e) = e.downcast_ref::<crate::live::LiveError>() {
        return e.hint();
    }
    e.downcast_ref::<TourError>().and_then(Hint::hint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::load::LoadError;
    use crate::cluster::ClusterError;
    use crate::provider::ProviderError;
    use crate::text::wrap::columns;

    #[test]
    fn the_first_line_names_the_problem() {
        let e = Error::from(ClusterError::AlreadyExists("lab".into()));
        let text = render_error_at(&e, false, 80, Lang::En);
        let first = text.lines().next().unwrap_or_default();
        assert_eq!(first, "error: a cluster named \"lab\" already exists");
        assert!(text.contains("hint: choose another name"));
    }

    #[test]
    fn unreachable_engine_shows_its_hint() {
        let e = Error::from(
            ClusterError::from(ProviderError::Unreachable {
                endpoint: "unix:///nope".into(),
                reason: "No such file".into(),
            })
            .in_step("Preparing nodes"),
        );
        assert!(render_error_at(&e, false, 80, Lang::En).contains("hint: start Docker"));
    }

    #[test]
    fn failed_commands_show_their_output() {
        let e = Error::from(ClusterError::from(ProviderError::ExecFailed {
            node: "n".into(),
            command: "kubeadm init".into(),
            exit_code: 1,
            output: "line1\n[ERROR] boom".into(),
        }));
        let text = render_error_at(&e, false, 80, Lang::En);
        assert!(text.contains("    [ERROR] boom"), "{text}");
    }

    #[test]
    fn load_hints_render_as_before() {
        let e = Error::from(LoadError::NodeNotRunning {
            node: "lab-worker".into(),
            state: crate::provider::NodeState::Stopped,
            cluster: "lab".into(),
        });
        let text = render_error_at(&e, false, 80, Lang::En);
        assert!(
            text.ends_with("hint: start the cluster first: minik start --name lab\n"),
            "{text}"
        );
    }

    #[test]
    fn colour_wraps_only_the_labels() {
        let e = Error::from(crate::input::InputError::Zero { flag: "--nodes" });
        let text = render_error_at(&e, true, 80, Lang::En);
        assert!(text.contains("\u{1b}["), "{text:?}");
        assert!(text.contains(" --nodes must be at least 1\n"), "{text:?}");
        assert!(
            text.contains(" for example: --nodes 3 (one control plane, two workers)\n"),
            "{text:?}"
        );
    }

    #[test]
    fn the_thaw_recipe_is_printed_once() {
        let e = Error::from(ProviderError::Unkillable {
            node: "lab-worker".into(),
            action: "stopped",
            message: "timeout".into(),
        });
        let text = render_error_at(&e, false, 80, Lang::En);
        assert_eq!(text.matches("THAWED").count(), 1, "{text}");
        assert!(text.contains("hint: a cgroup inside it is probably still frozen"));
    }

    /// Issue #22: errors fit 80 and 100 columns, no word split, and a line wider than that is
    /// one word that may not be cut (a backquoted command, a path).
    #[test]
    fn errors_fit_the_terminal_without_splitting_words() {
        let errors = [
            Error::from(ClusterError::NotFound("minik".into())),
            Error::from(crate::input::InputError::TourNeedsTerminal),
            Error::from(ProviderError::Unkillable {
                node: "workshop-seoul-2026-room-b-worker2".into(),
                action: "stopped",
                message: "timeout".into(),
            }),
            Error::from(TourError::UnknownStep {
                id: "volumes".into(),
                known: [
                    "nodes",
                    "control-plane",
                    "node-agents",
                    "namespace",
                    "deployment",
                    "scale",
                    "self-healing",
                    "worker-away",
                    "service",
                    "volume",
                ]
                .map(String::from)
                .to_vec(),
            }),
            Error::from(TourError::NamespaceInUse("minik-tour".into())),
            Error::from(crate::config::ConfigErrors(vec![
                crate::config::ConfigError::new(
                    "workshop/cluster.yaml",
                    None,
                    "unknown field \"nodez\" in the cluster configuration file you gave",
                    "the fields are name, nodes, controlPlanes, kubernetesVersion, image, \
                     ports and mounts; did you mean nodes?",
                ),
            ])),
            Error::from(ProviderError::ExecFailed {
                node: "lab-control-plane".into(),
                command: "kubeadm init --config /kind/kubeadm.conf --skip-phases=preflight".into(),
                exit_code: 1,
                output: "[ERROR] a line of kubeadm's own output that is long and stays as it came from the node".into(),
            }),
        ];
        for e in &errors {
            let source = format!("{}\n{}", e, hints_for_error(e).join("\n"));
            for width in [80, 100] {
                let text = render_error_at(e, false, width, Lang::En);
                let lines: Vec<&str> = text.lines().collect();
                for l in &lines {
                    let output = l.starts_with("    [ERROR]");
                    let one_word = l.trim().starts_with('`') && l.trim().ends_with('`')
                        || !l.trim().contains(' ');
                    assert!(
                        columns(l) <= width || one_word || output,
                        "{} > {width}: {l}\n{text}",
                        columns(l)
                    );
                }
                let label = |w: &&str| !["error:", "hint:", "output:"].contains(w);
                let shown: Vec<&str> = text.split_whitespace().filter(label).collect();
                for part in source.lines() {
                    let want: Vec<&str> = part.split_whitespace().filter(label).collect();
                    assert!(
                        want.is_empty() || shown.windows(want.len()).any(|w| w == want),
                        "split or lost: {part}\n{text}"
                    );
                }
            }
        }
    }
    #[test]
    fn korean_errors_come_from_the_catalog_with_their_values() {
        let e = Error::from(TourError::from(ClusterError::NotFound("minik".into())));
        let text = render_error_at(&e, false, 200, Lang::Ko);
        assert_eq!(
            text,
            "오류: 이름이 \"minik\"인 클러스터가 없습니다\n힌트: 클러스터 목록 보기: minik get clusters\n"
        );
        assert!(crate::i18n::leaks::english_words_but(&text, &["minik"]).is_empty());
    }

    #[test]
    fn korean_wrappers_translate_what_they_wrap_and_the_innermost_hint() {
        let e = Error::from(
            ClusterError::from(ProviderError::Unreachable {
                endpoint: "unix:///nope".into(),
                reason: "No such file".into(),
            })
            .in_step("Preparing nodes"),
        );
        let text = render_error_at(&e, false, 200, Lang::Ko);
        assert!(
            text.starts_with(
                "오류: Preparing nodes 단계에 실패했습니다: unix:///nope 주소의 컨테이너 엔진에 \
                 연결할 수 없습니다: No such file\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("힌트: Docker(또는 사용하는 엔진)를 시작하거나"),
            "{text}"
        );
        assert!(!text.contains("hint:"), "{text}");
    }

    #[test]
    fn korean_labels_the_output_and_keeps_it_as_it_is() {
        let e = Error::from(ClusterError::from(ProviderError::ExecFailed {
            node: "n".into(),
            command: "kubeadm init".into(),
            exit_code: 1,
            output: "[ERROR] boom".into(),
        }));
        let text = render_error_at(&e, false, 200, Lang::Ko);
        assert!(text.contains("n 노드에서 `kubeadm init` 명령이 실패했습니다(종료 코드 1)"));
        assert!(text.contains("  출력:\n    [ERROR] boom\n"), "{text}");
    }

    #[test]
    fn every_input_error_reads_in_korean() {
        let samples = [
            InputError::Zero { flag: "--nodes" },
            InputError::TooMany {
                flag: "--nodes",
                value: 101,
            },
            InputError::TourNeedsTerminal,
            InputError::NodesOutOfRange { nodes: 0 },
            InputError::UnderSudo { user: "ann".into() },
            InputError::Port {
                reason: "x"
                    .parse::<crate::init::PublishPort>()
                    .err()
                    .unwrap_or_default(),
                example: "--port 80 --port 8443:443",
            },
            InputError::Mount {
                reason: crate::init::folder("/no/such/folder")
                    .err()
                    .unwrap_or_default(),
            },
        ];
        for e in samples {
            let text = render_error_at(&Error::from(e), false, 200, Lang::Ko);
            let english = crate::i18n::leaks::english_words_but(&text, &["ann"]);
            assert!(english.is_empty(), "{english:?} in {text}");
            assert!(text.contains("힌트:"), "{text}");
        }
    }

    #[test]
    fn no_cluster_to_tour_says_how_to_make_one_in_both_languages() {
        let e = || {
            Error::from(TourError::NoCluster {
                name: "minik".into(),
                nodes: 3,
            })
        };
        assert_eq!(
            render_error_at(&e(), false, 200, Lang::En),
            "error: no cluster named \"minik\" to tour\nhint: create one for the tour first: \
             minik create --nodes 3, then minik tour\n"
        );
        assert_eq!(
            render_error_at(&e(), false, 200, Lang::Ko),
            "오류: 투어할 클러스터가 없습니다(이름: \"minik\")\n힌트: 투어용 클러스터를 먼저 \
             만드세요: minik create --nodes 3 명령을 실행한 다음 minik tour 명령으로 투어를 \
             시작합니다\n"
        );
        let lab = Error::from(TourError::NoCluster {
            name: "lab".into(),
            nodes: 2,
        });
        assert!(render_error_at(&lab, false, 200, Lang::Ko).contains(
            "minik create --nodes 2 --name lab 명령을 실행한 다음 minik tour --name lab 명령으로"
        ));
    }
}

#[cfg(test)]
mod kubectl_tests {
    use super::*;

    /// Issue #22: `minik kubectl`'s own errors read in Korean, each with its hint.
    #[test]
    fn kubectl_errors_read_in_korean() {
        use crate::cluster::kubectl::KubectlInputError as K;
        for e in [
            K::Folder("manifests".into()),
            K::TwoInputs("a.yaml".into(), "b.yaml".into()),
            K::MissingValue,
            K::Unreadable("app.yaml".into(), std::io::Error::other("gone")),
        ] {
            let e = Error::from(KubectlError::from(e));
            let text = render_error_at(&e, false, 200, Lang::Ko);
            let english = crate::i18n::leaks::english_words_but(&text, &["gone", "manifests"]);
            assert!(english.is_empty(), "{english:?} in {text}");
            assert!(text.contains("힌트:"), "{text}");
            assert!(!text.contains("hint:"), "{text}");
        }
    }
}

#[cfg(test)]
mod engine_tests {
    use super::*;
    use crate::i18n::Key;
    use crate::msg;

    /// Issue #22: no engine, the first error many learners see: its line, where minik looked
    /// and the fix, all in Korean.
    #[test]
    fn an_engine_that_does_not_answer_reads_in_korean() {
        let e = Error::from(EngineError::Unreachable {
            headline: Box::new(
                msg!(Key::UnreachableHeadline, host = "unix:///var/run/docker.sock";
                detail => msg!(Key::UnreachableNoSocket)),
            ),
            looked: vec![
                msg!(Key::LookedNotSet, variable = "DOCKER_HOST"),
                msg!(Key::LookedChose, host = "unix:///var/run/docker.sock";
                    via => msg!(Key::SourceDefault)),
            ],
            fix: Box::new(msg!(Key::UnreachableStartLinux)),
        });
        let text = render_error_at(&e, false, 200, Lang::Ko);
        let english = crate::i18n::leaks::english_words(&text);
        assert!(english.is_empty(), "{english:?} in {text}");
        assert!(
            text.contains("  찾아본 곳:\n    DOCKER_HOST 환경 변수가 설정되지 않음\n"),
            "{text}"
        );
        assert!(
            text.contains("힌트: 엔진을 시작하세요: sudo systemctl start docker"),
            "{text}"
        );
        let en = render_error_at(&e, false, 200, Lang::En);
        assert!(en.contains("    DOCKER_HOST is not set\n"), "{en}");
    }
}
