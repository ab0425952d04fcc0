//! Wrapping never splits a word (the review's "여러분|의", "mi|nik이"), counts Hangul as two
//! columns, and keeps commands pasteable.

use super::*;

/// Every line within `width`, unless it is one word that is wider on its own.
fn fits(lines: &[String], width: usize) {
    for l in lines {
        assert!(
            columns(l) <= width || l.split_whitespace().count() == 1,
            "{} columns > {width}: {l:?}\n{lines:#?}",
            columns(l)
        );
    }
}

/// The words of `text`, in order, are the words of `lines`: none split, lost or added.
fn same_words(text: &str, lines: &[String]) {
    let want: Vec<&str> = text.split_whitespace().collect();
    let joined = lines.join("\n");
    let got: Vec<&str> = joined.split_whitespace().collect();
    assert_eq!(got, want, "{lines:#?}");
}

const KO: &str = "kubectl은 노드가 아니라 여러분의 컴퓨터에서 실행됩니다. ~/.kube/config 파일을 \
                  읽고 HTTPS로 API 서버와 통신합니다. minik이 이 파일에 minik-lab 컨텍스트를 \
                  추가했고, kubectl config current-context 명령을 실행하면 명령이 어느 \
                  클러스터로 가는지 알 수 있습니다.";

#[test]
fn hangul_counts_two_columns() {
    assert_eq!(columns("노드"), 4);
    assert_eq!(columns("minik이"), 7);
    assert_eq!(columns("\u{1b}[32m✓\u{1b}[0m"), 1);
}

#[test]
fn korean_breaks_only_at_spaces() {
    for width in [20, 24, 31, 40, 57, 80] {
        let lines = wrap(KO, width);
        fits(&lines, width);
        same_words(KO, &lines);
    }
    // Unicode's default (UAX 14) would break after any syllable: here "여러분의" and "minik이"
    // land whole on the next line.
    let lines = wrap("가나다라마바 여러분의 minik이", 16);
    assert_eq!(lines, ["가나다라마바", "여러분의 minik이"]);
    let lines = wrap("가나다라마바사아 minik이", 20);
    assert_eq!(lines, ["가나다라마바사아", "minik이"]);
}

#[test]
fn a_word_longer_than_the_width_stays_whole() {
    let url = "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/";
    let text = format!("read {url} for more");
    let lines = wrap(&text, 30);
    assert_eq!(lines, ["read", url, "for more"]);
    assert_eq!(
        wrap("/etc/kubernetes/manifests", 10),
        ["/etc/kubernetes/manifests"]
    );
}

#[test]
fn wrap_keeps_line_breaks_and_indented_lines() {
    let text = "one two three four\n\n    kubectl get pods -n minik-tour -o wide\nfive six";
    assert_eq!(
        wrap(text, 12),
        [
            "one two",
            "three four",
            "",
            "    kubectl get pods -n minik-tour -o wide",
            "five six"
        ]
    );
}

#[test]
fn hanging_indents_the_lines_after_the_first() {
    let lines = hanging(
        "list clusters with: minik get clusters",
        20,
        "hint: ",
        "      ",
    );
    assert_eq!(
        lines,
        [
            "hint: list clusters",
            "      with: minik",
            "      get clusters"
        ]
    );
    assert_eq!(hanging("", 20, "hint: ", "  "), ["hint:"]);
    assert_eq!(wrap("", 20), [""]);
}

#[test]
fn paragraphs_reflow_the_files_own_line_breaks() {
    // Pre-broken at another width, as the lab files were.
    let text = "클러스터는 노드라고 부르는 여러 대의\n머신으로 이루어집니다. 컨트롤 플레인 노드는\n\
                결정을 내립니다.\n\nA second\nparagraph.\n- an item that is\n  long enough\n- two\n";
    let lines = paragraphs(text, 30, "");
    fits(&lines, 30);
    same_words(text, &lines);
    assert_eq!(
        lines,
        [
            "클러스터는 노드라고 부르는",
            "여러 대의 머신으로",
            "이루어집니다. 컨트롤 플레인",
            "노드는 결정을 내립니다.",
            "",
            "A second paragraph.",
            "- an item that is long enough",
            "- two",
        ]
    );
    // A line that starts with whitespace, away from a list item, is kept as it is.
    assert_eq!(
        paragraphs("Run:\n\n    kubectl get pods   -o wide\nthen", 10, ""),
        ["Run:", "", "    kubectl get pods   -o wide", "then"]
    );
    assert_eq!(
        paragraphs("- an item that is long enough\n- two", 16, "  "),
        ["  - an item that", "    is long", "    enough", "  - two"]
    );
}

#[test]
fn commands_break_between_words_and_paste_back_whole() {
    let cmd = "kubectl get pods -n kube-system -l tier=control-plane -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName";
    for width in [30, 50, 80] {
        let lines = command(cmd, width, "    ", " \\");
        fits(&lines, width);
        assert_eq!(unwrap_command(&lines, " \\"), cmd, "{lines:#?}");
        for l in &lines[..lines.len() - 1] {
            assert!(l.ends_with(" \\"), "{l}");
        }
        assert!(!lines[lines.len() - 1].ends_with('\\'));
    }
    assert_eq!(
        command("kubectl get nodes -o wide", 80, "    ", " \\"),
        ["    kubectl get nodes -o wide"]
    );
    assert_eq!(
        command("kubectl get nodes -o wide", 20, "", " \\"),
        ["kubectl get nodes \\", "    -o wide"]
    );
    // A flag goes down with its value.
    assert_eq!(
        command("kubectl get pods -n kube-system -o wide", 34, "", " \\"),
        ["kubectl get pods -n kube-system \\", "    -o wide"]
    );
    assert_eq!(
        command("kubectl get pods -n kube-system -o wide", 32, "", " \\"),
        ["kubectl get pods \\", "    -n kube-system -o wide"]
    );
    assert_eq!(command("", 20, "  ", " \\"), Vec::<String>::new());
}

#[test]
fn quoted_arguments_are_never_broken() {
    let cmd = "minik create --name lab --config 'My Documents/minik lab.yaml'";
    let lines = command(cmd, 30, "", " \\");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("'My Documents/minik lab.yaml'")),
        "{lines:#?}"
    );
    assert_eq!(unwrap_command(&lines, " \\"), cmd);
}

#[test]
fn width_comes_from_columns_then_the_terminal() {
    assert_eq!(width_from(None, None), UNWRAPPED);
    assert_eq!(width_from(Some("72"), Some(120)), 72);
    assert_eq!(width_from(Some("junk"), Some(90)), 90);
    assert_eq!(width_from(Some("0"), None), UNWRAPPED);
    assert_eq!(width_from(None, Some(300)), WIDEST);
    assert_eq!(width_from(Some("5"), None), NARROWEST);
}

#[test]
fn a_backquoted_command_in_a_sentence_is_one_word() {
    let text = "as root run `docker rm -f lab-worker` and then `minik delete --name lab` again";
    let lines = wrap(text, 30);
    assert_eq!(
        lines,
        [
            "as root run",
            "`docker rm -f lab-worker` and",
            "then `minik delete --name lab`",
            "again"
        ]
    );
    // A lone backquote quotes nothing.
    assert_eq!(wrap("a ` b c d", 5), ["a ` b", "c d"]);
}

#[test]
fn indented_lines_wrap_under_their_own_indent_and_label() {
    let text = "kind.yaml:3:5: unknown field nodez\n  hint: the fields of a cluster are name, nodes and networking";
    assert_eq!(
        indented(text, 32),
        [
            "kind.yaml:3:5: unknown field",
            "    nodez",
            "  hint: the fields of a cluster",
            "        are name, nodes and",
            "        networking"
        ]
    );
}

#[test]
fn a_quoted_argument_is_one_word_but_an_apostrophe_quotes_nothing() {
    let text = "find what holds it: sudo ss -ltnp 'sport = :80' and stop it";
    let lines = wrap(text, 34);
    assert_eq!(
        lines,
        [
            "find what holds it: sudo ss -ltnp",
            "'sport = :80' and stop it"
        ]
    );
    let text = "raise Docker Desktop's memory, then the node's limit: it's fine";
    let lines = wrap(text, 24);
    same_words(text, &lines);
    assert_eq!(
        lines,
        [
            "raise Docker Desktop's",
            "memory, then the node's",
            "limit: it's fine"
        ]
    );
    assert_eq!(
        wrap("no cluster named \"my lab\" here", 18),
        ["no cluster named", "\"my lab\" here"]
    );
}

#[test]
fn a_korean_particle_after_a_quote_closes_it() {
    // The quoted phrase closes at "은; before, the span ran on to the next quote and the whole
    // sentence stood on one 160-column line.
    let text = "\"0/3 nodes are available\"은 모든 노드를 센 것이고, 워커 노드는 \
                자원이 모자라서 빠졌다는 뜻입니다. 뒤의 \"preemption:\"은 다른 이야기입니다.";
    let lines = wrap(text, 40);
    fits(&lines, 40);
    same_words(text, &lines);
    assert!(
        lines[0].starts_with("\"0/3 nodes are available\"은"),
        "{lines:#?}"
    );
}
