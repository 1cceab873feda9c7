#!/usr/bin/env python3
"""Write terraform-docs style tables into a module's README.md, without terraform-docs.

    python3 scripts/tfdocs.py modules/analytics modules/sender .      # rewrite the READMEs
    python3 scripts/tfdocs.py --check modules/analytics modules/sender .  # exit 1 if stale

For each module directory it reads the top-level ``*.tf`` files, finds the ``terraform``,
``variable``, ``output``, ``module``, ``resource`` and ``data`` blocks with a small HCL-aware
scanner (strings, interpolations, heredocs and comments are skipped when matching braces), and
replaces the text between ``<!-- BEGIN_TF_DOCS -->`` and ``<!-- END_TF_DOCS -->`` in README.md with
Requirements, Providers, Modules, Resources, Inputs and Outputs tables in terraform-docs'
markdown-table layout. Anything outside the markers is left alone.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"
REGISTRY = "https://registry.terraform.io/providers/hashicorp/{provider}/latest/docs/{kind}/{name}"


# --------------------------------------------------------------------------- scanning


def _skip_string(text: str, i: int) -> int:
    """``text[i]`` is an opening quote; return the index after the closing quote."""
    i += 1
    depth = 0  # ${ ... } / %{ ... } nesting inside the string
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
        elif text.startswith("$${", i) or text.startswith("%%{", i):
            i += 3  # escaped, literal
        elif text.startswith("${", i) or text.startswith("%{", i):
            depth += 1
            i += 2
        elif depth and c == "}":
            depth -= 1
            i += 1
        elif depth and c == '"':
            i = _skip_string(text, i)
        elif c == '"':
            return i + 1
        else:
            i += 1
    raise ValueError("unterminated string")


_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_]*)\n")


def _skip_heredoc(text: str, i: int) -> tuple[int, str]:
    """``text[i:]`` starts a heredoc; return (index after it, its content)."""
    m = _HEREDOC.match(text, i)
    assert m
    indented, marker = m.group(1) == "-", m.group(2)
    end = re.compile(rf"^[ \t]*{marker}[ \t]*$", re.M).search(text, m.end())
    if not end:
        raise ValueError(f"unterminated heredoc {marker}")
    body = text[m.end() : end.start()]
    if indented:
        lines = body.split("\n")
        indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
        cut = min(indents, default=0)
        body = "\n".join(line[cut:] for line in lines)
    return end.end(), body


def _skip_comment(text: str, i: int) -> int | None:
    if text.startswith("#", i) or text.startswith("//", i):
        j = text.find("\n", i)
        return len(text) if j < 0 else j
    if text.startswith("/*", i):
        j = text.find("*/", i + 2)
        return len(text) if j < 0 else j + 2
    return None


def _matching(text: str, i: int) -> int:
    """``text[i]`` is an opening bracket; return the index of its matching closer."""
    pairs = {"{": "}", "[": "]", "(": ")"}
    stack = [pairs[text[i]]]
    i += 1
    while i < len(text):
        c = text[i]
        skipped = _skip_comment(text, i)
        if skipped is not None:
            i = skipped
            continue
        if c == '"':
            i = _skip_string(text, i)
            continue
        if _HEREDOC.match(text, i):
            i, _ = _skip_heredoc(text, i)
            continue
        if c in pairs:
            stack.append(pairs[c])
        elif c in "}])":
            if c != stack.pop():
                raise ValueError(f"unbalanced {c!r} at {i}")
            if not stack:
                return i
        i += 1
    raise ValueError("unbalanced brackets")


_BLOCK = re.compile(
    r'^(terraform|variable|output|module|resource|data)\b((?:\s+"[^"]*")*)\s*\{', re.M
)


def blocks(text: str):
    """Yield (kind, labels, body) for each top-level block of interest."""
    i = 0
    while True:
        m = _BLOCK.search(text, i)
        if not m:
            return
        open_at = m.end() - 1
        close = _matching(text, open_at)
        labels = re.findall(r'"([^"]*)"', m.group(2))
        yield m.group(1), labels, text[open_at + 1 : close]
        i = close + 1


_ATTR = re.compile(r"^[ \t]*([A-Za-z_][A-Za-z0-9_-]*)[ \t]*=(?!=)[ \t]*", re.M)


def attributes(body: str) -> dict[str, str]:
    """Top-level ``name = expression`` pairs of a block body (nested blocks are skipped)."""
    out: dict[str, str] = {}
    i = 0
    while i < len(body):
        skipped = _skip_comment(body, i)
        if skipped is not None:
            i = skipped
            continue
        c = body[i]
        if c in "{[(":
            i = _matching(body, i) + 1
            continue
        if c == '"':
            i = _skip_string(body, i)
            continue
        m = _ATTR.match(body, i) if (i == 0 or body[i - 1] == "\n") else None
        if not m:
            i += 1
            continue
        name, j = m.group(1), m.end()
        start = j
        while j < len(body) and body[j] != "\n":
            skipped = _skip_comment(body, j)
            if skipped is not None:
                break
            if body[j] in "{[(":
                j = _matching(body, j) + 1
            elif body[j] == '"':
                j = _skip_string(body, j)
            elif _HEREDOC.match(body, j):
                j, _ = _skip_heredoc(body, j)
                break
            else:
                j += 1
        out[name] = body[start:j].strip()
        i = j
    return out


def string_value(expr: str) -> str:
    """The value of a string literal or heredoc expression (other expressions: as written)."""
    expr = expr.strip()
    if expr.startswith("<<"):
        _, content = _skip_heredoc(expr + "\n", 0)
        return content.strip()
    if expr.startswith('"') and expr.endswith('"'):
        try:
            return json.loads(expr.replace("$${", "${").replace("%%{", "%{"))
        except json.JSONDecodeError:
            return expr[1:-1]
    return expr


# --------------------------------------------------------------------------- model


@dataclass
class Module:
    requirements: dict[str, str] = field(default_factory=dict)
    providers: set[str] = field(default_factory=set)
    modules: list[tuple[str, str]] = field(default_factory=list)
    resources: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, type, name)
    variables: list[dict[str, str | None]] = field(default_factory=list)
    outputs: list[dict[str, str]] = field(default_factory=list)


def load(directory: Path) -> Module:
    mod = Module()
    for path in sorted(directory.glob("*.tf")):
        text = path.read_text(encoding="utf-8")
        for kind, labels, body in blocks(text):
            attrs = attributes(body)
            if kind == "terraform":
                if "required_version" in attrs:
                    mod.requirements["terraform"] = string_value(attrs["required_version"])
                rp = re.search(r"required_providers\s*\{", body)
                if rp:
                    inner = body[rp.end() - 1 : _matching(body, rp.end() - 1) + 1]
                    for name, spec in re.findall(r"(\w+)\s*=\s*(\{[^}]*\})", inner):
                        version = re.search(r'version\s*=\s*"([^"]*)"', spec)
                        mod.requirements[name] = version.group(1) if version else "n/a"
            elif kind == "variable":
                mod.variables.append(
                    {
                        "name": labels[0],
                        "description": string_value(attrs.get("description", '""')),
                        "type": attrs.get("type", "any"),
                        "default": attrs.get("default"),
                    }
                )
            elif kind == "output":
                mod.outputs.append(
                    {"name": labels[0], "description": string_value(attrs.get("description", '""'))}
                )
            elif kind == "module":
                mod.modules.append((labels[0], string_value(attrs.get("source", '""'))))
            elif kind in ("resource", "data"):
                mod.resources.append((kind, labels[0], labels[1]))
                mod.providers.add(labels[0].split("_", 1)[0])
    return mod


# --------------------------------------------------------------------------- rendering


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell(text: str) -> str:
    """Free text in a table cell: HTML-escaped, pipes escaped, newlines as <br/>."""
    return _html(text.strip()).replace("|", "\\|").replace("\n", "<br/>")


def _code(expr: str) -> str:
    """An HCL expression: inline code, or a <pre> block when it spans several lines."""
    expr = expr.strip()
    if "\n" not in expr:
        return "`" + expr.replace("|", "\\|") + "`"
    first, *rest = expr.split("\n")
    cut = min((len(line) - len(line.lstrip()) for line in rest if line.strip()), default=0)
    lines = [first] + [line[cut:] for line in rest]
    return "<pre>" + "<br/>".join(_html(line).replace("|", "\\|") for line in lines) + "</pre>"


def _anchor(prefix: str, name: str) -> str:
    escaped = name.replace("_", "\\_")
    return f'<a name="{prefix}_{name}"></a> [{name}](#{prefix}\\_{escaped})'


def render(mod: Module) -> str:
    out: list[str] = []
    out += ["## Requirements", "", "| Name | Version |", "|------|---------|"]
    for name, version in sorted(
        mod.requirements.items(), key=lambda kv: (kv[0] != "terraform", kv[0])
    ):
        out.append(f"| {_anchor('requirement', name)} | {_cell(version)} |")

    out += ["", "## Providers", ""]
    if mod.providers:
        out += ["| Name | Version |", "|------|---------|"]
        for name in sorted(mod.providers):
            out.append(
                f"| {_anchor('provider', name)} | {_cell(mod.requirements.get(name, 'n/a'))} |"
            )
    else:
        out.append("No providers.")

    out += ["", "## Modules", ""]
    if mod.modules:
        out += ["| Name | Source | Version |", "|------|--------|---------|"]
        for name, source in sorted(mod.modules):
            out.append(f"| {_anchor('module', name)} | {_cell(source)} | n/a |")
    else:
        out.append("No modules.")

    out += ["", "## Resources", ""]
    if mod.resources:
        out += ["| Name | Type |", "|------|------|"]
        for kind, rtype, name in sorted(mod.resources, key=lambda r: (r[1], r[2], r[0])):
            provider, short = rtype.split("_", 1)
            url = REGISTRY.format(
                provider=provider,
                kind="resources" if kind == "resource" else "data-sources",
                name=short,
            )
            label = "resource" if kind == "resource" else "data source"
            out.append(f"| [{rtype}.{name}]({url}) | {label} |")
    else:
        out.append("No resources.")

    out += ["", "## Inputs", ""]
    if mod.variables:
        out += [
            "| Name | Description | Type | Default | Required |",
            "|------|-------------|------|---------|:--------:|",
        ]
        ordered = sorted(mod.variables, key=lambda v: (v["default"] is not None, v["name"]))
        for v in ordered:
            default = "n/a" if v["default"] is None else _code(v["default"])
            required = "yes" if v["default"] is None else "no"
            out.append(
                f"| {_anchor('input', v['name'])} | {_cell(v['description'] or '')} | "
                f"{_code(v['type'] or 'any')} | {default} | {required} |"
            )
    else:
        out.append("No inputs.")

    out += ["", "## Outputs", ""]
    if mod.outputs:
        out += ["| Name | Description |", "|------|-------------|"]
        for o in sorted(mod.outputs, key=lambda o: o["name"]):
            out.append(f"| {_anchor('output', o['name'])} | {_cell(o['description'])} |")
    else:
        out.append("No outputs.")
    return "\n".join(out)


def update(readme: Path, content: str) -> str:
    text = readme.read_text(encoding="utf-8") if readme.exists() else f"{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{content}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directories", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="fail if a README is out of date")
    args = parser.parse_args(argv)
    stale = []
    for directory in args.directories:
        readme = directory / "README.md"
        new = update(readme, render(load(directory)))
        old = readme.read_text(encoding="utf-8") if readme.exists() else None
        if new != old:
            if args.check:
                stale.append(str(readme))
            else:
                readme.write_text(new, encoding="utf-8")
                print(f"updated {readme}")
    if stale:
        print("out of date (run scripts/tfdocs.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
