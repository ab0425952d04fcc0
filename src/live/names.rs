//! The shapes of Kubernetes names, checked before a name from a request or from the API goes
//! into an API path or a command line (apimachinery's pkg/util/validation: IsDNS1123Label,
//! IsDNS1123Subdomain). Nothing that fails them is ever used.

/// A DNS-1123 label: 1 to 63 of `a-z`, `0-9`, `-`, beginning and ending with a letter or digit
/// (a namespace's name, a container's name).
pub(crate) fn is_dns_label(s: &str) -> bool {
    s.len() <= 63 && is_part(s)
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, of any length.
fn is_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// A DNS-1123 subdomain: at most 253 characters, parts joined by `.` (a pod's name; the
/// parts have no length of their own in apimachinery's regular expression).
pub(crate) fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_part)
}

/// An object's UID as the API server makes them (a UUID), or any short run of hex and `-`.
pub(crate) fn is_uid(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|c| c.is_ascii_hexdigit() || c == b'-')
}

/// A container ID as containerd's CRI makes them: 64 hex digits.
pub(crate) fn is_container_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}
