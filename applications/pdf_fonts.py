"""Which font subsetter WeasyPrint uses for the generated PDFs, known without loading WeasyPrint.

WeasyPrint embeds in each PDF a subset of every font it drew with. With HarfBuzz's subsetter
(Debian's libharfbuzz-subset0, HarfBuzz 4.1 or newer) that takes milliseconds; without it,
WeasyPrint 70 falls back to fontTools, in Python: seconds for the portal's CJK font as it
was, and most of a minute for the system's Noto CJK collections (issue 7, item 13). The PDFs
then use the portal's own font, prepared for fontTools (scripts/subset_cjk_font.py), and the
start-up says once what to install.
"""

import ctypes
import ctypes.util
import functools
import logging
import sys

logger = logging.getLogger(__name__)

# The names WeasyPrint 70 opens (weasyprint/text/ffi.py), the stem last for find_library.
_SUBSET_LIBRARIES = ("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll")
_HARFBUZZ_LIBRARIES = ("libharfbuzz.so.0", "libharfbuzz.0.dylib", "libharfbuzz-0.dll")
# WeasyPrint needs hb_set_add_sorted_array, new in HarfBuzz 4.1.0 (weasyprint/pdf/fonts.py).
_MINIMUM_VERSION = (4, 1, 0)
INSTALL_HINT = "apt-get install libharfbuzz-subset0"


def _open(names, stem):
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    path = ctypes.util.find_library(stem)
    if path is None:
        return None
    try:
        return ctypes.CDLL(path)
    except OSError:
        return None


@functools.cache
def harfbuzz_subset_loadable():
    """Whether the library WeasyPrint looks for opens, and its HarfBuzz is recent enough."""
    if _open(_SUBSET_LIBRARIES, "harfbuzz-subset") is None:
        return False
    harfbuzz = _open(_HARFBUZZ_LIBRARIES, "harfbuzz")
    if harfbuzz is None:
        return False
    harfbuzz.hb_version_atleast.argtypes = [ctypes.c_uint] * 3
    harfbuzz.hb_version_atleast.restype = ctypes.c_int
    return bool(harfbuzz.hb_version_atleast(*_MINIMUM_VERSION))


def harfbuzz_subset_available():
    """Whether WeasyPrint subsets fonts with HarfBuzz rather than with the slow fontTools.

    Once WeasyPrint is loaded, its own answer (the test of ``Font.subset`` in
    weasyprint/pdf/fonts.py); before that, at start-up, the same libraries opened with ctypes:
    loading WeasyPrint would cost every ``manage.py`` command one to two seconds.
    """
    fonts = sys.modules.get("weasyprint.pdf.fonts")
    if fonts is not None:
        return bool(fonts.harfbuzz_subset) and bool(fonts.harfbuzz.hb_version_atleast(*_MINIMUM_VERSION))
    return harfbuzz_subset_loadable()


class _SubsetterNotice(logging.Filter):
    """Drops WeasyPrint's notice that it subsets with fontTools, logged for every font of every
    PDF: the start-up said it once, with what to install."""

    def filter(self, record):
        return not str(record.msg).startswith("Using fontTools instead of HarfBuzz-Subset")


SUBSETTER_NOTICE = _SubsetterNotice()


def warn_if_slow_subsetter():
    """At start-up: say once when PDFs will be subset by fontTools, and what to install."""
    if harfbuzz_subset_available():
        return False
    logger.warning(
        "HarfBuzz's font subsetter (libharfbuzz-subset0, HarfBuzz %s or newer) is missing: "
        "WeasyPrint subsets the PDFs' fonts with the slower fontTools, so the PDFs are set in "
        "the portal's GB 2312 font (static/fonts/NotoSansSC-GB2312.ttf) rather than the "
        "system's Noto CJK. Install it: %s",
        ".".join(map(str, _MINIMUM_VERSION)),
        INSTALL_HINT,
    )
    logging.getLogger("weasyprint").addFilter(SUBSETTER_NOTICE)
    return True
