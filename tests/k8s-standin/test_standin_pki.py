"""Tests of the stand-in's PKI (standin_pki) against what kubeadm makes
(cmd/kubeadm/app/util/pkiutil): the algorithms `encryptionAlgorithm` allows, leaf certificates
with the SANs asked for and signed by their CA, and the `sha256:` pin of the CA's public key that
`kubeadm join --discovery-token-ca-cert-hash` checks."""
import hashlib
import subprocess
import unittest

import standin_common
import standin_pki as pki

pki.load_crypto()


class PkiTest(unittest.TestCase):
    def test_leaf_has_its_sans_and_is_signed_by_its_ca_only(self):
        ca, ca_key = pki.new_ca("kubernetes", "ECDSA-P256")
        other, _ = pki.new_ca("kubernetes", "ECDSA-P256")
        key = pki.new_key("ECDSA-P256")
        leaf = pki.sign_cert(ca, ca_key, key.public_key(), "kube-apiserver",
                             dns=["kubernetes.default"], ips=["10.96.0.1", "fd00::1"],
                             server=True)
        self.assertEqual(pki.cert_sans(leaf), (["kubernetes.default"], ["10.96.0.1", "fd00::1"]))
        self.assertTrue(pki.signed_by(leaf, ca))
        self.assertFalse(pki.signed_by(leaf, other))

    def test_unsupported_algorithm_is_refused_with_kubeadms_words(self):
        with self.assertRaises(standin_common.Fail) as e:
            pki.new_key("RSA-1024")
        self.assertIn('encryptionAlgorithm: Unsupported value: "RSA-1024"', str(e.exception))

    def test_ca_cert_hash_is_the_spki_pin_openssl_computes(self):
        ca, _ = pki.new_ca("kubernetes", "RSA-2048")
        pem = pki.cert_pem(ca)
        der = subprocess.run(["openssl", "x509", "-pubkey", "-noout"], input=pem,
                             capture_output=True, check=True).stdout
        spki = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=der,
                              capture_output=True, check=True).stdout
        self.assertEqual(pki.ca_cert_hash(ca), "sha256:" + hashlib.sha256(spki).hexdigest())


if __name__ == "__main__":
    unittest.main()
