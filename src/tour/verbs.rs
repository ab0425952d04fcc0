//! The kubectl verbs a lab may run and, for each, every flag it may pass, typed as kubectl's
//! flag parser (pflag) reads it. The type matters more than the list: a flag taken for a switch
//! while kubectl takes the next word as its value would let that word hide (or show) a verb, so
//! flags not listed here are refused rather than guessed at. Types are those of kubectl 1.32's
//! `--help` (`=false` is a switch, `=''`/`=[]`/numbers take a value).

/// What a verb may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    /// Reads anything (the API server decides what the lab's identity may see).
    Read,
    /// Changes objects of the tour's namespace only.
    Change,
    /// Acts on `{worker}` only.
    Node,
}

/// How a flag takes its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Arg {
    /// A switch: bare, or `=true`/`=false`; never takes the next word.
    Switch,
    /// A value: the next word, or after `=`.
    Value,
    /// An optional value (pflag's NoOptDefVal, e.g. `--dry-run`): bare or after `=` only.
    Optional,
}

#[derive(Debug)]
pub(super) struct Flag {
    pub(crate) long: &'static str,
    pub(crate) short: Option<char>,
    pub(crate) arg: Arg,
}

const fn v(long: &'static str) -> Flag {
    Flag {
        long,
        short: None,
        arg: Arg::Value,
    }
}
const fn vs(long: &'static str, short: char) -> Flag {
    Flag {
        long,
        short: Some(short),
        arg: Arg::Value,
    }
}
const fn s(long: &'static str) -> Flag {
    Flag {
        long,
        short: None,
        arg: Arg::Switch,
    }
}
const fn ss(long: &'static str, short: char) -> Flag {
    Flag {
        long,
        short: Some(short),
        arg: Arg::Switch,
    }
}
const fn o(long: &'static str) -> Flag {
    Flag {
        long,
        short: None,
        arg: Arg::Optional,
    }
}

pub(super) const NAMESPACE: Flag = vs("namespace", 'n');
pub(super) const FILENAME: Flag = vs("filename", 'f');
pub(super) const OUTPUT: Flag = vs("output", 'o');
const SELECTOR: Flag = vs("selector", 'l');
const ALL_NS: Flag = ss("all-namespaces", 'A');
const DRY_RUN: Flag = o("dry-run");

/// Flags every verb takes (kubectl's global `-n`); the rest are per verb.
static GLOBAL: [Flag; 1] = [NAMESPACE];

const GET: &[Flag] = &[
    ALL_NS,
    OUTPUT,
    SELECTOR,
    v("field-selector"),
    vs("label-columns", 'L'),
    s("no-headers"),
    s("show-labels"),
    s("show-kind"),
    s("ignore-not-found"),
    v("sort-by"),
    v("chunk-size"),
];
const DESCRIBE: &[Flag] = &[ALL_NS, SELECTOR, s("show-events")];
const LOGS: &[Flag] = &[
    vs("container", 'c'),
    SELECTOR,
    s("all-containers"),
    ss("previous", 'p'),
    s("prefix"),
    s("timestamps"),
    v("tail"),
    v("since"),
    v("limit-bytes"),
];
const TOP: &[Flag] = &[
    ALL_NS,
    SELECTOR,
    s("containers"),
    s("no-headers"),
    v("sort-by"),
];
const EXPLAIN: &[Flag] = &[s("recursive"), v("api-version"), OUTPUT];
const API_RESOURCES: &[Flag] = &[
    v("api-group"),
    s("namespaced"),
    s("no-headers"),
    OUTPUT,
    v("sort-by"),
    v("verbs"),
];
const VERSION: &[Flag] = &[s("client"), OUTPUT];
const WAIT: &[Flag] = &[
    s("all"),
    ALL_NS,
    SELECTOR,
    v("field-selector"),
    v("for"),
    v("timeout"),
    OUTPUT,
];
const EVENTS: &[Flag] = &[ALL_NS, OUTPUT, v("for"), v("types"), s("no-headers")];

const APPLY: &[Flag] = &[
    FILENAME,
    OUTPUT,
    DRY_RUN,
    s("server-side"),
    s("force-conflicts"),
    v("field-manager"),
];
const CREATE: &[Flag] = &[
    FILENAME,
    OUTPUT,
    DRY_RUN,
    s("save-config"),
    // The generators' own flags (deployment, service, configmap, job).
    v("image"),
    vs("replicas", 'r'),
    v("port"),
    v("tcp"),
    v("from-literal"),
    v("from"),
];
const SCALE: &[Flag] = &[
    v("replicas"),
    v("current-replicas"),
    SELECTOR,
    s("all"),
    v("timeout"),
    DRY_RUN,
    OUTPUT,
];
const DELETE: &[Flag] = &[
    FILENAME,
    SELECTOR,
    s("all"),
    v("field-selector"),
    v("grace-period"),
    s("force"),
    s("now"),
    s("wait"),
    v("timeout"),
    s("ignore-not-found"),
    o("cascade"),
    DRY_RUN,
    OUTPUT,
];
const LABEL: &[Flag] = &[
    SELECTOR,
    s("all"),
    s("overwrite"),
    s("list"),
    DRY_RUN,
    OUTPUT,
];
const PATCH: &[Flag] = &[vs("patch", 'p'), v("type"), DRY_RUN, OUTPUT];
const EXPOSE: &[Flag] = &[
    v("port"),
    v("target-port"),
    v("type"),
    v("name"),
    v("protocol"),
    v("selector"),
    vs("labels", 'l'),
    DRY_RUN,
    OUTPUT,
];
const ROLLOUT: &[Flag] = &[v("revision"), v("to-revision"), v("timeout"), SELECTOR];
const SET: &[Flag] = &[
    SELECTOR,
    s("all"),
    vs("containers", 'c'),
    vs("env", 'e'),
    v("limits"),
    v("requests"),
    DRY_RUN,
    OUTPUT,
];
const RUN: &[Flag] = &[
    v("image"),
    v("port"),
    vs("labels", 'l'),
    v("env"),
    v("restart"),
    v("image-pull-policy"),
    s("command"),
    DRY_RUN,
    OUTPUT,
];
const AUTOSCALE: &[Flag] = &[
    v("min"),
    v("max"),
    v("cpu-percent"),
    v("name"),
    DRY_RUN,
    OUTPUT,
];
const DRAIN: &[Flag] = &[
    s("ignore-daemonsets"),
    s("delete-emptydir-data"),
    s("force"),
    v("grace-period"),
    v("timeout"),
];
const NONE: &[Flag] = &[];

#[derive(Debug)]
pub(super) struct Verb {
    pub(crate) name: &'static str,
    pub(crate) scope: Scope,
    /// Sub-commands, one of which must follow the verb (empty: none).
    pub(crate) subs: &'static [&'static str],
    pub(crate) flags: &'static [Flag],
    /// Takes positional arguments (names, kinds) at all.
    pub(crate) positionals: bool,
}

const fn verb(
    name: &'static str,
    scope: Scope,
    subs: &'static [&'static str],
    flags: &'static [Flag],
) -> Verb {
    Verb {
        name,
        scope,
        subs,
        flags,
        positionals: true,
    }
}

const fn bare(name: &'static str, flags: &'static [Flag]) -> Verb {
    Verb {
        name,
        scope: Scope::Read,
        subs: &[],
        flags,
        positionals: false,
    }
}

/// `create`'s generators a lab may use (`create namespace` is checked on its own).
pub(super) const CREATE_SUBS: [&str; 5] =
    ["namespace", "deployment", "service", "configmap", "job"];

use Scope::{Change, Node, Read};

pub(super) static VERBS: [Verb; 26] = [
    verb("get", Read, &[], GET),
    verb("describe", Read, &[], DESCRIBE),
    verb("logs", Read, &[], LOGS),
    verb(
        "top",
        Read,
        &["pods", "pod", "po", "nodes", "node", "no"],
        TOP,
    ),
    verb("explain", Read, &[], EXPLAIN),
    bare("api-resources", API_RESOURCES),
    bare("api-versions", NONE),
    bare("version", VERSION),
    bare("cluster-info", NONE),
    verb("wait", Read, &[], WAIT),
    verb("events", Read, &[], EVENTS),
    verb("apply", Change, &[], APPLY),
    verb("create", Change, &[], CREATE),
    verb("scale", Change, &[], SCALE),
    verb("delete", Change, &[], DELETE),
    verb("label", Change, &[], LABEL),
    verb("annotate", Change, &[], LABEL),
    verb("patch", Change, &[], PATCH),
    verb("expose", Change, &[], EXPOSE),
    verb(
        "rollout",
        Change,
        &["status", "history", "restart", "undo", "pause", "resume"],
        ROLLOUT,
    ),
    verb("set", Change, &["image", "env", "resources"], SET),
    verb("run", Change, &[], RUN),
    verb("autoscale", Change, &[], AUTOSCALE),
    verb("cordon", Node, &[], NONE),
    verb("uncordon", Node, &[], NONE),
    verb("drain", Node, &[], DRAIN),
];

/// Flags no lab may pass whatever the verb, named in refusals: they point kubectl at another
/// server or identity, write files, or run what the learner cannot review.
pub(super) const FORBIDDEN: [&str; 16] = [
    "kubeconfig",
    "server",
    "token",
    "as",
    "as-group",
    "as-uid",
    "user",
    "context",
    "cluster",
    "insecure-skip-tls-verify",
    "cache-dir",
    "profile",
    "profile-output",
    "raw",
    "privileged",
    "overrides",
];

pub(super) fn find(name: &str) -> Option<&'static Verb> {
    VERBS.iter().find(|v| v.name == name)
}

/// A flag of `verb` by its long name (without dashes) or its short letter.
pub(super) fn flag(
    verb: &'static Verb,
    long: Option<&str>,
    short: Option<char>,
) -> Option<&'static Flag> {
    GLOBAL
        .iter()
        .chain(verb.flags.iter())
        .find(|f| match (long, short) {
            (Some(l), _) => f.long == l,
            (None, Some(c)) => f.short == Some(c),
            (None, None) => false,
        })
}

/// Every verb's name, by scope, for hints.
pub(super) fn names(scope: Scope) -> Vec<&'static str> {
    VERBS
        .iter()
        .filter(|v| v.scope == scope)
        .map(|v| v.name)
        .collect()
}
