"""The stand-in's IP-family rules (standin_ipfamily.py) against the real components' cases."""

import unittest

import standin_ipfamily as fam


class ServiceFamily(unittest.TestCase):
    def test_an_ipv4_advertise_address_with_ipv6_services_is_refused_as_the_apiserver_does(self):
        self.assertEqual(
            fam.service_family_problem("fd00:10:96::/112", "172.18.0.2"),
            'service IP family "fd00:10:96::/112" must match public address family "172.18.0.2"')

    def test_the_primary_range_decides_in_dual_stack(self):
        self.assertIsNone(fam.service_family_problem("10.96.0.0/16,fd00:10:96::/112", "172.18.0.2"))
        self.assertIsNone(fam.service_family_problem("fd00:10:96::/112,10.96.0.0/16", "fd9e::2"))
        self.assertIsNotNone(
            fam.service_family_problem("fd00:10:96::/112,10.96.0.0/16", "172.18.0.2"))
        self.assertIsNotNone(fam.service_family_problem("10.96.0.0/16", "fd9e::2"))


class NodeIps(unittest.TestCase):
    def test_one_address_or_a_pair_of_families(self):
        self.assertEqual(fam.parse_node_ips("172.18.0.2"), (["172.18.0.2"], []))
        self.assertEqual(fam.parse_node_ips("fd9e::2, 172.18.0.2"),
                         (["fd9e::2", "172.18.0.2"], []))

    def test_an_unparsable_part_is_ignored_as_the_kubelet_does(self):
        self.assertEqual(fam.parse_node_ips("172.18.0.2,node-a"), (["172.18.0.2"], ["node-a"]))

    def test_two_of_one_family_or_three_are_refused_with_the_kubelets_words(self):
        for bad in ("172.18.0.2,172.18.0.3", "fd9e::2,fd9e::3", "172.18.0.2,fd9e::2,10.0.0.1"):
            with self.assertRaises(ValueError) as e:
                fam.parse_node_ips(bad)
            self.assertEqual(str(e.exception), f'bad --node-ip "{bad}": must contain either a '
                                               f'single IP or a dual-stack pair of IPs')

    def test_an_unspecified_address_in_a_pair_is_refused(self):
        with self.assertRaises(ValueError) as e:
            fam.parse_node_ips("172.18.0.2,::")
        self.assertIn("cannot include '0.0.0.0' or '::'", str(e.exception))


class NodesFile(unittest.TestCase):
    def node(self, name, ips, cidrs):
        return {"metadata": {"name": name},
                "status": {"addresses": [{"type": "InternalIP", "address": i} for i in ips]
                           + [{"type": "Hostname", "address": name}]},
                "spec": {"podCIDR": cidrs[0], "podCIDRs": cidrs} if cidrs else {}}

    def test_every_family_of_every_node_with_pod_cidrs(self):
        nodes = [self.node("a", ["172.18.0.2", "fd9e::2"], ["10.244.0.0/24", "fd00:10:244::/64"]),
                 self.node("b", ["fd9e::3"], ["fd00:10:244:1::/64"]),
                 self.node("c", ["172.18.0.4"], [])]
        self.assertEqual(fam.nodes_lines(nodes),
                         "a 172.18.0.2,fd9e::2 10.244.0.0/24,fd00:10:244::/64\n"
                         "b fd9e::3 fd00:10:244:1::/64\n")


class DualStackNodeStatus(unittest.TestCase):
    def test_a_patch_with_two_internal_ips_keeps_both(self):
        import standin_patch
        node = {"status": {"addresses": [{"type": "InternalIP", "address": "172.18.0.2"},
                                         {"type": "Hostname", "address": "n"}]}}
        both = [{"type": "InternalIP", "address": "172.18.0.2"},
                {"type": "InternalIP", "address": "fd9e::2"}, {"type": "Hostname", "address": "n"}]
        out = standin_patch.merge_patch(node, {"status": {"addresses": both}}, strategic=True)
        self.assertEqual(out["status"]["addresses"], both)
        # One address per type still merges by type (a single-stack node's new address).
        moved = [{"type": "InternalIP", "address": "172.18.0.9"}]
        out = standin_patch.merge_patch(node, {"status": {"addresses": moved}}, strategic=True)
        self.assertEqual(out["status"]["addresses"][0]["address"], "172.18.0.9")


if __name__ == "__main__":
    unittest.main()
