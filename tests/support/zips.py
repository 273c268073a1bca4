"""Zips for the import tests: a real small project (with a secret, a binary and folders to leave out), and zips
written byte by byte for what zipfile will not write (lying sizes, raw names, flags, a real bomb)."""

import io
import struct
import zipfile
import zlib

FAKE_KEY = "sk-test-4f9c2b7e1d0a8c6b5e3f2a1d9c8b7a6e"
PROJECT = {
    "calc-main/README.md": "# calc\n\nAdds numbers. Run `python -m pytest`.\n",
    "calc-main/pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\ntestpaths = ["tests"]\n',
    "calc-main/src/calc/__init__.py": "from .ops import add\n",
    "calc-main/src/calc/ops.py": "def add(a, b):\n    return a + b\n",
    "calc-main/tests/test_ops.py": "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
    "calc-main/.env": f"OPENAI_API_KEY={FAKE_KEY}\n",
    "calc-main/.git/HEAD": "ref: refs/heads/main\n",
    "calc-main/.git/config": "[core]\n\tbare = false\n",
    "calc-main/vendor/lib/.git/HEAD": "ref: refs/heads/main\n",
    "__MACOSX/calc-main/._README.md": "\0\5\26\7 mac metadata",
}
PNG = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256))


def zip_of(files: dict, **extra) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        for info, content in extra.get("entries", []):
            archive.writestr(info, content)
    return buffer.getvalue()


def entry(name: str, kind: int, content: bytes = b"") -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # unix: the mode is in the high half of external_attr
    info.external_attr = (kind | 0o777) << 16
    return info, content


def raw_zip(*members: dict) -> bytes:
    """A zip written byte by byte, for what zipfile will not write: lying sizes, raw names, flags, a real bomb."""
    out, central = io.BytesIO(), []
    for member in members:
        name, data = member["name"], member["data"]
        flags, method = member.get("flags", 0), member.get("method", zipfile.ZIP_DEFLATED)
        crc, size = member["crc"], member["size"]
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, 0, 0x21, crc, len(data), size,
                              len(name), 0) + name + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x0314, 20, flags, method, 0, 0x21, crc,
                                   len(data), size, len(name), 0, 0, 0, 0, member.get("attr", 0o100644 << 16),
                                   offset) + name)
    directory = b"".join(central)
    start = out.tell()
    out.write(directory + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory),
                                      start, 0))
    return out.getvalue()


def deflated(data: bytes) -> dict:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return {"data": compressor.compress(data) + compressor.flush(), "crc": zlib.crc32(data), "size": len(data)}


def zeros_bomb(megabytes: int) -> dict:
    """`megabytes` MB of zeros as about a thousandth of that in deflate: each MB after the first compresses to the
    same bytes, so the bomb is built without compressing it all."""
    chunk = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_SYNC_FLUSH)
    middle = compressor.compress(chunk) + compressor.flush(zlib.Z_SYNC_FLUSH)
    last = compressor.compress(chunk) + compressor.flush()
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(chunk, crc)
    return {"data": first + middle * (megabytes - 2) + last, "crc": crc, "size": megabytes << 20}
