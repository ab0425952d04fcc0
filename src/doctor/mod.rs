//! `minik doctor`: every check for this machine and its engine, and the verdict on them (a
//! failed row fails the command), so the command only prints. `--workshop`'s pass/fail report
//! is [`workshop`]. This is where the checks are run; the pure rows they judge by live beside
//! it in [`crate::platform::checks`].

use crate::engine::{ConnectFailure, Engine};
mod kubectl;
pub(crate) mod workshop;
use crate::error::Error;
use crate::platform::{self, Check, Request, Status};

/// Every check, for a cluster of `nodes`. Privileged mode is probed with `image`, else with a
/// node image already here, if there is one; `found` is the outcome of connecting to the engine.
pub(crate) async fn checks(
    found: Result<Engine, ConnectFailure>,
    image: Option<String>,
    nodes: u32,
) -> Result<Vec<Check>, Error> {
    Ok(match found {
        Err(f) => platform::checks_unreachable(&f.resolution, &f.host, &f.error),
        Ok(engine) => {
            let image = match image {
                Some(i) => Some(i),
                None => crate::nodeimage::local_node_images(&*engine.provider)
                    .await?
                    .into_iter()
                    .next(),
            };
            let env = engine.environment(image.as_deref()).await?;
            let mut rows = platform::checks(&env, &Request::new(nodes as usize));
            let kubectl = kubectl::facts(image.as_deref()).await;
            rows.push(platform::checks::kubectl::kubectl(&env, &kubectl));
            rows
        }
    })
}

/// A failure naming the failed checks, when one would stop a cluster being made.
pub(crate) fn verdict(checks: &[Check]) -> Result<(), Error> {
    if !platform::is_blocking(checks) {
        return Ok(());
    }
    let failed: Vec<String> = checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .map(|c| c.title.clone())
        .collect();
    Err(crate::failure::Failure::ChecksFailed { failed }.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::EXIT_FAILURE;

    fn check(title: &str, status: Status) -> Check {
        crate::platform::checks::row("engine", title, status, "", "", None)
    }

    #[test]
    fn only_a_failed_check_fails_the_command() {
        assert!(verdict(&[check("Memory", Status::Ok), check("Disk", Status::Warn)]).is_ok());
        let e = verdict(&[
            check("Memory", Status::Fail),
            check("Disk", Status::Ok),
            check("inotify", Status::Fail),
        ])
        .unwrap_err();
        assert_eq!(e.exit_code(), EXIT_FAILURE);
        assert_eq!(e.to_string(), "2 check(s) failed: Memory, inotify");
    }
}
