//! Issue #22, "at 80 columns": every step of every built-in lab (each file in src/tour/labs, so
//! a new lab is covered without a change here), in both languages, rendered by the tour's own
//! code: no line wider than the terminal, no word split, every command pasteable as shown (a
//! wrapped command joins back to the lab's; a here-document gives back the manifest, checked by
//! pasting the block into bash). Unix only: on Windows the tour shows PowerShell.

use std::collections::BTreeMap;

use super::*;
use crate::text::wrap::unwrap_command;
use crate::tour::{builtin, messages, presented, Lab, Lang, Messages};

const WIDTH: usize = 80;

/// Every lab file shipped in src/tour/labs, parsed as the tour parses it.
fn labs() -> Vec<Lab> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/tour/labs");
    let mut ids: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.ok()?.path();
            (path.extension()? == "yaml").then_some(())?;
            Some(path.file_stem()?.to_str()?.to_string())
        })
        .collect();
    ids.sort();
    assert!(!ids.is_empty(), "no lab in {dir}");
    ids.iter()
        .map(|id| builtin(id).unwrap_or_else(|e| panic!("{id}: {e}")))
        .collect()
}

/// What the tour fills in: a short cluster name, and a long one whose commands need wrapping.
fn vars(lab: &Lab, cluster: &str) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("namespace", lab.namespace.clone()),
        ("cluster", cluster.to_string()),
        ("controlPlane", format!("{cluster}-control-plane")),
        ("worker", format!("{cluster}-worker2")),
        ("pod", "hello-7c5ddbdf54-8x2kq".to_string()),
        // The reach lab's URL as a routed node shows it (the longest of its forms).
        (
            "nodePortUrl:30080",
            "http://172.18.255.254:30080".to_string(),
        ),
    ])
}

const CLUSTERS: [&str; 2] = ["minik", "workshop-seoul-2026-room-b"];

fn no_line_too_wide(lines: &[String], width: usize, what: &str) {
    for l in lines {
        assert!(
            columns(l) <= width,
            "{what}: {} columns > {width}:\n{l}\n\n{}",
            columns(l),
            lines.join("\n")
        );
    }
}

/// `words` appear in `lines`, whole and in order, one after another.
fn words_intact(source: &str, lines: &[String], what: &str) {
    let want: Vec<&str> = source.split_whitespace().collect();
    let shown = lines.join("\n");
    let got: Vec<&str> = shown.split_whitespace().collect();
    assert!(
        want.is_empty() || got.windows(want.len()).any(|w| w == want.as_slice()),
        "{what}: a word of the text is split or missing\ntext: {source}\n\nshown:\n{shown}"
    );
}

/// The lines after `heading`'s line, up to the next blank or heading line.
fn block_after<'a>(lines: &'a [String], heading: &str) -> &'a [String] {
    let Some(at) = lines.iter().position(|l| l == &format!("{heading}:")) else {
        return &[];
    };
    let rest = &lines[at + 1..];
    let end = rest
        .iter()
        .position(|l| l.is_empty() || (!l.starts_with(' ') && l.ends_with(':')))
        .unwrap_or(rest.len());
    &rest[..end]
}

/// The first command of `block` (its lines up to the first without a continuation), joined.
fn first_command(block: &[String]) -> (String, usize) {
    let n = block
        .iter()
        .position(|l| !l.ends_with(CONTINUATION))
        .map_or(block.len(), |i| i + 1);
    (unwrap_command(&block[..n], CONTINUATION), n)
}

/// The shown block pasted into bash, where no program is found (PATH is empty) and each
/// command prints itself and what its standard input gives it (a here-document's text):
/// exactly the lab's command and manifest, or the paste is broken.
fn pasted(block: &[String]) -> String {
    let cat = ["/bin/cat", "/usr/bin/cat"]
        .into_iter()
        .find(|c| std::path::Path::new(c).exists())
        .unwrap();
    let script = format!(
        "PATH=/nonexistent\ncommand_not_found_handle() {{ printf '%s\\n' \"$*\"; {cat}; }}\n{}\n",
        block.join("\n")
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "bash failed on:\n{script}");
    String::from_utf8(out.stdout).unwrap()
}

/// What [`pasted`] prints for `command` (the line as the lab runs it) and `manifest`.
fn printed(command: &str, manifest: Option<&str>) -> String {
    match manifest {
        Some(m) => format!("{}\n{m}\n", command.trim_end_matches(" <<'EOF'")),
        None => format!("{command}\n"),
    }
}

#[test]
fn every_step_of_every_lab_fits_80_columns_in_both_languages() {
    let mut rendered = 0;
    for lab in labs() {
        for cluster in CLUSTERS {
            let vars = vars(&lab, cluster);
            for lang in Lang::ALL {
                let m = messages(lang);
                for i in 0..lab.steps.len() {
                    let p = presented(&lab, i, lang, &vars);
                    let what = format!("{} step {} ({}, {cluster})", lab.id, p.id, lang.code());
                    let lines = step_lines(m, &p, WIDTH, false);
                    no_line_too_wide(&lines, WIDTH, &what);
                    words_intact(&p.title, &lines, &what);
                    words_intact(&p.text, &lines, &what);
                    let manifest = lab.steps[i]
                        .manifest
                        .as_deref()
                        .map(|t| crate::tour::command::fill(t, &vars));
                    commands_paste_back(m, &p, manifest.as_deref(), &lines, &what);
                    rendered += 1;
                }
            }
        }
    }
    assert!(rendered >= 40, "{rendered} steps rendered");
}

/// The "Try it" block and each "Also" command give back exactly what the lab runs.
fn commands_paste_back(
    m: &Messages,
    p: &Presented,
    manifest: Option<&str>,
    lines: &[String],
    what: &str,
) {
    if let Some(cmd) = &p.command {
        let block = block_after_try(m, p, lines);
        let (first, n) = first_command(block);
        assert_eq!(first, cmd.lines().next().unwrap_or_default(), "{what}");
        if let Some(manifest) = manifest.map(str::trim_end) {
            // Flush left: the shell ends a here-document only at `EOF` at column 0.
            assert!(!block[0].starts_with(' '), "{what}: {block:#?}");
            let body: Vec<&str> = block[n..].iter().map(String::as_str).collect();
            assert_eq!(body.last().copied(), Some("EOF"), "{what}");
            assert_eq!(body[..body.len() - 1].join("\n"), manifest, "{what}");
        } else {
            assert_eq!(n, block.len(), "{what}: {block:#?}");
        }
        assert_eq!(
            pasted(block),
            printed(&first, manifest.map(str::trim_end)),
            "{what}"
        );
    }
    let mut more = block_after(lines, m.also);
    assert_eq!(more.is_empty(), p.more.is_empty(), "{what}");
    for c in &p.more {
        let (joined, n) = first_command(more);
        assert_eq!(&joined, c, "{what}");
        assert_eq!(pasted(&more[..n]), printed(c, None), "{what}");
        more = &more[n..];
    }
    assert!(more.is_empty(), "{what}: {more:#?}");
}

/// The "Try it" block (a here-document's manifest lines may be blank or end in a colon, so it
/// runs to its `EOF`).
fn block_after_try<'a>(m: &Messages, p: &Presented, lines: &'a [String]) -> &'a [String] {
    let heading = format!("{}:", m.try_this);
    let at = lines
        .iter()
        .position(|x| x == &heading)
        .unwrap_or_else(|| panic!("no {heading} in {lines:#?}"));
    let rest = &lines[at + 1..];
    let end = if p.command.as_deref().unwrap_or("").contains('\n') {
        rest.iter()
            .position(|l| l == "EOF")
            .map_or(rest.len(), |e| e + 1)
    } else {
        first_command(rest).1
    };
    &rest[..end]
}

#[test]
#[ignore = "prints every step for review"]
fn print_every_step() {
    let width = crate::text::wrap::width();
    for lab in labs() {
        let vars = vars(&lab, CLUSTERS[0]);
        for lang in Lang::ALL {
            for i in 0..lab.steps.len() {
                let p = presented(&lab, i, lang, &vars);
                println!(
                    "{}",
                    step_lines(messages(lang), &p, width, false).join("\n")
                );
            }
        }
    }
}

#[test]
fn the_step_list_fits_and_its_commands_join_back() {
    for lab in labs() {
        for lang in Lang::ALL {
            let steps = lab.listing(lang);
            let text = steps_text_at(lab.title.get(lang), &steps, WIDTH);
            let lines: Vec<String> = text.lines().map(String::from).collect();
            let what = format!("{} --list ({})", lab.id, lang.code());
            no_line_too_wide(&lines, WIDTH, &what);
            let mut rest = &lines[..];
            for s in &steps {
                words_intact(&s.title, &lines, &what);
                let Some(cmd) = &s.command else { continue };
                // The command's first line is the one under the step's title lines.
                let at = rest
                    .iter()
                    .position(|l| l.starts_with(&" ".repeat(20)) && l.trim().starts_with("kubectl"))
                    .unwrap_or_else(|| panic!("{what}: {cmd} not shown\n{text}"));
                let (joined, n) = first_command(&rest[at..]);
                assert_eq!(&joined, cmd, "{what}");
                rest = &rest[at + n..];
            }
        }
    }
}

/// The tour's own lines (a step's result with its note, the closing line) in both languages.
#[test]
fn the_tours_own_lines_fit() {
    for lang in Lang::ALL {
        let m = messages(lang);
        let needs = m
            .needs_workers
            .replace("{need}", "2")
            .replace("{have}", "0")
            .replace("{nodes}", "3");
        for (status, note) in [
            (Status::NotApplicable, needs.as_str()),
            (Status::NotApplicable, m.no_kube_proxy),
        ] {
            let r = StepReport {
                id: "worker-away".into(),
                title: "A worker goes away".into(),
                status,
                seconds: 0.0,
                command: None,
                checks: Vec::new(),
                shown: Vec::new(),
                note: Some(note.to_string()),
            };
            let lines = report_lines(m, &r, WIDTH, false);
            no_line_too_wide(&lines, WIDTH, note);
            // Shown in parentheses after the step's title.
            words_intact(&format!("({note})"), &lines, note);
        }
        for line in [m.done, m.stopped] {
            let lines = wrap::wrap(line, WIDTH);
            no_line_too_wide(&lines, WIDTH, line);
            words_intact(line, &lines, line);
        }
    }
}
