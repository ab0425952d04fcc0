//! `minik kubectl -- ARGS`: the cluster's own kubectl for a machine without one. kubectl's
//! output goes out as it wrote it (stdout as data, stderr as its messages); its failure is
//! minik's failure (exit 1), never bad input.

use std::io::Write;

use super::{engine, Ctx};
use crate::cli::KubectlArgs;
use crate::error::Error;

pub(super) async fn run(ctx: &Ctx, args: KubectlArgs) -> Result<(), Error> {
    let provider = engine::connect(ctx).await?;
    let out = crate::cluster::kubectl::run(&*provider, &args.cluster.name, &args.args).await?;
    std::io::stdout().lock().write_all(&out.stdout)?;
    std::io::stderr().lock().write_all(&out.stderr)?;
    if out.exit_code == 0 {
        return Ok(());
    }
    Err(crate::failure::Failure::KubectlExit {
        code: out.exit_code,
    }
    .into())
}
