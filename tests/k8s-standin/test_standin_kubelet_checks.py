"""Tests of the stand-in kubelet's start-up refusals (standin_kubelet_checks.py).

Each test shows the stand-in rejecting what the real kubelet rejects, and accepting the setting
that lets the real kubelet start. Run from this directory:
    python3 -m unittest -v test_standin_kubelet_checks
"""

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import standin_kubelet_checks as checks  # noqa: E402

# A config the kubelet accepts apart from what each test is about (the kubelet refuses a file
# without its apiVersion and kind before it looks at anything else).
KUBELET_CONFIG = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"

# /proc/self/mountinfo lines: this machine's hybrid layout, and a pure cgroup v2 host.
HYBRID = ("31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
          "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
          "40 31 0:35 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n")
UNIFIED = "31 23 0:28 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
ROOTFUL_UID_MAP = "         0          0 4294967295\n"
ROOTLESS_UID_MAP = "         0       1000          1\n         1     100000      65536\n"
HOST_SYSCTLS = {"vm/overcommit_memory": "0", "vm/panic_on_oom": "0", "kernel/panic": "0",
                "kernel/panic_on_oops": "0", "kernel/keys/root_maxkeys": "1000000",
                "kernel/keys/root_maxbytes": "25000000"}


class Host:
    """A fake /proc: mountinfo, uid_map and sysctls in a temp dir."""

    def __init__(self, mountinfo, uid_map=ROOTFUL_UID_MAP, sysctls=None):
        self.dir = tempfile.TemporaryDirectory()
        self.root = self.dir.name
        self.write("/proc/self/mountinfo", mountinfo)
        self.write("/proc/self/uid_map", uid_map)
        for k, v in (sysctls or HOST_SYSCTLS).items():
            self.write(f"/proc/sys/{k}", v + "\n")

    def write(self, path, text):
        full = self.root + path
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)

    def check(self, version, config, flags=None):
        return checks.startup_error(version, config, flags or {},
                                    mountinfo_path=self.root + "/proc/self/mountinfo",
                                    uid_map_path=self.root + "/proc/self/uid_map",
                                    sysctl_dir=self.root + "/proc/sys")


def make_host(tc, *args, **kw):
    host = Host(*args, **kw)
    tc.addCleanup(host.dir.cleanup)
    return host


class CgroupV1Test(unittest.TestCase):
    def test_hybrid_counts_as_v1_and_135_refuses_it_by_default(self):
        host = make_host(self, HYBRID)
        err = host.check("v1.35.0", {"kind": "KubeletConfiguration"})
        self.assertIsNotNone(err)
        self.assertIn("kubelet is configured to not run on a host using cgroup v1", err[0])
        self.assertIn("failed to validate kubelet configuration", err[0])
        self.assertIn("cgroup v1 support is unsupported and will be removed in a future release",
                      err[0])
        # An explicit true refuses on any version that has the field, in that version's words.
        old = host.check("v1.31.0", {"failCgroupV1": True})
        self.assertIn("cgroup v1 support is in maintenance mode", old[0])

    def test_fail_cgroup_v1_false_lets_it_start(self):
        host = make_host(self, HYBRID)
        self.assertIsNone(host.check("v1.35.0", {"failCgroupV1": False}))
        self.assertIsNone(host.check("v1.36.1", {"failCgroupV1": False}))

    def test_before_135_the_default_is_false(self):
        self.assertIsNone(make_host(self, HYBRID).check("v1.34.1", {}))
        # Before 1.31 the field does not exist: nothing to refuse with.
        self.assertIsNone(make_host(self, HYBRID).check("v1.30.14", {"failCgroupV1": True}))

    def test_cgroup2_hosts_start(self):
        self.assertIsNone(make_host(self, UNIFIED).check("v1.36.1", {}))

    def test_last_mount_on_the_point_decides(self):
        # cgroup2 mounted over an older tmpfs: statfs sees cgroup2.
        both = HYBRID.splitlines()[0] + "\n" + UNIFIED
        self.assertTrue(checks.cgroup2_unified(both))
        self.assertIsNone(checks.cgroup2_unified("1 0 0:1 / / rw - ext4 /dev/sda rw\n"))


class UserNamespaceTest(unittest.TestCase):
    def test_user_namespace_without_the_gate_is_refused(self):
        host = make_host(self, UNIFIED, uid_map=ROOTLESS_UID_MAP)
        err = host.check("v1.35.0", {})
        self.assertIsNotNone(err)
        self.assertIn("enable KubeletInUserNamespace", err[0])
        self.assertIn("Failed to start ContainerManager", err[1])
        self.assertIn("/proc/sys/vm/overcommit_memory: permission denied", err[1])

    def test_the_gate_in_config_or_flags_lets_it_start(self):
        host = make_host(self, UNIFIED, uid_map=ROOTLESS_UID_MAP)
        self.assertIsNone(host.check("v1.35.0",
                                     {"featureGates": {"KubeletInUserNamespace": True}}))
        self.assertIsNone(host.check("v1.35.0", {},
                                     {"feature-gates": "KubeletInUserNamespace=true"}))
        # The flag wins over the file, as in the kubelet.
        self.assertIsNotNone(host.check("v1.35.0",
                                        {"featureGates": {"KubeletInUserNamespace": True}},
                                        {"feature-gates": "KubeletInUserNamespace=false"}))

    def test_full_uid_map_is_not_a_user_namespace(self):
        self.assertIsNone(make_host(self, UNIFIED).check("v1.35.0", {}))

    def test_sysctls_already_right_need_no_write(self):
        wanted = dict(checks.KERNEL_TUNABLES)
        host = make_host(self, UNIFIED, uid_map=ROOTLESS_UID_MAP, sysctls=wanted)
        self.assertIsNone(host.check("v1.35.0", {}))


class KubeletProcessTest(unittest.TestCase):
    """The stand-in kubelet itself exits 1 with the message (the hook in kubelet_main)."""

    def run_kubelet(self, host, config_text):
        host.write("/var/lib/kubelet/config.yaml", config_text)
        launch = (f"import sys; sys.path.insert(0, {HERE!r}); import standin; "
                  f"sys.exit(standin.main(['kubelet'] + sys.argv[1:]))")
        env = dict(os.environ, STANDIN_ROOT=host.root, STANDIN_TOOL="kubelet")
        return subprocess.run([sys.executable, "-c", launch,
                               "--config=/var/lib/kubelet/config.yaml"],
                              env=env, capture_output=True, text=True, timeout=30)

    def test_kubelet_exits_on_a_hybrid_host(self):
        host = make_host(self, HYBRID)
        p = self.run_kubelet(host, KUBELET_CONFIG)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("kubelet is configured to not run on a host using cgroup v1", p.stderr)

    def test_kubelet_exits_in_a_user_namespace_without_the_gate(self):
        host = make_host(self, UNIFIED, uid_map=ROOTLESS_UID_MAP)
        p = self.run_kubelet(host, KUBELET_CONFIG)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("enable KubeletInUserNamespace", p.stderr)


if __name__ == "__main__":
    unittest.main()
