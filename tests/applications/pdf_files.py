"""Hostile and worst-accepted PDFs, written byte by byte (pypdf would take minutes to build
them), for the tests and for scripts/benchmark.py (review of issue 8: PDF cost)."""

import os


def _pdf(objects, trailer=b""):
    """A PDF of ``objects`` (bodies, numbered from 1: the catalog, the page tree, the page),
    with ``trailer`` added to its trailer dictionary."""
    parts, offsets, size = [b"%PDF-1.7\n"], [], 9
    for number, body in enumerate(objects, start=1):
        chunk = b"%d 0 obj\n%s\nendobj\n" % (number, body)
        offsets.append(size)
        parts.append(chunk)
        size += len(chunk)
    parts.append(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    parts.append(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    parts.append(
        b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, trailer, size)
    )
    return b"".join(parts)


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"


def page(resources):
    return b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources " + resources + b" >>"


def many_objects_pdf(count, per_array=90_000, key=b"/Junk"):
    """One page whose /Resources hangs ``count`` small objects on ``key`` (a key no page uses),
    through arrays of ``per_array`` references each (under pypdf's 100,000 per array)."""
    groups = (count + per_array - 1) // per_array
    first = 4 + groups
    arrays = [
        b"[" + b" ".join(b"%d 0 R" % (first + i) for i in range(lo, min(count, lo + per_array))) + b"]"
        for lo in range(0, count, per_array)
    ]
    hung = b"[" + b" ".join(b"%d 0 R" % (4 + group) for group in range(groups)) + b"]"
    small = [b"<< /A %d >>" % i for i in range(count)]
    return _pdf([CATALOG, PAGES, page(b"<< " + key + b" " + hung + b" >>"), *arrays, *small])


def one_huge_object_pdf(items):
    """One page whose font is a single object of ``items`` numbers (arrays of 90,000)."""
    array = b"[" + b"0 " * 90_000 + b"]"
    body = b"<< " + b" ".join(b"/K%d %s" % (i, array) for i in range(max(1, items // 90_000))) + b" >>"
    return _pdf([CATALOG, PAGES, page(b"<< /Font << /F1 4 0 R >> >>"), body])


def junk_trailer_pdf(items):
    """One blank page, and a trailer holding ``items`` numbers in nested arrays (each under
    pypdf's 100,000): pypdf parses the trailer as it opens the file."""
    arrays = b" ".join(b"[" + b"1 " * min(90_000, items - lo) + b"]" for lo in range(0, items, 90_000))
    return _pdf([CATALOG, PAGES, page(b"<< >>")], trailer=b"/Junk [" + arrays + b"]")


IMAGE = (
    b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray"
    b" /BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream"
)


def worst_accepted_pdf(objects, items, size):
    """The costliest one-page PDF within the limits: ``objects`` indirect objects in all, all
    of them reached from the page's /Properties (which a page may use), holding about
    ``items`` parsed items in all, padded with an image of random bytes to ``size`` bytes."""
    # Entry 0 of the table, the catalog, the page tree, the page, the properties, the image.
    count = objects - 6
    # Per body: the dictionary, its key, the array, the numbers; 2 per entry of /Properties.
    per = max(0, (items - 4 * count) // count - 3)
    numbers = b" ".join(b"%d" % n for n in range(per))
    properties = b"<< " + b" ".join(b"/P%d %d 0 R" % (i, 6 + i) for i in range(count)) + b" >>"
    bodies = [b"<< /A [%s] >>" % numbers] * count
    head = [CATALOG, PAGES, page(b"<< /Properties 4 0 R /XObject << /Im0 5 0 R >> >>"), properties]
    padding = max(0, size - len(_pdf([*head, IMAGE % (0, b""), *bodies])) - 16)
    return _pdf([*head, IMAGE % (padding, os.urandom(padding)), *bodies])
