//! Byte streams: what the engine takes and gives for image archives, file copies and exec input.
//! A file, standard input or a socket becomes one with [`reader_stream`]. Below everyone, so the
//! bundle server, the node image build and image loads share one.

use std::io;
use std::pin::Pin;

use bytes::Bytes;
use futures_util::Stream;

/// Bytes arriving in chunks, any of which may be an I/O error.
pub type ByteStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// A file (or anything readable) as a [`ByteStream`] of `chunk`-sized pieces.
pub(crate) fn reader_stream<R>(reader: R, chunk: usize) -> ByteStream
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
{
    use tokio::io::AsyncReadExt;
    Box::pin(futures_util::stream::try_unfold(
        reader,
        move |mut r| async move {
            let mut buf = bytes::BytesMut::with_capacity(chunk);
            let n = r.read_buf(&mut buf).await?;
            Ok::<_, io::Error>((n > 0).then(|| (buf.freeze(), r)))
        },
    ))
}
