use std::path::{Path, PathBuf};

use super::*;
use crate::config::load;

const GIB: u64 = 1 << 30;

fn answers() -> Answers {
    answers_mounting(PathBuf::from("/home/ana/workshop files"))
}

fn answers_mounting(dir: PathBuf) -> Answers {
    Answers {
        name: "lab".into(),
        nodes: 3,
        control_planes: 1,
        image: Some("minik/node:v1.36.1".into()),
        ports: default_ports(|_| false),
        mount: Some(dir),
    }
}

#[test]
fn the_rendered_file_loads_as_the_same_cluster() {
    // The loader checks that a mounted folder exists.
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("workshop files");
    std::fs::create_dir(&shared).unwrap();
    let a = answers_mounting(shared);
    let file = dir.path().join("minik.yaml");
    let text = render(&a, &file);
    assert!(text.contains(r#"hostPath: "./workshop files""#), "{text}");
    let loaded = load(&text, &file).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(loaded, to_config(&a), "{text}");
    assert_eq!(loaded.control_planes(), 1);
    assert_eq!(loaded.workers(), 2);
    let cp = &loaded.nodes[0];
    assert_eq!(
        cp.labels.get("ingress-ready").map(String::as_str),
        Some("true")
    );
    assert_eq!(cp.extra_port_mappings.len(), 2);
    assert!(loaded.nodes[1].extra_port_mappings.is_empty());
    assert!(loaded
        .nodes
        .iter()
        .all(|n| n.extra_mounts[0].container_path == "/shared"));
    assert!(text.starts_with("# A minik cluster"), "{text}");
    assert!(text.contains("apiVersion: minik.dev/v1alpha1"), "{text}");
}

#[test]
fn no_ports_no_mount_and_no_image_leave_a_plain_cluster() {
    let a = Answers {
        ports: vec![],
        mount: None,
        image: None,
        control_planes: 3,
        nodes: 3,
        ..answers()
    };
    let text = render(&a, Path::new("x.yaml"));
    let loaded = load(&text, Path::new("x.yaml")).unwrap();
    assert_eq!(loaded, to_config(&a));
    assert_eq!(loaded.control_planes(), 3);
    assert!(
        !text.contains("extraPortMappings") && !text.contains("labels"),
        "{text}"
    );
}

#[test]
fn windows_paths_survive_quoting() {
    let a = Answers {
        mount: Some(PathBuf::from(r"C:\Users\ana\my 'labs'")),
        ..answers()
    };
    let text = render(&a, Path::new("minik.yaml"));
    // Absolute on Windows, a folder name with backslashes elsewhere: quoted either way.
    assert!(text.contains(r#"C:\\Users\\ana\\my 'labs'""#), "{text}");
}

#[test]
fn the_mount_is_written_relative_to_the_config_files_folder() {
    let at = |file: &str, dir: &str| render::host_path_in(Path::new(file), Path::new(dir));
    assert_eq!(at("/w/kit/x.yaml", "/w/kit/data"), "./data");
    assert_eq!(at("/w/kit/x.yaml", "/w/kit"), ".");
    assert_eq!(at("/w/kit/x.yaml", "/w/kit/a/b c"), "./a/b c");
    assert_eq!(at("/w/kit/sub/x.yaml", "/w/kit/data"), "../data");
    assert_eq!(at("/w/kit/a/b/x.yaml", "/w/data"), "../../../data");
    // `.` and `..` in what was typed are applied before comparing.
    assert_eq!(at("/w/kit/./x.yaml", "/w/other/../kit/data"), "./data");
    // A relative file and folder are both taken from the current folder.
    assert_eq!(at("kit/x.yaml", "data"), "../data");
    assert_eq!(at("x.yaml", "./data"), "./data");
}

#[cfg(windows)]
#[test]
fn a_mount_on_another_drive_stays_absolute() {
    let at = |file: &str, dir: &str| render::host_path_in(Path::new(file), Path::new(dir));
    assert_eq!(at(r"C:\kit\x.yaml", r"C:\kit\data"), "./data");
    assert_eq!(at(r"C:\kit\x.yaml", r"D:\data"), r"D:\data");
}

#[test]
fn a_config_and_its_folder_copied_elsewhere_still_load() {
    // The organiser's kit: the config and the mounted folder beside it.
    let room = tempfile::tempdir().unwrap();
    let organiser = room.path().join("organiser");
    std::fs::create_dir_all(organiser.join("data")).unwrap();
    let file = organiser.join("workshop.yaml");
    std::fs::write(
        &file,
        render(&answers_mounting(organiser.join("data")), &file),
    )
    .unwrap();
    // The attendee's laptop: the same files somewhere else; the organiser's folder is gone.
    let attendee = room.path().join("attendee");
    std::fs::rename(&organiser, &attendee).unwrap();
    let loaded = crate::config::LoadedConfig::read(&attendee.join("workshop.yaml")).unwrap();
    loaded.validate().unwrap_or_else(|e| panic!("{e}"));
    assert!(loaded
        .config
        .nodes
        .iter()
        .all(|n| n.extra_mounts[0].host_path == attendee.join("data")));
}

#[test]
fn ports_parse_in_every_form_and_print_back() {
    let p: PublishPort = "80".parse().unwrap();
    assert_eq!(p, PublishPort::same(80));
    let p: PublishPort = "8080:80".parse().unwrap();
    assert_eq!(
        (p.host, p.container, p.listen.as_str()),
        (8080, 80, "127.0.0.1")
    );
    let p: PublishPort = "0.0.0.0:443:443".parse().unwrap();
    assert_eq!(p.listen, "0.0.0.0");
    let p: PublishPort = "[::1]:8443:443".parse().unwrap();
    assert_eq!((p.listen.as_str(), p.host), ("::1", 8443));
    for s in ["80", "8080:80", "0.0.0.0:80:80", "[::1]:8443:443"] {
        assert_eq!(s.parse::<PublishPort>().unwrap().to_string(), s);
    }
    for bad in ["", "http", "0", "70000", "1:2:3:4", "host:80:80", "80:"] {
        assert!(bad.parse::<PublishPort>().is_err(), "{bad:?}");
    }
    assert_eq!(parse_ports(" 80, 8443:443 ").unwrap().len(), 2);
    assert_eq!(parse_ports("").unwrap(), vec![]);
    assert_eq!(
        ports_text(&parse_ports("80,8443:443").unwrap()),
        "80,8443:443"
    );
}

#[test]
fn a_taken_port_moves_to_8080_or_8443() {
    let ports = default_ports(|p| p == 80);
    assert_eq!(ports_text(&ports), "8080:80,443");
    assert_eq!(ports_text(&default_ports(|_| false)), "80,443");
}

#[test]
fn suggestions_follow_the_machine() {
    // This machine: 2 CPUs hold 2 nodes without a doctor warning.
    assert_eq!(
        suggest(Some((2, 24 * GIB))),
        Suggestion { nodes: 2, most: 2 }
    );
    // A 16 GB, 8 CPU laptop: 3 suggested, more possible.
    let s = suggest(Some((8, 16 * GIB)));
    assert_eq!(s.nodes, 3);
    assert!(s.most > 3, "{s:?}");
    assert_eq!(suggest(None), Suggestion { nodes: 1, most: 1 });
}

#[test]
fn the_default_file_never_overwrites() {
    let taken = ["minik.yaml", "minik-lab.yaml"];
    let out = default_output("lab", |p| taken.iter().any(|t| Path::new(t) == p));
    assert_eq!(out, PathBuf::from("minik-lab-2.yaml"));
    assert_eq!(
        default_output("lab", |_| false),
        PathBuf::from("minik.yaml")
    );
}

#[test]
fn the_equivalent_command_repeats_every_answer() {
    let cmd = equivalent_command(&answers(), Path::new("minik.yaml"), false);
    assert_eq!(
        cmd,
        "minik init --name lab --nodes 3 --control-planes 1 --image minik/node:v1.36.1 --port 80 \
         --port 443 --mount '/home/ana/workshop files' -o minik.yaml --no-create"
    );
    let none = Answers {
        ports: vec![],
        ..answers()
    };
    assert!(equivalent_command(&none, Path::new("a.yaml"), true).contains("--no-ports"));
}

#[test]
fn versions_offer_local_images_then_the_default() {
    let local = [
        LocalImage::new("minik/node:test", Some("v1.35.0")),
        LocalImage::new("kindest/node:v1.34.2", None),
        LocalImage::new("minik/node:dev", None),
    ];
    assert_eq!(local[0].version.as_deref(), Some("v1.35.0"));
    assert_eq!(local[2].version, None);
    let (choices, default) = version_choices(&local);
    let images: Vec<_> = choices.iter().map(|c| c.image.clone()).collect();
    assert_eq!(
        images,
        vec![
            Some("minik/node:test".into()),
            Some("kindest/node:v1.34.2".into()),
            Some("minik/node:dev".into()),
            None,
        ]
    );
    assert_eq!(default, 0);
    assert!(choices[3].label.contains("downloaded"), "{:?}", choices[3]);

    let with_default = [
        LocalImage::new("kindest/node:v1.30.0", None),
        LocalImage::new(
            &format!(
                "minik/node:{}",
                crate::nodeimage::DEFAULT_KUBERNETES_VERSION
            ),
            None,
        ),
    ];
    let (choices, default) = version_choices(&with_default);
    assert_eq!(
        choices.len(),
        2,
        "no download offered when the default is here"
    );
    assert_eq!(default, 1);
    let (choices, default) = version_choices(&[]);
    assert_eq!(
        (choices.len(), default, choices[0].image.clone()),
        (1, 0, None)
    );
}

/// Issue #22: with `--lang ko` the file's comments are Korean, and the file is the same
/// cluster as the English one (only comments differ).
#[test]
fn the_files_comments_read_in_korean_and_the_cluster_is_the_same() {
    use crate::i18n::Lang;
    let a = answers();
    let file = Path::new("minik.yaml");
    let en = render(&a, file);
    let ko = render_in(&a, file, Lang::Ko);
    let settings = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .map(String::from)
            .collect()
    };
    assert_eq!(settings(&en), settings(&ko));
    let comments: Vec<&str> = ko
        .lines()
        .filter(|l| l.trim_start().starts_with('#') && !l.contains("minik create --config"))
        .collect();
    assert!(comments.len() >= 6, "{ko}");
    for c in comments {
        let english = crate::i18n::leaks::english_words(c);
        assert!(english.is_empty(), "English {english:?} in {c}");
    }
}
