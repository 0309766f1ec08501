"""Text from a link, a file or the store, shown as itself: it never becomes markup.

Streamlit reads the body of `st.markdown`, `st.info`/`warning`/`error`/`success`, captions,
headers, widget labels and `help` tooltips as Markdown (with its extensions: `:red[...]`,
`:material/icon:`, `$math$`) and autolinks bare URLs. A name typed into a form, a cell of an
imported file, an uploaded file's name or a value in the URL goes through `literal` before it
joins such a text, so that `[Pay here](https://…)`, `![](https://…)`, `<img …>` or
`javascript:` arrive as the characters they are. Plotly and deck.gl read their labels as
HTML: `html_literal` is for those.
"""

from __future__ import annotations

import html
import re
import unicodedata

# CommonMark lets any ASCII punctuation be backslash-escaped. Escaped wherever they stand:
# what opens a link, image, tag, entity, emphasis, code, strikethrough, table cell or math
# (`[`, `]`, `<`, `>`, `&`, `*`, `` ` ``, `~`, `|`, `$`, `\`) or an e-mail autolink (`@`).
# Escaped where they would act: `_` at a word's edge (emphasis; `progress_pct` stays), `:`
# before `/` (`https://`, Streamlit's `:material/icon:`), the `.` of `www.` (autolinks), and
# a block marker opening the text (`#`, `-`, `+`, `=`, `1.`). `(`, `)`, `!` and the rest need
# nothing once `[` and `]` cannot open a link.
_ALWAYS = re.compile(r"([\\`*\[\]<>&~|$@])")
_AT_EDGE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|:(?=[a-z_]*/)|(?<=www)\.", re.IGNORECASE)
_BLOCK_START = re.compile(r"^(\s*)([#+=-]|[0-9]+(?=[.)]))")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def literal(value: object) -> str:
    """`value` as Markdown that shows exactly its text (on one line): every character
    Markdown, HTML or Streamlit could read there is escaped."""
    text = _ALWAYS.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(value)))
    text = _AT_EDGE.sub(lambda match: "\\" + match.group(0), text)
    start = _BLOCK_START.match(text)
    if start:
        marker = start.group(2)
        # A list number is escaped at its `.` or `)`: `1\.`.
        if marker[0].isdigit():
            end = start.end()
            return text[:end] + "\\" + text[end:]
        return text[: start.start(2)] + "\\" + text[start.start(2) :]
    return text


def html_literal(value: object) -> str:
    """`value` as HTML text (for plotly labels and deck.gl tooltips): `<`, `>`, `&` and
    quotes escaped, so no tag or link can be made of it."""
    return html.escape(str(value))


# Bidirectional embeddings, overrides and isolates: they reorder the text around them, so a
# title could read differently from what it holds (U+202E makes "exe.txt" of "txt.exe").
_DIRECTION_CONTROLS = frozenset(
    chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
)


def hidden_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The control and direction-changing characters in `text`, as U+XXXX (line breaks and
    tabs allowed where `multiline`): a stored text must read as what it holds."""
    allowed = "\n\r\t" if multiline else ""
    return sorted(
        {
            f"U+{ord(char):04X}"
            for char in text
            if char not in allowed
            and (unicodedata.category(char) == "Cc" or char in _DIRECTION_CONTROLS)
        }
    )
