//! What `minik create` (and `minik init` when it creates) says when the cluster is made: its
//! state, where the kubeconfig went and how to try it. Plain sentences (events carry them).

use crate::cluster::create::CreateOutcome;
use crate::config;

/// The summary lines. `explicit_kubeconfig`: `--kubeconfig` was given (so the try-it line names
/// it); `kubectl_here`: this machine has kubectl (else the cluster's own is suggested).
pub(crate) fn created_text(
    cluster_name: &str,
    explicit_kubeconfig: bool,
    kubectl_here: bool,
    done: &CreateOutcome,
) -> [String; 3] {
    let nodes = format!(
        "{} node{}",
        done.nodes,
        if done.nodes == 1 { "" } else { "s" }
    );
    let state = if done.ready {
        "ready"
    } else {
        "up (not every node is Ready yet)"
    };
    let kubeconfig_flag = if explicit_kubeconfig {
        format!(" --kubeconfig {}", done.kubeconfig.display())
    } else {
        String::new()
    };
    let name_flag = config::name_flag(cluster_name);
    let try_it = if kubectl_here {
        format!(
            "kubectl get nodes --context {}{kubeconfig_flag}",
            done.context
        )
    } else {
        // No kubectl here: the cluster's own works without one.
        format!("minik kubectl{name_flag} -- get nodes")
    };
    [
        format!(
            "Cluster {cluster_name:?} is {state}: {nodes}, Kubernetes {}, in {:.0}s",
            done.kubernetes_version,
            done.elapsed.as_secs_f64()
        ),
        format!(
            "Set kubectl context to {:?} ({} in {})",
            done.context,
            done.server,
            done.kubeconfig.display()
        ),
        format!(
            "Try it with:\n\n{}\n\nDelete it with:  minik delete{name_flag}",
            pasteable(&try_it)
        ),
    ]
}

/// A command indented under "Try it with:", broken between words with continuations when the
/// terminal is too narrow for it (a long context name, a kubeconfig deep in a folder).
fn pasteable(command: &str) -> String {
    use crate::text::wrap;
    wrap::command(command, wrap::width(), "    ", wrap::CONTINUATION).join("\n")
}
