"""Tests of the stand-in's selectors and patches (standin_patch) against the upstream rules they
mirror: apimachinery's label selector grammar, RFC 7386 merge patch, strategic merge by merge key,
RFC 6902 JSON patch, kubectl apply's three-way patch."""
import unittest

import standin_patch as sp


def labelled(**labels):
    return {"metadata": {"name": "x", "labels": labels}, "spec": {"nodeName": "w1"}}


class SelectorTest(unittest.TestCase):
    def test_label_selector_operators(self):
        obj = labelled(app="hello", tier="web")
        for sel, want in [("app=hello", True), ("app==hello", True), ("app!=hello", False),
                          ("app in (a,hello)", True), ("app notin (hello)", False),
                          ("tier", True), ("!tier", False), ("!missing", True),
                          ("app=hello,tier=db", False), ("", True)]:
            self.assertEqual(sp.matches_selectors(obj, sel, None), want, sel)

    def test_field_selector_on_dotted_paths(self):
        obj = labelled()
        self.assertTrue(sp.matches_selectors(obj, None, "spec.nodeName=w1"))
        self.assertFalse(sp.matches_selectors(obj, None, "spec.nodeName!=w1"))
        self.assertTrue(sp.matches_selectors(obj, None, "metadata.name==x,spec.nodeName=w1"))


class PatchTest(unittest.TestCase):
    def test_merge_patch_replaces_lists_and_deletes_nulls(self):  # RFC 7386
        out = sp.merge_patch({"a": 1, "b": {"c": 2}, "l": [1, 2]}, {"a": None, "b": {"d": 3},
                                                                    "l": [3]})
        self.assertEqual(out, {"b": {"c": 2, "d": 3}, "l": [3]})

    def test_strategic_merge_by_merge_key(self):
        cur = {"containers": [{"name": "a", "image": "x:1"}, {"name": "b", "image": "y:1"}]}
        out = sp.merge_patch(cur, {"containers": [{"name": "b", "image": "y:2"},
                                                  {"name": "a", "$patch": "delete"}]}, True)
        self.assertEqual(out, {"containers": [{"name": "b", "image": "y:2"}]})

    def test_json_patch_ops(self):  # RFC 6902
        doc = {"spec": {"replicas": 1, "l": [1]}}
        out = sp.json_patch(doc, [{"op": "replace", "path": "/spec/replicas", "value": 3},
                                  {"op": "add", "path": "/spec/l/-", "value": 2}])
        self.assertEqual(out, {"spec": {"replicas": 3, "l": [1, 2]}})
        self.assertEqual(doc["spec"]["replicas"], 1)  # the target is not changed in place

    def test_three_way_patch_drops_what_the_last_apply_set(self):
        original = {"metadata": {"labels": {"a": "1", "b": "2"}}}
        modified = {"metadata": {"labels": {"a": "1"}}}
        current = {"metadata": {"labels": {"a": "1", "b": "2", "c": "server"}}}
        patch = sp.three_way_patch(original, modified, current)
        self.assertEqual(patch, {"metadata": {"labels": {"b": None}}})


if __name__ == "__main__":
    unittest.main()
