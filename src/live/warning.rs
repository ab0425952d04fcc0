//! Kubernetes Warning events (the scheduler's FailedScheduling, the kubelet's BackOff, Failed,
//! FailedMount, Unhealthy, a controller's FailedCreate...) as the page's lines. Only what a
//! line needs is kept, every text cut and cleaned ([`clean`]): an event's message is free text
//! any API client may write, so it is hostile.

use k8s_openapi::api::core::v1::Event;
use serde::Serialize;

/// The most of an event's message a line carries (the API server lets a message be 1 KiB for
/// events.k8s.io and much more for core/v1).
pub(crate) const MESSAGE_LIMIT: usize = 300;
/// The most of a name, kind or reason kept (a Kubernetes name is at most 253).
pub(crate) const NAME_LIMIT: usize = 253;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EventView {
    pub(crate) namespace: String,
    /// The Event object's own name: what repeats of one event share.
    pub(crate) name: String,
    /// The object it is about: its kind and name.
    pub(crate) kind: String,
    pub(crate) object: String,
    pub(crate) reason: String,
    pub(crate) message: String,
    /// How many times it happened (core/v1 `count`, or events.k8s.io's `series.count`).
    pub(crate) count: u32,
    /// `type: Warning` (the watch asks for those only, with a field selector; a server that
    /// ignored it must not fill the page with Normal events).
    pub(crate) warning: bool,
}

/// The change a Warning event is on the page: one line per event, said again (with its new
/// count) when it repeats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Warning {
    /// `namespace/name` of the Event object.
    pub(crate) event: String,
    pub(crate) kind: String,
    pub(crate) object: String,
    pub(crate) reason: String,
    pub(crate) message: String,
    pub(crate) count: u32,
}

impl From<&EventView> for Warning {
    fn from(e: &EventView) -> Warning {
        Warning {
            event: format!("{}/{}", e.namespace, e.name),
            kind: e.kind.clone(),
            object: e.object.clone(),
            reason: e.reason.clone(),
            message: e.message.clone(),
            count: e.count,
        }
    }
}

pub(crate) fn event_view(e: &Event) -> EventView {
    let count = e
        .series
        .as_ref()
        .and_then(|s| s.count)
        .or(e.count)
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(1)
        .max(1);
    let o = &e.involved_object;
    EventView {
        namespace: clean(e.metadata.namespace.as_deref().unwrap_or(""), NAME_LIMIT),
        name: clean(e.metadata.name.as_deref().unwrap_or(""), NAME_LIMIT),
        kind: clean(o.kind.as_deref().unwrap_or(""), NAME_LIMIT),
        object: clean(o.name.as_deref().unwrap_or(""), NAME_LIMIT),
        reason: clean(e.reason.as_deref().unwrap_or(""), NAME_LIMIT),
        message: clean(e.message.as_deref().unwrap_or(""), MESSAGE_LIMIT),
        count,
        warning: e.type_.as_deref() == Some("Warning"),
    }
}

/// Text from the cluster as a line may show it: control characters (newlines included) as
/// spaces, the bidirectional overrides and isolates that would make text read in another
/// order than it is stored dropped, runs of spaces as one, at most `limit` characters (then
/// `…`).
pub(crate) fn clean(text: &str, limit: usize) -> String {
    let mut out = String::with_capacity(text.len().min(limit * 4));
    let mut count = 0;
    let mut space = false;
    for c in text.trim().chars() {
        if matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
        {
            continue;
        }
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' && space {
            continue;
        }
        space = c == ' ';
        if count == limit {
            out.push('…');
            return out;
        }
        out.push(c);
        count += 1;
    }
    out
}
