"""A certificate's public code: 16 characters of Crockford base32, shown as `7K3M-Q9XD-2PAB-HF4T`.

The first 10 are the serial (50 random bits, stored to find the certificate); the last 6 are the first 30 bits of
an HMAC-SHA256 of the serial under the app's secret. A code whose HMAC does not match was not made here (forged,
or mistyped); one that matches but names no row is unknown (a different database, or a deleted account). Guessing
a live code means hitting both an issued serial and its HMAC: 80 bits, behind the API's rate limit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
SERIAL_LENGTH = 10
CHECK_LENGTH = 6
CODE_LENGTH = SERIAL_LENGTH + CHECK_LENGTH
# What people mistype for Crockford's digits, read as them.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_LONGEST_INPUT = 64


def _base32(data: bytes, length: int) -> str:
    number = int.from_bytes(data, "big")
    bits = len(data) * 8
    return "".join(ALPHABET[(number >> (bits - 5 * (i + 1))) & 31] for i in range(length))


def normalized(code: str) -> str:
    """Upper case, without the hyphens and spaces people type, Crockford's look-alikes read as digits."""
    return "".join(code[:_LONGEST_INPUT].split()).replace("-", "").upper().translate(_READ_AS)


def grouped(code: str) -> str:
    """`7K3MQ9XD2PABHF4T` → `7K3M-Q9XD-2PAB-HF4T`."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


class CertificateCodes:
    def __init__(self, secret: str) -> None:
        self._key = f"certificate-code:{secret}".encode()

    def new_serial(self) -> str:
        return "".join(secrets.choice(ALPHABET) for _ in range(SERIAL_LENGTH))

    def code_for(self, serial: str) -> str:
        """The code printed on the certificate, grouped for reading."""
        return grouped(serial + self._check(serial))

    def serial_of(self, code: str) -> str | None:
        """The serial a code names when its HMAC is ours; None for anything else (forged, mistyped, not a code)."""
        plain = normalized(code)
        if len(plain) != CODE_LENGTH or any(char not in ALPHABET for char in plain):
            return None
        serial, check = plain[:SERIAL_LENGTH], plain[SERIAL_LENGTH:]
        return serial if hmac.compare_digest(check, self._check(serial)) else None

    def _check(self, serial: str) -> str:
        digest = hmac.new(self._key, serial.encode(), hashlib.sha256).digest()
        return _base32(digest[:4], CHECK_LENGTH)  # 30 of the 32 bits
