//! The kubeadm-aware part of a merge patch, done before the plain RFC 7386 merge (as kind does):
//! - `certSANs` lists are unioned, so a patch adds names instead of replacing minik's own.
//! - In `kubeadm.k8s.io/v1beta4` documents, `extraArgs` and `kubeletExtraArgs` are lists of
//!   `{name, value}`; patch entries are merged into them by `name` (`value: null` removes one).
//!   A patch without `apiVersion` may still use the older map form (`node-labels: "a=b"`), which
//!   is converted, so one patch works for v1beta3 and v1beta4 alike.
//!
//! The handled keys are removed from the patch, so the plain merge that follows leaves them alone.

use serde_json::{Map, Value};

const ARG_KEYS: [&str; 2] = ["extraArgs", "kubeletExtraArgs"];

/// Merges the special fields of `patch` into `target` and removes them from `patch`.
pub(crate) fn merge_kubeadm_fields(
    target: &mut Value,
    patch: &mut Value,
    target_api: &str,
    patch_api: &str,
) {
    let (Some(t), Some(p)) = (target.as_object_mut(), patch.as_object_mut()) else {
        return;
    };
    walk(t, p, target_api.ends_with("/v1beta4"), patch_api.is_empty());
}

fn walk(
    target: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
    v1beta4: bool,
    any_version: bool,
) {
    let keys: Vec<String> = patch.keys().cloned().collect();
    for key in keys {
        if ARG_KEYS.contains(&key.as_str()) {
            if v1beta4 {
                if let Some(p) = patch.remove(&key) {
                    merge_args(target, &key, &p, any_version);
                }
            }
            continue;
        }
        if key == "certSANs" {
            if let Some(p) = patch.remove(&key) {
                union(target, &key, &p);
            }
            continue;
        }
        let Some(Value::Object(sub_patch)) = patch.get_mut(&key) else {
            continue;
        };
        let sub_target = target
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(sub_target) = sub_target {
            walk(sub_target, sub_patch, v1beta4, any_version);
        }
    }
}

/// `{a: "1", b: "2"}` → `[{name: a, value: "1"}, {name: b, value: "2"}]` (sorted by name).
fn map_to_args(map: &Map<String, Value>) -> Vec<Value> {
    let mut names: Vec<&String> = map.keys().collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let mut arg = Map::new();
            arg.insert("name".into(), Value::String(name.clone()));
            arg.insert(
                "value".into(),
                map.get(name).cloned().unwrap_or(Value::Null),
            );
            Value::Object(arg)
        })
        .collect()
}

fn merge_args(target: &mut Map<String, Value>, key: &str, patch: &Value, any_version: bool) {
    let patch_args = match patch {
        Value::Array(items) => items.clone(),
        // The map form is only understood from patches that don't pin an apiVersion.
        Value::Object(map) if any_version => map_to_args(map),
        _ => Vec::new(),
    };
    let mut args = match target.get(key) {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Object(map)) => map_to_args(map),
        _ => Vec::new(),
    };
    let name_of = |v: &Value| v.get("name").and_then(Value::as_str).map(str::to_string);
    for arg in &patch_args {
        let Some(name) = name_of(arg) else { continue };
        let value = arg.get("value").cloned().unwrap_or(Value::Null);
        match args
            .iter()
            .position(|a| name_of(a).as_deref() == Some(&name))
        {
            Some(i) if value.is_null() => {
                args.remove(i);
            }
            Some(i) => {
                if let Some(existing) = args[i].as_object_mut() {
                    existing.insert("value".into(), value);
                }
            }
            None if !value.is_null() => {
                let mut new = Map::new();
                new.insert("name".into(), Value::String(name));
                new.insert("value".into(), value);
                args.push(Value::Object(new));
            }
            None => {}
        }
    }
    target.insert(key.to_string(), Value::Array(args));
}

fn union(target: &mut Map<String, Value>, key: &str, patch: &Value) {
    let mut items = match target.get(key) {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    if let Value::Array(extra) = patch {
        for item in extra {
            if !items.contains(item) {
                items.push(item.clone());
            }
        }
    }
    target.insert(key.to_string(), Value::Array(items));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(
        mut target: Value,
        mut patch: Value,
        target_api: &str,
        patch_api: &str,
    ) -> (Value, Value) {
        merge_kubeadm_fields(&mut target, &mut patch, target_api, patch_api);
        (target, patch)
    }

    const V4: &str = "kubeadm.k8s.io/v1beta4";
    const V3: &str = "kubeadm.k8s.io/v1beta3";

    #[test]
    fn old_map_form_is_merged_into_v1beta4_lists() {
        let target = json!({"nodeRegistration": {"kubeletExtraArgs": [
            {"name": "node-ip", "value": "10.0.0.2"}, {"name": "node-labels", "value": ""}]}});
        let patch = json!({"kind": "InitConfiguration", "nodeRegistration": {"kubeletExtraArgs": {
            "node-labels": "ingress-ready=true", "v": "4"}}});
        let (t, p) = run(target, patch, V4, "");
        assert_eq!(
            t["nodeRegistration"]["kubeletExtraArgs"],
            json!([{"name": "node-ip", "value": "10.0.0.2"},
                   {"name": "node-labels", "value": "ingress-ready=true"},
                   {"name": "v", "value": "4"}])
        );
        assert_eq!(
            p,
            json!({"kind": "InitConfiguration", "nodeRegistration": {}})
        );
    }

    #[test]
    fn null_value_removes_an_arg() {
        let target = json!({"apiServer": {"extraArgs": [{"name": "a", "value": "1"}, {"name": "b", "value": "2"}]}});
        let patch = json!({"apiServer": {"extraArgs": [{"name": "a", "value": null}, {"name": "c", "value": null}]}});
        let (t, _) = run(target, patch, V4, V4);
        assert_eq!(
            t["apiServer"]["extraArgs"],
            json!([{"name": "b", "value": "2"}])
        );
    }

    #[test]
    fn map_form_with_a_pinned_version_is_ignored_on_v1beta4() {
        let target = json!({"apiServer": {"extraArgs": [{"name": "a", "value": "1"}]}});
        let patch = json!({"apiServer": {"extraArgs": {"b": "2"}}});
        let (t, _) = run(target, patch, V4, V4);
        assert_eq!(
            t["apiServer"]["extraArgs"],
            json!([{"name": "a", "value": "1"}])
        );
    }

    #[test]
    fn v1beta3_args_are_left_to_the_plain_merge() {
        let (t, p) = run(
            json!({}),
            json!({"apiServer": {"extraArgs": {"b": "2"}}}),
            V3,
            "",
        );
        assert_eq!(p, json!({"apiServer": {"extraArgs": {"b": "2"}}}));
        assert_eq!(t, json!({"apiServer": {}}));
    }

    #[test]
    fn cert_sans_are_unioned() {
        let target = json!({"apiServer": {"certSANs": ["localhost", "127.0.0.1"]}});
        let patch = json!({"apiServer": {"certSANs": ["127.0.0.1", "my.host"]}});
        let (t, _) = run(target, patch, V3, "");
        assert_eq!(
            t["apiServer"]["certSANs"],
            json!(["localhost", "127.0.0.1", "my.host"])
        );
    }
}
