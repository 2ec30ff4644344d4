"""A throwaway certificate authority and leaf certificates for 127.0.0.1 and localhost.

>>> authority = CertificateAuthority.create(tmp_path)
>>> leaf = authority.issue(tmp_path / "short", valid_days=3)
>>> leaf.certfile, leaf.keyfile, authority.bundle
>>> context = leaf.server_context()                  # for a loopback server over real TLS
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOSTS = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class Leaf:
    certfile: Path
    keyfile: Path
    not_after: datetime

    def server_context(self) -> ssl.SSLContext:
        """A server-side TLS context presenting this leaf."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certfile, self.keyfile)
        return context


@dataclass(frozen=True)
class CertificateAuthority:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    bundle: Path  # the CA certificate as PEM: what [http] ca_bundle points at

    @classmethod
    def create(cls, directory: Path, name: str = "drillbook test CA") -> CertificateAuthority:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.now(timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                               critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256()))
        directory.mkdir(parents=True, exist_ok=True)
        bundle = directory / "ca.pem"
        bundle.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return cls(key, cert, bundle)

    def issue(self, directory: Path, *, valid_days: float, starts_days_ago: float = 1) -> Leaf:
        """A leaf for 127.0.0.1/localhost that expires ``valid_days`` from now (negative: already expired)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(timezone.utc)
        not_after = now + timedelta(days=valid_days)
        not_before = min(now - timedelta(days=starts_days_ago), not_after - timedelta(days=1))
        names = [x509.IPAddress(ipaddress.ip_address(HOSTS[0])), x509.DNSName(HOSTS[1])]
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOSTS[0])]))
                .issuer_name(self.cert.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(not_before).not_valid_after(not_after)
                .add_extension(x509.SubjectAlternativeName(names), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                               critical=False)
                .sign(self.key, hashes.SHA256()))
        directory.mkdir(parents=True, exist_ok=True)
        certfile, keyfile = directory / "leaf.pem", directory / "leaf.key"
        certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
        return Leaf(certfile, keyfile, cert.not_valid_after_utc)
