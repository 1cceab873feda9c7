"""Lexical helpers for the SQL text both executors run.

The same SQL text is sent to the RDS Data API (named ``:param`` placeholders, one statement per
call) and to psycopg (``%(param)s`` placeholders). These helpers scan SQL just far enough to know
what is code and what is a comment, a quoted string, a quoted identifier or a dollar-quoted body,
so that statement splitting and placeholder rewriting never look inside literals.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

SegmentKind = Literal["code", "comment", "literal"]

_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")
PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_][A-Za-z_0-9]*)")
"""A ``:name`` placeholder (not a ``::type`` cast)."""


class SqlSyntaxError(ValueError):
    """The SQL text ends inside a comment, a quoted string or a dollar-quoted body."""


def segments(sql: str) -> Iterator[tuple[SegmentKind, str]]:
    """Yield ``(kind, text)`` pieces of ``sql``; joining the texts gives ``sql`` back."""
    i, n, start = 0, len(sql), 0
    while i < n:
        ch = sql[i]
        nxt = sql[i + 1] if i + 1 < n else ""
        end: int | None = None
        kind: SegmentKind = "literal"
        if ch == "-" and nxt == "-":
            newline = sql.find("\n", i)
            end, kind = (n if newline == -1 else newline + 1), "comment"
        elif ch == "/" and nxt == "*":
            end, kind = _block_comment_end(sql, i), "comment"
        elif ch == "'":
            escapes = i > 0 and sql[i - 1] in "eE" and (i < 2 or not _is_word(sql[i - 2]))
            end = _quoted_end(sql, i, "'", backslash_escapes=escapes)
        elif ch == '"':
            end = _quoted_end(sql, i, '"', backslash_escapes=False)
        elif ch == "$" and (i == 0 or not _is_word(sql[i - 1])):
            match = _DOLLAR_TAG.match(sql, i)
            if match:
                close = sql.find(match.group(0), match.end())
                if close == -1:
                    raise SqlSyntaxError(f"unterminated dollar-quoted string at offset {i}")
                end = close + len(match.group(0))
        if end is None:
            i += 1
            continue
        if start < i:
            yield "code", sql[start:i]
        yield kind, sql[i:end]
        i = start = end
    if start < n:
        yield "code", sql[start:]


def split_statements(sql: str) -> list[str]:
    """Split a script into single statements (without the trailing ``;``).

    Comment-only pieces are dropped; comments inside a statement are kept.
    """
    statements: list[str] = []
    current: list[str] = []
    has_code = False

    def flush() -> None:
        nonlocal has_code
        text = "".join(current).strip()
        if has_code and text:
            statements.append(text)
        current.clear()
        has_code = False

    for kind, text in segments(sql):
        if kind != "code":
            current.append(text)
            has_code = has_code or kind == "literal"
            continue
        parts = text.split(";")
        for index, part in enumerate(parts):
            if index:
                flush()
            current.append(part)
            has_code = has_code or bool(part.strip())
    flush()
    return statements


def parameter_names(sql: str) -> list[str]:
    """Names of the ``:name`` placeholders in ``sql``, in order of first appearance."""
    names: list[str] = []
    for kind, text in segments(sql):
        if kind == "code":
            for name in PARAMETER.findall(text):
                if name not in names:
                    names.append(name)
    return names


def to_pyformat(sql: str) -> str:
    """Rewrite ``:name`` placeholders as psycopg's ``%(name)s`` (and escape literal ``%``)."""
    out: list[str] = []
    for kind, text in segments(sql):
        text = text.replace("%", "%%")
        if kind == "code":
            text = PARAMETER.sub(r"%(\1)s", text)
        out.append(text)
    return "".join(out)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _block_comment_end(sql: str, i: int) -> int:
    depth, j = 0, i
    while j < len(sql) - 1:
        pair = sql[j : j + 2]
        if pair == "/*":
            depth, j = depth + 1, j + 2
        elif pair == "*/":
            depth, j = depth - 1, j + 2
            if depth == 0:
                return j
        else:
            j += 1
    raise SqlSyntaxError(f"unterminated block comment at offset {i}")


def _quoted_end(sql: str, i: int, quote: str, *, backslash_escapes: bool) -> int:
    j = i + 1
    while j < len(sql):
        ch = sql[j]
        if backslash_escapes and ch == "\\":
            j += 2
            continue
        if ch == quote:
            if j + 1 < len(sql) and sql[j + 1] == quote:
                j += 2
                continue
            return j + 1
        j += 1
    kind = "identifier" if quote == '"' else "string"
    raise SqlSyntaxError(f"unterminated quoted {kind} at offset {i}")
