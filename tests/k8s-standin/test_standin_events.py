"""Tests of standin_events: the kubelet's container events, repeats as one Event with a count,
and the spam filter holding back what client-go's holds back."""
import unittest

import standin_events as ev

POD = {"metadata": {"name": "web-1", "namespace": "default", "uid": "u-1"}}


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


class RecorderTest(unittest.TestCase):
    def setUp(self):
        self.clock = Clock()
        self.r = ev.Recorder("lab-worker", clock=self.clock)

    def record(self, message="Error: ErrImageNeverPull"):
        return self.r.container_event(POD, "app", "Warning", "Failed", message)

    def test_first_is_created_repeats_patch_the_count(self):
        path, method, body = self.record()
        self.assertEqual((path, method), ("/api/v1/namespaces/default/events", "POST"))
        self.assertTrue(body["metadata"]["name"].startswith("web-1."))
        self.assertEqual(body["involvedObject"]["fieldPath"], "spec.containers{app}")
        self.assertEqual(body["source"], {"component": "kubelet", "host": "lab-worker"})
        self.assertEqual((body["type"], body["count"]), ("Warning", 1))
        name = body["metadata"]["name"]
        self.assertIsNone(self.record(), "a repeat within the pod worker's 10 s back-off")
        self.clock.t += 10
        path, method, body = self.record()
        self.assertEqual((path, method), (f"/api/v1/namespaces/default/events/{name}", "PATCH"))
        self.assertEqual(body["count"], 2)
        self.clock.t += 10
        self.assertEqual(self.record()[2]["count"], 3)
        # Another message is another event.
        self.assertEqual(self.record("Error: ImagePullBackOff")[1], "POST")

    def test_the_spam_filter_lets_25_through_then_one_per_5_minutes(self):
        sent = 0
        for i in range(40):
            if self.r.container_event(POD, "app", "Warning", "Failed", f"m{i}") is not None:
                sent += 1
        self.assertEqual(sent, 25)
        self.clock.t += 299
        self.assertIsNone(self.r.container_event(POD, "app", "Warning", "Failed", "late"))
        self.clock.t += 2
        self.assertIsNotNone(self.r.container_event(POD, "app", "Warning", "Failed", "later"))

    def test_a_gone_event_is_made_again(self):
        name = self.record()[2]["metadata"]["name"]
        self.r.forget(f"/api/v1/namespaces/default/events/{name}")
        self.clock.t += 10
        self.assertEqual(self.record()[1], "POST")


class WordsTest(unittest.TestCase):
    def test_what_the_kubelet_says_for_each_wait(self):
        never = ev.container_events(
            ("ErrImageNeverPull", 'Container image "x:1" is not present with pull policy of '
                                  'Never'), "x:1", "app", POD)
        self.assertEqual([r for _, r, _ in never], ["ErrImageNeverPull", "Failed"])
        self.assertEqual(never[1][2], "Error: ErrImageNeverPull")
        pull = ev.container_events(("ErrImagePull", "rpc error: not found"), "x:1", "app", POD)
        self.assertEqual(pull[0], ("Warning", "Failed",
                                   'Failed to pull image "x:1": rpc error: not found'))
        back = ev.container_events(("ImagePullBackOff", 'Back-off pulling image "x:1"'), "x:1",
                                   "app", POD)
        self.assertEqual(back[0][:2], ("Normal", "BackOff"))
        crash = ev.container_events(("CrashLoopBackOff", "back-off 10s"), "x:1", "app", POD)
        self.assertEqual(crash, [("Warning", "BackOff",
                                  "Back-off restarting failed container app in pod "
                                  "web-1_default(u-1)")])
        self.assertEqual(ev.container_events(("ContainerCreating", None), "x", "app", POD), [])
        self.assertEqual(ev.container_events((None, None), "x", "app", POD), [])


if __name__ == "__main__":
    unittest.main()
