//! The labs there are: the built-in ones (src/tour/labs, in [`super::BUILTIN_LABS`]' order) and
//! those a bundle brought ([`super::installed`]), each with its titles and the images it runs,
//! for `minik tour --list-labs` and for the notice, before a lab starts, of the images its
//! cluster's nodes lack.

use std::collections::BTreeMap;
use std::path::Path;

use serde_yaml::Value;

use super::lab::{Lab, Lang};
use crate::config::ConfigErrors;

/// Where a lab comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Source {
    BuiltIn,
    /// Kept from a workshop bundle.
    Installed,
}

/// One lab as `minik tour --list-labs` shows it (and prints it as JSON).
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Entry {
    pub(crate) id: String,
    /// The title in every language a tour speaks (English where the lab has no other).
    pub(crate) titles: BTreeMap<&'static str, String>,
    pub(crate) images: Vec<String>,
    pub(crate) source: Source,
}

impl Entry {
    pub(crate) fn of(lab: &Lab, source: Source) -> Entry {
        Entry {
            id: lab.id.clone(),
            titles: Lang::ALL
                .iter()
                .map(|l| (l.code(), lab.title.get(*l).to_string()))
                .collect(),
            images: images(lab),
            source,
        }
    }

    pub(crate) fn title(&self, lang: Lang) -> &str {
        self.titles.get(lang.code()).map_or("", String::as_str)
    }
}

/// Every lab: the built-in ones first, then those kept in `installed` (sorted by id). An
/// installed lab that no longer reads is left out, with why.
pub(crate) fn all(installed: Option<&Path>) -> (Vec<Entry>, Vec<ConfigErrors>) {
    let mut labs: Vec<Entry> = super::builtin_labs()
        .iter()
        .map(|l| Entry::of(l, Source::BuiltIn))
        .collect();
    let mut unreadable = Vec::new();
    for id in installed.map(super::installed::ids).unwrap_or_default() {
        if super::is_builtin(&id) {
            continue;
        }
        let file = installed.map(|d| super::installed::path(d, &id));
        match file.as_deref().map(super::read_lab) {
            Some(Ok(lab)) => labs.push(Entry::of(&lab, Source::Installed)),
            Some(Err(e)) => unreadable.push(e),
            None => {}
        }
    }
    (labs, unreadable)
}

/// The images a lab runs, each once, in the order it names them: every container's `image` in
/// its steps' manifests, every `--image` of its commands (`kubectl run`, `create deployment`),
/// and the lab's own `images:` list (what it names otherwise, such as `kubectl set image`'s).
pub(crate) fn images(lab: &Lab) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |image: &str| {
        if !image.is_empty() && !out.iter().any(|o| o == image) {
            out.push(image.to_string());
        }
    };
    for step in &lab.steps {
        for image in step
            .manifest
            .as_deref()
            .map(manifest_images)
            .unwrap_or_default()
        {
            add(&image);
        }
        for cmd in step.command.iter() {
            for image in flag_images(&cmd.0) {
                add(image);
            }
        }
    }
    for image in &lab.images {
        add(image);
    }
    out
}

/// Does `s` read as an image reference (`[registry/]name[:tag][@digest]`)? Only such images are
/// named in the command that loads them: nothing a shell would read otherwise.
pub(crate) fn is_image_ref(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && !s.starts_with(['-', '.', '/', ':', '@'])
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"./:@_-".contains(&b))
}

/// `--image=X` and `--image X` in a command's words.
fn flag_images(args: &[String]) -> Vec<&str> {
    let mut out = Vec::new();
    let mut words = args.iter();
    while let Some(w) = words.next() {
        if let Some(v) = w.strip_prefix("--image=") {
            out.push(v);
        } else if w == "--image" {
            out.extend(words.next().map(String::as_str));
        }
    }
    out
}

/// The `image` of every container (init and ephemeral ones too) in a manifest's documents,
/// wherever a pod template sits (a Pod, a Deployment's template, a CronJob's job template).
pub(crate) fn manifest_images(manifest: &str) -> Vec<String> {
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(manifest) {
        // After a syntax error the documents' iterator does not move on: stop there.
        let Ok(value) = <Value as serde::Deserialize>::deserialize(doc) else {
            break;
        };
        containers_images(&value, &mut out);
    }
    out
}

fn containers_images(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Mapping(m) => {
            for (k, v) in m {
                let key = k.as_str().unwrap_or_default();
                if ["containers", "initContainers", "ephemeralContainers"].contains(&key) {
                    for c in v.as_sequence().into_iter().flatten() {
                        if let Some(image) = c.get("image").and_then(Value::as_str) {
                            out.push(image.to_string());
                        }
                    }
                } else {
                    containers_images(v, out);
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|v| containers_images(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_come_from_manifests_commands_and_the_lab_list() {
        let m = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      \
                 initContainers:\n      - name: i\n        image: busybox:1.36\n      \
                 containers:\n      - name: a\n        image: \"registry.k8s.io/a:1\"\n      \
                 - name: b\n        image: registry.k8s.io/a:1\n---\napiVersion: v1\nkind: Pod\n\
                 spec:\n  containers:\n  - {name: c, image: nginx}\n";
        assert_eq!(
            manifest_images(m),
            [
                "busybox:1.36",
                "registry.k8s.io/a:1",
                "registry.k8s.io/a:1",
                "nginx"
            ]
        );
        // A comment or a field named image outside a container is not an image.
        let m = "kind: ConfigMap\ndata:\n  image: not-an-image\n# image: nor-this\n";
        assert!(manifest_images(m).is_empty());
        assert!(manifest_images("{not yaml").is_empty());
        let words = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert_eq!(
            flag_images(&words("run x -n {namespace} --image=nginx:1")),
            ["nginx:1"]
        );
        assert_eq!(
            flag_images(&words("create deployment x --image busybox")),
            ["busybox"]
        );
        assert!(flag_images(&words("get pods --image")).is_empty());
        for bad in [
            "",
            "-rf",
            "a b",
            "x;rm",
            "$(id)",
            "a`b`",
            "/etc/passwd",
            "é",
        ] {
            assert!(!is_image_ref(bad), "{bad}");
        }
        assert!(is_image_ref("registry.k8s.io/e2e-test-images/agnhost:2.53"));
        assert!(is_image_ref("localhost:5000/a@sha256:0123abcd"));
    }

    #[test]
    fn the_builtin_labs_are_listed_in_their_order() {
        let (labs, bad) = all(None);
        assert!(bad.is_empty());
        let ids: Vec<&str> = labs.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(ids, super::super::BUILTIN_LABS);
        let basics = &labs[0];
        assert_eq!(basics.source, Source::BuiltIn);
        assert!(basics
            .images
            .contains(&"registry.k8s.io/e2e-test-images/agnhost:2.53".to_string()));
        assert!(!basics.title(Lang::Ko).is_empty());
    }

    #[test]
    fn installed_labs_follow_and_unreadable_ones_are_reported() {
        let d = tempfile::tempdir().unwrap();
        let lab = "apiVersion: minik.dev/v1alpha1\nkind: Lab\nid: day1\ntitle: {en: Day 1, ko: 첫째 날}\n\
                   steps:\n- id: a\n  title: A\n  text: a\n  checks: [{kind: nodes, atLeast: 1}]\n";
        super::super::installed::install(d.path(), "day1", lab).unwrap();
        super::super::installed::install(d.path(), "broken", "kind: Lab\n").unwrap();
        // Kept before built-in ids were refused: never listed as a second basics.
        std::fs::write(super::super::installed::path(d.path(), "basics"), lab).unwrap();
        let (labs, bad) = all(Some(d.path()));
        let ids: Vec<(&str, Source)> = labs.iter().map(|l| (l.id.as_str(), l.source)).collect();
        assert_eq!(ids.last(), Some(&("day1", Source::Installed)));
        assert_eq!(ids.iter().filter(|(id, _)| *id == "basics").count(), 1);
        assert_eq!(labs.last().unwrap().title(Lang::Ko), "첫째 날");
        assert_eq!(bad.len(), 1);
        assert!(bad[0].to_string().contains("broken.yaml"), "{}", bad[0]);
    }
}
