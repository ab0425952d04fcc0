//! One byte stream read once and fed to many consumers at the pace of the slowest: each
//! consumer has a bounded channel, and the reader waits for room in every live channel before
//! reading on (back-pressure, so memory stays at `capacity` chunks per consumer). A consumer
//! that stops reading (its command failed) is dropped and the others carry on.

use std::future::Future;
use std::io;

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::provider::ByteStream;

/// Chunks buffered per consumer: with [`BATCH_BYTES`] chunks, at most 8 MiB per node, enough for
/// nodes to drift apart a little (one unpacking while another still reads) without unbounded
/// memory.
pub const CHANNEL_CAPACITY: usize = 32;

/// Small engine chunks are gathered into pieces of at least this size before being sent, so each
/// node's exec gets fewer, larger writes (less work for the engine relaying them).
pub const BATCH_BYTES: usize = 256 << 10;

/// Split `source` into `n` streams of chunks of at least `batch` bytes (except the last). The
/// returned future does the reading and must be polled alongside the consumers; it resolves to
/// the bytes read, or to the source's error. On a source error every stream simply ends, so a
/// consumer such as `ctr import` sees a truncated archive and fails instead of waiting for more
/// input.
pub fn fan_out(
    mut source: ByteStream,
    n: usize,
    capacity: usize,
    batch: usize,
    on_progress: impl Fn(u64),
) -> (Vec<ByteStream>, impl Future<Output = io::Result<u64>>) {
    let mut senders = Vec::with_capacity(n);
    let mut streams = Vec::with_capacity(n);
    for _ in 0..n {
        let (tx, rx) = mpsc::channel::<Bytes>(capacity.max(1));
        senders.push(Some(tx));
        let stream = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|chunk| (Ok::<_, io::Error>(chunk), rx))
        });
        streams.push(Box::pin(stream) as ByteStream);
    }
    let pump = async move {
        let mut read = 0u64;
        while senders.iter().any(Option::is_some) {
            let Some(chunk) = next_batch(&mut source, batch).await? else {
                break;
            };
            read += chunk.len() as u64;
            for slot in senders.iter_mut() {
                if let Some(tx) = slot {
                    // An error means the consumer dropped its stream: stop feeding it.
                    if tx.send(chunk.clone()).await.is_err() {
                        *slot = None;
                    }
                }
            }
            on_progress(read);
        }
        Ok(read)
    };
    (streams, pump)
}

/// The next chunk of at least `batch` bytes (fewer only at the end); `None` at the end.
async fn next_batch(source: &mut ByteStream, batch: usize) -> io::Result<Option<Bytes>> {
    let Some(first) = source.next().await.transpose()? else {
        return Ok(None);
    };
    if first.len() >= batch {
        return Ok(Some(first));
    }
    let mut buf = bytes::BytesMut::with_capacity(batch.max(first.len()));
    buf.extend_from_slice(&first);
    while buf.len() < batch {
        match source.next().await.transpose()? {
            Some(more) => buf.extend_from_slice(&more),
            None => break,
        }
    }
    Ok(Some(buf.freeze()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    fn counted_source(chunks: usize, pulled: Arc<AtomicUsize>) -> ByteStream {
        Box::pin(futures_util::stream::iter(0..chunks).map(move |i| {
            pulled.fetch_add(1, Ordering::SeqCst);
            Ok(Bytes::from(vec![i as u8; 10]))
        }))
    }

    async fn drain(mut s: ByteStream) -> io::Result<Vec<u8>> {
        let mut all = Vec::new();
        while let Some(c) = s.next().await {
            all.extend_from_slice(&c?);
        }
        Ok(all)
    }

    #[tokio::test]
    async fn every_consumer_gets_every_byte_in_order() {
        let pulled = Arc::new(AtomicUsize::new(0));
        let progress = Arc::new(AtomicUsize::new(0));
        let p = progress.clone();
        let (streams, pump) = fan_out(counted_source(100, pulled.clone()), 3, 2, 1, move |d| {
            p.store(d as usize, Ordering::SeqCst)
        });
        let consumers = futures_util::future::join_all(streams.into_iter().map(drain));
        let (read, got) = tokio::join!(pump, consumers);
        assert_eq!(read.unwrap(), 1000);
        assert_eq!(pulled.load(Ordering::SeqCst), 100);
        assert_eq!(progress.load(Ordering::SeqCst), 1000);
        let expected: Vec<u8> = (0..100u8).flat_map(|i| vec![i; 10]).collect();
        for g in got {
            assert_eq!(g.unwrap(), expected);
        }
    }

    #[tokio::test]
    async fn a_slow_consumer_holds_the_reader_back() {
        let pulled = Arc::new(AtomicUsize::new(0));
        let (mut streams, pump) = fan_out(counted_source(100, pulled.clone()), 2, 2, 1, |_| {});
        let slow = streams.pop().unwrap();
        let fast = streams.pop().unwrap();
        let (release_tx, release_rx) = tokio::sync::oneshot::channel::<()>();
        let observed = Arc::new(AtomicUsize::new(usize::MAX));
        let seen = observed.clone();
        let pulled2 = pulled.clone();
        let slow_consumer = async move {
            // Let the pump and the fast consumer run as far as they can.
            for _ in 0..50 {
                tokio::task::yield_now().await;
            }
            seen.store(pulled2.load(Ordering::SeqCst), Ordering::SeqCst);
            let _ = release_tx.send(());
            drain(slow).await
        };
        let fast_consumer = async move {
            let r = drain(fast).await;
            let _ = release_rx.await;
            r
        };
        let (read, slow_got, fast_got) = tokio::join!(pump, slow_consumer, fast_consumer);
        // Capacity 2: the reader can be at most the buffered chunks plus the one in hand ahead.
        let ahead = observed.load(Ordering::SeqCst);
        assert!(
            ahead <= 2 + 1,
            "reader ran {ahead} chunks ahead of a stalled consumer"
        );
        assert_eq!(read.unwrap(), 1000);
        assert_eq!(slow_got.unwrap().len(), 1000);
        assert_eq!(fast_got.unwrap().len(), 1000);
    }

    #[tokio::test]
    async fn one_failing_consumer_does_not_stop_the_others() {
        let pulled = Arc::new(AtomicUsize::new(0));
        let (streams, pump) = fan_out(counted_source(50, pulled), 3, 1, 1, |_| {});
        let consumers = futures_util::future::join_all(streams.into_iter().enumerate().map(
            |(i, mut s)| async move {
                if i == 1 {
                    // Reads one chunk, then fails and drops its input, like a command that dies.
                    let _ = s.next().await;
                    return Err(io::Error::other("node 1 failed"));
                }
                drain(s).await
            },
        ));
        let (read, got) = tokio::join!(pump, consumers);
        assert_eq!(read.unwrap(), 500);
        assert_eq!(got[0].as_ref().unwrap().len(), 500);
        assert_eq!(got[1].as_ref().unwrap_err().to_string(), "node 1 failed");
        assert_eq!(got[2].as_ref().unwrap().len(), 500);
    }

    #[tokio::test]
    async fn when_every_consumer_is_gone_the_reader_stops() {
        let pulled = Arc::new(AtomicUsize::new(0));
        let (streams, pump) = fan_out(counted_source(1000, pulled.clone()), 2, 1, 1, |_| {});
        drop(streams);
        assert_eq!(pump.await.unwrap(), 10);
        assert_eq!(pulled.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_source_error_ends_every_stream_and_is_reported() {
        let source: ByteStream = Box::pin(futures_util::stream::iter(vec![
            Ok(Bytes::from_static(b"abc")),
            Err(io::Error::other("docker save broke")),
            Ok(Bytes::from_static(b"never")),
        ]));
        let (streams, pump) = fan_out(source, 2, 4, 1, |_| {});
        let consumers = futures_util::future::join_all(streams.into_iter().map(drain));
        let (read, got) = tokio::join!(pump, consumers);
        assert_eq!(read.unwrap_err().to_string(), "docker save broke");
        for g in got {
            assert_eq!(g.unwrap(), b"abc");
        }
    }

    #[tokio::test]
    async fn small_chunks_are_gathered_into_batches() {
        let pulled = Arc::new(AtomicUsize::new(0));
        // 25 chunks of 10 bytes, batches of at least 64: 70, 70, 70, then the 40 left.
        let (mut streams, pump) = fan_out(counted_source(25, pulled), 1, 8, 64, |_| {});
        let mut s = streams.pop().unwrap();
        let consumer = async move {
            let mut sizes = Vec::new();
            while let Some(c) = s.next().await {
                sizes.push(c.unwrap().len());
            }
            sizes
        };
        let (read, sizes) = tokio::join!(pump, consumer);
        assert_eq!(read.unwrap(), 250);
        assert_eq!(sizes, vec![70, 70, 70, 40]);
    }

    #[tokio::test]
    async fn files_stream_in_chunks() {
        let data: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
        let s = crate::archive::reader_stream(std::io::Cursor::new(data.clone()), 4096);
        assert_eq!(drain(s).await.unwrap(), data);
    }
}
