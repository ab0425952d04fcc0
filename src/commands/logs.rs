//! `minik export logs`.

use std::path::PathBuf;
use std::time::SystemTime;

use super::{engine, out, Ctx};
use crate::cluster::logs;
use crate::error::Error;

pub(super) async fn export(ctx: &Ctx, name: &str, dir: Option<PathBuf>) -> Result<(), Error> {
    let provider = engine::connect(ctx).await?;
    let dir = dir.unwrap_or_else(|| logs::default_dir(name, SystemTime::now()));
    let e = logs::export(&*provider, name, &dir, &ctx.events).await?;
    if !e.errors.is_empty() {
        ctx.events.warn(format!(
            "{} item(s) could not be collected (listed in {}):",
            e.errors.len(),
            e.dir.join("errors.txt").display()
        ));
        for err in &e.errors {
            ctx.events.warn(format!("  {err}"));
        }
    }
    ctx.events.info(format!(
        "Exported the logs of {} node(s) of {name:?} in {:.1}s to {}",
        e.nodes,
        e.elapsed.as_secs_f64(),
        e.dir.display()
    ));
    // The data: where the bundle is.
    out(&e.archive.display().to_string())
}
