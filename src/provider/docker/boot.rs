//! Starting node containers: the privileged-mode probe and waiting for systemd to boot.

use crate::provider::EngineCall;
use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    CreateContainerOptions, ListContainersOptions, LogsOptions, RemoveContainerOptions,
};
use futures_util::StreamExt;

use super::{api_error, describe, DockerProvider};
use crate::provider::{NodeState, Provider, ProviderError, Result};

/// Marks the probe's container, so one left behind can be found and removed.
const LABEL_PROBE: &str = "io.minik.probe";

/// Does the engine let us run `--privileged` containers? Some refuse because their own
/// capability bounding set is smaller than what privileged mode asks for (hardened CI,
/// some rootless setups): runc then fails with "unable to apply caps".
pub(super) async fn probe_privileged(p: &DockerProvider, image: &str) -> Result<bool> {
    remove_stale_probes(p).await;
    // Spawned and counted, so the probe runs to its end (its container removed) even when the
    // caller stops waiting for it, and the cleanup after a signal waits for that end: without
    // the count minik exited while the probe task was still creating its container, leaving it.
    let this = p.clone();
    let image = image.to_string();
    p.spawn_counted(async move { probe(&this, &image).await })
        .await
        .map_err(|e| ProviderError::Api {
            call: EngineCall::ContainerStart,
            target: "the privileged-mode probe".into(),
            message: e.to_string(),
        })?
}

/// A probe lives for a second or two; one older than this was left by a minik that was killed
/// outright (SIGKILL, power loss), and nothing else would ever remove it.
const STALE_PROBE_SECS: i64 = 120;

fn is_stale(created_unix: i64, now_unix: i64) -> bool {
    now_unix - created_unix > STALE_PROBE_SECS
}

/// Remove probe containers that a killed minik left behind. Best effort: a probe that cannot be
/// listed or removed is no reason to refuse the user's command.
async fn remove_stale_probes(p: &DockerProvider) {
    let opts = ListContainersOptions {
        all: true,
        filters: Some(HashMap::from([(
            "label".to_string(),
            vec![format!("{LABEL_PROBE}=true")],
        )])),
        ..Default::default()
    };
    let Ok(list) = p.client().list_containers(Some(opts)).await else {
        return;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    for c in list {
        if let (Some(id), Some(created)) = (c.id, c.created) {
            if is_stale(created, now) {
                let opts = RemoveContainerOptions {
                    force: true,
                    v: true,
                    ..Default::default()
                };
                let _ = p.client().remove_container(&id, Some(opts)).await;
            }
        }
    }
}

async fn probe(p: &DockerProvider, image: &str) -> Result<bool> {
    let name = format!("minik-probe-{}", std::process::id());
    let body = ContainerCreateBody {
        image: Some(image.to_string()),
        entrypoint: Some(vec!["/bin/true".to_string()]),
        cmd: Some(vec![]),
        labels: Some(HashMap::from([(
            LABEL_PROBE.to_string(),
            "true".to_string(),
        )])),
        host_config: Some(HostConfig {
            privileged: Some(true),
            network_mode: Some("none".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let docker = p.client();
    let remove = || async {
        let opts = RemoveContainerOptions {
            force: true,
            v: true,
            ..Default::default()
        };
        let _ = docker.remove_container(&name, Some(opts)).await;
    };
    remove().await;
    let opts = CreateContainerOptions {
        name: Some(name.clone()),
        ..Default::default()
    };
    docker
        .create_container(Some(opts), body)
        .await
        .map_err(|e| api_error(EngineCall::ContainerCreate, &name, e))?;
    let started = docker.start_container(&name, None).await;
    remove().await;
    match started {
        Ok(()) => Ok(true),
        Err(e) if refused_privileged(&describe(&e)) => Ok(false),
        Err(e) => Err(api_error(EngineCall::ContainerStart, &name, e)),
    }
}

/// The engine's words when runc cannot grant what privileged mode asks for.
pub(super) fn refused_privileged(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("unable to apply caps") || (m.contains("privileged") && m.contains("not permitted"))
}

pub(super) async fn wait_for_log(
    p: &DockerProvider,
    node: &str,
    needles: &[&str],
    timeout: Duration,
) -> Result<()> {
    let follow = async {
        // A stream ends when the container stops; a restart (on-failure) starts a new one.
        loop {
            // Only this boot counts: a restarted node's log still holds the previous boot.
            let started = p
                .client()
                .inspect_container(node, None)
                .await
                .map_err(|e| api_error(EngineCall::ContainerInspect, node, e))?
                .state
                .and_then(|s| s.started_at)
                .and_then(|t| timestamp(&t));
            let opts = LogsOptions {
                follow: true,
                stdout: true,
                stderr: true,
                timestamps: true,
                since: started.map(|t| t.0.saturating_sub(1) as i32).unwrap_or(0),
                ..Default::default()
            };
            let mut stream = p.client().logs(node, Some(opts));
            let mut pending = String::new();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| api_error(EngineCall::ContainerLogs, node, e))?;
                pending.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
                while let Some(pos) = pending.find('\n') {
                    let line: String = pending.drain(..=pos).collect();
                    let (stamp, text) = line.split_once(' ').unwrap_or(("", &line));
                    let this_boot = match (started, timestamp(stamp)) {
                        (Some(s), Some(t)) => t >= s,
                        _ => true,
                    };
                    if this_boot && needles.iter().all(|n| text.contains(n)) {
                        return Ok(());
                    }
                }
            }
            let info = p.inspect_node(node).await?;
            if info.state != NodeState::Running && info.state != NodeState::Restarting {
                return Err(ProviderError::BootExited {
                    node: node.to_string(),
                    last_logs: p.logs(node, 30).await.unwrap_or_default(),
                });
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    match tokio::time::timeout(timeout, follow).await {
        Ok(r) => r,
        Err(_) => Err(ProviderError::BootTimeout {
            node: node.to_string(),
            seconds: timeout.as_secs(),
            last_logs: p.logs(node, 30).await.unwrap_or_default(),
        }),
    }
}

/// Docker's RFC 3339 UTC timestamps (`2026-11-27T10:40:01.12345Z`) as (Unix seconds, nanos),
/// so that times with differently trimmed fractions compare correctly.
fn timestamp(s: &str) -> Option<(i64, u32)> {
    let s = s.trim().strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let d: Vec<i64> = date
        .split('-')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let t: Vec<i64> = hms
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    if d.len() != 3 || t.len() != 3 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, m, day) = (if d[1] <= 2 { d[0] - 1 } else { d[0] }, d[1], d[2]);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    let mut nanos = String::from(frac);
    nanos.truncate(9);
    while nanos.len() < 9 {
        nanos.push('0');
    }
    Some((
        days * 86400 + t[0] * 3600 + t[1] * 60 + t[2],
        nanos.parse().ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::{is_stale, refused_privileged, timestamp};

    #[test]
    fn only_probes_older_than_any_live_probe_are_stale() {
        assert!(!is_stale(1_000, 1_000));
        assert!(
            !is_stale(1_000, 1_060),
            "a minik probing right now keeps its container"
        );
        assert!(is_stale(1_000, 1_121));
    }

    #[test]
    fn timestamps_compare_whatever_their_precision() {
        assert_eq!(timestamp("1970-01-01T00:00:01Z"), Some((1, 0)));
        assert_eq!(timestamp("2026-11-27T10:40:01Z").unwrap().0, 1_795_776_001);
        let a = timestamp("2026-11-27T10:40:01.12Z").unwrap();
        let b = timestamp("2026-11-27T10:40:01.123Z").unwrap();
        assert!(a < b);
        assert_eq!(timestamp("garbage"), None);
    }

    #[test]
    fn recognises_the_engine_refusing_privileged_mode() {
        let msg = "OCI runtime create failed: runc create failed: unable to start container \
                   process: error during container init: unable to apply caps: operation not permitted";
        assert!(refused_privileged(msg));
        assert!(!refused_privileged("No such image: minik/node:test"));
    }
}
