//! A lab reads from etcd only its own objects: hostile `etcd:` fields are refused at their line
//! when the file is read, the key is built by minik in the lab's namespace (never a system
//! one), etcdctl's arguments are fixed, and what it prints reaches the terminal as text only.

use super::*;
use crate::tour::lab::Etcd;
use crate::tour::lab_file;

fn lab(etcd: &str) -> Result<crate::tour::lab::Lab, String> {
    let text = format!(
        "apiVersion: minik.dev/v1alpha1\nkind: Lab\nid: t\nnamespace: t\nsteps:\n  - id: a\n    \
         title: A\n    etcd: {etcd}\n    checks: [{{kind: nodes, atLeast: 1}}]\n"
    );
    lab_file::parse(&text, "t.yaml").map_err(|e| e.to_string())
}

#[test]
fn a_lab_reads_its_own_objects() {
    let l = lab("{get: deployments/hello}").unwrap();
    assert_eq!(
        l.steps[0].etcd,
        Some(Etcd::Get {
            resource: EtcdResource::Deployments,
            name: "hello".into()
        })
    );
    assert_eq!(
        lab("{snapshot: save}").unwrap().steps[0].etcd,
        Some(Etcd::Snapshot)
    );
    assert_eq!(
        key(EtcdResource::Secrets, "minik-config", "db").as_deref(),
        Some("/registry/secrets/minik-config/db")
    );
    assert_eq!(
        key(EtcdResource::Services, "t", "hello").as_deref(),
        Some("/registry/services/specs/t/hello")
    );
}

#[test]
fn hostile_etcd_views_are_refused_where_they_are_written() {
    for hostile in [
        // another namespace's key, kube-system's Secrets, a whole prefix
        "{get: /registry/secrets/kube-system/bootstrap-token-abcdef}",
        "{get: kube-system/secrets/admin}",
        "{get: secrets/kube-system/admin}",
        "{get: secrets}",
        "{get: \"secrets/\"}",
        "{get: clusterroles/admin}",
        "{get: nodes/lab-control-plane}",
        "{get: serviceaccounts/default}",
        // path traversal
        "{get: secrets/../../kube-system/admin}",
        "{get: secrets/..}",
        "{get: \"secrets/a..b\"}",
        "{get: secrets/a/../b}",
        // option injection, placeholders, shell
        "{get: \"secrets/--prefix\"}",
        "{get: \"secrets/-w=json\"}",
        "{get: \"secrets/db --prefix\"}",
        "{get: \"secrets/db;reboot\"}",
        "{get: \"secrets/$(id)\"}",
        "{get: \"secrets/{pod}\"}",
        "{get: \"secrets/DB\"}",
        "{get: \"secrets/db\\n--prefix\"}",
        // anything else
        "{get: secrets/db, snapshot: save}",
        "{snapshot: /tmp/x.db}",
        "{snapshot: \"save --endpoints=evil:2379\"}",
        "{get: secrets/db, namespace: kube-system}",
        "{get: secrets/db, key: /registry/secrets/kube-system/x}",
        "{exec: sh}",
        "{}",
        "get secrets/db",
    ] {
        let err = lab(hostile).expect_err(hostile);
        assert!(err.contains("t.yaml:8:"), "{hostile}: {err}");
    }
}

#[test]
fn no_key_outside_the_labs_own_namespace() {
    for ns in [
        "kube-system",
        "kube-public",
        "kube-node-lease",
        "default",
        "",
        "../x",
        "-x",
    ] {
        assert_eq!(key(EtcdResource::Secrets, ns, "db"), None, "{ns}");
    }
    assert_eq!(key(EtcdResource::Secrets, "t", "../x"), None);
    assert_eq!(key(EtcdResource::Secrets, "t", "--prefix"), None);
}

#[test]
fn etcdctl_runs_with_fixed_arguments_in_the_etcd_pod() {
    let args = etcdctl("lab-control-plane", &["get", "/registry/secrets/t/db"]);
    assert_eq!(
        args.join(" "),
        "exec -n kube-system etcd-lab-control-plane -c etcd -- etcdctl \
         --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt \
         --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt \
         --key=/etc/kubernetes/pki/etcd/healthcheck-client.key get /registry/secrets/t/db"
    );
}

#[test]
fn what_etcd_holds_reaches_the_terminal_as_text() {
    // A real API server's protobuf: "k8s\0", binary, readable strings; and an escape sequence.
    let mut value =
        b"/registry/secrets/t/db\nk8s\0\n\x0c\n\x02v1\x12\x06Secret\x1b]0;owned\x07".to_vec();
    value.extend_from_slice(b"s3cr3t\n");
    let lines = get_lines(&value);
    assert_eq!(lines[0], "/registry/secrets/t/db");
    assert_eq!(lines[1], "k8s.....v1..Secret.]0;owned.s3cr3t");
    assert!(lines
        .iter()
        .all(|l| l.bytes().all(|b| (0x20..0x7f).contains(&b))));
    // Long values are cut into lines that fit, and very long ones end with what was left out.
    let long = vec![b'x'; CHUNK * (MAX_LINES + 2) + 5];
    let lines = printable(&long);
    assert_eq!(lines.len(), MAX_LINES + 1);
    assert!(lines[..MAX_LINES].iter().all(|l| l.len() == CHUNK));
    assert_eq!(lines[MAX_LINES], format!("... (+{})", CHUNK * 2 + 5));
    // Hangul (UTF-8) is not text etcd's protobuf holds as such: dots, never half a character.
    assert_eq!(printable("노드".as_bytes()), ["......"]);
}

#[test]
fn text_lines_stay_whole_for_the_view_to_wrap() {
    let out = b"Snapshot saved at /var/lib/etcd/minik-tour-snapshot.db\n\
                -rw------- 1 root root 1040416 Dec  7 14:10 /var/lib/etcd/minik-tour-snapshot.db\n";
    let lines = text_lines(out);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[1].ends_with(" /var/lib/etcd/minik-tour-snapshot.db"));
    assert_eq!(text_lines(b"a\x1b[2Jb\n"), ["a.[2Jb"]);
}
