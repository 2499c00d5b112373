"""Public-key signature checks (SendGrid's ECDSA, Amazon SNS's X.509 RSA) through ``cryptography``.

``cryptography`` is an optional dependency (``pip install omnicx[crypto]``):
only these checks import it. Keys and certificates come from the host, never
fetched: a certificate URL in a message is only a name to look one up by.
"""

from __future__ import annotations

import base64
import binascii

from omnicx.errors import SignatureError, ValidationError

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
except ImportError as missing:  # pragma: no cover - the test environment has it
    raise ImportError(
        "public-key webhook signatures need the cryptography package: pip install 'omnicx[crypto]'"
    ) from missing


def _b64(text: str, name: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()).encode("ascii"), validate=True)
    except (ValueError, binascii.Error):
        raise SignatureError(name, "signature is not base64") from None


def load_public_key(key: str | bytes) -> PublicKeyTypes:
    """A public key from PEM, or from base64 DER (SubjectPublicKeyInfo) as SendGrid shows it."""
    data = key.encode() if isinstance(key, str) else key
    if b"-----BEGIN" in data:
        return serialization.load_pem_public_key(data)
    return serialization.load_der_public_key(base64.b64decode(b"".join(data.split())))


def ecdsa_key(public_key: str | bytes, field: str) -> ec.EllipticCurvePublicKey:
    """The elliptic-curve key in ``public_key`` (PEM or base64 DER), else ``ValidationError``."""
    try:
        key = load_public_key(public_key)
    except (ValueError, TypeError, binascii.Error):
        key = None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValidationError.single(
            field, "expected an elliptic-curve public key, as PEM or base64 DER"
        )
    return key


def rsa_certificate_key(certificate: str | bytes, field: str) -> rsa.RSAPublicKey:
    """The RSA key of a PEM X.509 certificate, else ``ValidationError``."""
    pem = certificate.encode() if isinstance(certificate, str) else certificate
    try:
        key = x509.load_pem_x509_certificate(pem).public_key()
    except ValueError:
        key = None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValidationError.single(field, "expected a PEM X.509 certificate with an RSA key")
    return key


def verify_ecdsa(key: ec.EllipticCurvePublicKey, data: bytes, signature: str, name: str) -> None:
    """Check a base64 DER ECDSA-SHA256 ``signature`` of ``data``; ``SignatureError`` names ``name``."""
    raw = _b64(signature, name)
    try:
        key.verify(raw, data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        raise SignatureError(name, "signature does not match the request") from None


def verify_rsa(
    key: rsa.RSAPublicKey, data: bytes, signature: str, *, sha256: bool, name: str
) -> None:
    """Check a base64 RSA PKCS#1 v1.5 ``signature`` of ``data`` (SHA-256, or SHA-1)."""
    raw = _b64(signature, name)
    digest = hashes.SHA256() if sha256 else hashes.SHA1()
    try:
        key.verify(raw, data, padding.PKCS1v15(), digest)
    except (InvalidSignature, ValueError):
        raise SignatureError(name, "signature does not match the message") from None
