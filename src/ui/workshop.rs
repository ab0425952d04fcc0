//! `minik doctor --workshop`'s screen: a heading with the plan, one PASS/WARN/FAIL line per item
//! (short enough to read out loud), the fix under each item that is not a pass, and a last line
//! that says READY or NOT READY. No colours, so a screenshot or a pasted log reads the same.

use crate::doctor::workshop::WorkshopReport;
use crate::platform::Status;

pub(crate) fn workshop_text(r: &WorkshopReport) -> String {
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
    let mut out = format!(
        "Workshop check: {} node(s) ({} control plane(s)), {ports}\nminik {} on {} with {}\n\n",
        p.nodes,
        p.control_planes,
        r.machine.minik_version,
        serde_json::to_value(r.machine.os)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        r.machine.runtime,
    );
    let width = r
        .checks
        .iter()
        .map(|c| c.title.chars().count())
        .max()
        .unwrap_or(0);
    for c in &r.checks {
        let word = match c.status {
            Status::Ok => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
        };
        let pad = " ".repeat(width - c.title.chars().count());
        out.push_str(&format!("{word}  {}{pad}  {}\n", c.title, c.found));
        if c.status != Status::Ok {
            if let Some(fix) = &c.fix {
                out.push_str(&format!("{}fix: {fix}\n", " ".repeat(width + 8)));
            }
        }
    }
    let count = |s: Status| r.checks.iter().filter(|c| c.status == s).count();
    let warns = count(Status::Warn);
    out.push('\n');
    if r.ready {
        out.push_str("READY: this laptop can run the workshop's cluster");
        if warns > 0 {
            out.push_str(&format!(
                " ({warns} WARN item(s) are worth fixing but do not block)"
            ));
        }
    } else {
        out.push_str(&format!(
            "NOT READY: fix the {} FAIL item(s), then run `minik doctor --workshop` again",
            count(Status::Fail)
        ));
    }
    out.push('\n');
    out
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
        let text = workshop_text(&report(vec![
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
        ]));
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
        let ok = workshop_text(&report(vec![row("a", "A", Status::Warn, "x", "y", None)]));
        assert!(ok.ends_with("READY: this laptop can run the workshop's cluster (1 WARN item(s) are worth fixing but do not block)\n"), "{ok}");
    }
}
