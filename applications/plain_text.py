"""Names and codes are plain text: no invisible control characters.

A right-to-left override (U+202E) makes "联盟协议‮fdp.exe" read as "联盟协议exe.pdf"; pasted from a
web page or a chat, zero-width and direction marks make two equal names differ. Names, codes
and telephone numbers refuse them (Unicode categories Cc and Cf), texts all but line breaks
and tabs, and a download's file name drops them whatever is stored.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

INVISIBLE = {"Cc", "Cf"}


def invisible_characters(value):
    """The control and format characters in ``value``, as ``U+202E`` labels, once each."""
    found = dict.fromkeys(f"U+{ord(char):04X}" for char in value if unicodedata.category(char) in INVISIBLE)
    return list(found)


# What a multi-line text may hold of the control characters: line breaks and tabs.
LINE_BREAKS = frozenset("\n\r\t")


def refuse_invisible_characters(value, *, allowed=frozenset()):
    """Model-field validator for one-line names and codes."""
    found = [label for label in invisible_characters(value or "") if chr(int(label[2:], 16)) not in allowed]
    if found:
        raise ValidationError(
            _(
                "含有不可见的控制字符（%(characters)s，如文字方向控制符或零宽字符），"
                "多为复制粘贴时带入。请删除后重新输入，或直接手工键入。"
            ),
            params={"characters": ", ".join(found[:5])},
            code="invisible_characters",
        )


def refuse_invisible_characters_in_text(value):
    """Model-field validator for multi-line texts: as for names, but line breaks and tabs are
    kept."""
    refuse_invisible_characters(value, allowed=LINE_BREAKS)


def download_name(text, fallback="download"):
    """``text`` fit for a Content-Disposition file name: no controls, no path separators."""
    kept = "".join(char for char in text if unicodedata.category(char) not in INVISIBLE)
    kept = kept.replace("/", "-").replace("\\", "-").strip()
    return kept or fallback
