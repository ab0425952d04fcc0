//! Running a step's etcd view (see `super::etcd`): etcdctl with fixed arguments in the etcd pod
//! of the tour's control plane, as the admin minik is, never as the lab's identity (which may
//! not exec into kube-system), and only for a namespace the tour made and owns.

use super::etcd::{self, SNAPSHOT};
use super::lab::{Etcd, Step};
use super::run::Tour;
use super::views::Shown;
use super::TourError;

impl Tour<'_> {
    /// What etcd holds for the step's view, as the learner would see it with the command in
    /// the heading (the command they can type on their own cluster).
    pub(super) async fn etcd_view(&self, step: &Step, view: &Etcd) -> Result<Shown, TourError> {
        let cp = self.control_plane();
        match view {
            Etcd::Get { resource, name } => {
                let key = etcd::key(*resource, &self.lab.namespace, name)
                    .filter(|_| self.owns_namespace())
                    .ok_or_else(|| TourError::Refused {
                        step: step.id.clone(),
                        reason: format!(
                            "minik reads from etcd only the objects of the tour's own namespace, \
                             not {}",
                            self.lab.namespace
                        ),
                    })?;
                let args = etcd::etcdctl(&cp, &["get", &key]);
                let out = self.access.kubectl(&args, None).await?;
                let lines = if out.exit_code != 0 {
                    etcd::text_lines(out.combined().trim().as_bytes())
                } else if out.stdout.iter().all(u8::is_ascii_whitespace) {
                    vec![self.m().etcd_no_key.replace("{key}", &key)]
                } else {
                    etcd::get_lines(&out.stdout)
                };
                Ok(Shown {
                    heading: super::command::display(&args, None),
                    lines,
                })
            }
            Etcd::Snapshot => self.etcd_snapshot(&cp).await,
        }
    }

    /// `etcdctl snapshot save` into etcd's data folder on the control plane, the file listed on
    /// the node, then removed (a snapshot holds every Secret of the cluster).
    async fn etcd_snapshot(&self, cp: &str) -> Result<Shown, TourError> {
        let args = etcd::etcdctl(cp, &["snapshot", "save", SNAPSHOT]);
        let out = self.access.kubectl(&args, None).await?;
        let mut lines = if out.exit_code == 0 {
            etcd::text_lines(&out.stdout)
        } else {
            etcd::text_lines(out.combined().trim().as_bytes())
        };
        let listed = self.access.on_node(cp, &["ls", "-l", SNAPSHOT]).await?;
        lines.extend(etcd::text_lines(listed.combined().trim().as_bytes()));
        let removed = self.access.on_node(cp, &["rm", "-f", SNAPSHOT]).await?;
        if removed.exit_code == 0 {
            lines.push(self.m().etcd_snapshot_removed.replace("{path}", SNAPSHOT));
        }
        Ok(Shown {
            heading: format!(
                "{} + ls -l {SNAPSHOT}",
                super::command::display(&args, None)
            ),
            lines,
        })
    }
}
