//! A step's reach: `{nodePortUrl:PORT}` in its text filled with the URL at which this machine
//! reaches that node port (or the step set aside where nothing does), and `httpGet` checks
//! fetched for real, from this machine or through `kubectl port-forward`.

use std::time::Instant;

use serde_json::Value;

use super::check::{describe_in, expectation, select, Outcome};
use super::lab::{Check, Lang, Step, Via};
use super::reach::{forward_answer, http_get};
use super::run::Tour;
use super::step::{Status, StepReport};

/// The placeholder's name before its port: `{nodePortUrl:30080}`.
pub(crate) const NODE_PORT_URL: &str = "nodePortUrl:";

/// The node ports `text` names as `{nodePortUrl:PORT}` (with the placeholder's text); a
/// malformed port is left out here and refused when the lab is read.
pub(crate) fn node_ports(text: &str) -> Vec<(String, u16)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&format!("{{{NODE_PORT_URL}")) {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if let Some(port) = name
            .strip_prefix(NODE_PORT_URL)
            .and_then(|p| p.parse::<u16>().ok())
            .filter(|p| *p > 0)
        {
            out.push((name.to_string(), port));
        }
        rest = &after[end..];
    }
    out
}

/// The names every language's text of `step` gives node ports, each once.
fn step_node_ports(step: &Step) -> Vec<(String, u16)> {
    let mut all: Vec<(String, u16)> = step.text.0.values().flat_map(|t| node_ports(t)).collect();
    all.sort();
    all.dedup();
    all
}

impl Tour<'_> {
    /// `{nodePortUrl:PORT}` of the step's text, each with its URL; for the first port this
    /// machine cannot reach, the step's report: set aside, with how to publish the port.
    pub(super) fn node_port_urls(
        &self,
        step: &Step,
        started: Instant,
    ) -> Result<Vec<(String, String)>, Box<StepReport>> {
        let reach = self.access.reach();
        step_node_ports(step)
            .into_iter()
            .map(|(key, port)| match reach.node_port_url(port) {
                Some(url) => Ok((key, url)),
                None => {
                    let mut r = self.report(step, Status::NotApplicable, started);
                    let note = self
                        .m()
                        .no_node_port_url
                        .replace("{port}", &port.to_string());
                    r.note = Some(note);
                    Err(Box::new(r))
                }
            })
            .collect()
    }

    /// An `httpGet` check, fetched now: HTTP 200 holds.
    pub(super) async fn http_check(
        &self,
        c: &Check,
        path: &str,
        via: Via,
        list: &Result<Value, String>,
    ) -> Outcome {
        let expected = expectation(&c.expect, &describe_in(c, self.lang), self.lang);
        let got = match list {
            Err(e) => Err(self.m().kubectl_failed.replace("{error}", e)),
            Ok(list) => match select(c, list).first() {
                None => Err(self.words("the Service is not there", "서비스가 없습니다")),
                Some(svc) => self.fetch(c, svc, path, via).await,
            },
        };
        let (ok, found) = match got {
            Ok((code, body)) => {
                // What a server answered is shown, never obeyed: no control characters.
                let first: String = body
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect();
                (
                    code == 200,
                    format!("HTTP {code}: {}", crate::text::quoted(&first)),
                )
            }
            Err(e) => (false, e),
        };
        Outcome {
            ok,
            expected,
            found,
        }
    }

    fn words(&self, en: &str, ko: &str) -> String {
        match self.lang {
            Lang::Ko => ko.to_string(),
            Lang::En => en.to_string(),
        }
    }

    /// One GET of the Service `svc`: at its first nodePort from here, or through
    /// `kubectl port-forward service/NAME` to its first port.
    async fn fetch(
        &self,
        c: &Check,
        svc: &Value,
        path: &str,
        via: Via,
    ) -> Result<(u16, String), String> {
        let field = match via {
            Via::NodePort => "nodePort",
            Via::PortForward => "port",
        };
        let port = svc["spec"]["ports"][0][field]
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .ok_or_else(|| {
                self.words(
                    &format!("the Service has no spec.ports[0].{field}"),
                    &format!("서비스에 spec.ports[0].{field} 값이 없습니다"),
                )
            })?;
        match via {
            Via::NodePort => {
                let url = self.access.reach().node_port_url(port).ok_or_else(|| {
                    self.m()
                        .no_node_port_url
                        .replace("{port}", &port.to_string())
                })?;
                http_get(&format!("{url}{path}")).await
            }
            Via::PortForward => {
                let name = svc["metadata"]["name"].as_str().unwrap_or_default();
                let ns = svc["metadata"]["namespace"]
                    .as_str()
                    .or(c.namespace.as_deref())
                    .unwrap_or("default");
                let target = format!("service/{name}");
                let out = self
                    .access
                    .forward_get(ns, &target, port, path)
                    .await
                    .map_err(|e| e.to_string())?;
                forward_answer(out.exit_code, &out.combined())
            }
        }
    }
}
