"""``@username`` mentions in a reviewer's comment (pure text: the caller looks the names up)."""

from __future__ import annotations

import re

# Django's default username characters (letters, digits and @ . + - _). A mention ends at a character
# outside them; a trailing full stop or comma is the sentence's, not the name's ("thanks @rita.").
_MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]{1,150})")
_TRAILING = ".,-+@"


def mentioned_usernames(text: str) -> list[str]:
    """The distinct names written as ``@name`` in ``text``, in order of first mention, as written.

    An e-mail address (``a@b.org``) is no mention: the ``@`` must start a word.
    """
    out: list[str] = []
    for match in _MENTION.finditer(text):
        name = match.group(1).rstrip(_TRAILING)
        if name and name not in out:
            out.append(name)
    return out
