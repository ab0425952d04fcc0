//! Step: `kubeadm init` on the first control plane.

use super::Ctx;
use crate::cluster::ClusterError;
use crate::node;
use crate::node::paths::KUBEADM_CONF;
use crate::provider::Provider;

pub(super) async fn run(ctx: &Ctx<'_>) -> Result<(), ClusterError> {
    let step = ctx.events.step_with_icon("Starting control-plane", "🕹️");
    let boot = ctx.bootstrap().name();
    let out = node::run_combined(
        ctx.provider,
        boot,
        &[
            "kubeadm",
            "init",
            &format!("--config={KUBEADM_CONF}"),
            "--skip-token-print",
            "--v=6",
        ],
    )
    .await;
    let out = match out {
        Ok(out) => out,
        Err(e) => {
            let e = with_kubelet_errors(ctx.provider, boot, ClusterError::from(e)).await;
            return step.check(Err(e));
        }
    };
    ctx.events.debug(out);

    // A cluster without workers needs schedulable control planes: the kubeadm config
    // registers them with no taints, so there is nothing to lift here.
    step.done();
    Ok(())
}

/// Attach the kubelet's last distinct error lines on `node` to `err`, when it logged any.
pub(super) async fn with_kubelet_errors(
    provider: &dyn Provider,
    node: &str,
    err: ClusterError,
) -> ClusterError {
    let journal = node::run(
        provider,
        node,
        &[
            "journalctl",
            "-u",
            "kubelet",
            "--no-pager",
            "-o",
            "cat",
            "-n",
            "300",
        ],
    )
    .await
    .unwrap_or_default();
    let lines = kubelet_errors(&journal, 3);
    if lines.is_empty() {
        return err;
    }
    ClusterError::WithKubeletLog {
        node: node.to_string(),
        log: lines.join("\n"),
        source: Box::new(err),
    }
}

/// The last `max` distinct klog error lines (`E1201 10:00:00.000000 ... file.go:1] msg`), by
/// message, oldest first.
pub(super) fn kubelet_errors(journal: &str, max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in journal.lines().rev() {
        let mut chars = line.chars();
        let is_error =
            chars.next() == Some('E') && chars.next().is_some_and(|c| c.is_ascii_digit());
        if !is_error {
            continue;
        }
        let message = line
            .split_once("] ")
            .map_or(line, |(_, m)| m)
            .trim()
            .to_string();
        if !out.contains(&message) {
            out.push(message);
            if out.len() == max {
                break;
            }
        }
    }
    out.reverse();
    out
}

/// The label kubeadm puts on control planes so that cloud load balancers skip them.
pub(super) const EXCLUDE_LB_LABEL: &str = "node.kubernetes.io/exclude-from-external-load-balancers";

/// With no workers the control planes run every workload, so they must also back
/// LoadBalancer Services (MetalLB, cloud-provider-kind skip labelled nodes): drop kubeadm's
/// exclusion label, as kind does for clusters without workers. `nodes` empty means all.
pub(crate) async fn include_in_load_balancers(
    provider: &dyn Provider,
    via: &str,
    nodes: &[&str],
) -> Result<(), ClusterError> {
    let remove = format!("{EXCLUDE_LB_LABEL}-");
    let mut cmd = vec!["label", "nodes"];
    if nodes.is_empty() {
        cmd.push("--all");
    } else {
        cmd.extend_from_slice(nodes);
    }
    cmd.push(&remove);
    node::kubectl_output(provider, via, &cmd).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::kubelet_errors;

    #[test]
    fn picks_the_last_distinct_klog_errors() {
        let journal = "I1201 10:00:00.000001 1 server.go:1] starting\n\
E1201 10:00:00.000002 1 run.go:72] \"command failed\" err=\"kubelet is configured to not run on a host using cgroup v1\"\n\
kubelet.service: Main process exited, code=exited, status=1/FAILURE\n\
E1201 10:00:10.000002 1 run.go:72] \"command failed\" err=\"kubelet is configured to not run on a host using cgroup v1\"\n\
Error: something that is not klog\n";
        assert_eq!(
            kubelet_errors(journal, 3),
            ["\"command failed\" err=\"kubelet is configured to not run on a host using cgroup v1\""]
        );
        assert!(kubelet_errors("I1201 fine\n", 3).is_empty());
    }
}
