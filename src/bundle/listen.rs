//! `bundle serve`'s connections, bounded for a hostile room: hyper closes a connection that
//! does not finish a request's headers in time (also between requests, so idle connections go
//! too) and buffers little per connection; a semaphore caps connections in total and a count
//! per client address caps what one laptop may hold, so a few hundred idle or slow connections
//! cannot use up the organiser's file descriptors (256 on macOS) and lock the room out.
//! Connections over a cap are closed at once, before a byte is read.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// How much of the organiser's laptop the room may hold.
#[derive(Debug, Clone)]
pub struct ServeLimits {
    /// A request's headers (or the next request on an idle connection) must arrive within this.
    pub header_timeout: Duration,
    /// Connections one client address may hold at once.
    pub per_client: usize,
    /// Connections in total.
    pub total: usize,
}

impl Default for ServeLimits {
    fn default() -> ServeLimits {
        ServeLimits {
            header_timeout: Duration::from_secs(10),
            per_client: 16,
            total: 1024,
        }
    }
}

impl ServeLimits {
    /// These limits with the total lowered to what this process's descriptors allow (each
    /// connection holds a socket and, while downloading, the bundle file), after raising the
    /// soft limit as far as the hard one lets (macOS starts at 256).
    pub fn within_descriptors(mut self) -> ServeLimits {
        if let Some(soft) = raise_descriptor_limit() {
            let spare = soft.saturating_sub(64) / 2;
            self.total = self.total.min(spare.max(16) as usize);
        }
        self
    }
}

/// Raise the soft limit on open files toward the hard limit (at most 8192); the soft limit
/// after.
#[cfg(unix)]
fn raise_descriptor_limit() -> Option<u64> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let lim = getrlimit(Resource::Nofile);
    // None means unlimited
    let hard = lim.maximum.unwrap_or(u64::MAX);
    let soft = lim.current.unwrap_or(u64::MAX);
    let want = hard.min(8192);
    if soft >= want {
        return Some(soft);
    }
    let raised = Rlimit {
        current: Some(want),
        maximum: lim.maximum,
    };
    Some(if setrlimit(Resource::Nofile, raised).is_ok() {
        want
    } else {
        soft
    })
}

#[cfg(not(unix))]
fn raise_descriptor_limit() -> Option<u64> {
    None
}

/// Serve `app` on `listener` within `limits`, until the task is dropped.
pub(crate) async fn run(listener: TcpListener, app: Router, limits: ServeLimits) {
    let total = Arc::new(Semaphore::new(limits.total));
    let clients = Arc::new(Mutex::new(HashMap::<IpAddr, usize>::new()));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Out of descriptors or a connection reset before accept: wait, then go on.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = total.clone().try_acquire_owned() else {
            continue;
        };
        let Some(slot) = ClientSlot::take(&clients, peer.ip(), limits.per_client) else {
            continue;
        };
        let app = app.clone();
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut req| {
                req.extensions_mut().insert(ConnectInfo(peer));
                tower_service::Service::call(&mut app.clone(), req)
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .max_buf_size(64 << 10)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            drop((permit, slot));
        });
    }
}

/// One connection counted against its client address, released when dropped.
struct ClientSlot {
    clients: Arc<Mutex<HashMap<IpAddr, usize>>>,
    ip: IpAddr,
}

impl ClientSlot {
    fn take(
        clients: &Arc<Mutex<HashMap<IpAddr, usize>>>,
        ip: IpAddr,
        max: usize,
    ) -> Option<ClientSlot> {
        let mut map = clients.lock().ok()?;
        let n = map.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(ClientSlot {
            clients: clients.clone(),
            ip,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        if let Ok(mut map) = self.clients.lock() {
            if let Some(n) = map.get_mut(&self.ip) {
                *n -= 1;
                if *n == 0 {
                    map.remove(&self.ip);
                }
            }
        }
    }
}
