//! The CA pin `kubeadm join` checks during discovery (`--discovery-token-ca-cert-hash`).

use sha2::{Digest, Sha256};
use x509_cert::der::{DecodePem, Encode};
use x509_cert::Certificate;

use super::KubeadmError;

const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";

/// `sha256:<hex>` of the SHA-256 of the certificate's DER-encoded SubjectPublicKeyInfo: the
/// same value `kubeadm token create --print-join-command` prints. `ca_pem` is the text of
/// `/etc/kubernetes/pki/ca.crt`; the first certificate in it is used, text around it ignored.
pub(crate) fn ca_cert_hash(ca_pem: &str) -> Result<String, KubeadmError> {
    let start = ca_pem
        .find(BEGIN)
        .ok_or_else(|| KubeadmError::CaCert(format!("no {BEGIN} line found")))?;
    let len = ca_pem[start..]
        .find(END)
        .ok_or_else(|| KubeadmError::CaCert(format!("no {END} line found")))?;
    let block = &ca_pem[start..start + len + END.len()];
    let cert = Certificate::from_pem(block.as_bytes())
        .map_err(|e| KubeadmError::CaCert(format!("not a valid X.509 certificate: {e}")))?;
    // DER is canonical, so re-encoding the decoded key gives back the certificate's own bytes.
    let spki = cert
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|e| KubeadmError::CaCert(format!("could not encode the public key: {e}")))?;
    let digest = Sha256::digest(&spki);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("sha256:{hex}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Hashes computed with:
    // openssl x509 -in ca-*.crt -pubkey -noout | openssl pkey -pubin -outform der | sha256sum
    const RSA_CA: &str = include_str!("testdata/ca-rsa.crt");
    const RSA_HASH: &str = include_str!("testdata/ca-rsa.sha256");
    const EC_CA: &str = include_str!("testdata/ca-ecdsa.crt");
    const EC_HASH: &str = include_str!("testdata/ca-ecdsa.sha256");

    fn expected(sum: &str) -> String {
        format!("sha256:{}", sum.split_whitespace().next().unwrap())
    }

    #[test]
    fn matches_openssl_for_rsa_and_ecdsa() {
        assert_eq!(ca_cert_hash(RSA_CA).unwrap(), expected(RSA_HASH));
        assert_eq!(ca_cert_hash(EC_CA).unwrap(), expected(EC_HASH));
    }

    #[test]
    fn ignores_surrounding_text_and_uses_the_first_certificate() {
        let text = format!("subject=CN = kubernetes\n{RSA_CA}\n{EC_CA}");
        assert_eq!(ca_cert_hash(&text).unwrap(), expected(RSA_HASH));
    }

    #[test]
    fn rejects_non_certificates() {
        for bad in [
            "",
            "hello",
            "-----BEGIN CERTIFICATE-----\nAAAA\n",
            &RSA_CA.replace('M', "N"),
        ] {
            let err = ca_cert_hash(bad).unwrap_err();
            assert!(matches!(err, KubeadmError::CaCert(_)), "{bad:?}: {err}");
        }
    }
}
