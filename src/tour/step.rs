//! One step of a tour: fill in its placeholders (the pod to delete, the worker to drain), put it
//! in front of the learner, run its command when asked, and wait until its checks hold.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::check::{evaluate_in, log_targets, Logs, Outcome};
use super::command::{display, fill};
use super::lab::{Check, Lab, Lang, Step};
use super::run::{Choice, Guide, Options, Presented, Tour};
use super::views::{get_json, show, Shown};
use super::TourError;

/// Step `i` of `lab` as it is put in front of the learner: in `lang`, with `vars` filled in,
/// the command as it is typed (with its manifest as a here-document).
pub(crate) fn presented(
    lab: &Lab,
    i: usize,
    lang: Lang,
    vars: &BTreeMap<&str, String>,
) -> Presented {
    let step = &lab.steps[i];
    let manifest = step.manifest.as_deref().map(|s| fill(s, vars));
    Presented {
        number: i + 1,
        total: lab.steps.len(),
        id: step.id.clone(),
        title: step.title.get(lang).to_string(),
        text: fill(step.text.get(lang), vars),
        command: step.command.as_ref().map(|c| {
            let args: Vec<String> = c.0.iter().map(|a| fill(a, vars)).collect();
            display(&args, manifest.as_deref())
        }),
        more: step.more.iter().map(|s| fill(s, vars)).collect(),
    }
}

/// How long "I ran it: check" waits at most for things to settle.
const CHECK_PATIENCE: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Status {
    Passed,
    Failed,
    Skipped,
    /// The cluster cannot show it (too few workers).
    NotApplicable,
    /// The learner stopped here.
    Stopped,
}

#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct StepReport {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) status: Status,
    pub(crate) seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) command: Option<String>,
    pub(crate) checks: Vec<Outcome>,
    pub(crate) shown: Vec<Shown>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) note: Option<String>,
}

fn fill_check(c: &Check, vars: &BTreeMap<&str, String>) -> Check {
    let f = |o: &Option<String>| o.as_deref().map(|s| fill(s, vars));
    let mut c = c.clone();
    c.namespace = f(&c.namespace);
    c.name = f(&c.name);
    c.selector = f(&c.selector);
    c.named_in_logs_of = f(&c.named_in_logs_of);
    match &c.expect {
        super::lab::Expect::Avoids(n) => c.expect = super::lab::Expect::Avoids(fill(n, vars)),
        super::lab::Expect::LogContains(t) => {
            c.expect = super::lab::Expect::LogContains(fill(t, vars))
        }
        super::lab::Expect::FieldEquals { path, value } => {
            c.expect = super::lab::Expect::FieldEquals {
                path: path.clone(),
                value: fill(value, vars),
            }
        }
        _ => {}
    }
    c
}

/// A kind, a namespace and a selector for kubectl get.
type ListKey = (String, Option<String>, Option<String>);

/// What to list for a check: its kind and namespace, and its selector only when the evaluator
/// cannot apply it itself (set-based selectors), so that checks share one list.
fn list_key(c: &Check) -> ListKey {
    let selector = c
        .selector
        .clone()
        .filter(|s| s.contains('(') || s.contains(" in ") || s.contains(" notin "));
    (c.kind.clone(), c.namespace.clone(), selector)
}

/// The namespace and pod whose logs a check reads.
fn logs_key(c: &Check) -> Option<(String, String)> {
    Some((c.namespace.clone()?, c.named_in_logs_of.clone()?))
}

/// Whether the step's command, cleanup or checks name the placeholder `{p}`.
fn uses(step: &Step, p: &str) -> bool {
    let needle = format!("{{{p}}}");
    step.command
        .iter()
        .chain(&step.cleanup)
        .any(|c| c.0.iter().any(|a| a.contains(&needle)))
        || step.checks.iter().any(|c| {
            let avoids = match &c.expect {
                super::lab::Expect::Avoids(n)
                | super::lab::Expect::LogContains(n)
                | super::lab::Expect::FieldEquals { value: n, .. } => Some(n),
                _ => None,
            };
            [
                c.namespace.as_ref(),
                c.name.as_ref(),
                c.selector.as_ref(),
                c.named_in_logs_of.as_ref(),
                avoids,
            ]
            .into_iter()
            .flatten()
            .any(|t| t.contains(&needle))
        })
}

impl Tour<'_> {
    pub(super) fn report(&self, step: &Step, status: Status, started: Instant) -> StepReport {
        StepReport {
            id: step.id.clone(),
            title: step.title.get(self.lang).to_string(),
            status,
            seconds: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
            command: None,
            checks: Vec::new(),
            shown: Vec::new(),
            note: None,
        }
    }

    pub(super) async fn step(
        &self,
        i: usize,
        guide: &dyn Guide,
        opts: &Options,
    ) -> Result<StepReport, TourError> {
        let step = &self.lab.steps[i];
        let started = Instant::now();
        if let Some(r) = self.not_applicable(step, started) {
            return Ok(r);
        }
        if step.needs_kube_proxy && !self.has_kube_proxy().await? {
            let mut r = self.report(step, Status::NotApplicable, started);
            r.note = Some(self.m().no_kube_proxy.to_string());
            return Ok(r);
        }
        let urls = match self.node_port_urls(step, started) {
            Ok(urls) => urls,
            Err(set_aside) => return Ok(*set_aside),
        };
        // Skipping never runs the step's command: the learner chose not to.
        if opts.skip.contains(&step.id) {
            return Ok(self.report(step, Status::Skipped, started));
        }
        let mut vars: BTreeMap<&str, String> =
            self.vars.iter().map(|(k, v)| (*k, v.clone())).collect();
        vars.extend(urls.iter().map(|(k, v)| (k.as_str(), v.clone())));
        let stops_kubelet = step
            .node_action
            .is_some_and(|n| n.action == super::lab::NodeAction::StopKubelet && !n.undo);
        if uses(step, "worker") || stops_kubelet {
            vars.insert("worker", self.worker(&step.id).await?);
        }

        if let Some(selector) = &step.pick {
            vars.insert("pod", self.pick(selector, step.timeout).await?);
        }
        let args: Option<Vec<String>> = step
            .command
            .as_ref()
            .map(|c| c.0.iter().map(|a| fill(a, &vars)).collect());
        let manifest = step.manifest.as_deref().map(|s| fill(s, &vars));
        let presented = presented(self.lab, i, self.lang, &vars);
        guide.present(&presented);
        if let Some(n) = step.node_action {
            self.node_action(&step.id, n, &vars, Some(guide)).await?;
        }
        self.owe(
            &step.id,
            step.cleanup
                .iter()
                .map(|c| c.0.iter().map(|a| fill(a, &vars)).collect())
                .collect(),
        );
        let mut failed: Option<Vec<Outcome>> = None;
        loop {
            let choice = if opts.unattended {
                Choice::Run
            } else {
                guide.choose(&presented, failed.as_deref()).await
            };
            let patience = match choice {
                Choice::Quit => return Ok(self.report(step, Status::Stopped, started)),
                Choice::Skip => return Ok(self.report(step, Status::Skipped, started)),
                Choice::Run => {
                    if let (Some(cmd), Some(args)) = (&step.command, &args) {
                        self.vet_manifest(step, manifest.as_deref())?;
                        let out = self.run_command(cmd, args, manifest.as_deref()).await?;
                        guide.command_output(&display(args, None), &out.combined());
                    }
                    step.timeout
                }
                Choice::Check => step.timeout.min(CHECK_PATIENCE),
            };
            let outcomes = self.wait(step, &vars, patience).await?;
            if outcomes.iter().all(|o| o.ok) || opts.unattended {
                return self.finish(step, &presented, outcomes, started).await;
            }
            failed = Some(outcomes);
        }
    }

    /// A step the cluster cannot show (too few workers), with a note saying what it needs.
    fn not_applicable(&self, step: &Step, started: Instant) -> Option<StepReport> {
        if (step.needs_workers as usize) <= self.workers.len() {
            return None;
        }
        let mut r = self.report(step, Status::NotApplicable, started);
        r.note = Some(
            self.m()
                .needs_workers
                .replace("{need}", &step.needs_workers.to_string())
                .replace("{have}", &self.workers.len().to_string())
                .replace("{nodes}", &(step.needs_workers + 1).to_string()),
        );
        Some(r)
    }

    /// The step's report once its checks were judged; a passed step shows its views.
    async fn finish(
        &self,
        step: &Step,
        presented: &Presented,
        outcomes: Vec<Outcome>,
        started: Instant,
    ) -> Result<StepReport, TourError> {
        let ok = outcomes.iter().all(|o| o.ok);
        let mut r = self.report(
            step,
            if ok { Status::Passed } else { Status::Failed },
            started,
        );
        r.command = presented.command.clone();
        r.checks = outcomes;
        if ok {
            for view in &step.show {
                r.shown
                    .push(show(self.access, *view, &self.lab.namespace, self.m()).await?);
            }
            if let Some(e) = &step.etcd {
                r.shown.push(self.etcd_view(step, e).await?);
            }
        }
        Ok(r)
    }

    /// Runs a step's command (`args`, filled in from `cmd`): minik's fixed actions (the
    /// namespace, `{worker}`'s node actions) as admin, everything else as the lab's identity.
    pub(super) async fn run_command(
        &self,
        cmd: &super::lab::Kubectl,
        args: &[String],
        manifest: Option<&str>,
    ) -> Result<crate::provider::ExecOutput, crate::cluster::ClusterError> {
        if super::sandbox::is_tour_action(&cmd.0) {
            self.access.kubectl(args, manifest).await
        } else {
            self.access.lab_kubectl(args, manifest).await
        }
    }

    /// Checks a filled manifest again just before it runs: what the lab file held was checked
    /// with sample names, this is what kubectl gets.
    pub(super) fn vet_manifest(
        &self,
        step: &Step,
        manifest: Option<&str>,
    ) -> Result<(), TourError> {
        match manifest.map(|m| super::manifest::check(m, &self.lab.namespace)) {
            Some(Err(reason)) => Err(TourError::Refused {
                step: step.id.clone(),
                reason,
            }),
            _ => Ok(()),
        }
    }

    /// Evaluates the step's checks until all hold or `patience` runs out; the last outcomes.
    pub(super) async fn wait(
        &self,
        step: &Step,
        vars: &BTreeMap<&str, String>,
        patience: Duration,
    ) -> Result<Vec<Outcome>, TourError> {
        let deadline = Instant::now() + patience;
        let spinner = self.events.step(format!(
            "{}: {}",
            self.m().checking,
            step.title.get(self.lang)
        ));
        loop {
            let outcomes = self.evaluate(&step.checks, vars).await?;
            if outcomes.iter().all(|o| o.ok) || Instant::now() >= deadline {
                spinner.done();
                return Ok(outcomes);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Evaluates `checks`, reading each kind of object once (kubectl in a node is not free).
    async fn evaluate(
        &self,
        checks: &[Check],
        vars: &BTreeMap<&str, String>,
    ) -> Result<Vec<Outcome>, TourError> {
        let checks: Vec<Check> = checks.iter().map(|c| fill_check(c, vars)).collect();
        let mut lists: BTreeMap<ListKey, Result<Value, String>> = BTreeMap::new();
        let wants_roles = checks
            .iter()
            .any(|c| matches!(c.expect, super::lab::Expect::RunningOn(_)));
        let mut keys: Vec<_> = checks.iter().map(list_key).collect();
        if wants_roles {
            keys.push(("nodes".into(), None, None));
        }
        for key in keys {
            if lists.contains_key(&key) {
                continue;
            }
            let (kind, ns, selector) = &key;
            let mut args: Vec<String> = vec!["get".into(), kind.clone()];
            match ns {
                Some(ns) => args.extend(["-n".into(), ns.clone()]),
                None => args.push("-A".into()),
            }
            if let Some(sel) = selector {
                args.extend(["-l".into(), sel.clone()]);
            }
            args.extend(["-o".into(), "json".into()]);
            let got = self.access.lab_kubectl(&args, None).await?;
            let list = if got.exit_code == 0 {
                Ok(serde_json::from_slice(&got.stdout).unwrap_or(Value::Null))
            } else {
                Err(got.combined().trim().to_string())
            };
            lists.insert(key, list);
        }
        let nodes = lists
            .get(&("nodes".to_string(), None, None))
            .and_then(|l| l.as_ref().ok())
            .cloned()
            .unwrap_or(Value::Null);
        let logs = self.logs(&checks, &lists).await?;
        let named = self.logs_for(&checks).await?;
        let mut outcomes = Vec::new();
        for c in &checks {
            if let super::lab::Expect::HttpGet { path, via } = &c.expect {
                let outcome = self.http_check(c, path, *via, &lists[&list_key(c)]).await;
                outcomes.push(outcome);
                continue;
            }
            let failed = |e: &str| Outcome {
                ok: false,
                expected: super::check::describe_in(c, self.lang),
                found: self.m().kubectl_failed.replace("{error}", e),
            };
            outcomes.push(
                match (&lists[&list_key(c)], logs_key(c).map(|k| &named[&k])) {
                    (Err(e), _) | (_, Some(Err(e))) => failed(e),
                    (Ok(list), Some(Ok(text))) => {
                        let list = super::check::named_in(list, text);
                        evaluate_in(c, &list, &nodes, &logs, self.lang)
                    }
                    (Ok(list), None) => evaluate_in(c, list, &nodes, &logs, self.lang),
                },
            );
        }
        Ok(outcomes)
    }

    /// The logs `logContains` and `logLastWord` checks read, each pod's once (as the lab's
    /// identity).
    async fn logs(
        &self,
        checks: &[Check],
        lists: &BTreeMap<ListKey, Result<Value, String>>,
    ) -> Result<Logs, TourError> {
        let mut logs = Logs::new();
        for c in checks {
            let Some(Ok(list)) = lists.get(&list_key(c)) else {
                continue;
            };
            for (ns, pod) in log_targets(c, list) {
                if logs.contains_key(&(ns.clone(), pod.clone())) {
                    continue;
                }
                let args: Vec<String> = ["logs", &pod, "-n", &ns, "--tail=200"]
                    .map(String::from)
                    .to_vec();
                let got = self.access.lab_kubectl(&args, None).await?;
                let log = if got.exit_code == 0 {
                    Ok(String::from_utf8_lossy(&got.stdout).to_string())
                } else {
                    Err(got.combined().trim().to_string())
                };
                logs.insert((ns, pod), log);
            }
        }
        Ok(logs)
    }

    /// The logs of the pods the checks read (`namedInLogsOf`), each read once, as the lab.
    async fn logs_for(
        &self,
        checks: &[Check],
    ) -> Result<BTreeMap<(String, String), Result<String, String>>, TourError> {
        let mut logs = BTreeMap::new();
        for key in checks.iter().filter_map(logs_key) {
            if logs.contains_key(&key) {
                continue;
            }
            let (ns, pod) = &key;
            let args: Vec<String> = ["logs", pod.as_str(), "-n", ns.as_str()]
                .map(String::from)
                .to_vec();
            let got = self.access.lab_kubectl(&args, None).await?;
            let text = if got.exit_code == 0 {
                Ok(String::from_utf8_lossy(&got.stdout).to_string())
            } else {
                Err(got.combined().trim().to_string())
            };
            logs.insert(key, text);
        }
        Ok(logs)
    }

    /// A Running pod of the tour's namespace that `selector` matches (the first by name).
    async fn pick(&self, selector: &str, patience: Duration) -> Result<String, TourError> {
        let deadline = Instant::now() + patience;
        let ns = self.lab.namespace.clone();
        loop {
            let pods = get_json(self.access, &["pods", "-n", &ns, "-l", selector]).await?;
            let mut names: Vec<&str> = pods["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["status"]["phase"] == "Running")
                .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
                .filter_map(|p| p["metadata"]["name"].as_str())
                .collect();
            names.sort();
            if let Some(first) = names.first() {
                return Ok(first.to_string());
            }
            if Instant::now() >= deadline {
                return Err(TourError::NothingToPick {
                    selector: selector.to_string(),
                    namespace: ns,
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The worker running the most pods of the tour's namespace (the last by name on a tie),
    /// so that draining it moves something.
    /// Whether kube-proxy runs here: kubeadm installs its DaemonSet unless the cluster was
    /// made with `kubeProxyMode: none` (minik skips that addon phase). A list that fails
    /// counts as yes, so the step's own checks say what is wrong.
    async fn has_kube_proxy(&self) -> Result<bool, TourError> {
        let ds = get_json(self.access, &["daemonsets", "-n", "kube-system"]).await?;
        Ok(ds.is_null()
            || ds["items"]
                .as_array()
                .is_some_and(|items| items.iter().any(|d| d["metadata"]["name"] == "kube-proxy")))
    }

    pub(super) async fn busiest_worker(&self) -> Result<String, TourError> {
        let pods = get_json(self.access, &["pods", "-n", &self.lab.namespace]).await?;
        let count = |w: &str| {
            pods["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["spec"]["nodeName"] == w)
                .count()
        };
        Ok(self
            .workers
            .iter()
            .max_by_key(|w| (count(w), w.to_string()))
            .cloned()
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A check may compare a field with a placeholder (`spec.nodeName` equals `{worker}`): the
    /// value is filled as the name and selector are, and the step resolves `{worker}` for it.
    #[test]
    fn equals_takes_placeholders() {
        let lab = super::super::builtin("scheduling").unwrap_or_else(|e| panic!("{e}"));
        let step = lab.steps.iter().find(|s| s.id == "node-selector").unwrap();
        assert!(uses(step, "worker"));
        let vars = BTreeMap::from([("worker", "lab-worker2".to_string())]);
        let filled: Vec<Check> = step.checks.iter().map(|c| fill_check(c, &vars)).collect();
        assert!(filled.iter().any(|c| c.expect
            == super::super::lab::Expect::FieldEquals {
                path: "spec.nodeName".into(),
                value: "lab-worker2".into()
            }));
    }
}
