"""Tests of the stand-in kubectl's JSONPath (standin_jsonpath), with results as the real
`kubectl get -o jsonpath=...` prints them (client-go/util/jsonpath)."""
import unittest

import standin_common
import standin_jsonpath as jp

PODS = {"items": [
    {"metadata": {"name": "a"}, "status": {"phase": "Running", "podIP": "10.244.1.2"}},
    {"metadata": {"name": "b"}, "status": {"phase": "Pending"}},
]}


def render(template, data=PODS):
    return jp.jp_render(jp.jp_tokenize(template), data)


class JsonPathTest(unittest.TestCase):
    def test_fields_wildcards_and_indexes(self):
        self.assertEqual(render("{.items[*].metadata.name}"), "a b")
        self.assertEqual(render("{.items[0].status.podIP}"), "10.244.1.2")
        self.assertEqual(render("{.items[-1].metadata.name}"), "b")
        self.assertEqual(render("{..phase}"), "Running Pending")

    def test_filter_and_range(self):
        self.assertEqual(render('{.items[?(@.status.phase=="Running")].metadata.name}'), "a")
        self.assertEqual(render("{range .items[*]}{.metadata.name}{'\\n'}{end}"), "a\nb\n")

    def test_non_strings_print_as_json(self):
        self.assertEqual(render("{.items[0].status}"),
                         '{"phase": "Running", "podIP": "10.244.1.2"}')
        self.assertEqual(render("{.x}", {"x": True}), "true")

    def test_unclosed_action_fails(self):
        with self.assertRaises(standin_common.Fail):
            jp.jp_tokenize("{.items")


if __name__ == "__main__":
    unittest.main()
