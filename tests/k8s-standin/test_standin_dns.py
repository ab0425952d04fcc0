"""The cluster DNS stand-in: answers for Services, headless Services and pod names, NXDOMAIN
and NODATA with the zone's SOA, hostile packets, forwarding, and a real server on sockets
opened through setns."""
import os
import random
import socket
import struct
import unittest

import standin_dns as dns


def query(name, qtype=dns.A, qid=0x1234):
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + dns.encode_name(name) + \
        struct.pack("!HH", qtype, 1)


def parse(resp):
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", resp[:12])
    _, off = dns.read_name(resp, 12)
    off += 4
    answers = []
    for _ in range(an + ns):
        if resp[off] & 0xC0 == 0xC0:
            off += 2
        else:
            _, off = dns.read_name(resp, off)
        rtype, _, ttl, length = struct.unpack("!HHIH", resp[off:off + 10])
        answers.append((rtype, ttl, resp[off + 10:off + 10 + length]))
        off += 10 + length
    return {"id": qid, "rcode": flags & 0xF, "aa": bool(flags & 0x0400), "an": an, "ns": ns,
            "records": answers}


SERVICES = [
    {"metadata": {"name": "hello", "namespace": "t"},
     "spec": {"clusterIP": "10.96.0.20", "clusterIPs": ["10.96.0.20"]}},
    {"metadata": {"name": "db", "namespace": "t"}, "spec": {"clusterIP": "None"}},
    {"metadata": {"name": "out", "namespace": "t"},
     "spec": {"type": "ExternalName", "externalName": "example.com"}},
]
SLICES = [{"metadata": {"name": "db-1", "namespace": "t",
                        "labels": {"kubernetes.io/service-name": "db"}},
           "endpoints": [{"addresses": ["10.244.1.5"], "conditions": {"ready": True}},
                         {"addresses": ["10.244.1.6"], "conditions": {"ready": False}}]}]
RECORDS = dns.Records(SERVICES, SLICES, "cluster.local")


class AnswerTest(unittest.TestCase):
    def ask(self, name, qtype=dns.A, forward=None):
        return parse(dns.respond(query(name, qtype), RECORDS, forward))

    def test_service_a_record(self):
        r = self.ask("hello.t.svc.cluster.local")
        self.assertEqual((r["rcode"], r["aa"], r["an"], r["id"]), (0, True, 1, 0x1234))
        self.assertEqual(r["records"][0], (dns.A, 30, socket.inet_aton("10.96.0.20")))
        # case does not matter, a trailing dot neither
        self.assertEqual(self.ask("HELLO.t.svc.cluster.local.")["an"], 1)

    def test_no_aaaa_for_an_ipv4_service_is_nodata(self):
        r = self.ask("hello.t.svc.cluster.local", dns.AAAA)
        self.assertEqual((r["rcode"], r["an"], r["ns"]), (0, 0, 1))
        self.assertEqual(r["records"][0][0], dns.SOA)

    def test_missing_names_are_nxdomain(self):
        for name in ("nope.t.svc.cluster.local", "hello.other.svc.cluster.local",
                     "hello.cluster.local", "a.b.c.d.svc.cluster.local"):
            r = self.ask(name)
            self.assertEqual((r["rcode"], r["an"], r["ns"]), (dns.NXDOMAIN, 0, 1), name)

    def test_headless_external_name_and_pods(self):
        r = self.ask("db.t.svc.cluster.local")
        self.assertEqual([x[2] for x in r["records"]], [socket.inet_aton("10.244.1.5")])
        r = self.ask("out.t.svc.cluster.local")
        self.assertEqual(r["records"][0][0], dns.CNAME)
        r = self.ask("10-244-1-7.t.pod.cluster.local")
        self.assertEqual(r["records"][0][2], socket.inet_aton("10.244.1.7"))

    def test_outside_the_zone_is_forwarded(self):
        seen = []
        answer = b"forwarded"
        out = dns.respond(query("example.com"), RECORDS, lambda q: seen.append(q) or answer)
        self.assertEqual(out, answer)
        self.assertEqual(len(seen), 1)
        r = parse(dns.respond(query("example.com"), RECORDS, lambda q: None))
        self.assertEqual((r["rcode"], r["aa"]), (dns.SERVFAIL, False))

    def test_hostile_packets(self):
        self.assertIsNone(dns.respond(b"", RECORDS))
        self.assertIsNone(dns.respond(b"\x01", RECORDS))
        for bad in (b"\x12\x34" + b"\x00" * 4, query("x")[:-3],
                    struct.pack("!HHHHHH", 1, 0, 1, 0, 0, 0) + b"\xc0\x0c\x00\x01\x00\x01",
                    struct.pack("!HHHHHH", 1, 0, 1, 0, 0, 0) + b"\x50abc",
                    struct.pack("!HHHHHH", 1, 0x8000, 1, 0, 0, 0) + dns.encode_name("a") +
                    b"\x00\x01\x00\x01"):
            r = parse(dns.respond(bad, RECORDS) + b"\x00" * 5)
            self.assertEqual(r["rcode"], dns.FORMERR, bad)
        for _ in range(200):  # random bytes never raise
            dns.respond(bytes(random.getrandbits(8) for _ in range(random.randint(0, 40))),
                        RECORDS)


@unittest.skipUnless(os.geteuid() == 0, "setns(2) needs root")
class ServerTest(unittest.TestCase):
    def test_udp_and_tcp_through_setns(self):
        port = random.randint(20000, 40000)
        socks = dns.sockets_in_netns("/proc/self/ns/net", port)
        server = dns.Server(socks, RECORDS)
        self.addCleanup(server.stop)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as c:
            c.settimeout(5)
            c.sendto(query("hello.t.svc.cluster.local"), ("127.0.0.1", port))
            r = parse(c.recv(4096))
        self.assertEqual(r["records"][0][2], socket.inet_aton("10.96.0.20"))
        with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
            q = query("db.t.svc.cluster.local")
            c.sendall(struct.pack("!H", len(q)) + q)
            size = struct.unpack("!H", c.recv(2))[0]
            data = b""
            while len(data) < size:
                data += c.recv(size - len(data))
        self.assertEqual(parse(data)["an"], 1)


if __name__ == "__main__":
    unittest.main()
