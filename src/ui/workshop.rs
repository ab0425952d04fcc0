//! `minik doctor --workshop`'s screen: a heading with the plan, one PASS/WARN/FAIL line per item
//! (short enough to read out loud), the fix under each item that is not a pass, and a last line
//! that says READY or NOT READY. No colours, so a screenshot or a pasted log reads the same.

use crate::doctor::workshop::WorkshopReport;
use crate::platform::Status;
use crate::text::wrap::{self, columns};

pub(crate) fn workshop_text(r: &WorkshopReport) -> String {
    workshop_text_at(r, wrap::width())
}

/// [`workshop_text`] wrapped to `width` columns: what an item found continues under the found
/// column, its fix under the fix's text.
pub(crate) fn workshop_text_at(r: &WorkshopReport, width: usize) -> String {
    let p = &r.plan;
    let ports = if p.ports.is_empty() {
        "no ports".to_string()
    } else {
        let list: Vec<String> = p
            .ports
            .iter()
            .map(|x| format!("{}:{}", x.address, x.port))
            .collect();
        format!("ports {}", list.join(", "))
    };
    let heading = format!(
        "Workshop check: {} node(s) ({} control plane(s)), {ports}\nminik {} on {} with {}",
        p.nodes,
        p.control_planes,
        r.machine.minik_version,
        serde_json::to_value(r.machine.os)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        r.machine.runtime,
    );
    let mut lines = wrap::wrap(&heading, width);
    lines.push(String::new());
    let titles = r
        .checks
        .iter()
        .map(|c| columns(&c.title))
        .max()
        .unwrap_or(0);
    // The found column, unless it would leave too little room: then under the title.
    let column = if titles + 8 > width / 2 {
        6
    } else {
        titles + 8
    };
    let indent = " ".repeat(column);
    for c in &r.checks {
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
                    &format!("fix: {fix}"),
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
        let mut v = "READY: this laptop can run the workshop's cluster".to_string();
        if warns > 0 {
            v.push_str(&format!(
                " ({warns} WARN item(s) are worth fixing but do not block)"
            ));
        }
        v
    } else {
        format!(
            "NOT READY: fix the {} FAIL item(s), then run `minik doctor --workshop` again",
            count(Status::Fail)
        )
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
             minik 0.1.0 on macos with Colima\n\n\
             PASS  Engine reachable  Colima 27.1\n\
             FAIL  Memory            1.9 GiB\n\
             \x20                       fix: colima start --memory 5\n\
             WARN  Proxy             set\n\
             \x20                       fix: export NO_PROXY\n\n\
             NOT READY: fix the 1 FAIL item(s), then run `minik doctor --workshop` again\n"
        );
        let ok = workshop_text_at(
            &report(vec![row("a", "A", Status::Warn, "x", "y", None)]),
            200,
        );
        assert!(ok.ends_with("READY: this laptop can run the workshop's cluster (1 WARN item(s) are worth fixing but do not block)\n"), "{ok}");
    }
}
