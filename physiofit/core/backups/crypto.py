"""Whole-archive encryption: the header, scrypt key derivation, STREAM AES-GCM chunks
(EncryptingWriter to write, decrypt_stream to read) and is_encrypted."""

import hashlib
import hmac
import io
import secrets
import struct
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .errors import BackupError

# A header (magic, scrypt cost, chunk size, salt, nonce prefix) and its HMAC under a key derived
# from the passphrase, then the archive in AES-256-GCM chunks: the STREAM construction (Hoang,
# Reyhanitabar, Rogaway, Vizár 2015). Chunk i is sealed with nonce prefix || i, and the header
# plus a last-chunk flag as associated data, so a changed, reordered, dropped or cut-off chunk
# fails its tag. Memory stays at one chunk whatever the size of the media.

MAGIC = b"PFBKENC1"
HEADER = struct.Struct(">8sBBBB16s8s")  # magic, log2 N, r, p, log2 chunk size, salt, nonce prefix
MAC_SIZE = 32
TAG_SIZE = 16
SCRYPT_LOG2_N = 17  # 128 MiB and about half a second: cheap once a night, dear to guess at
SCRYPT_R, SCRYPT_P = 8, 1
CHUNK_LOG2 = 20  # 1 MiB


def _derive(passphrase: str, *, log2_n: int, r: int, p: int, salt: bytes) -> tuple[bytes, bytes]:
    """The AES key and the header's HMAC key, from one scrypt run over the passphrase."""
    derived = Scrypt(salt=salt, length=64, n=1 << log2_n, r=r, p=p).derive(passphrase.encode())
    return derived[:32], derived[32:]


def _chunk_nonce(prefix: bytes, counter: int) -> bytes:
    return prefix + counter.to_bytes(4, "big")


def _chunk_ad(header: bytes, last: bool) -> bytes:
    return header + (b"\x01" if last else b"\x00")


class EncryptingWriter(io.RawIOBase):
    """A write-only stream that encrypts what it is given into `sink`.

    `close()` seals the last chunk and must be called, or the output reads as cut short. It
    does not close `sink`."""

    def __init__(
        self,
        sink: BinaryIO,
        passphrase: str,
        *,
        log2_n: int = SCRYPT_LOG2_N,
        chunk_log2: int = CHUNK_LOG2,
    ):
        super().__init__()
        self._sink = sink
        self._chunk_size = 1 << chunk_log2
        self._prefix = secrets.token_bytes(8)
        salt = secrets.token_bytes(16)
        self._header = HEADER.pack(
            MAGIC, log2_n, SCRYPT_R, SCRYPT_P, chunk_log2, salt, self._prefix
        )
        key, mac_key = _derive(passphrase, log2_n=log2_n, r=SCRYPT_R, p=SCRYPT_P, salt=salt)
        self._aead = AESGCM(key)
        self._buffer = bytearray()
        self._counter = 0
        sink.write(self._header)
        sink.write(hmac.new(mac_key, self._header, hashlib.sha256).digest())

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        # A full chunk is sealed only once more data follows it: the last one carries the flag.
        while len(self._buffer) > self._chunk_size:
            self._seal(bytes(self._buffer[: self._chunk_size]), last=False)
            del self._buffer[: self._chunk_size]
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
        super().close()

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        if self._counter >= 1 << 32:
            raise OverflowError("archive too large for one encrypted stream")
        nonce = _chunk_nonce(self._prefix, self._counter)
        self._sink.write(self._aead.encrypt(nonce, chunk, _chunk_ad(self._header, last)))
        self._counter += 1


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def decrypt_stream(source: BinaryIO, sink: BinaryIO, passphrase: str) -> None:
    """Decrypt what EncryptingWriter wrote. Raises BackupError("wrong_key") when the header's
    HMAC fails and BackupError("damaged") when any chunk does; `sink` then holds a prefix of the
    plaintext, which the caller must discard."""
    header = source.read(HEADER.size)
    if len(header) < HEADER.size:
        raise BackupError("damaged", part=0)
    magic, log2_n, r, p, chunk_log2, salt, prefix = HEADER.unpack(header)
    # Bounds keep a crafted header from asking for gigabytes of scrypt memory.
    if magic != MAGIC or not (10 <= log2_n <= 22 and 1 <= r <= 32 and 1 <= p <= 16):
        raise BackupError("wrong_key")
    if not 10 <= chunk_log2 <= 24:
        raise BackupError("wrong_key")
    key, mac_key = _derive(passphrase, log2_n=log2_n, r=r, p=p, salt=salt)
    expected = hmac.new(mac_key, header, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, source.read(MAC_SIZE)):
        raise BackupError("wrong_key")
    aead = AESGCM(key)
    block = (1 << chunk_log2) + TAG_SIZE
    counter = 0
    current = source.read(block)
    while True:
        following = source.read(block) if len(current) == block else b""
        last = not following
        try:
            plain = aead.decrypt(_chunk_nonce(prefix, counter), current, _chunk_ad(header, last))
        except InvalidTag:
            raise BackupError("damaged", part=counter + 1) from None
        sink.write(plain)
        if last:
            return
        current, counter = following, counter + 1
