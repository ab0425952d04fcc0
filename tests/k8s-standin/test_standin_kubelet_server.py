"""Tests of the kubelet's port 10250 stand-in (standin_kubelet_server): CRI log lines read as
the kubelet reads them (partial lines joined, streams merged, tailLines, timestamps, previous),
the kubelet's not-found texts, and names that would leave the pod's log folder refused."""
import os
import tempfile
import unittest

import standin_common
import standin_kubelet_server as ks

LOG = ("2026-12-07T08:00:00.1Z stdout F one\n"
       "2026-12-07T08:00:01.1Z stdout P tw\n"
       "2026-12-07T08:00:01.2Z stdout F o\n"
       "2026-12-07T08:00:02.1Z stderr F three\n")


class KubeletServerTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.TemporaryDirectory()
        self.addCleanup(self.root.cleanup)
        saved = standin_common.ROOT
        standin_common.ROOT = self.root.name
        self.addCleanup(setattr, standin_common, "ROOT", saved)
        d = os.path.join(self.root.name, "var/log/pods/app_web_1234/c")
        os.makedirs(d)
        for n, text in ((0, "2026-12-07T07:00:00Z stdout F before restart\n"), (1, LOG)):
            with open(os.path.join(d, f"{n}.log"), "w") as f:
                f.write(text)

    def test_a_pod_made_again_shows_its_own_logs(self):
        d = os.path.join(self.root.name, "var/log/pods/app_web_5678/c")
        os.makedirs(d)
        with open(os.path.join(d, "0.log"), "w") as f:
            f.write("2026-12-07T09:00:00Z stdout F the new pod\n")
        old = os.path.join(self.root.name, "var/log/pods/app_web_1234")
        os.utime(old, (1, 1))
        self.assertEqual(ks.container_logs("app", "web", "c", {}), (200, "the new pod\n"))

    def logs(self, **query):
        return ks.container_logs("app", "web", "c", {k: [v] for k, v in query.items()})

    def test_cri_lines_as_kubectl_logs_prints_them(self):
        self.assertEqual(self.logs(), (200, "one\ntwo\nthree\n"))
        self.assertEqual(self.logs(tailLines="2"), (200, "two\nthree\n"))
        self.assertEqual(self.logs(tailLines="0"), (200, ""))
        self.assertEqual(self.logs(timestamps="true")[1].splitlines()[1],
                         "2026-12-07T08:00:01.1Z two")
        self.assertEqual(self.logs(previous="true"), (200, "before restart\n"))

    def test_missing_pod_and_container(self):
        self.assertEqual(ks.container_logs("app", "nope", "c", {}),
                         (404, 'pod "nope" does not exist\n'))
        self.assertEqual(ks.container_logs("app", "web", "x", {}),
                         (404, 'container "x" not found in pod "web"\n'))

    def test_names_outside_the_pods_folder_are_refused(self):
        for name in ("..", "a/b", "*", "UPPER", ""):
            self.assertIsNone(ks.NAME_RE.match(name), name)
        self.assertIsNotNone(ks.NAME_RE.match("kube-proxy-abc12"))


if __name__ == "__main__":
    unittest.main()
