//! The watches: one kube-rs watcher per kind (nodes, pods, services, ReplicaSets), each
//! reconnecting with kube-rs's default backoff, feeding the state model; and the publisher,
//! which turns the state into one JSON snapshot at most every [`COALESCE`] for every open page.

use std::fmt::Debug;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::StreamExt;
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::{Event, Node, Pod, Service};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::{watcher, WatchStreamExt};
use kube::{Api, Client, Config, Resource};
use serde::de::DeserializeOwned;
use tokio::sync::{watch as channel, Notify};
use tokio::task::JoinHandle;

use super::state::{Ev, ReplicaSetView, State};
use super::view::{node_view, pod_view, service_view};
use super::warning::event_view;
use super::LiveError;
use crate::cluster::{self, Cluster, ClusterError};
use crate::provider::Provider;
use crate::tour::Lang;

/// Changes that arrive together (a Deployment scaled to 500) reach the page as one snapshot.
const COALESCE: Duration = Duration::from_millis(50);
/// Only Warning events are watched (the API server's field selector on `type`, which
/// core/v1 Events support: pkg/registry/core/event/strategy.go ToSelectableFields).
const WARNINGS: &str = "type=Warning";
/// A failure's text on the page is cut here: an API server's error can be long.
const REASON_LIMIT: usize = 200;

/// A cluster to watch: its API client and the names of its containers.
pub(crate) struct Target {
    pub(crate) cluster: String,
    pub(crate) client: Client,
    pub(crate) containers: Vec<String>,
}

/// The cluster's API, reached with minik's own kubeconfig entry for it (context
/// `minik-CLUSTER`, the one `create` writes), built in memory from the control plane's
/// admin.conf under the same allow-list: no file on this machine is read or written.
pub(crate) async fn connect(provider: &dyn Provider, name: &str) -> Result<Target, LiveError> {
    let found = match Cluster::read(provider, name).await {
        Err(ClusterError::NotFound(_)) => return Err(LiveError::NoCluster(name.to_string())),
        other => other?,
    };
    let containers = found.nodes.iter().map(|n| n.name.clone()).collect();
    let text = cluster::kubeconfig::get(provider, name, false).await?;
    let client_error = |reason: String| LiveError::Client {
        cluster: name.to_string(),
        reason,
    };
    let kubeconfig = Kubeconfig::from_yaml(&text).map_err(|e| client_error(e.to_string()))?;
    let options = KubeConfigOptions {
        context: Some(crate::kubeconfig::minik_context_name(name)),
        ..KubeConfigOptions::default()
    };
    let config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| client_error(e.to_string()))?;
    let client = Client::try_from(config).map_err(|e| client_error(e.to_string()))?;
    Ok(Target {
        cluster: name.to_string(),
        client,
        containers,
    })
}

/// The watches and the publisher, running until this is dropped.
pub(crate) struct Live {
    snapshots: channel::Receiver<Arc<str>>,
    tasks: Vec<JoinHandle<()>>,
    details: Arc<super::detail::Details>,
}

impl Drop for Live {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic while holding it cannot leave a half-applied event worse than a lost one.
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Live {
    pub(crate) fn start(target: Target, lang: Lang, provider: Arc<dyn Provider>) -> Live {
        let details = Arc::new(super::detail::Details::new(
            target.client.clone(),
            provider,
            target.containers.clone(),
        ));
        let state = Arc::new(Mutex::new(State::new(
            &target.cluster,
            lang,
            target.containers,
        )));
        let changed = Arc::new(Notify::new());
        let first = serde_json::to_string(&lock(&state).snapshot()).unwrap_or_default();
        let (tx, snapshots) = channel::channel::<Arc<str>>(Arc::from(first));
        let client = target.client;
        let feed = Feed {
            state: state.clone(),
            changed: changed.clone(),
        };
        let tasks = vec![
            feed.spawn(Api::<Node>::all(client.clone()), node_view, State::node),
            feed.spawn(Api::<Pod>::all(client.clone()), pod_view, State::pod),
            feed.spawn(
                Api::<Service>::all(client.clone()),
                service_view,
                State::service,
            ),
            feed.spawn(
                Api::<ReplicaSet>::all(client.clone()),
                replicaset_view,
                State::replicaset,
            ),
            feed.spawn_with(
                Api::<Event>::all(client.clone()),
                watcher::Config::default().fields(WARNINGS),
                event_view,
                State::warning,
            ),
            tokio::spawn(publish(state, changed, tx)),
        ];
        Live {
            snapshots,
            tasks,
            details,
        }
    }

    /// A page's subscription: the current snapshot, then each new one. Dropping it (a closed
    /// tab) leaves nothing behind.
    pub(crate) fn subscribe(&self) -> channel::Receiver<Arc<str>> {
        self.snapshots.clone()
    }

    /// What a pod opens to (its containers and their logs), fetched when asked.
    pub(crate) fn details(&self) -> Arc<super::detail::Details> {
        self.details.clone()
    }
}

fn replicaset_view(rs: &ReplicaSet) -> ReplicaSetView {
    ReplicaSetView {
        namespace: rs.metadata.namespace.clone().unwrap_or_default(),
        name: rs.metadata.name.clone().unwrap_or_default(),
        replicas: rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
    }
}

#[derive(Clone)]
struct Feed {
    state: Arc<Mutex<State>>,
    changed: Arc<Notify>,
}

impl Feed {
    fn spawn<K, V>(
        &self,
        api: Api<K>,
        view: fn(&K) -> V,
        apply: fn(&mut State, Ev<V>),
    ) -> JoinHandle<()>
    where
        K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
        K::DynamicType: Default,
        V: Send + 'static,
    {
        self.spawn_with(api, watcher::Config::default(), view, apply)
    }

    fn spawn_with<K, V>(
        &self,
        api: Api<K>,
        config: watcher::Config,
        view: fn(&K) -> V,
        apply: fn(&mut State, Ev<V>),
    ) -> JoinHandle<()>
    where
        K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
        K::DynamicType: Default,
        V: Send + 'static,
    {
        let feed = self.clone();
        tokio::spawn(async move {
            let mut events = watcher(api, config).default_backoff().boxed();
            while let Some(item) = events.next().await {
                {
                    let mut state = lock(&feed.state);
                    match item {
                        Ok(ev) => {
                            state.api(None);
                            apply(&mut state, ev_of(ev, view));
                        }
                        Err(e) => state.api(Some(reason(&e))),
                    }
                }
                feed.changed.notify_one();
            }
        })
    }
}

fn ev_of<K, V>(ev: watcher::Event<K>, view: fn(&K) -> V) -> Ev<V> {
    match ev {
        watcher::Event::Init => Ev::Init,
        watcher::Event::InitApply(k) => Ev::InitApply(view(&k)),
        watcher::Event::InitDone => Ev::InitDone,
        watcher::Event::Apply(k) => Ev::Apply(view(&k)),
        watcher::Event::Delete(k) => Ev::Delete(view(&k)),
    }
}

fn reason(e: &watcher::Error) -> String {
    let mut text = e.to_string();
    if let Some((cut, _)) = text.char_indices().nth(REASON_LIMIT) {
        text.truncate(cut);
        text.push('…');
    }
    text
}

async fn publish(state: Arc<Mutex<State>>, changed: Arc<Notify>, tx: channel::Sender<Arc<str>>) {
    loop {
        changed.notified().await;
        tokio::time::sleep(COALESCE).await;
        let json = serde_json::to_string(&lock(&state).snapshot());
        if let Ok(json) = json {
            tx.send_replace(Arc::from(json));
        }
    }
}
