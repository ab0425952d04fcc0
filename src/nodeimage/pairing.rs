//! Which containerd a node image may pair with a Kubernetes version: containerd's own support
//! matrix ("Kubernetes Support" in containerd's RELEASES.md, read at containerd v2.3.4) and the
//! end of life of each containerd release line (the same file's release table). A pairing
//! containerd does not support is refused; a supported one whose line is past its end of life
//! is built with a warning (Debian's containerd 2.1.9 in the offline test image is one).

use std::time::SystemTime;

use crate::k8s_version::KubeVersion;

/// A containerd version: (major, minor, patch).
pub(crate) type Containerd = (u32, u32, u32);

/// Per Kubernetes minor, the oldest supported patch of each containerd line, newest line
/// first. Minors before 1.32 come from earlier revisions of the same table.
const SUPPORT: &[(u32, &[Containerd])] = &[
    (28, &[(1, 7, 0), (1, 6, 15)]),
    (29, &[(1, 7, 11), (1, 6, 27)]),
    (30, &[(2, 1, 0), (2, 0, 0), (1, 7, 13), (1, 6, 28)]),
    (31, &[(2, 1, 0), (2, 0, 0), (1, 7, 20), (1, 6, 34)]),
    (32, &[(2, 1, 0), (2, 0, 1), (1, 7, 24), (1, 6, 36)]),
    (33, &[(2, 1, 0), (2, 0, 4), (1, 7, 24), (1, 6, 36)]),
    (34, &[(2, 1, 3), (2, 0, 6), (1, 7, 28), (1, 6, 39)]),
    (35, &[(2, 2, 0), (2, 1, 5), (1, 7, 28)]),
    (36, &[(2, 3, 0), (2, 2, 0)]),
];

/// End of life of each containerd line, as (line, "YYYY-MM-DD").
const END_OF_LIFE: &[((u32, u32), &str)] = &[
    ((1, 6), "2025-08-23"),
    ((1, 7), "2026-09-30"),
    ((2, 0), "2027-03-31"),
    ((2, 1), "2026-07-03"),
    ((2, 2), "2026-11-06"),
    ((2, 3), "2028-04-30"),
];

/// The supported versions for `minor`: its own row, or the newest row for a minor containerd's
/// table does not list yet (a Kubernetes release newer than the table).
fn row(minor: u32) -> &'static [Containerd] {
    SUPPORT
        .iter()
        .find(|(m, _)| *m == minor)
        .or_else(|| SUPPORT.last().filter(|(m, _)| minor > *m))
        .map_or(&[], |(_, r)| r)
}

fn supported(row: &[Containerd], c: Containerd) -> bool {
    let newest_line = row.first().map(|&(maj, min, _)| (maj, min));
    row.iter()
        .any(|&(maj, min, patch)| (c.0, c.1) == (maj, min) && c.2 >= patch)
        // a line newer than any the table names for this minor
        || newest_line.is_some_and(|line| (c.0, c.1) > line)
}

fn listed(row: &[Containerd]) -> String {
    row.iter()
        .map(|(a, b, c)| format!("{a}.{b}.{c}+"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Ok(None) when containerd supports the pairing, Ok(Some(warning)) when it does but the
/// containerd line is past its end of life at `now`, Err(why) when containerd doesn't.
pub(crate) fn check_pairing(
    kubernetes: &KubeVersion,
    containerd: Containerd,
    now: SystemTime,
) -> Result<Option<String>, String> {
    let (maj, min, patch) = containerd;
    let row = row(kubernetes.minor);
    if kubernetes.major == 1 && !row.is_empty() && !supported(row, containerd) {
        return Err(format!(
            "containerd {maj}.{min}.{patch} is not a version containerd supports for Kubernetes \
             {}.{} (supported: {}); give the offline build a supported containerd in DIR/bin, \
             or build online (it downloads containerd {})",
            kubernetes.major,
            kubernetes.minor,
            listed(row),
            super::runtime::CONTAINERD_VERSION
        ));
    }
    let eol = END_OF_LIFE.iter().find(|(line, _)| *line == (maj, min));
    Ok(eol.and_then(|(_, date)| {
        let end = humantime::parse_rfc3339(&format!("{date}T00:00:00Z")).ok()?;
        (now >= end).then(|| {
            format!(
                "containerd {maj}.{min} reached its end of life on {date}: it gets no more \
                 fixes; an image with containerd {} is supported until later",
                super::runtime::CONTAINERD_VERSION
            )
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> KubeVersion {
        s.parse().unwrap()
    }

    fn at(date: &str) -> SystemTime {
        humantime::parse_rfc3339(&format!("{date}T12:00:00Z")).unwrap()
    }

    #[test]
    fn containerd_2_1_is_refused_for_kubernetes_1_36_naming_what_is_supported() {
        let err = check_pairing(&v("v1.36.4"), (2, 1, 9), at("2026-12-07")).unwrap_err();
        assert!(
            err.starts_with(
                "containerd 2.1.9 is not a version containerd supports for Kubernetes 1.36"
            ),
            "{err}"
        );
        assert!(err.contains("(supported: 2.3.0+, 2.2.0+)"), "{err}");
        assert!(check_pairing(&v("v1.36.4"), (1, 7, 30), at("2026-01-01")).is_err());
    }

    #[test]
    fn the_offline_test_image_builds_with_a_warning_past_end_of_life() {
        // Debian's containerd 2.1.9 with Kubernetes 1.35: supported (2.1.5+), line ended
        let warn = check_pairing(&v("v1.35.0"), (2, 1, 9), at("2026-12-07")).unwrap();
        assert!(
            warn.as_deref().is_some_and(
                |w| w.starts_with("containerd 2.1 reached its end of life on 2026-07-03")
            ),
            "{warn:?}"
        );
        // before its end of life: no warning
        assert_eq!(
            check_pairing(&v("v1.35.0"), (2, 1, 9), at("2026-06-01")),
            Ok(None)
        );
        // a patch older than the row's is refused
        assert!(check_pairing(&v("v1.35.0"), (2, 1, 4), at("2026-06-01")).is_err());
    }

    #[test]
    fn newer_lines_and_newer_kubernetes_follow_the_newest_row() {
        assert_eq!(
            check_pairing(&v("v1.36.0"), (2, 4, 0), at("2026-12-07")),
            Ok(None)
        );
        assert_eq!(
            check_pairing(&v("v1.37.0"), (2, 3, 4), at("2026-12-07")),
            Ok(None)
        );
        assert!(check_pairing(&v("v1.37.0"), (2, 1, 9), at("2026-12-07")).is_err());
        // what minik's online builds pin is supported for every minor it pins an image of
        let pinned = super::super::runtime::CONTAINERD_VERSION;
        let parts: Vec<u32> = pinned.split('.').map(|p| p.parse().unwrap()).collect();
        for minor in 28..=37 {
            let k = v(&format!("v1.{minor}.0"));
            assert!(
                check_pairing(&k, (parts[0], parts[1], parts[2]), at("2026-12-07")).is_ok()
                    || minor < 30,
                "1.{minor}"
            );
        }
    }

    #[test]
    fn the_table_is_ordered_and_every_row_newest_line_first() {
        assert!(SUPPORT.windows(2).all(|w| w[0].0 + 1 == w[1].0));
        for (_, row) in SUPPORT {
            assert!(row.windows(2).all(|w| w[0] > w[1]), "{row:?}");
            for (maj, min, _) in *row {
                assert!(
                    END_OF_LIFE.iter().any(|(l, _)| *l == (*maj, *min)),
                    "{maj}.{min} has no end-of-life date"
                );
            }
        }
    }
}
