"""The cryptography of personal plans: a plan key only its owner holds, and what comes from it.

A plan key is 20 random bytes (160 bits). Everything the server stores is derived from it
with keyed BLAKE2b, one personalisation per purpose, so that no stored value helps with
another:

- `lookup(key)`: the hex digest the plan row is found by (`PersonalPlan.lookup`). Knowing it
  gives neither the key nor the box key: BLAKE2b keyed with the plan key is a PRF.
- `box_key(key)`: the XSalsa20-Poly1305 key (`SecretBox`) of the plan and its reflections.
- `private_key(key)`: a Curve25519 key pair; its public half is stored, so a colleague can
  seal feedback to the owner (`SealedBox`, which records no sender), and only the key holder
  can open it.

The owner keeps the key in two homes: a cookie of its own on the phone, and the recovery code
shown once: the key in base32 (RFC 4648 alphabet, no padding; 160 bits are exactly 32
characters), written as 8 groups of 4. Reading a typed code accepts lower case, spaces,
dashes and dots, and the two digits that can only stand for a letter of this alphabet: `0`
for `O` and `8` for `B`. `1` is refused rather than guessed, because it could be `I` or
`L` (both in the alphabet); the code as shown never holds a `0`, `1`, `8` or `9`, so reading
it back is unambiguous. There is no check digit: a mistyped code is simply not found and
counts as a wrong attempt.

A sparring share is a second, short-lived capability: 20 random bytes, written base64url in
the share's URL (27 characters). Its hash (`share_lookup`) finds the share row, and a box key
derived from it encrypts the copy of the plan the colleague reads. The plan key never
leaves the owner.

Payloads are JSON, padded with spaces to a multiple of `PAD_TO` bytes before encryption, so
that the stored length says little about the length of the text.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

import nacl.encoding
import nacl.exceptions
import nacl.hash
import nacl.utils
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox

KEY_BYTES = 20  # 160 bits: 32 base32 characters
SHARE_BYTES = 20  # 160 bits: 27 base64url characters
CODE_GROUP = 4
PAD_TO = 256

# One personalisation per derivation (BLAKE2b allows up to 16 bytes).
_LOOKUP = b"sc-plan-lookup"
_BOX = b"sc-plan-box"
_SEAL = b"sc-plan-seal"
_SHARE_LOOKUP = b"sc-share-lookup"
_SHARE_BOX = b"sc-share-box"

_BASE32 = re.compile(r"[A-Z2-7]{32}")
_SEPARATORS = re.compile(r"[\s\-._]+")
_CONFUSIONS = str.maketrans({"0": "O", "8": "B"})
_SHARE = re.compile(r"[A-Za-z0-9_-]{27}")


class CannotOpen(Exception):
    """The ciphertext was not made with this key, or it has been altered."""


# --- The plan key and its recovery code ---------------------------------------------------


def new_plan_key() -> bytes:
    return nacl.utils.random(KEY_BYTES)


def key_text(key: bytes) -> str:
    """The key as 32 base32 characters (the cookie's value; the code without dashes)."""
    return base64.b32encode(key).decode("ascii")


def recovery_code(key: bytes) -> str:
    """The key as the owner writes it down: 8 groups of 4 characters joined by dashes."""
    text = key_text(key)
    return "-".join(text[i : i + CODE_GROUP] for i in range(0, len(text), CODE_GROUP))


def parse_key(text: str) -> bytes | None:
    """The plan key in a typed recovery code or a cookie, or None if it cannot be one."""
    if not isinstance(text, str) or len(text) > 100:
        return None
    cleaned = _SEPARATORS.sub("", text).upper().translate(_CONFUSIONS)
    if not _BASE32.fullmatch(cleaned):
        return None
    return base64.b32decode(cleaned)


# --- Derivations --------------------------------------------------------------------------


def _derive(secret: bytes, person: bytes, size: int = 32) -> bytes:
    return nacl.hash.blake2b(
        b"", digest_size=size, key=secret, person=person, encoder=nacl.encoding.RawEncoder
    )


def lookup(key: bytes) -> str:
    """The hex digest a plan row is found by: 64 characters."""
    return _derive(key, _LOOKUP).hex()


def box_key(key: bytes) -> bytes:
    return _derive(key, _BOX)


def private_key(key: bytes) -> PrivateKey:
    return PrivateKey.from_seed(_derive(key, _SEAL))


def public_key(key: bytes) -> bytes:
    """The public half the server stores, so feedback can be sealed to the owner."""
    return bytes(private_key(key).public_key)


# --- Payloads -----------------------------------------------------------------------------


def _encode(payload: Any) -> bytes:
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    padded = -(-(len(data) + 1) // PAD_TO) * PAD_TO  # at least one byte of padding
    return data.ljust(padded, b" ")


def _decode(data: bytes) -> Any:
    return json.loads(data.decode())


def seal(key: bytes, payload: Any) -> bytes:
    """Encrypt a JSON payload under the plan's box key (a fresh random nonce each time)."""
    return bytes(SecretBox(box_key(key)).encrypt(_encode(payload)))


def unseal(key: bytes, ciphertext: bytes) -> Any:
    try:
        return _decode(SecretBox(box_key(key)).decrypt(bytes(ciphertext)))
    except nacl.exceptions.CryptoError as error:
        raise CannotOpen from error


def seal_to(public: bytes, payload: Any) -> bytes:
    """Encrypt for the holder of the private key alone; the sender stays unknown to all."""
    return bytes(SealedBox(PublicKey(bytes(public))).encrypt(_encode(payload)))


def open_sealed(key: bytes, ciphertext: bytes) -> Any:
    try:
        return _decode(SealedBox(private_key(key)).decrypt(bytes(ciphertext)))
    except nacl.exceptions.CryptoError as error:
        raise CannotOpen from error


# --- Sparring shares ----------------------------------------------------------------------


def new_share_code() -> str:
    """A fresh share code for a URL and a QR code: 160 random bits, base64url."""
    return base64.urlsafe_b64encode(nacl.utils.random(SHARE_BYTES)).decode().rstrip("=")


def parse_share_code(code: str) -> bytes | None:
    if not isinstance(code, str) or not _SHARE.fullmatch(code):
        return None
    try:
        secret = base64.urlsafe_b64decode(code + "=")
    except (binascii.Error, ValueError):
        return None
    # One spelling per code: the last character's unused bits must be zero.
    return secret if base64.urlsafe_b64encode(secret).decode().rstrip("=") == code else None


def share_lookup(secret: bytes) -> str:
    return _derive(secret, _SHARE_LOOKUP).hex()


def share_seal(secret: bytes, payload: Any) -> bytes:
    return bytes(SecretBox(_derive(secret, _SHARE_BOX)).encrypt(_encode(payload)))


def share_unseal(secret: bytes, ciphertext: bytes) -> Any:
    try:
        return _decode(SecretBox(_derive(secret, _SHARE_BOX)).decrypt(bytes(ciphertext)))
    except nacl.exceptions.CryptoError as error:
        raise CannotOpen from error
