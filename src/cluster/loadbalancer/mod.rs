//! The HA load balancer in front of several control planes: haproxy, run from the node image
//! itself when it has haproxy (minik's images do, so HA works offline), in an ordinary
//! container whose entrypoint runs haproxy in the foreground instead of systemd. kindest/node
//! images have none; then kind's own haproxy image, [`DEDICATED_IMAGE`], runs it.
//!
//! Its configuration follows the set of control planes: [`configure`] renders it, checks it
//! with `haproxy -c`, swaps it in with a rename and has haproxy reload, then waits until haproxy
//! reports exactly the wanted servers. Create calls it once the containers exist; `minik node
//! add|delete` call it again when control planes come or go.

pub(crate) mod haproxy;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::cluster::{control_plane_nodes, naming, ClusterError};
use crate::node;
use crate::provider::{
    NodeRole, NodeSpec, Provider, ProviderError, API_SERVER_INTERNAL_PORT, NETWORK_NAME,
};

pub(crate) use haproxy::ServerStat;

/// kind's load-balancer image of its last haproxy-based release (kind v0.31.0,
/// pkg/cluster/internal/loadbalancer/const.go): distroless haproxy 2.2 with `cp`, `mkdir` and
/// `kill`, no shell. kind pins it by tag only and no published digest could be found, so it is
/// pinned by that tag.
pub const DEDICATED_IMAGE: &str = "docker.io/kindest/haproxy:v20251211-v0.29.0-alpha-100-g82a92c5d";

/// Which image runs the balancer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BalancerImage {
    /// haproxy from the node image (minik's images; works without a registry).
    NodeImage(String),
    /// [`DEDICATED_IMAGE`], when the node image has no haproxy.
    Dedicated,
}

impl BalancerImage {
    pub(crate) fn image(&self) -> &str {
        match self {
            BalancerImage::NodeImage(i) => i,
            BalancerImage::Dedicated => DEDICATED_IMAGE,
        }
    }

    /// Is a running balancer container of `image` the dedicated one?
    pub(crate) fn of_container_image(image: &str) -> BalancerImage {
        let repo = image.split(['@', ':']).next().unwrap_or(image);
        if repo.trim_start_matches("docker.io/") == "kindest/haproxy" {
            BalancerImage::Dedicated
        } else {
            BalancerImage::NodeImage(image.to_string())
        }
    }

    /// One line for the user.
    pub(crate) fn describe(&self) -> String {
        match self {
            BalancerImage::NodeImage(i) => format!(
                "the load balancer runs haproxy from the node image ({})",
                i.split('@').next().unwrap_or(i)
            ),
            BalancerImage::Dedicated => format!(
                "the node image has no haproxy: the load balancer runs {DEDICATED_IMAGE} \
                 (pulled once; build a minik node image to run HA clusters offline)"
            ),
        }
    }
}

/// The line the entrypoint prints when the image has no haproxy.
const NO_HAPROXY: &str = "minik-lb: haproxy not found";
const PROBE_MARK: &str = "minik-lb-probe:";
const RELOAD_TIMEOUT: Duration = Duration::from_secs(20);

/// The load balancer container's entrypoint: a shell running [`command`]'s script.
pub(crate) fn entrypoint() -> Vec<String> {
    vec!["/bin/sh".to_string(), "-c".to_string()]
}

/// The script: keep the configuration a restarted container already has (so it comes back
/// with its control planes), else start from one with no servers, and exec haproxy in
/// master-worker mode in the foreground (a reload is a signal to the master).
pub(crate) fn command() -> Vec<String> {
    let bootstrap = haproxy::render(&haproxy::Balancer {
        control_planes: &[],
        port: API_SERVER_INTERNAL_PORT,
        ipv6: false,
        admin: true,
    });
    let cfg = haproxy::CONFIG_PATH;
    let script = format!(
        r#"set -eu
if ! command -v haproxy >/dev/null 2>&1; then
  echo "{NO_HAPROXY} in this image; minik's node images include it (minik build node-image)" >&2
  exit 1
fi
if [ ! -s {cfg} ]; then
  mkdir -p "$(dirname {cfg})"
  cat > {cfg} <<'MINIK_HAPROXY_CFG'
{bootstrap}MINIK_HAPROXY_CFG
fi
echo "minik-lb: starting haproxy"
exec haproxy -W -db -f {cfg}
"#
    );
    vec![script]
}

/// Which image runs the load balancer, decided before anything is created: a throwaway
/// container looks for haproxy in the node image; without it (kindest/node) the dedicated
/// image is used.
pub(crate) async fn choose_image(
    provider: &dyn Provider,
    cluster: &str,
    image: &str,
) -> Result<BalancerImage, ClusterError> {
    let name = format!("{cluster}-lb-probe");
    provider.ensure_network(NETWORK_NAME).await?;
    // Exits non-zero without haproxy, so the wait below ends either way.
    let check = format!(
        "if command -v haproxy >/dev/null 2>&1; then echo '{PROBE_MARK} found'; \
             else echo '{PROBE_MARK} missing'; exit 1; fi"
    );
    let spec = NodeSpec::plain(
        &name,
        cluster,
        NodeRole::ExternalLoadBalancer,
        image,
        NETWORK_NAME,
        entrypoint(),
        vec![check],
    );
    let found = format!("{PROBE_MARK} found");
    let missing = format!("{PROBE_MARK} missing");
    let result = provider.create_node(&spec).await.map(|_| ());
    let result = match result {
        Ok(()) => {
            provider
                .wait_for_log(&name, &[&found], Duration::from_secs(30))
                .await
        }
        Err(e) => Err(e),
    };
    let _ = provider.remove_nodes(std::slice::from_ref(&name)).await;
    match result {
        Ok(()) => Ok(BalancerImage::NodeImage(image.to_string())),
        // The probe exits right after its one line, so its exit can be seen first.
        Err(ProviderError::BootExited { last_logs, .. })
            if last_logs.iter().any(|l| l.contains(&found)) =>
        {
            Ok(BalancerImage::NodeImage(image.to_string()))
        }
        Err(ProviderError::BootExited { last_logs, .. })
            if last_logs.iter().any(|l| l.contains(&missing)) =>
        {
            Ok(BalancerImage::Dedicated)
        }
        Err(e) => Err(ClusterError::BalancerImage {
            image: image.to_string(),
            reason: e.to_string(),
        }),
    }
}

/// Point the balancer at exactly `control_planes` (container names), atomically: the new file
/// is checked by haproxy itself, renamed over the old one, and haproxy reloads without
/// dropping established connections. Returns once haproxy serves that set of servers.
pub(crate) async fn configure(
    provider: &dyn Provider,
    cluster: &str,
    control_planes: &[String],
) -> Result<(), ClusterError> {
    let lb = naming::load_balancer_name(cluster);
    let info = provider.inspect_node(&lb).await?;
    let dedicated = BalancerImage::of_container_image(&info.image) == BalancerImage::Dedicated;
    let config = haproxy::render(&haproxy::Balancer {
        control_planes,
        port: API_SERVER_INTERNAL_PORT,
        ipv6: info.ipv4.is_none() && info.ipv6.is_some(),
        admin: !dedicated,
    });
    let cfg = haproxy::CONFIG_PATH;
    if dedicated {
        // No shell there: each step is its own command. haproxy checks the file before it
        // replaces the running one; PID 1 is the haproxy master, which reloads on USR2.
        let next = format!("{cfg}.next");
        node::run_with_input(provider, &lb, &["cp", "/dev/stdin", &next], config).await?;
        node::run(provider, &lb, &["haproxy", "-c", "-q", "-f", &next]).await?;
        node::run(provider, &lb, &["cp", &next, cfg]).await?;
        node::run(provider, &lb, &["kill", "-s", "USR2", "1"]).await?;
        // Nothing to confirm with (no admin socket): haproxy accepted the file.
        return Ok(());
    }
    let pid = haproxy::PID_FILE;
    let script = format!(
        r#"set -eu
cat > {cfg}.next
haproxy -c -q -f {cfg}.next
mv -f {cfg}.next {cfg}
kill -USR2 "$(cat {pid})""#
    );
    node::run_with_input(provider, &lb, &["sh", "-c", &script], config).await?;
    wait_for_servers(provider, &lb, control_planes).await
}

/// [`configure`] with the cluster's current control planes.
pub(crate) async fn configure_current(
    provider: &dyn Provider,
    cluster: &str,
) -> Result<(), ClusterError> {
    let cps = control_plane_nodes(provider, cluster).await?;
    configure(provider, cluster, &cps).await
}

/// The backend servers as haproxy reports them (`show stat` on its admin socket); `None` when
/// the container cannot tell (no `socat` in the image to reach the socket).
pub(crate) async fn servers(
    provider: &dyn Provider,
    lb: &str,
) -> Result<Option<Vec<ServerStat>>, ClusterError> {
    let script = format!(
        "command -v socat >/dev/null 2>&1 || exit 0; \
         echo 'show stat' | socat -t 2 - UNIX-CONNECT:{}",
        haproxy::ADMIN_SOCKET
    );
    let csv = node::run(provider, lb, &["sh", "-c", &script]).await?;
    Ok(csv
        .contains("# pxname")
        .then(|| haproxy::servers_in_stat(&csv)))
}

async fn wait_for_servers(
    provider: &dyn Provider,
    lb: &str,
    wanted: &[String],
) -> Result<(), ClusterError> {
    let wanted: BTreeSet<&str> = wanted.iter().map(String::as_str).collect();
    let deadline = Instant::now() + RELOAD_TIMEOUT;
    loop {
        // Right after the signal the old worker may still answer, or none yet: poll.
        let last = match servers(provider, lb).await {
            // Nothing to confirm with: haproxy -c accepted the file and the signal was sent.
            Ok(None) => return Ok(()),
            Ok(Some(s))
                if s.iter()
                    .filter(|s| !s.backup)
                    .map(|s| s.name.as_str())
                    .collect::<BTreeSet<_>>()
                    == wanted =>
            {
                return Ok(())
            }
            Ok(Some(s)) => format!(
                "it serves [{}]",
                s.iter()
                    .filter(|s| !s.backup)
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Err(e) => e.to_string(),
        };
        if Instant::now() >= deadline {
            let logs = provider.logs(lb, 10).await.unwrap_or_default();
            return Err(ClusterError::BadOutput {
                node: lb.to_string(),
                what: "haproxy reload".into(),
                reason: format!(
                    "haproxy did not take the new configuration within {}s ({last}); its last \
                     output:\n{}",
                    RELOAD_TIMEOUT.as_secs(),
                    logs.join("\n")
                ),
            });
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_balancers_are_recognised_by_their_image() {
        for dedicated in [
            DEDICATED_IMAGE,
            "kindest/haproxy:v20230606-42a2262b",
            "kindest/haproxy@sha256:0000",
        ] {
            assert_eq!(
                BalancerImage::of_container_image(dedicated),
                BalancerImage::Dedicated,
                "{dedicated}"
            );
        }
        let own = BalancerImage::of_container_image("minik/node:v1.36.1");
        assert_eq!(own, BalancerImage::NodeImage("minik/node:v1.36.1".into()));
        assert_eq!(own.image(), "minik/node:v1.36.1");
        assert!(BalancerImage::Dedicated
            .describe()
            .contains(DEDICATED_IMAGE));
    }
}
