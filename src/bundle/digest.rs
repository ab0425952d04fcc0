//! A bundle's digest: SHA-256 over its manifest slot exactly as stored. The manifest names every
//! part with its size and SHA-256, so the digest pins the whole bundle. A bundle cannot vouch
//! for itself (whoever writes the file writes its manifest), so the digest must reach attendees
//! by a way they already trust: the organiser's projector, a printed sheet. minik prints it in
//! full and in groups of four for reading aloud, and accepts a typed prefix of at least
//! [`MIN_PIN_HEX`] hex digits (80 bits: no one can make a second manifest that matches it).

use sha2::{Digest as _, Sha256};

/// The shortest prefix accepted as a pin.
pub(crate) const MIN_PIN_HEX: usize = 20;
/// The flag attendees pass the digest with.
pub(crate) const PIN_FLAG: &str = "--sha256";

/// SHA-256 of a bundle's manifest slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundleDigest([u8; 32]);

impl BundleDigest {
    /// The digest of the manifest slot's bytes.
    pub fn of_slot(slot: &[u8]) -> BundleDigest {
        BundleDigest(Sha256::digest(slot).into())
    }

    /// The 64 lower-case hex digits.
    pub fn hex(&self) -> String {
        super::format::hex(&self.0)
    }

    /// The hex in groups of four, easy to read out and compare by eye.
    pub fn grouped(&self) -> String {
        let hex = self.hex();
        let groups: Vec<&str> = (0..hex.len()).step_by(4).map(|i| &hex[i..i + 4]).collect();
        groups.join(" ")
    }
}

/// The digest (or a long enough prefix of it) the user typed: what a bundle must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin(String);

impl Pin {
    /// Accepts the full hex or a prefix of at least [`MIN_PIN_HEX`] digits, in any case, with
    /// optional `sha256:` and spaces, dashes or colons between groups (as projected).
    pub fn parse(input: &str) -> Result<Pin, String> {
        let trimmed = input.trim();
        let body = trimmed
            .strip_prefix("sha256:")
            .or_else(|| trimmed.strip_prefix("SHA256:"))
            .unwrap_or(trimmed);
        let hex: String = body
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | ':'))
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if let Some(bad) = hex.chars().find(|c| !c.is_ascii_hexdigit()) {
            return Err(format!(
                "{PIN_FLAG} takes the bundle's digest in hex (0-9, a-f); {bad:?} is not a hex digit"
            ));
        }
        if hex.len() < MIN_PIN_HEX {
            return Err(format!(
                "{PIN_FLAG} needs at least {MIN_PIN_HEX} hex digits of the bundle's digest \
                 (got {})",
                hex.len()
            ));
        }
        if hex.len() > 64 {
            return Err(format!(
                "{PIN_FLAG} takes a SHA-256 digest: 64 hex digits at most (got {})",
                hex.len()
            ));
        }
        Ok(Pin(hex))
    }

    /// Whether `digest` is the pinned one.
    pub fn matches(&self, digest: &BundleDigest) -> bool {
        digest.hex().starts_with(&self.0)
    }

    /// The hex digits as given.
    pub fn as_hex(&self) -> &str {
        &self.0
    }
}

/// What a downloaded bundle must match: the pinned digest, or (the user said so, loudly)
/// nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    Pin(Pin),
    /// `--insecure-no-digest`: whatever the network sends.
    Unpinned,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_digest_reads_out_in_groups_and_pins_by_prefix() {
        let d = BundleDigest::of_slot(b"manifest");
        let hex = d.hex();
        assert_eq!(hex.len(), 64);
        assert_eq!(d.grouped().split(' ').count(), 16);
        assert_eq!(d.grouped().replace(' ', ""), hex);
        assert!(Pin::parse(&hex).unwrap().matches(&d));
        assert!(Pin::parse(&hex[..20]).unwrap().matches(&d));
        let grouped = d.grouped();
        assert!(Pin::parse(&grouped[..24]).unwrap().matches(&d));
        assert!(Pin::parse(&format!("sha256:{}", hex.to_uppercase()))
            .unwrap()
            .matches(&d));
        let other = BundleDigest::of_slot(b"manifest ");
        assert!(!Pin::parse(&hex).unwrap().matches(&other));
    }

    #[test]
    fn short_or_non_hex_pins_are_refused() {
        assert!(Pin::parse("abcdef").unwrap_err().contains("at least 20"));
        assert!(Pin::parse(&"g".repeat(64))
            .unwrap_err()
            .contains("not a hex digit"));
        assert!(Pin::parse(&"a".repeat(65)).unwrap_err().contains("64"));
        assert!(Pin::parse("").is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Any slot's digest pins itself, through any accepted spelling of a long enough prefix,
        /// and one flipped byte anywhere in the slot breaks every such pin.
        #[test]
        fn a_pin_matches_exactly_its_own_slot(
            slot in proptest::collection::vec(any::<u8>(), 1..512),
            len in MIN_PIN_HEX..=64usize,
            flip in any::<prop::sample::Index>(),
        ) {
            let d = BundleDigest::of_slot(&slot);
            let pin = Pin::parse(&d.hex()[..len]).unwrap();
            prop_assert!(pin.matches(&d));
            let mut changed = slot.clone();
            let i = flip.index(changed.len());
            changed[i] ^= 1;
            prop_assert!(!pin.matches(&BundleDigest::of_slot(&changed)));
        }
    }
}
