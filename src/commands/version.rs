use crate::cli::{OutputArgs, OutputFormat};
use crate::error::Error;

pub(super) fn run(args: OutputArgs) -> Result<(), Error> {
    let version = env!("CARGO_PKG_VERSION");
    let arch = std::env::consts::ARCH;
    let os = std::env::consts::OS;
    match args.output {
        OutputFormat::Json => super::json(&serde_json::json!({
            "version": version,
            "os": os,
            "arch": arch,
            "defaultKubernetesVersion": crate::nodeimage::DEFAULT_KUBERNETES_VERSION,
        })),
        OutputFormat::Text => super::out(&format!("minik {version} {os}/{arch}")),
    }
}
