"""TEST DOUBLE support: SPDY/3.1 framing as kubectl port-forward and the kubelet speak it.

kubectl (client-go tools/portforward) and the kubelet (pkg/kubelet/cri/streaming/portforward)
multiplex port-forward streams with SPDY/3.1 through k8s.io/apimachinery/pkg/util/httpstream/spdy,
which uses github.com/moby/spdystream (its spdy/ package is Go's old net/spdy). What is mirrored
(draft-mbelshe-httpbis-spdy-00, "SPDY Protocol - Draft 3"):
- frames: an 8-byte header; a control frame has the high bit set, version 3 and a type
  (SYN_STREAM 1, SYN_REPLY 2, RST_STREAM 3, SETTINGS 4, PING 6, GOAWAY 7, HEADERS 8,
  WINDOW_UPDATE 9), then flags and a 24-bit length; a data frame has a 31-bit stream id, flags
  (FIN 1) and a 24-bit length;
- header blocks: a 32-bit count, then 32-bit-length-prefixed lower-case names and values
  (several values joined by NUL), compressed with zlib using the SPDY/3 dictionary (section
  2.6.10.1) as one stream per direction per connection, each block ending in a sync flush
  (spdy/types.go NewFramer: zlib.NewWriterLevelDict(..., BestCompression, headerDictionary)).
Not modelled: flow control (spdystream does not enforce windows either), priorities, and
server push.
"""
import struct
import zlib

VERSION = 3
SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = (
    1, 2, 3, 4, 6, 7, 8, 9)
FLAG_FIN = 0x01
RST_PROTOCOL_ERROR, RST_INVALID_STREAM, RST_REFUSED_STREAM = 1, 2, 3
RST_CANCEL, RST_INTERNAL_ERROR = 5, 6
MAX_FRAME = 1 << 20  # far above what kubectl sends (32 KiB data frames); refuse larger
MAX_HEADERS = 64 * 1024

# The SPDY/3 header dictionary (draft 3, section 2.6.10.1): length-prefixed words, then text.
_WORDS = (
    "options head post put delete trace accept accept-charset accept-encoding accept-language "
    "accept-ranges age allow authorization cache-control connection content-base "
    "content-encoding content-language content-length content-location content-md5 "
    "content-range content-type date etag expect expires from host if-match if-modified-since "
    "if-none-match if-range if-unmodified-since last-modified location max-forwards pragma "
    "proxy-authenticate proxy-authorization range referer retry-after server te trailer "
    "transfer-encoding upgrade user-agent vary via warning www-authenticate method get status "
    "200_OK version HTTP/1.1 url public set-cookie keep-alive origin").split()
_TAIL = (
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
    "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 "
    "Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 "
    "Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, "
    "Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,"
    "application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age="
    "gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.")
DICTIONARY = b"".join(struct.pack(">I", len(w)) + w.replace("_", " ").encode()
                      for w in _WORDS) + _TAIL.encode()


class ProtocolError(Exception):
    """A frame a peer must not send."""


def control(kind, flags, payload):
    return struct.pack(">HHI", 0x8000 | VERSION, kind, (flags << 24) | len(payload)) + payload


def data(stream_id, payload, fin=False):
    return struct.pack(">II", stream_id & 0x7FFFFFFF,
                       ((FLAG_FIN if fin else 0) << 24) | len(payload)) + payload


class Framer:
    """One side of a SPDY connection: its header compressor and decompressor (each one zlib
    stream for the connection's life) and a buffer of bytes read but not yet framed."""

    def __init__(self):
        self.deflate = zlib.compressobj(9, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY,
                                        DICTIONARY)
        self.inflate = zlib.decompressobj(zdict=DICTIONARY)
        self.buf = b""

    def header_block(self, headers):
        """`headers`: (name, value) pairs; names go lower-case as SPDY/3 requires."""
        raw = struct.pack(">I", len(headers))
        for name, value in headers:
            n, v = name.lower().encode(), value.encode()
            raw += struct.pack(">I", len(n)) + n + struct.pack(">I", len(v)) + v
        return self.deflate.compress(raw) + self.deflate.flush(zlib.Z_SYNC_FLUSH)

    def read_headers(self, block):
        raw = self.inflate.decompress(block, MAX_HEADERS)
        if self.inflate.unconsumed_tail:
            raise ProtocolError("header block too large")
        try:
            (count,), off, out = struct.unpack_from(">I", raw), 4, {}
            for _ in range(count):
                (n,) = struct.unpack_from(">I", raw, off)
                name = raw[off + 4:off + 4 + n].decode()
                off += 4 + n
                (n,) = struct.unpack_from(">I", raw, off)
                value = raw[off + 4:off + 4 + n].decode()
                off += 4 + n
                if name != name.lower():
                    raise ProtocolError("header was not lowercased")
                if name in out:
                    raise ProtocolError("multiple headers with same name")
                out[name] = value.split("\x00")
        except (struct.error, UnicodeDecodeError) as e:
            raise ProtocolError(f"invalid header block: {e}")
        return out

    def syn_stream(self, stream_id, headers, fin=False):
        body = struct.pack(">IIBB", stream_id, 0, 0, 0) + self.header_block(headers)
        return control(SYN_STREAM, FLAG_FIN if fin else 0, body)

    def syn_reply(self, stream_id, headers=(), fin=False):
        return control(SYN_REPLY, FLAG_FIN if fin else 0,
                       struct.pack(">I", stream_id) + self.header_block(list(headers)))

    def feed(self, chunk):
        self.buf += chunk

    def frames(self):
        """Every complete frame buffered so far, decoded: ("data", sid, flags, payload) or
        (type, flags, fields) with fields per type."""
        while len(self.buf) >= 8:
            (word, flags_len) = struct.unpack_from(">II", self.buf)
            flags, length = flags_len >> 24, flags_len & 0xFFFFFF
            if length > MAX_FRAME:
                raise ProtocolError(f"frame of {length} bytes is larger than {MAX_FRAME}")
            if len(self.buf) < 8 + length:
                return
            body, self.buf = self.buf[8:8 + length], self.buf[8 + length:]
            if not word & 0x80000000:
                if word == 0:
                    raise ProtocolError("stream id zero is disallowed")
                yield ("data", word, flags, body)
                continue
            version, kind = (word >> 16) & 0x7FFF, word & 0xFFFF
            if version != VERSION:
                raise ProtocolError(f"unsupported SPDY version {version}")
            yield (kind, flags, self.control_fields(kind, body))

    def control_fields(self, kind, body):
        try:
            if kind == SYN_STREAM:
                sid = struct.unpack_from(">I", body)[0] & 0x7FFFFFFF
                if sid == 0:
                    raise ProtocolError("stream id zero is disallowed")
                return sid, self.read_headers(body[10:])
            if kind in (SYN_REPLY, HEADERS):
                return struct.unpack_from(">I", body)[0] & 0x7FFFFFFF, self.read_headers(body[4:])
            if kind in (RST_STREAM, WINDOW_UPDATE, GOAWAY):
                a, b = struct.unpack_from(">II", body)
                return a & 0x7FFFFFFF, b
            if kind == PING:
                return struct.unpack_from(">I", body)[0], body
        except struct.error as e:
            raise ProtocolError(f"invalid control frame: {e}")
        return body  # SETTINGS and anything newer: not acted on
