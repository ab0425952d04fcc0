//! Reading what a node's containerd and the API answer about a pod's containers: pure
//! functions on hostile text, each with a bound.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ContainerStatus;
use serde::Serialize;

use super::names::is_container_id;
use super::warning::clean;

/// The most rows of one `ctr` listing kept.
const ROWS: usize = 32;
/// The most characters of one log line kept.
pub(crate) const LINE_CHARS: usize = 400;

/// One of containerd's containers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(serde::Deserialize))]
pub(crate) struct Row {
    /// The first 12 digits of its ID, as `crictl ps` shows them.
    pub(crate) id: String,
    pub(crate) image: String,
    /// Its task's status as `ctr tasks ls` says it (`RUNNING`, `STOPPED`...), or `no task`
    /// (made and not started, or ended and cleaned up).
    pub(crate) task: String,
    /// The container the API's status names as the current one.
    pub(crate) current: bool,
}

/// `ctr tasks ls`: `TASK PID STATUS` rows, by container ID.
pub(crate) fn tasks(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let (id, _pid, status) = (w.next()?, w.next()?, w.next()?);
            is_container_id(id).then(|| (id.to_string(), clean(status, 20)))
        })
        .take(4096)
        .collect()
}

/// `ctr containers ls`: `CONTAINER IMAGE RUNTIME` rows, with each one's task and whether the
/// API names it as the container's current one.
pub(crate) fn containerd_rows(
    text: &str,
    tasks: &BTreeMap<String, String>,
    status: Option<&ContainerStatus>,
) -> Vec<Row> {
    let current = status
        .and_then(|s| s.container_id.as_deref())
        .and_then(|id| id.strip_prefix("containerd://"))
        .unwrap_or("");
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let (id, image) = (w.next()?, w.next()?);
            if !is_container_id(id) {
                return None;
            }
            Some(Row {
                id: id[..12].to_string(),
                image: clean(image, 300),
                task: tasks.get(id).cloned().unwrap_or_else(|| "no task".into()),
                current: id == current,
            })
        })
        .take(ROWS)
        .collect()
}

/// A container's state as the API says it, in kubectl's words.
pub(crate) fn status_text(s: &ContainerStatus) -> String {
    let Some(state) = s.state.as_ref() else {
        return String::new();
    };
    let text = if state.running.is_some() {
        "Running".to_string()
    } else if let Some(w) = &state.waiting {
        format!("Waiting: {}", w.reason.as_deref().unwrap_or(""))
    } else if let Some(t) = &state.terminated {
        format!(
            "Terminated: {} (exit {})",
            t.reason.as_deref().unwrap_or(""),
            t.exit_code
        )
    } else {
        String::new()
    };
    clean(&text, 120)
}

/// The last `n` whole lines of a log's bytes (a last line without its newline counts).
pub(crate) fn log_lines(bytes: &[u8], n: usize) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    let from = lines.len().saturating_sub(n);
    lines[from..].iter().map(|l| l.to_string()).collect()
}

/// One log line as the page shows it: spacing kept, control characters (a terminal's colours
/// and cursor moves) and bidirectional overrides out, at most [`LINE_CHARS`] characters.
pub(crate) fn clean_line(line: &str) -> String {
    let mut out = String::new();
    for (i, c) in line
        .trim_end_matches('\r')
        .chars()
        .filter(|c| !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        .enumerate()
    {
        if i == LINE_CHARS {
            out.push('…');
            break;
        }
        out.push(match c {
            '\t' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        });
    }
    out
}
