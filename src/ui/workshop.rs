//! `minik doctor --workshop`'s screen: a heading with the plan, one PASS/WARN/FAIL line per item
//! (short enough to read out loud), the fix under each item that is not a pass, and a last line
//! that says READY or NOT READY. No colours, so a screenshot or a pasted log reads the same.

use crate::doctor::workshop::WorkshopReport;
use crate::i18n::Lang;
use crate::platform::Status;
use crate::text::wrap::{self, columns};

/// The screen's own words in one language.
struct Words {
    no_ports: &'static str,
    /// `{ports}`
    ports: &'static str,
    /// `{nodes}`, `{control_planes}`, `{ports}`
    heading: &'static str,
    /// `{version}`, `{os}`, `{runtime}`
    machine: &'static str,
    fix: &'static str,
    ready: &'static str,
    /// `{warns}`
    ready_warns: &'static str,
    /// `{fails}`
    not_ready: &'static str,
}

const EN: Words = Words {
    no_ports: "no ports",
    ports: "ports {ports}",
    heading: "Workshop check: {nodes} node(s) ({control_planes} control plane(s)), {ports}",
    machine: "minik {version} on {os} with {runtime}",
    fix: "fix:",
    ready: "READY: this laptop can run the workshop's cluster",
    ready_warns: " ({warns} WARN item(s) are worth fixing but do not block)",
    not_ready: "NOT READY: fix the {fails} FAIL item(s), then run `minik doctor --workshop` again",
};

const KO: Words = Words {
    no_ports: "공개할 포트 없음",
    ports: "포트 {ports}",
    heading: "워크숍 점검: 노드 {nodes}개(컨트롤 플레인 {control_planes}개), {ports}",
    machine: "minik {version}, 운영체제 {os}, 엔진 {runtime}",
    fix: "해결:",
    ready: "READY: 이 노트북에서 워크숍 클러스터를 실행할 수 있습니다",
    ready_warns: " (WARN 항목 {warns}개는 고치면 좋지만 진행을 막지는 않습니다)",
    not_ready: "NOT READY: FAIL 항목 {fails}개를 고친 다음 minik doctor --workshop을 다시 \
                실행하세요",
};

/// `minik doctor --workshop`'s screen in `lang`.
pub(crate) fn workshop_text_in(r: &WorkshopReport, lang: Lang) -> String {
    workshop_text_at_in(r, wrap::width(), lang)
}

#[cfg(test)]
pub(crate) fn workshop_text_at(r: &WorkshopReport, width: usize) -> String {
    workshop_text_at_in(r, width, Lang::En)
}

/// [`workshop_text_in`], wrapped to `width` columns: what an item found continues under
/// the found column, its fix under the fix's text.
pub(crate) fn workshop_text_at_in(r: &WorkshopReport, width: usize, lang: Lang) -> String {
    let w = match lang {
        Lang::En => &EN,
        Lang::Ko => &KO,
    };
    let p = &r.plan;
    let ports = if p.ports.is_empty() {
        w.no_ports.to_string()
    } else {
        let list: Vec<String> = p
            .ports
            .iter()
            .map(|x| format!("{}:{}", x.address, x.port))
            .collect();
        w.ports.replace("{ports}", &list.join(", "))
    };
    let os = r.machine.os.name();
    let heading = format!(
        "{}\n{}",
        w.heading
            .replace("{nodes}", &p.nodes.to_string())
            .replace("{control_planes}", &p.control_planes.to_string())
            .replace("{ports}", &ports),
        w.machine
            .replace("{version}", r.machine.minik_version)
            .replace("{os}", os)
            .replace("{runtime}", &r.machine.runtime.in_lang(lang)),
    );
    let checks = super::doctor::localized(&r.checks, lang);
    let mut lines = wrap::wrap(&heading, width);
    lines.push(String::new());
    let titles = checks.iter().map(|c| columns(&c.title)).max().unwrap_or(0);
    // The found column, unless it would leave too little room: then under the title.
    let column = if titles + 8 > width / 2 {
        6
    } else {
        titles + 8
    };
    let indent = " ".repeat(column);
    for c in &checks {
        let word = match c.status {
            Status::Ok => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
        };
        let pad = " ".repeat(titles - columns(&c.title));
        let row = format!("{word}  {}{pad}  {}", c.title, c.found);
        lines.extend(wrap::hanging(&row, width, "", &indent));
        if c.status != Status::Ok {
            if let Some(fix) = &c.fix {
                let under = " ".repeat(column + 5);
                lines.extend(wrap::hanging(
                    &format!("{} {fix}", w.fix),
                    width,
                    &indent,
                    &under,
                ));
            }
        }
    }
    let count = |s: Status| r.checks.iter().filter(|c| c.status == s).count();
    let warns = count(Status::Warn);
    lines.push(String::new());
    let verdict = if r.ready {
        let mut v = w.ready.to_string();
        if warns > 0 {
            v.push_str(&w.ready_warns.replace("{warns}", &warns.to_string()));
        }
        v
    } else {
        w.not_ready
            .replace("{fails}", &count(Status::Fail).to_string())
    };
    lines.extend(wrap::hanging(&verdict, width, "", "  "));
    lines.iter().map(|l| format!("{l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::workshop::Machine;
    use crate::platform::checks::workshop::{PlannedPort, WorkshopPlan};
    use crate::platform::checks::{row, Status};
    use crate::platform::HostOs;

    fn report(rows: Vec<crate::platform::Check>) -> WorkshopReport {
        WorkshopReport {
            ready: !rows.iter().any(|c| c.status == Status::Fail),
            plan: WorkshopPlan {
                nodes: 3,
                control_planes: 1,
                ports: vec![PlannedPort {
                    address: "127.0.0.1".into(),
                    port: 80,
                }],
            },
            machine: Machine {
                os: HostOs::Macos,
                arch: "arm64".into(),
                runtime: "Colima".into(),
                engine: "unix:///Users/ana/.colima/default/docker.sock".into(),
                minik_version: "0.1.0",
            },
            checks: rows,
        }
    }

    #[test]
    fn reads_as_pass_or_fail_with_the_fix_and_a_verdict() {
        let text = workshop_text_at(
            &report(vec![
                row(
                    "engine",
                    "Engine reachable",
                    Status::Ok,
                    "Colima 27.1",
                    "why",
                    None,
                ),
                row(
                    "memory",
                    "Memory",
                    Status::Fail,
                    "1.9 GiB",
                    "why",
                    Some("colima start --memory 5".into()),
                ),
                row(
                    "proxy",
                    "Proxy",
                    Status::Warn,
                    "set",
                    "why",
                    Some("export NO_PROXY".into()),
                ),
            ]),
            100,
        );
        assert_eq!(
            text,
            "Workshop check: 3 node(s) (1 control plane(s)), ports 127.0.0.1:80\n\
             minik 0.1.0 on macOS with Colima\n\n\
             PASS  Engine reachable  Colima 27.1\n\
             FAIL  Memory            1.9 GiB\n\
             \x20                       fix: colima start --memory 5\n\
             WARN  Proxy             set\n\
             \x20                       fix: export NO_PROXY\n\n\
             NOT READY: fix the 1 FAIL item(s), then run `minik doctor --workshop` again\n"
        );
        let ok = workshop_text_at(
            &report(vec![row("engine", "A", Status::Warn, "x", "y", None)]),
            200,
        );
        assert!(ok.ends_with("READY: this laptop can run the workshop's cluster (1 WARN item(s) are worth fixing but do not block)\n"), "{ok}");
    }
    #[test]
    fn the_screen_reads_in_korean_with_titles_by_check_id() {
        let text = workshop_text_in(
            &report(vec![row(
                "memory",
                "Memory",
                Status::Fail,
                "1.9 GiB",
                "why",
                Some("colima start --memory 5".into()),
            )]),
            Lang::Ko,
        );
        assert!(
            text.starts_with("워크숍 점검: 노드 3개(컨트롤 플레인 1개), 포트 127.0.0.1:80\n"),
            "{text}"
        );
        assert!(text.contains("FAIL  메모리  1.9 GiB\n"), "{text}");
        assert!(text.contains("해결: colima start --memory 5\n"), "{text}");
        assert!(
            text.ends_with(
                "NOT READY: FAIL 항목 1개를 고친 다음 minik doctor --workshop을 다시 실행하세요\n"
            ),
            "{text}"
        );
    }
}
