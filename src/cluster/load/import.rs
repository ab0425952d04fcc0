//! One stream into many nodes: `ctr images import` in each, fed from a single source at once,
//! on the platform the engine's image store needs.

use super::fanout::{fan_out, BATCH_BYTES, CHANNEL_CAPACITY};
use super::LoadError;
use crate::events::Events;
use crate::platform::info::EngineInfo;
use crate::platform::Arch;
use crate::provider::{ByteStream, ExecInput, Provider, ProviderError};

/// The `ctr` command that imports an archive from standard input.
pub fn import_command(snapshotter: &str, platform: Option<&str>) -> Vec<String> {
    let mut cmd: Vec<String> = ["ctr", "-n", "k8s.io", "images", "import", "--digests"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    cmd.push("--snapshotter".into());
    cmd.push(snapshotter.into());
    if let Some(p) = platform {
        cmd.push("--platform".into());
        cmd.push(p.into());
    }
    cmd.push("-".into());
    cmd
}

/// `--platform linux/<arch>` on engines using Docker's containerd image store (their `docker
/// save` may list platforms whose content is absent); `None` (ctr's default, the node's own
/// platform) otherwise.
pub(crate) fn platform_for(info: &EngineInfo) -> Option<String> {
    let containerd_store = info
        .driver_status("driver-type")
        .is_some_and(|t| t.contains("io.containerd.snapshotter"));
    containerd_store.then(|| format!("linux/{}", Arch::parse(&info.architecture).as_str()))
}

pub(super) async fn import_platform(provider: &dyn Provider) -> Result<Option<String>, LoadError> {
    Ok(platform_for(&provider.info().await?))
}

/// Feed `source` to every node of `group` (name, snapshotter) at once; the read result and one
/// result per node, in order.
pub(super) async fn stream_to_nodes(
    provider: &dyn Provider,
    source: ByteStream,
    group: &[(String, String)],
    platform: Option<&str>,
    total: Option<u64>,
    title: &str,
    events: &Events,
) -> (std::io::Result<u64>, Vec<Result<(), ProviderError>>) {
    let step = events.step(title);
    let (streams, pump) = fan_out(source, group.len(), CHANNEL_CAPACITY, BATCH_BYTES, |done| {
        step.progress(done, total)
    });
    let imports = futures_util::future::join_all(group.iter().zip(streams).map(
        |((node, snapshotter), input)| async move {
            let cmd = import_command(snapshotter, platform);
            events.debug(format!("{node}: {}", cmd.join(" ")));
            provider
                .exec(node, &cmd, ExecInput::Stream(input))
                .await?
                .check(node, &cmd)
                .map(|out| events.debug(format!("{node}: {}", out.combined().trim())))
        },
    ));
    let (read, results) = tokio::join!(pump, imports);
    if read.is_ok() && results.iter().all(Result::is_ok) {
        step.done();
    }
    (read, results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_import_command_never_asks_for_all_platforms() {
        let c = import_command("overlayfs", None).join(" ");
        assert_eq!(
            c,
            "ctr -n k8s.io images import --digests --snapshotter overlayfs -"
        );
        let c = import_command("native", Some("linux/arm64")).join(" ");
        assert_eq!(
            c,
            "ctr -n k8s.io images import --digests --snapshotter native --platform linux/arm64 -"
        );
    }

    #[test]
    fn the_platform_is_named_only_on_the_containerd_image_store() {
        let classic = EngineInfo::from_json(&serde_json::json!({
            "Architecture": "x86_64",
            "DriverStatus": [["Backing Filesystem", "extfs"]]
        }))
        .unwrap();
        assert_eq!(platform_for(&classic), None);
        let containerd = EngineInfo::from_json(&serde_json::json!({
            "Architecture": "aarch64",
            "DriverStatus": [["driver-type", "io.containerd.snapshotter.v1"]]
        }))
        .unwrap();
        assert_eq!(platform_for(&containerd).as_deref(), Some("linux/arm64"));
    }
}
