//! Bytes of a config file to text, as kind's YAML reader (go-yaml) takes them: UTF-8 with or
//! without a byte-order mark, and UTF-16 (little or big endian) when it starts with its mark,
//! which is what Windows PowerShell 5's `>` and `Out-File` write.

/// The file's text, or why it isn't text.
pub(crate) fn decode(bytes: &[u8]) -> Result<String, String> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(rest, 3);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes);
    }
    utf8(bytes, 0)
}

fn utf8(bytes: &[u8], offset: usize) -> Result<String, String> {
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        return Err(format!(
            "it holds a NUL byte (offset {}): UTF-16 without a byte-order mark? save it as UTF-8",
            at + offset
        ));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => Err(format!(
            "it is not UTF-8 text (invalid byte at offset {}); save it as UTF-8",
            e.valid_up_to() + offset
        )),
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, String> {
    if !bytes.len().is_multiple_of(2) {
        return Err("it is cut short: a UTF-16 file has an even number of bytes".into());
    }
    let units = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    char::decode_utf16(units)
        .enumerate()
        .map(|(i, c)| {
            c.map_err(|_| format!("invalid UTF-16 at offset {}; save it as UTF-8", 2 + 2 * i))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        out.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    #[test]
    fn reads_the_encodings_go_yaml_reads() {
        assert_eq!(decode(b"a: 1\n").unwrap(), "a: 1\n");
        assert_eq!(decode(b"\xEF\xBB\xBFa: 1\n").unwrap(), "a: 1\n");
        assert_eq!(
            decode(&utf16le("kind: Cluster\n")).unwrap(),
            "kind: Cluster\n"
        );
        let mut be = vec![0xFE, 0xFF];
        be.extend("kind: é\n".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(&be).unwrap(), "kind: é\n");
    }

    #[test]
    fn refuses_what_is_not_text() {
        assert!(decode(b"a: \xFF\n").unwrap_err().contains("offset 3"));
        assert!(decode(&[0xFF, 0xFE, 0x61]).is_err());
        // A lone surrogate.
        assert!(decode(&[0xFF, 0xFE, 0x00, 0xD8]).is_err());
    }
}
