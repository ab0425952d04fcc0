//! The page's secret: 32 bytes from the operating system's random source, as hex, carried in
//! every URL (`?token=`). Anyone on this machine can connect to a port on 127.0.0.1; only who
//! has the URL minik printed sees the cluster.

use crate::live::LiveError;

#[derive(Clone)]
pub(crate) struct Token(String);

/// The token's length in bytes before hex.
const BYTES: usize = 32;

impl Token {
    pub(crate) fn new() -> Result<Token, LiveError> {
        let mut bytes = [0u8; BYTES];
        getrandom::fill(&mut bytes).map_err(|e| LiveError::Random(e.to_string()))?;
        Ok(Token(hex(&bytes)))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a request's query carries this token. The comparison takes the same time
    /// wherever the first difference is, so timing tells nothing of the token.
    pub(crate) fn admits(&self, query: Option<&str>) -> bool {
        let Some(given) = query.and_then(token_of) else {
            return false;
        };
        constant_time_eq(given.as_bytes(), self.0.as_bytes())
    }
}

#[cfg(test)]
impl Token {
    pub(crate) fn from_text(text: &str) -> Token {
        Token(text.to_string())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The value of the first `token=` pair in a query string (no percent-decoding: a token is hex).
fn token_of(query: &str) -> Option<&str> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
}

/// Equal lengths and equal bytes, looking at every byte (the length is no secret: it is fixed).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}
