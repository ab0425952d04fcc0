"""TEST DOUBLE: the cluster's X.509 material, made as kubeadm makes it
(cmd/kubeadm/app/util/pkiutil/pki_helpers.go and app/phases/certs): CAs valid 10 years, leaf
certificates 1 year signed by them with the SANs and key usages kubeadm sets, keys RSA-2048 or
ECDSA-P256 per `encryptionAlgorithm`, `sha256:` CA public-key pins as kubeadm's pubkeypin package
computes them. Real cryptography (`cryptography`), imported only when a tool needs it.
"""
import datetime
import hashlib
import ipaddress
import re

from standin_common import Fail, PKI, read_file, write_file


x509 = hashes = serialization = ec = rsa = padding = ExtendedKeyUsageOID = NameOID = None


def load_crypto():
    """Import `cryptography` on demand (kubeadm, kubelet); kubectl starts faster without it."""
    global x509, hashes, serialization, ec, rsa, padding, ExtendedKeyUsageOID, NameOID
    if x509 is None:
        from cryptography import x509 as _x509
        from cryptography.hazmat.primitives import hashes as _h, serialization as _s
        from cryptography.hazmat.primitives.asymmetric import ec as _ec, padding as _p, rsa as _r
        from cryptography.x509.oid import ExtendedKeyUsageOID as _eku, NameOID as _n
        x509, hashes, serialization, ec, rsa, padding = _x509, _h, _s, _ec, _r, _p
        ExtendedKeyUsageOID, NameOID = _eku, _n






def new_key(algo="RSA-2048"):
    if algo in ("ECDSA-P256", "ECDSA"):
        return ec.generate_private_key(ec.SECP256R1())
    if algo == "ECDSA-P384":
        return ec.generate_private_key(ec.SECP384R1())
    m = re.match(r"^RSA-(2048|3072|4096)$", algo or "RSA-2048")
    if not m:
        raise Fail(f'encryptionAlgorithm: Unsupported value: "{algo}": supported values: '
                   '"ECDSA-P256", "ECDSA-P384", "RSA-2048", "RSA-3072", "RSA-4096"')
    return rsa.generate_private_key(public_exponent=65537, key_size=int(m.group(1)))


def key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def load_cert(pem):
    return x509.load_pem_x509_certificate(pem if isinstance(pem, bytes) else pem.encode())


def load_key(pem):
    return serialization.load_pem_private_key(pem if isinstance(pem, bytes) else pem.encode(), None)


def x509_name(cn, orgs=()):
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in orgs]
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def _validity(builder, days):
    now = datetime.datetime.now(datetime.timezone.utc)
    return builder.not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(
        now + datetime.timedelta(days=days))


def new_ca(cn, algo, days=3650):
    key = new_key(algo)
    name = x509_name(cn)
    b = x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(
        key.public_key()).serial_number(x509.random_serial_number())
    b = _validity(b, days)
    b = b.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    b = b.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                      key_encipherment=True, data_encipherment=False,
                                      key_agreement=False, key_cert_sign=True, crl_sign=False,
                                      encipher_only=False, decipher_only=False), critical=True)
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    return b.sign(key, hashes.SHA256()), key


def sign_cert(ca_cert, ca_key, public_key, cn, orgs=(), dns=(), ips=(), server=False,
              client=False, days=365):
    b = x509.CertificateBuilder().subject_name(x509_name(cn, orgs)).issuer_name(
        ca_cert.subject).public_key(public_key).serial_number(x509.random_serial_number())
    b = _validity(b, days)
    b = b.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    b = b.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                      key_encipherment=isinstance(public_key, rsa.RSAPublicKey),
                                      data_encipherment=False, key_agreement=False,
                                      key_cert_sign=False, crl_sign=False, encipher_only=False,
                                      decipher_only=False), critical=True)
    usages = ([ExtendedKeyUsageOID.SERVER_AUTH] if server else []) + (
        [ExtendedKeyUsageOID.CLIENT_AUTH] if client else [])
    b = b.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                        critical=False)
    sans = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return b.sign(ca_key, hashes.SHA256())


def ca_cert_hash(cert):
    """kubeadm's discovery hash: sha256 of the CA's DER SubjectPublicKeyInfo."""
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return "sha256:" + hashlib.sha256(spki).hexdigest()


def cert_sans(cert):
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], []
    return (ext.get_values_for_type(x509.DNSName),
            [str(i) for i in ext.get_values_for_type(x509.IPAddress)])


def cert_subject(cert):
    cn = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    orgs = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    return (cn[0] if cn else ""), orgs


def signed_by(cert, ca_cert):
    try:
        pub = ca_cert.public_key()
        if isinstance(pub, rsa.RSAPublicKey):
            pub.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                       cert.signature_hash_algorithm)
        else:
            pub.verify(cert.signature, cert.tbs_certificate_bytes,
                       ec.ECDSA(cert.signature_hash_algorithm))
        return True
    except Exception:
        return False


def pki_path(name, ext):
    return f"{PKI}/{name}.{ext}"


def write_pair(name, cert, key):
    write_file(pki_path(name, "key"), key_pem(key), 0o600)
    write_file(pki_path(name, "crt"), cert_pem(cert), 0o644)


def load_pair(name):
    return (load_cert(read_file(pki_path(name, "crt"), True)),
            load_key(read_file(pki_path(name, "key"), True)))
