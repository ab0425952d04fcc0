use super::{engine, Ctx};
use crate::cli::DeleteArgs;
use crate::cluster::{self, delete::delete};
use crate::config::DEFAULT_CLUSTER_NAME;
use crate::error::Error;

pub(super) async fn run(ctx: &Ctx, args: DeleteArgs) -> Result<(), Error> {
    let provider = engine::connect(ctx).await?;
    let names: Vec<String> = if args.all {
        cluster::list_clusters(&*provider)
            .await?
            .into_iter()
            .map(|c| c.name)
            .collect()
    } else {
        vec![args
            .name
            .unwrap_or_else(|| DEFAULT_CLUSTER_NAME.to_string())]
    };
    if args.all && names.is_empty() {
        ctx.events.info("No clusters to delete");
    }
    for name in names {
        let d = delete(&*provider, &name, args.kubeconfig.as_deref(), &ctx.events).await?;
        if d.existed {
            ctx.events
                .info(format!("Deleted cluster {name:?} ({} nodes)", d.nodes));
        } else {
            ctx.events.info(format!(
                "Cluster {name:?} does not exist; nothing to delete"
            ));
        }
    }
    Ok(())
}
