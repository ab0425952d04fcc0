//! File-level tests on the fixtures in `tests/fixtures/kubeconfig/`, each in a temporary folder.

use std::fs;
use std::path::{Path, PathBuf};

use pretty_assertions::assert_eq;
use serde_yaml::Value;

use super::*;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/kubeconfig")
        .join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn copy_fixture(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, fixture(name)).unwrap();
    path
}

fn entry(cluster: &str) -> KubeconfigEntry {
    let server = server_url("127.0.0.1", 40123);
    KubeconfigEntry::from_admin_conf(&fixture("admin.conf"), "cp", cluster, &server).unwrap()
}

fn yaml(path: &Path) -> Value {
    serde_yaml::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn names(list: &Value) -> Vec<&str> {
    let items = list.as_sequence().unwrap();
    items.iter().map(|i| i["name"].as_str().unwrap()).collect()
}

fn dir_listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn entry_from_admin_conf_renames_everything_and_points_at_the_host() {
    let e = entry("dev");
    assert_eq!(minik_context_name("dev"), "minik-dev");
    assert_eq!(e.name, "minik-dev");
    assert_eq!(e.cluster.name, "minik-dev");
    assert_eq!(e.cluster.server(), Some("https://127.0.0.1:40123"));
    assert!(e.cluster.cluster.contains_key("certificate-authority-data"));
    assert_eq!(e.user.name, "minik-dev");
    assert!(e.user.user.get("client-key-data").is_some());
    assert_eq!(e.context.name, "minik-dev");
    assert_eq!(e.context.cluster_name(), Some("minik-dev"));
    assert_eq!(e.context.user_name(), Some("minik-dev"));

    let standalone = Config::parse(&e.to_config().to_yaml().unwrap()).unwrap();
    assert_eq!(standalone.current_context.as_deref(), Some("minik-dev"));
    assert_eq!(standalone.api_version.as_deref(), Some("v1"));
    assert_eq!(standalone.kind.as_deref(), Some("Config"));
}

#[test]
fn admin_conf_must_have_exactly_one_cluster_user_and_context() {
    for text in [
        fixture("admin-two-users.conf"),
        String::new(),
        "[1, 2]".into(),
    ] {
        let err = KubeconfigEntry::from_admin_conf(&text, "cp", "dev", "https://x:1").unwrap_err();
        assert!(matches!(err, KubeconfigError::AdminConf { .. }), "{err}");
        assert!(
            err.to_string().contains("/etc/kubernetes/admin.conf"),
            "{err}"
        );
    }
}

#[test]
fn server_url_brackets_ipv6_hosts() {
    assert_eq!(server_url("127.0.0.1", 6443), "https://127.0.0.1:6443");
    assert_eq!(server_url("::1", 6443), "https://[::1]:6443");
    assert_eq!(server_url("[::1]", 6443), "https://[::1]:6443");
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn merge_creates_a_missing_file_and_folders_privately() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("home/.kube/config");
    merge_into_file(&path, &entry("dev"), true).unwrap();

    let config = read_file(&path).unwrap();
    assert_eq!(config.api_version.as_deref(), Some("v1"));
    assert_eq!(config.kind.as_deref(), Some("Config"));
    assert_eq!(config.current_context.as_deref(), Some("minik-dev"));
    assert!(config.cluster("minik-dev").is_some());
    assert!(config.user("minik-dev").is_some());
    assert!(config.context("minik-dev").is_some());
    // No lock or temporary file is left behind.
    assert_eq!(dir_listing(path.parent().unwrap()), vec!["config"]);
    #[cfg(unix)]
    {
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(&tmp.path().join("home")), 0o700);
    }
}

#[test]
fn merge_into_empty_and_comment_only_files() {
    for name in ["empty.yaml", "comments-only.yaml"] {
        let tmp = tempfile::tempdir().unwrap();
        let path = copy_fixture(tmp.path(), name);
        merge_into_file(&path, &entry("dev"), true).unwrap();
        let config = read_file(&path).unwrap();
        assert_eq!(config.clusters.len(), 1, "{name}");
        assert_eq!(
            config.current_context.as_deref(),
            Some("minik-dev"),
            "{name}"
        );
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600, "{name}");
    }
}

#[test]
fn merge_keeps_everything_else_in_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = copy_fixture(tmp.path(), "hand-written.yaml");
    let before = yaml(&path);
    merge_into_file(&path, &entry("dev"), false).unwrap();
    let after = yaml(&path);

    let keys = |v: &Value| -> Vec<String> {
        let map = v.as_mapping().unwrap();
        map.keys()
            .map(|k| k.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        keys(&after),
        keys(&before),
        "top-level keys and their order"
    );
    for key in keys(&before) {
        if !["clusters", "contexts", "users"].contains(&key.as_str()) {
            assert_eq!(after[key.as_str()], before[key.as_str()], "{key}");
        }
    }
    for list in ["clusters", "contexts", "users"] {
        let old = before[list].as_sequence().unwrap();
        let new = after[list].as_sequence().unwrap();
        // Unrelated entries (the exec-plugin user included) are unchanged and in place.
        assert_eq!(&new[..old.len()], &old[..], "{list}");
        for (o, n) in old.iter().zip(new) {
            assert_eq!(keys(n), keys(o), "{list}: key order of {:?}", o["name"]);
        }
        assert_eq!(new.len(), old.len() + 1, "{list}");
        assert_eq!(new[old.len()]["name"].as_str(), Some("minik-dev"), "{list}");
    }
    assert_eq!(after["current-context"].as_str(), Some("work"));

    merge_into_file(&path, &entry("dev"), true).unwrap();
    assert_eq!(yaml(&path)["current-context"].as_str(), Some("minik-dev"));
}

#[test]
fn merge_replaces_same_named_entries_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let path = copy_fixture(tmp.path(), "kubectl-written.yaml");
    merge_into_file(&path, &entry("dev"), true).unwrap();
    let after = yaml(&path);
    assert_eq!(names(&after["clusters"]), vec!["minik-dev", "other"]);
    assert_eq!(names(&after["users"]), vec!["minik-dev", "other"]);
    assert_eq!(names(&after["contexts"]), vec!["minik-dev", "other"]);
    let cluster = &after["clusters"][0]["cluster"];
    assert_eq!(cluster["server"].as_str(), Some("https://127.0.0.1:40123"));
    let user = &after["users"][0]["user"];
    assert!(user.get("token").is_none());
    assert!(user.get("client-certificate-data").is_some());
    assert_eq!(
        after["users"][1]["user"]["token"].as_str(),
        Some("other-token")
    );
}

#[test]
fn merging_twice_is_idempotent() {
    let tmp = tempfile::tempdir().unwrap();
    let path = copy_fixture(tmp.path(), "hand-written.yaml");
    merge_into_file(&path, &entry("dev"), true).unwrap();
    let once = fs::read(&path).unwrap();
    merge_into_file(&path, &entry("dev"), true).unwrap();
    assert_eq!(fs::read(&path).unwrap(), once);
    assert_eq!(read_file(&path).unwrap().clusters.len(), 3);
}

#[test]
fn removal_cleans_every_file_and_clears_only_our_current_context() {
    let tmp = tempfile::tempdir().unwrap();
    // Ours is the current context here.
    let ours_current = copy_fixture(tmp.path(), "kubectl-written.yaml");
    // Ours is present but another context is current.
    let ours_not_current = copy_fixture(tmp.path(), "hand-written.yaml");
    merge_into_file(&ours_not_current, &entry("dev"), false).unwrap();
    // Not ours at all, and a file that does not exist.
    let unrelated = tmp.path().join("unrelated.yaml");
    fs::write(&unrelated, fixture("hand-written.yaml")).unwrap();
    let missing = tmp.path().join("missing.yaml");

    let paths = vec![
        ours_current.clone(),
        ours_not_current.clone(),
        unrelated.clone(),
        missing.clone(),
    ];
    let changed = remove_from_files(&paths, "dev").unwrap();
    assert_eq!(
        changed,
        vec![ours_current.clone(), ours_not_current.clone()]
    );

    let a = yaml(&ours_current);
    assert_eq!(names(&a["clusters"]), vec!["other"]);
    assert_eq!(names(&a["users"]), vec!["other"]);
    assert_eq!(names(&a["contexts"]), vec!["other"]);
    assert_eq!(a["current-context"].as_str(), Some(""));

    // Merge then remove gives back the original document.
    let original: Value = serde_yaml::from_str(&fixture("hand-written.yaml")).unwrap();
    assert_eq!(yaml(&ours_not_current), original);
    assert_eq!(
        fs::read_to_string(&unrelated).unwrap(),
        fixture("hand-written.yaml")
    );
    assert!(!missing.exists());

    // Nothing left to remove: nothing changes.
    assert_eq!(
        remove_from_files(&paths, "dev").unwrap(),
        Vec::<PathBuf>::new()
    );
}

#[test]
fn a_held_lock_is_a_clear_error_and_is_not_taken_over() {
    let tmp = tempfile::tempdir().unwrap();
    let path = copy_fixture(tmp.path(), "kubectl-written.yaml");
    let lock = lock_path(&path);
    assert_eq!(lock, tmp.path().join("kubectl-written.yaml.lock"));
    fs::write(&lock, "").unwrap();

    let err = merge_into_file(&path, &entry("dev"), true).unwrap_err();
    assert!(matches!(err, KubeconfigError::Locked { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains(&format!("rm {}", lock.display())),
        "{message}"
    );
    assert!(message.contains(&path.display().to_string()), "{message}");

    let err = remove_from_files(std::slice::from_ref(&path), "dev").unwrap_err();
    assert!(matches!(err, KubeconfigError::Locked { .. }), "{err}");

    assert!(lock.exists(), "someone else's lock must stay");
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        fixture("kubectl-written.yaml")
    );
}

#[test]
fn an_unparsable_file_is_left_alone_and_named_in_the_error() {
    let tmp = tempfile::tempdir().unwrap();
    let path = copy_fixture(tmp.path(), "invalid.yaml");
    let err = merge_into_file(&path, &entry("dev"), true).unwrap_err();
    assert!(matches!(err, KubeconfigError::Parse { .. }), "{err}");
    let message = err.to_string();
    assert!(message.starts_with(&format!("could not parse kubeconfig {}: ", path.display())));
    assert_eq!(fs::read_to_string(&path).unwrap(), fixture("invalid.yaml"));
    assert!(!lock_path(&path).exists());

    let other = copy_fixture(tmp.path(), "kubectl-written.yaml");
    let err = remove_from_files(&[path.clone(), other.clone()], "dev").unwrap_err();
    assert!(matches!(err, KubeconfigError::Parse { .. }), "{err}");
    // The good file was still cleaned.
    assert!(read_file(&other).unwrap().cluster("minik-dev").is_none());
}

#[test]
fn a_missing_file_reads_as_empty() {
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(
        read_file(&tmp.path().join("nope")).unwrap(),
        Config::default()
    );
}

#[cfg(unix)]
#[test]
fn a_symlinked_kubeconfig_is_written_through() {
    let tmp = tempfile::tempdir().unwrap();
    let real = copy_fixture(tmp.path(), "kubectl-written.yaml");
    let link = tmp.path().join("config");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    merge_into_file(&link, &entry("other-cluster"), true).unwrap();
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(read_file(&real)
        .unwrap()
        .cluster("minik-other-cluster")
        .is_some());
}
