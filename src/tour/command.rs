//! The kubectl commands of a lab: parsed from one line into arguments (never given to a shell),
//! checked against what a lab may do ([`super::sandbox`]), and shown to the learner with its
//! `{placeholders}` filled in.

use std::collections::BTreeMap;

use super::lab::Kubectl;
use super::sandbox::check_allowed;
use crate::text::quoted;

/// The placeholders a lab may use, filled in per run.
pub(crate) const PLACEHOLDERS: [&str; 5] =
    ["namespace", "cluster", "controlPlane", "worker", "pod"];

/// What was wrong, and how to fix it.
pub(crate) type Refusal = (String, String);

/// The `{names}` in `text`.
pub(crate) fn placeholders(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric()) {
            out.push(name.to_string());
        }
        rest = &after[end..];
    }
    out
}

/// `text` with every known placeholder replaced.
pub(crate) fn fill(text: &str, vars: &BTreeMap<&str, String>) -> String {
    let mut out = text.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// Parses `kubectl ARGS...` (whitespace-separated; no quoting, no shell).
pub(crate) fn parse(line: &str) -> Result<Kubectl, Refusal> {
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.first() != Some(&"kubectl") {
        return Err((
            format!("a lab command starts with kubectl, found {}", quoted(line)),
            "lab files run only kubectl; write e.g. kubectl get pods -n {namespace}".into(),
        ));
    }
    if let Some(w) = words
        .iter()
        .find(|w| w.contains(['|', ';', '&', '>', '<', '`', '\'', '"']) || w.contains("$("))
    {
        return Err((
            format!(
                "{} is shell syntax, and lab commands never reach a shell",
                quoted(w)
            ),
            "use one kubectl command with plain arguments (no quotes, pipes or redirections)"
                .into(),
        ));
    }
    for p in placeholders(line) {
        if !PLACEHOLDERS.contains(&p.as_str()) {
            return Err((
                format!("unknown placeholder {}", quoted(&format!("{{{p}}}"))),
                format!(
                    "the placeholders are: {}",
                    PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
                ),
            ));
        }
    }
    let args: Vec<String> = words[1..].iter().map(|s| s.to_string()).collect();
    check_allowed(&args)?;
    Ok(Kubectl(args))
}

/// Does the command read a manifest from standard input (`-f -`)?
pub(crate) fn reads_stdin(c: &Kubectl) -> bool {
    c.0.windows(2)
        .any(|w| (w[0] == "-f" || w[0] == "--filename") && w[1] == "-")
        || c.0.iter().any(|a| a == "--filename=-" || a == "-f=-")
}

/// The command as the learner types it (a here-document carries the manifest).
pub(crate) fn display(args: &[String], manifest: Option<&str>) -> String {
    let mut line = format!("kubectl {}", args.join(" "));
    if let Some(m) = manifest {
        line.push_str(" <<'EOF'\n");
        line.push_str(m.trim_end());
        line.push_str("\nEOF");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(line: &str) -> String {
        parse(line).unwrap_err().0
    }

    #[test]
    fn reads_and_namespaced_changes_are_allowed() {
        for ok in [
            "kubectl get nodes -o wide",
            "kubectl create namespace {namespace}",
            "kubectl apply -n {namespace} -f -",
            "kubectl scale deployment hello -n {namespace} --replicas=3",
            "kubectl delete pod {pod} --namespace={namespace}",
            "kubectl drain {worker} --ignore-daemonsets",
            "kubectl uncordon {worker}",
        ] {
            assert!(parse(ok).is_ok(), "{ok}: {:?}", parse(ok));
        }
    }

    #[test]
    fn shell_other_tools_and_the_rest_of_the_cluster_are_refused() {
        assert!(refusal("rm -rf /").contains("starts with kubectl"));
        assert!(refusal("kubectl get pods | grep x").contains("shell syntax"));
        assert!(refusal("kubectl get pods $(id)").contains("shell syntax"));
        assert!(refusal("kubectl delete pod x").contains("must name the tour's namespace"));
        assert!(refusal("kubectl delete pod x -n kube-system").contains("must name"));
        assert!(refusal("kubectl delete ns kube-system -n {namespace}").contains("kind a lab may"));
        assert!(refusal("kubectl delete -n {namespace} node/x").contains("kind a lab may"));
        assert!(refusal("kubectl delete -n {namespace} pods -A").contains("does not take"));
        assert!(refusal("kubectl drain somenode").contains("{worker} only"));
        assert!(refusal("kubectl exec -it x -- sh").contains("not a command labs may run"));
        assert!(refusal("kubectl get {nod}").contains("unknown placeholder"));
    }

    #[test]
    fn placeholders_fill_and_display() {
        assert_eq!(
            placeholders("a {pod} b {namespace} {} {x-y}"),
            ["pod", "namespace"]
        );
        let vars = BTreeMap::from([("pod", "hello-1".to_string())]);
        assert_eq!(fill("delete pod {pod}", &vars), "delete pod hello-1");
        let c = parse("kubectl apply -n {namespace} -f -").unwrap();
        assert!(reads_stdin(&c));
        assert_eq!(
            display(&c.0, Some("kind: X\n")),
            "kubectl apply -n {namespace} -f - <<'EOF'\nkind: X\nEOF"
        );
    }
}
