//! For the tests: the English words left in a Korean text once commands, flags, paths, object
//! names and product names are set aside. A Korean learner reads Korean; what they type or
//! see from kubectl stays as it is.

/// The first word of a command a text shows; the words after it, up to the next Korean word,
/// are the command's.
const COMMANDS: &[&str] = &[
    "minik",
    "kubectl",
    "docker",
    "sudo",
    "colima",
    "sysctl",
    "newgrp",
    "kubeadm",
    "crictl",
    "ctr",
    "etcdctl",
    "systemctl",
    "for",
    "journalctl",
    "nslookup",
    "curl",
    "iptables-save",
    "nft",
    "ip",
    "ls",
    "cat",
    "echo",
    "export",
    "printf",
    "wsl",
    "colima",
    "podman",
    "brew",
    "winget",
];

/// Names that stay in Latin letters in Korean text: products and tools, protocols and units,
/// states and columns kubectl prints, placeholders a learner replaces, and the labels of
/// other programs' screens.
const ALLOWED: &[&str] = &[
    // minik and the tools around it
    "minik",
    "kubectl",
    "kubelet",
    "kubeadm",
    "containerd",
    "etcd",
    "kube-proxy",
    "kindnet",
    "CoreDNS",
    "haproxy",
    "systemd",
    "iptables",
    "nftables",
    "ipvs",
    "runc",
    "crictl",
    "ctr",
    "cgroup",
    "cgroups",
    "inotify",
    "Docker",
    "Desktop",
    "Engine",
    "Podman",
    "Colima",
    "WSL",
    "WSL2",
    "Linux",
    "macOS",
    "Windows",
    "kind",
    "kindest",
    "minikube",
    "k3s",
    "local-path",
    "agnhost",
    "kubeconfig",
    "freezer",
    "root",
    "ssh",
    "Rancher",
    "Rosetta",
    "linux",
    // file systems and drivers the engine reports
    "extfs",
    "xfs",
    "btrfs",
    "zfs",
    "vfs",
    "overlayfs",
    "cgroupfs",
    "devicemapper",
    "overlay",
    "netfilter",
    // protocols, formats, units
    "API",
    "CNI",
    "CRI",
    "CSI",
    "OCI",
    "HA",
    "IP",
    "IPv4",
    "IPv6",
    "DNS",
    "JSON",
    "YAML",
    "URL",
    "HTTP",
    "HTTPS",
    "TLS",
    "GB",
    "HOME",
    "TCP",
    "UDP",
    "CPU",
    "CPUs",
    "OOM",
    "SIGKILL",
    "GiB",
    "MiB",
    "VPN",
    "ID",
    "SHA-256",
    "NoSchedule",
    "NoExecute",
    // what kubectl and doctor print
    "Running",
    "Pending",
    "Bound",
    "Ready",
    "NotReady",
    "Terminating",
    "Succeeded",
    "Failed",
    "Completed",
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "OOMKilled",
    "Unknown",
    "SchedulingDisabled",
    "ROLES",
    "RESTARTS",
    "STATUS",
    "NAME",
    "AGE",
    "CLUSTER-IP",
    "FAIL",
    "WARN",
    "OK",
    // doctor --workshop's verdicts, the same in every language so that an organiser reads any
    // attendee's screen: PASS, WARN, FAIL, READY, NOT READY
    "PASS",
    "READY",
    "NOT",
    "PV",
    "PVC",
    "OSType",
    "Architecture",
    "Settings",
    "Resources",
    "Network",
    "Software",
    "updates",
    "Apple",
    "VM",
    "Delete",
    "Retain",
    "Silicon",
    // kubectl's verbs, typed as they are
    "cordon",
    "uncordon",
    "drain",
    // placeholders the learner replaces
    "NAME",
    "CONTAINER",
    "IMAGE",
    "FILE",
    "DIR",
    "PATH",
    "STEP",
    "DIGEST",
    "ID",
    "NODE",
    "PORT",
    "HOST",
    "ADDRESS",
];

fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c) || ('\u{3131}'..='\u{318E}').contains(&c)
}

/// `text` without its `{placeholders}` and without English in parentheses right after a
/// Korean word (한영 병기: 의도한 상태(desired state), 디플로이먼트(Deployment)).
fn without_glosses(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    let mut last: Option<char> = None;
    while let Some(c) = chars.next() {
        if c == '{' {
            for d in chars.by_ref() {
                if d == '}' {
                    break;
                }
            }
            out.push('X');
            last = Some('X');
            continue;
        }
        if c == '(' && last.is_some_and(is_hangul) {
            let gloss: String = chars.clone().take_while(|&d| d != ')').collect();
            let latin = gloss
                .chars()
                .all(|d| d.is_ascii_alphanumeric() || " -".contains(d));
            if latin && chars.clone().nth(gloss.chars().count()) == Some(')') {
                for _ in 0..=gloss.chars().count() {
                    chars.next();
                }
                continue;
            }
        }
        out.push(c);
        last = Some(c);
    }
    out
}

/// A word of two or more Latin letters that is not a name a Korean text keeps. Words with a
/// hyphen or a digit are object names (`lab-worker`, `hello-7d9f`), which stay as they are.
fn english(word: &str, names: &[&str]) -> bool {
    // camelCase and PascalCase words are the API's field names and values
    // (volumeBindingMode, WaitForFirstConsumer), which the Korean docs keep as they are.
    let api_name = word.chars().skip(1).any(|c| c.is_ascii_uppercase())
        && word.chars().any(|c| c.is_ascii_lowercase());
    !api_name
        && word.chars().filter(char::is_ascii_alphabetic).count() >= 2
        && !word.contains(|c: char| c == '-' || c.is_ascii_digit())
        && !ALLOWED.contains(&word)
        && !names.contains(&word)
        && word != "X"
}

/// The English words in `text` that a Korean reader would have to read as English.
pub(crate) fn english_words(text: &str) -> Vec<String> {
    english_words_but(text, &[])
}

/// [`english_words`], with `names` (the objects and nodes a rendered text names) kept.
pub(crate) fn english_words_but(text: &str, names: &[&str]) -> Vec<String> {
    // What a text quotes in backticks is typed or printed as it is (a file, a setting), and
    // what it quotes in double quotes is a program's own output ("0/3 nodes are available").
    let outside = |text: &str, quote: char| -> String {
        text.split(quote)
            .enumerate()
            .filter(|(i, _)| i % 2 == 0)
            .map(|(_, part)| part)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let unquoted = outside(&outside(text, '`'), '"');
    let text = without_glosses(&unquoted)
        .replace('(', " ( ")
        .replace(')', " ) ");
    let mut found = Vec::new();
    let mut in_command = false;
    for token in text.split_whitespace() {
        let has_hangul = token.chars().any(is_hangul);
        let latin: String = token
            .trim_start_matches(|c: char| "\"'[".contains(c))
            .chars()
            .take_while(|c| !is_hangul(*c))
            .collect();
        let word: String = latin
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || "-_".contains(*c))
            .collect();
        if COMMANDS.contains(&word.as_str()) || (latin.starts_with('-') && !has_hangul) {
            // A command runs, and a flag takes its value, up to the next Korean word.
            in_command = !has_hangul;
            continue;
        }
        if in_command {
            in_command = !has_hangul;
            continue;
        }
        // Flags, paths, URLs, selectors, variables and key: value pairs are typed, not read.
        if latin.starts_with(['-', '.', '$', '*', '<'])
            || latin.contains(['/', '=', '.', '*', '$', '_'])
            || latin.trim_end_matches([':', ',']).contains(':')
        {
            continue;
        }
        for word in latin
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .filter(|w| !w.is_empty())
        {
            if english(word, names) {
                found.push(word.to_string());
            }
        }
    }
    found
}
