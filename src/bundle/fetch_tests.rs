//! Tests of `bundle fetch` against hostile servers on loopback: a dropped connection resumed,
//! an endless body, another bundle than the pinned one, planted partial files and links, a
//! dripping server.

use super::fetch::*;

use super::BundleError;
use crate::bundle::digest::{BundleDigest, Pin, Trust};
use crate::bundle::read::HEAD;
use crate::bundle::test_bundle;
use crate::events::Events;
use axum::body::Body;
use axum::http::HeaderMap;
use axum::routing::get;
use bytes::Bytes;
use hyper::{header, Uri};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[test]
fn urls_get_the_bundle_path() {
    let u = |s: &str| bundle_url(s).map(|u| u.to_string());
    assert_eq!(
        u("http://10.0.0.5:8370").unwrap(),
        "http://10.0.0.5:8370/bundle.minik"
    );
    assert_eq!(
        u("10.0.0.5:8370/").unwrap(),
        "http://10.0.0.5:8370/bundle.minik"
    );
    assert_eq!(u("http://h/x.minik").unwrap(), "http://h/x.minik");
    assert!(u("https://h").unwrap_err().contains("only http://"));
    assert_eq!(
        partial_path(Path::new("a/b.minik")),
        std::path::PathBuf::from("a/.b.minik.fetch/b.minik.partial")
    );
}

fn pin_of(bundle: &[u8]) -> Trust {
    let digest = BundleDigest::of_slot(&bundle[512..HEAD as usize]);
    Trust::Pin(Pin::parse(&digest.hex()).unwrap())
}

/// Serve `app` on a free loopback port; the bundle URL.
async fn serve(app: axum::Router) -> Uri {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    bundle_url(&format!("127.0.0.1:{port}")).unwrap()
}

fn quick() -> Limits {
    Limits {
        deadline: Duration::from_secs(5),
        stall: Duration::from_secs(2),
        min_bytes: 1000,
        window: Duration::from_millis(500),
    }
}

/// A server that drops the first download halfway (an error in its body), then answers
/// range requests with ServeFile: the download must resume and end byte-identical.
#[tokio::test]
async fn a_dropped_connection_is_resumed_with_a_range_request() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("served.minik");
    let data = test_bundle::small(3_000_000, 1);
    std::fs::write(&source, &data).unwrap();
    let ranges = Arc::new(AtomicUsize::new(0));
    let (data2, file, seen) = (data.clone(), source.clone(), ranges.clone());
    let app = axum::Router::new().route(
        "/bundle.minik",
        get(move |headers: HeaderMap, req: axum::extract::Request| {
            let (data, file, seen) = (data2.clone(), file.clone(), seen.clone());
            async move {
                use tower::ServiceExt;
                if headers.contains_key(header::RANGE) {
                    seen.fetch_add(1, Ordering::SeqCst);
                    let served = tower_http::services::ServeFile::new(file)
                        .oneshot(req)
                        .await;
                    return axum::response::IntoResponse::into_response(served.unwrap());
                }
                let half = Bytes::from(data[..data.len() / 2].to_vec());
                let body = futures_util::stream::iter([
                    Ok(half),
                    Err(std::io::Error::other("cable pulled")),
                ]);
                axum::response::Response::builder()
                    .header(header::CONTENT_LENGTH, data.len())
                    .body(Body::from_stream(body))
                    .unwrap()
            }
        }),
    );
    let url = serve(app).await;
    let out = dir.path().join("got.minik");
    let total = download(&url, &out, pin_of(&data), &quick(), &Events::silent())
        .await
        .unwrap();
    assert_eq!(total, data.len() as u64);
    assert!(std::fs::read(&out).unwrap() == data, "resumed file differs");
    assert_eq!(ranges.load(Ordering::SeqCst), 1);
    assert!(!partial_path(&out).exists());
    assert!(!partial_path(&out).parent().unwrap().exists());
}

/// A body that never ends: `body` first, then zeros forever.
fn endless(body: Vec<u8>) -> axum::Router {
    axum::Router::new().route(
        "/bundle.minik",
        get(move || {
            let first = Bytes::from(body.clone());
            async move {
                let rest = futures_util::stream::repeat_with(|| {
                    Ok::<_, std::io::Error>(Bytes::from(vec![0u8; 1 << 16]))
                });
                let all =
                    futures_util::StreamExt::chain(futures_util::stream::iter([Ok(first)]), rest);
                Body::from_stream(all)
            }
        }),
    )
}

/// An endless body stops at the manifest's size (a valid head) or at the head (anything
/// else): the fetch is refused at once and nothing is kept. (Today's main wrote 1.5 GB in
/// 8 s and kept it.)
#[tokio::test]
async fn an_endless_body_is_cut_at_the_manifests_size() {
    let dir = tempfile::tempdir().unwrap();
    let data = test_bundle::small(100_000, 2);
    let url = serve(endless(data[..data.len() - 1024].to_vec())).await;
    let out = dir.path().join("got.minik");
    let started = Instant::now();
    let err = download(&url, &out, pin_of(&data), &quick(), &Events::silent())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("more than the bundle's"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(!out.exists() && !partial_path(&out).exists());

    let url = serve(endless(b"not a bundle at all".to_vec())).await;
    let err = download(&url, &out, Trust::Unpinned, &quick(), &Events::silent())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a bundle"), "{err}");
    assert!(!partial_path(&out).exists());
}

fn served(data: Vec<u8>) -> axum::Router {
    axum::Router::new().route(
        "/bundle.minik",
        get(move || {
            let data = data.clone();
            async move { data }
        }),
    )
}

/// Another bundle than the pinned one is refused once its head arrives, and not kept.
#[tokio::test]
async fn a_bundle_with_another_digest_is_refused_at_its_head() {
    let dir = tempfile::tempdir().unwrap();
    let forged = test_bundle::small(50_000, 3);
    let pinned = test_bundle::small(50_000, 4);
    let url = serve(served(forged)).await;
    let out = dir.path().join("got.minik");
    let err = download(&url, &out, pin_of(&pinned), &quick(), &Events::silent())
        .await
        .unwrap_err();
    assert!(matches!(err, BundleError::WrongDigest { .. }), "{err}");
    assert!(!out.exists() && !partial_path(&out).exists());
}

/// A link planted where the partial file goes is never written through, and a planted
/// file of the right length is not taken for the pinned bundle.
#[cfg(unix)]
#[tokio::test]
async fn planted_partial_files_are_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let data = test_bundle::small(50_000, 5);
    let url = serve(served(data.clone())).await;
    let out = dir.path().join("got.minik");
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    // Today's main wrote through `got.minik.partial`; a link there is now simply unused.
    std::os::unix::fs::symlink(&victim, dir.path().join("got.minik.partial")).unwrap();
    let private = partial_path(&out).parent().unwrap().to_path_buf();
    std::fs::create_dir(&private).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::symlink(&victim, partial_path(&out)).unwrap();
    let err = download(&url, &out, pin_of(&data), &quick(), &Events::silent())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is a link"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");

    // A folder others can write to is not private.
    std::fs::remove_file(partial_path(&out)).unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o777)).unwrap();
    let err = download(&url, &out, pin_of(&data), &quick(), &Events::silent())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a private folder"), "{err}");

    // A planted file as long as the bundle (another bundle): downloaded again, not kept.
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
    let evil = test_bundle::small(50_000, 6);
    assert_eq!(evil.len(), data.len());
    std::fs::write(partial_path(&out), &evil).unwrap();
    download(&url, &out, pin_of(&data), &quick(), &Events::silent())
        .await
        .unwrap();
    assert!(
        std::fs::read(&out).unwrap() == data,
        "the planted file was kept"
    );
}

/// A server dripping a byte at a time cannot hold a fetch past its deadline.
#[tokio::test]
async fn a_dripping_server_meets_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let app = axum::Router::new().route(
        "/bundle.minik",
        get(|| async {
            let drip = futures_util::stream::unfold((), |()| async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Some((Ok::<_, std::io::Error>(Bytes::from_static(b"x")), ()))
            });
            Body::from_stream(drip)
        }),
    );
    let url = serve(app).await;
    let out = dir.path().join("got.minik");
    let limits = Limits {
        deadline: Duration::from_secs(3),
        ..quick()
    };
    let started = Instant::now();
    let err = download(&url, &out, Trust::Unpinned, &limits, &Events::silent())
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "{err}");
    assert!(
        err.to_string().contains("fewer than") || err.to_string().contains("--timeout"),
        "{err}"
    );
}

/// A server announcing another length than the pinned bundle's manifest is refused, not
/// followed (here: a resumed download whose range answer claims a far bigger file).
#[cfg(unix)]
#[tokio::test]
async fn a_length_that_disagrees_with_the_manifest_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = test_bundle::small(50_000, 7);
    let app = axum::Router::new().route(
        "/bundle.minik",
        get(|| async {
            axum::response::Response::builder()
                .status(206)
                .header(
                    header::CONTENT_RANGE,
                    format!("bytes {HEAD}-{}/999999999", HEAD + 9),
                )
                .body(Body::from(vec![0u8; 10]))
                .unwrap()
        }),
    );
    let url = serve(app).await;
    let out = dir.path().join("got.minik");
    // What an earlier run left: the bundle's head, checked against the pin on resume.
    let private = partial_path(&out).parent().unwrap().to_path_buf();
    std::fs::create_dir(&private).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::write(partial_path(&out), &data[..HEAD as usize]).unwrap();
    let err = download(&url, &out, pin_of(&data), &quick(), &Events::silent())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("announced 999999999 bytes"),
        "{err}"
    );
    assert!(!partial_path(&out).exists());
}

/// A bundle with a node image for amd64 and one for arm64 (1 MB each) and a config.
fn two_platforms() -> (Vec<u8>, crate::bundle::Manifest) {
    use crate::bundle::PartKind;
    let image = |seed: u8| (0..1_000_000u32).map(|i| (i % 251) as u8 ^ seed).collect();
    test_bundle::with_platforms(
        &[
            (
                "images/01-node-amd64.tar",
                PartKind::NodeImage,
                image(1),
                vec!["n:1".into()],
            ),
            (
                "images/02-node-arm64.tar",
                PartKind::NodeImage,
                image(2),
                vec!["n:1-arm64".into()],
            ),
            (
                "config.yaml",
                PartKind::Config,
                b"kind: Cluster\n".to_vec(),
                vec![],
            ),
        ],
        &[
            (Some("linux/amd64"), None),
            (Some("linux/arm64"), Some("n:1")),
            (None, None),
        ],
    )
}

/// Bytes a server sent, counted around ServeFile (which answers ranges like `bundle serve`).
fn counting_server(file: std::path::PathBuf, sent: Arc<AtomicUsize>) -> axum::Router {
    axum::Router::new().route(
        "/bundle.minik",
        get(move |req: axum::extract::Request| {
            let (file, sent) = (file.clone(), sent.clone());
            async move {
                use tower::ServiceExt;
                let resp = tower_http::services::ServeFile::new(file)
                    .oneshot(req)
                    .await
                    .unwrap();
                let len = resp
                    .headers()
                    .get(header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
                    .unwrap_or(0);
                sent.fetch_add(len, Ordering::SeqCst);
                axum::response::IntoResponse::into_response(resp)
            }
        }),
    )
}

#[tokio::test]
async fn a_fetch_for_one_platform_downloads_only_its_parts() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = two_platforms();
    let source = dir.path().join("served.minik");
    std::fs::write(&source, &data).unwrap();
    let sent = Arc::new(AtomicUsize::new(0));
    let url = serve(counting_server(source, sent.clone())).await;
    let out = dir.path().join("got.minik");
    let events = Events::silent();
    let total = download_for(
        &url,
        &out,
        pin_of(&data),
        Some("linux/amd64"),
        &quick(),
        &events,
    )
    .await
    .unwrap();
    assert_eq!(total as usize, data.len());
    let sent = sent.load(Ordering::SeqCst);
    assert!(
        sent < data.len() * 6 / 10,
        "sent {sent} of {} bytes: the arm64 part came too",
        data.len()
    );
    // Same layout and digest; the amd64 part and the config check out, the arm64 one is zeros.
    let bundle = crate::bundle::Bundle::open(&out).await.unwrap();
    assert_eq!(
        bundle.digest,
        BundleDigest::of_slot(&data[512..HEAD as usize])
    );
    let amd = bundle.data_offset(0) as usize;
    let got = std::fs::read(&out).unwrap();
    assert_eq!(got[amd..amd + 1_000_000], data[amd..amd + 1_000_000]);
    assert_eq!(bundle.read_part(2).await.unwrap(), b"kind: Cluster\n");
    let arm = bundle.data_offset(1) as usize;
    assert!(got[arm..arm + 1_000_000].iter().all(|b| *b == 0));
}

#[tokio::test]
async fn a_bundle_with_no_part_for_the_engine_is_refused_after_its_head() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = two_platforms();
    let source = dir.path().join("served.minik");
    std::fs::write(&source, &data).unwrap();
    let sent = Arc::new(AtomicUsize::new(0));
    let url = serve(counting_server(source, sent.clone())).await;
    let out = dir.path().join("got.minik");
    let err = download_for(
        &url,
        &out,
        pin_of(&data),
        Some("linux/riscv64"),
        &quick(),
        &Events::silent(),
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("linux/riscv64") && text.contains("linux/amd64 and linux/arm64"),
        "{text}"
    );
    assert_eq!(
        sent.load(Ordering::SeqCst),
        HEAD as usize,
        "only the head moved"
    );
    assert!(!out.exists());
}
