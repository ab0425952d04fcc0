//! Image parts are stored zstd-compressed (a node image shrinks to about a third, and a room's
//! Wi-Fi carries thirty of them), compressed as `docker save` streams them in and decompressed
//! as they stream out to `docker load`: no temporary copy either way. The raw streaming API is
//! driven chunk by chunk so it fits the async streams on both sides.

use std::io;

use zstd::stream::raw::{Decoder, Encoder, InBuffer, Operation, OutBuffer};

/// Output is produced in pieces this big.
const OUT: usize = 1 << 17;
/// zstd's level 3: its default, fast enough to keep up with `docker save`.
const LEVEL: i32 = 3;

pub(crate) struct Compressor(Encoder<'static>);

impl Compressor {
    pub(crate) fn new() -> io::Result<Compressor> {
        Ok(Compressor(Encoder::new(LEVEL)?))
    }

    /// Compress `input`, appending what is ready to `out`.
    pub(crate) fn push(&mut self, input: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
        let mut inb = InBuffer::around(input);
        let mut buf = vec![0u8; OUT];
        while inb.pos < input.len() {
            let mut outb = OutBuffer::around(&mut buf[..]);
            self.0.run(&mut inb, &mut outb)?;
            let n = outb.pos();
            out.extend_from_slice(&buf[..n]);
        }
        Ok(())
    }

    /// End the frame, appending the rest to `out`.
    pub(crate) fn finish(&mut self, out: &mut Vec<u8>) -> io::Result<()> {
        let mut buf = vec![0u8; OUT];
        loop {
            let mut outb = OutBuffer::around(&mut buf[..]);
            let left = self.0.finish(&mut outb, true)?;
            let n = outb.pos();
            out.extend_from_slice(&buf[..n]);
            if left == 0 {
                return Ok(());
            }
        }
    }
}

/// Decompresses one frame, refusing to produce more than the manifest's unpacked size (a
/// small forged part cannot flood the engine).
pub(crate) struct Decompressor {
    decoder: Decoder<'static>,
    limit: u64,
    produced: u64,
    /// The frame ended (zstd said so), so nothing may follow.
    ended: bool,
}

impl Decompressor {
    pub(crate) fn new(limit: u64) -> io::Result<Decompressor> {
        Ok(Decompressor {
            decoder: Decoder::new()?,
            limit,
            produced: 0,
            ended: false,
        })
    }

    /// Decompress `input`, appending the output to `out`.
    pub(crate) fn push(&mut self, input: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
        let mut inb = InBuffer::around(input);
        let mut buf = vec![0u8; OUT];
        loop {
            if self.ended && inb.pos < input.len() {
                return Err(io::Error::other("bytes follow the end of its zstd frame"));
            }
            let mut outb = OutBuffer::around(&mut buf[..]);
            let hint = self.decoder.run(&mut inb, &mut outb)?;
            let n = outb.pos();
            self.produced += n as u64;
            if self.produced > self.limit {
                return Err(io::Error::other(format!(
                    "it unpacks to more than the {} bytes its manifest says",
                    self.limit
                )));
            }
            out.extend_from_slice(&buf[..n]);
            self.ended |= hint == 0;
            if inb.pos == input.len() && n < OUT {
                return Ok(());
            }
        }
    }

    /// The frame must have ended, at exactly the unpacked size.
    pub(crate) fn finish(&self) -> io::Result<()> {
        if !self.ended || self.produced != self.limit {
            return Err(io::Error::other(format!(
                "it unpacks to {} bytes{}, its manifest says {}",
                self.produced,
                if self.ended { "" } else { " and is cut off" },
                self.limit
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack(data: &[u8], chunk: usize) -> Vec<u8> {
        let mut c = Compressor::new().unwrap();
        let mut out = Vec::new();
        for piece in data.chunks(chunk) {
            c.push(piece, &mut out).unwrap();
        }
        c.finish(&mut out).unwrap();
        out
    }

    #[test]
    fn any_chunking_round_trips_and_forgeries_are_refused() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 97) as u8).collect();
        let packed = pack(&data, 70_000);
        assert!(packed.len() < data.len() / 10, "{}", packed.len());
        for chunk in [1usize << 20, 4096, 77] {
            let mut d = Decompressor::new(data.len() as u64).unwrap();
            let mut out = Vec::new();
            for piece in packed.chunks(chunk) {
                d.push(piece, &mut out).unwrap();
            }
            d.finish().unwrap();
            assert_eq!(out, data);
        }
        // A manifest that understates the size: refused as soon as it is passed.
        let mut d = Decompressor::new(1000).unwrap();
        let e = d.push(&packed, &mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("more than the 1000"), "{e}");
        // Cut off: the frame never ends.
        let mut d = Decompressor::new(data.len() as u64).unwrap();
        d.push(&packed[..packed.len() / 2], &mut Vec::new())
            .unwrap();
        assert!(d.finish().unwrap_err().to_string().contains("cut off"));
        // Bytes after the frame.
        let mut d = Decompressor::new(data.len() as u64).unwrap();
        let mut twice = packed.clone();
        twice.extend_from_slice(&packed);
        assert!(d.push(&twice, &mut Vec::new()).is_err());
    }
}
