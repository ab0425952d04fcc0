//! `bundle serve` under a hostile room (issue 21, M3), in process on loopback: two hundred
//! idle connections (sixteen per client address, what the per-client cap lets one laptop hold)
//! do not stop a fetch from another address finishing; connections over the per-client cap are
//! closed at once; a client that never finishes its headers is cut off at the header timeout.
//! Linux routes all of 127.0.0.0/8 to loopback, so each address stands for one laptop.
#![cfg(target_os = "linux")]

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use minik::api::bundle::format::PartKind;
use minik::api::bundle::{self, fetch, Bundle, Pin, ServeLimits, Trust};
use minik::events::Events;

use crate::bundle_hostile::{digest_of, forge, image_archive};

/// Serve a bundle of about `size` bytes on a free loopback port; its address and pin.
async fn serve(dir: &std::path::Path, size: usize, limits: ServeLimits) -> (SocketAddr, Trust) {
    let mut archive = image_archive(&["a:1"]);
    archive.resize(archive.len() + size, 0);
    let bytes = forge(
        &[("images/01-node.tar", PartKind::NodeImage, archive, &["a:1"])],
        |_| {},
    );
    let pin = Pin::parse(&digest_of(&bytes).hex()).unwrap();
    let file = dir.join("room.minik");
    std::fs::write(&file, &bytes).unwrap();
    let bundle = Bundle::open(&file).await.unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let at = "127.0.0.1:0".parse().unwrap();
        bundle::serve(bundle, at, limits, &Events::silent(), |bound| {
            let _ = tx.send(bound);
        })
        .await
    });
    (rx.await.unwrap(), Trust::Pin(pin))
}

/// A connection from `from` that sends half a request and then nothing.
async fn idle(from: Ipv4Addr, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind((from, 0).into()).unwrap();
    let mut s = socket.connect(to).await.unwrap();
    s.write_all(b"GET /bundle.minik HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    s
}

/// Whether the server closed `s` within `wait`.
async fn closed_within(s: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 64];
    matches!(
        tokio::time::timeout(wait, s.read(&mut buf)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_idle_connections_do_not_stop_a_fetch() {
    let dir = tempfile::tempdir().unwrap();
    let (at, trust) = serve(dir.path(), 4 << 20, ServeLimits::default()).await;
    let mut held = Vec::new();
    for i in 0..200u32 {
        let from = Ipv4Addr::new(127, 0, 1, 1 + (i / 16) as u8);
        held.push(idle(from, at).await);
    }
    let started = Instant::now();
    let url = fetch::bundle_url(&at.to_string()).unwrap();
    let out = dir.path().join("got.minik");
    let limits = fetch::Limits {
        deadline: Duration::from_secs(8),
        ..Default::default()
    };
    fetch::download(&url, &out, trust, &limits, &Events::silent())
        .await
        .unwrap();
    // Well before the idle ones' header timeout (10 s) could have freed anything.
    assert!(started.elapsed() < Duration::from_secs(8));
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(dir.path().join("room.minik")).unwrap()
    );
    // The idle connections are all still open (they were served, not refused).
    let mut open = 0;
    for s in held.iter_mut().take(16) {
        open += usize::from(!closed_within(s, Duration::from_millis(20)).await);
    }
    assert_eq!(open, 16);
}

#[tokio::test]
async fn one_client_cannot_hold_more_than_its_share_nor_idle_forever() {
    let dir = tempfile::tempdir().unwrap();
    let limits = ServeLimits {
        header_timeout: Duration::from_secs(1),
        ..ServeLimits::default()
    };
    let (at, _) = serve(dir.path(), 1000, limits).await;
    let me = Ipv4Addr::new(127, 0, 2, 1);
    let mut conns = Vec::new();
    for _ in 0..30 {
        conns.push(idle(me, at).await);
    }
    // Over the cap of 16: closed at once.
    let mut closed = 0;
    for s in conns.iter_mut().skip(16) {
        closed += usize::from(closed_within(s, Duration::from_millis(500)).await);
    }
    assert_eq!(closed, 14);
    // The sixteen within the cap are cut off at the header timeout, not kept forever.
    let started = Instant::now();
    for s in conns.iter_mut().take(16) {
        assert!(closed_within(s, Duration::from_secs(3)).await);
    }
    assert!(started.elapsed() < Duration::from_secs(3));
    // A connection that sends nothing at all is cut off too.
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind((me, 0).into()).unwrap();
    let mut silent = socket.connect(at).await.unwrap();
    assert!(closed_within(&mut silent, Duration::from_secs(3)).await);
}
