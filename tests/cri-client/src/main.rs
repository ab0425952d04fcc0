//! minik-test-cri: a TEST TOOL (not part of minik) that speaks CRI v1 to a node's containerd,
//! like crictl, and prints every answer as JSON. The Kubernetes stand-in's kubelet
//! (tests/k8s-standin) drives the node's real containerd through it; tests use it to look at
//! what really runs. Requests that create things take a JSON file (`-` = stdin) in CRI's
//! field names (snake_case); enums are their protobuf numbers.
//!
//! Errors print as Go's gRPC clients print them ("rpc error: code = ... desc = ..."), so the
//! stand-in can quote them the way the real kubelet does, and exit 1.

mod config;

use clap::{Parser, Subcommand};
use hyper_util::rt::TokioIo;
use k8s_cri::v1 as cri;
use k8s_cri::v1::image_service_client::ImageServiceClient;
use k8s_cri::v1::runtime_service_client::RuntimeServiceClient;
use serde::Serialize;
use std::collections::HashMap;
use std::time::Duration;
use tonic::transport::{Channel, Endpoint, Uri};

#[derive(Parser)]
#[command(
    name = "minik-test-cri",
    about = "CRI v1 client for minik's tests (JSON output)"
)]
struct Cli {
    /// CRI endpoint (unix socket)
    #[arg(
        long,
        global = true,
        default_value = "unix:///run/containerd/containerd.sock"
    )]
    endpoint: String,
    /// Seconds to wait for the runtime before giving up
    #[arg(long, global = true, default_value_t = 10)]
    timeout: u64,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Runtime version
    Version,
    /// Runtime conditions (RuntimeReady, NetworkReady)
    Status,
    /// Runtime conditions plus the runtime's verbose info (its config)
    Info,
    /// Images in the runtime's namespace
    Images,
    /// One image's status (`image` is null when it is not present)
    Image { image: String },
    /// Pod sandboxes
    Pods {
        /// label filter K=V (repeatable)
        #[arg(long = "label")]
        labels: Vec<String>,
    },
    /// Containers (all states)
    Ps {
        /// only this sandbox's containers
        #[arg(long)]
        pod: Option<String>,
        /// label filter K=V (repeatable)
        #[arg(long = "label")]
        labels: Vec<String>,
    },
    /// Sandbox status (verbose)
    Inspectp { id: String },
    /// Container status (verbose)
    Inspect { id: String },
    /// Run a sandbox from a JSON PodSandboxConfig; prints {"id": ...}
    Runp { sandbox_config: String },
    /// Create a container in a sandbox; prints {"id": ...}
    Create {
        pod_id: String,
        container_config: String,
        sandbox_config: String,
    },
    /// Start a created container
    Start { id: String },
    /// Stop a container (SIGTERM, then SIGKILL after --grace seconds)
    Stop {
        id: String,
        #[arg(long, default_value_t = 10)]
        grace: i64,
    },
    /// Remove a container
    Rm { id: String },
    /// Stop a sandbox and its containers
    Stopp { id: String },
    /// Pull an image (PullImage); prints {"image_ref": ...}
    Pull { image: String },
    /// Remove a sandbox and its containers
    Rmp { id: String },
    /// Run a command in a running container and wait for it (CRI ExecSync); prints
    /// {"stdout": [bytes], "stderr": [bytes], "exit_code": N}
    Exec {
        id: String,
        /// seconds before the runtime kills the command (0: no limit)
        #[arg(long = "exec-timeout", default_value_t = 0)]
        exec_timeout: i64,
        #[arg(last = true, required = true)]
        cmd: Vec<String>,
    },
}

#[derive(Debug)]
struct Failure(String);

impl From<tonic::Status> for Failure {
    fn from(s: tonic::Status) -> Self {
        Failure(format!(
            "rpc error: code = {:?} desc = {}",
            s.code(),
            s.message()
        ))
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure(e.to_string())
    }
}

fn labels(pairs: &[String]) -> Result<HashMap<String, String>, Failure> {
    pairs
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| Failure(format!("label filter {p:?} is not KEY=VALUE")))
        })
        .collect()
}

async fn connect(endpoint: &str, timeout: u64) -> Result<Channel, Failure> {
    let path = endpoint
        .strip_prefix("unix://")
        .ok_or_else(|| Failure(format!("endpoint {endpoint:?}: only unix:// is supported")))?
        .to_string();
    let shown = path.clone();
    Endpoint::from_static("http://localhost")
        .connect_timeout(Duration::from_secs(timeout))
        .timeout(Duration::from_secs(timeout.max(30)))
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let path = path.clone();
            async move {
                let stream = tokio::net::UnixStream::connect(path).await?;
                Ok::<_, std::io::Error>(TokioIo::new(stream))
            }
        }))
        .await
        .map_err(|e| {
            let cause = std::error::Error::source(&e)
                .map(|c| c.to_string())
                .unwrap_or_else(|| e.to_string());
            Failure(format!(
                "rpc error: code = Unavailable desc = connection error: dial unix {shown}: {cause}"
            ))
        })
}

fn out<T: Serialize>(v: &T) -> Result<(), Failure> {
    let s = serde_json::to_string(v).map_err(|e| Failure(e.to_string()))?;
    println!("{s}");
    Ok(())
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let ch = connect(&cli.endpoint, cli.timeout).await?;
    let mut rt = RuntimeServiceClient::new(ch.clone());
    let mut img = ImageServiceClient::new(ch);
    match cli.cmd {
        Cmd::Version => out(&rt
            .version(cri::VersionRequest {
                version: "v1".into(),
            })
            .await?
            .into_inner()),
        Cmd::Status | Cmd::Info => {
            let verbose = matches!(cli.cmd, Cmd::Info);
            out(&rt
                .status(cri::StatusRequest { verbose })
                .await?
                .into_inner())
        }
        Cmd::Images => out(&img
            .list_images(cri::ListImagesRequest { filter: None })
            .await?
            .into_inner()),
        Cmd::Image { image } => out(&img
            .image_status(cri::ImageStatusRequest {
                image: Some(cri::ImageSpec {
                    image,
                    ..Default::default()
                }),
                verbose: false,
            })
            .await?
            .into_inner()),
        Cmd::Pods { labels: l } => out(&rt
            .list_pod_sandbox(cri::ListPodSandboxRequest {
                filter: Some(cri::PodSandboxFilter {
                    label_selector: labels(&l)?,
                    ..Default::default()
                }),
            })
            .await?
            .into_inner()),
        Cmd::Ps { pod, labels: l } => out(&rt
            .list_containers(cri::ListContainersRequest {
                filter: Some(cri::ContainerFilter {
                    pod_sandbox_id: pod.unwrap_or_default(),
                    label_selector: labels(&l)?,
                    ..Default::default()
                }),
            })
            .await?
            .into_inner()),
        Cmd::Inspectp { id } => out(&rt
            .pod_sandbox_status(cri::PodSandboxStatusRequest {
                pod_sandbox_id: id,
                verbose: true,
            })
            .await?
            .into_inner()),
        Cmd::Inspect { id } => out(&rt
            .container_status(cri::ContainerStatusRequest {
                container_id: id,
                verbose: true,
            })
            .await?
            .into_inner()),
        Cmd::Runp { sandbox_config } => {
            let config = config::sandbox(&sandbox_config)?;
            let r = rt
                .run_pod_sandbox(cri::RunPodSandboxRequest {
                    config: Some(config),
                    runtime_handler: String::new(),
                })
                .await?
                .into_inner();
            out(&serde_json::json!({ "id": r.pod_sandbox_id }))
        }
        Cmd::Create {
            pod_id,
            container_config,
            sandbox_config,
        } => {
            let r = rt
                .create_container(cri::CreateContainerRequest {
                    pod_sandbox_id: pod_id,
                    config: Some(config::container(&container_config)?),
                    sandbox_config: Some(config::sandbox(&sandbox_config)?),
                })
                .await?
                .into_inner();
            out(&serde_json::json!({ "id": r.container_id }))
        }
        Cmd::Start { id } => out(&rt
            .start_container(cri::StartContainerRequest { container_id: id })
            .await?
            .into_inner()),
        Cmd::Stop { id, grace } => out(&rt
            .stop_container(cri::StopContainerRequest {
                container_id: id,
                timeout: grace,
            })
            .await?
            .into_inner()),
        Cmd::Rm { id } => out(&rt
            .remove_container(cri::RemoveContainerRequest { container_id: id })
            .await?
            .into_inner()),
        Cmd::Stopp { id } => out(&rt
            .stop_pod_sandbox(cri::StopPodSandboxRequest { pod_sandbox_id: id })
            .await?
            .into_inner()),
        Cmd::Pull { image } => {
            let r = img
                .pull_image(cri::PullImageRequest {
                    image: Some(cri::ImageSpec {
                        image,
                        ..Default::default()
                    }),
                    auth: None,
                    sandbox_config: None,
                })
                .await?
                .into_inner();
            out(&serde_json::json!({ "image_ref": r.image_ref }))
        }
        Cmd::Exec {
            id,
            exec_timeout,
            cmd,
        } => out(&rt
            .exec_sync(cri::ExecSyncRequest {
                container_id: id,
                cmd,
                timeout: exec_timeout,
            })
            .await?
            .into_inner()),
        Cmd::Rmp { id } => out(&rt
            .remove_pod_sandbox(cri::RemovePodSandboxRequest { pod_sandbox_id: id })
            .await?
            .into_inner()),
    }
}

fn main() {
    let cli = Cli::parse();
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Failure::from)
        .and_then(|rt| rt.block_on(run(cli)));
    if let Err(Failure(msg)) = result {
        eprintln!("{msg}");
        std::process::exit(1);
    }
}
