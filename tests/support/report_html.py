"""The HTML report read back as a tree: a strict parser (refuses malformed markup) and finders for
charts, KPIs and tables by their ids, for the report tests and the cost-estimated tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [
            n
            for n in self.walk()
            if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)
        ]

    def by_id(self, ident: str) -> Node:
        (found,) = [n for n in self.walk() if n.attrs.get("id") == ident]
        return found

    def all_text(self) -> str:
        return "".join(self.text) + "".join(c.all_text() for c in self.children)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class StrictParser(HTMLParser):
    """A tree of the page that fails on unbalanced or mis-nested tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if len(self.stack) == 1 or self.stack[-1].tag != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1].tag}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].text.append(data)


def parse(page: str) -> Node:
    parser = StrictParser()
    parser.feed(page)
    parser.close()
    assert parser.errors == []
    assert [n.tag for n in parser.stack] == ["#root"], "unclosed tags"
    return parser.root


def points(root: Node, slug: str) -> int:
    figure = root.by_id(f"chart-{slug}")
    announced = int(figure.attrs["data-points"])
    assert len(figure.find_all(cls="datum")) == announced, slug
    return announced


def legend(root: Node, slug: str) -> list[str]:
    figure = root.by_id(f"chart-{slug}")
    return [item.find_all("title")[0].all_text() for item in figure.find_all("g", "legend-item")]


def kpi(root: Node, name: str) -> str:
    (value,) = root.by_id(f"kpi-{name}").find_all("span", "kpi-value")
    return value.attrs["data-value"]


def table_rows(root: Node, ident: str) -> list[list[str]]:
    table = root.by_id(f"table-{ident}")
    (body,) = table.find_all("tbody")
    return [[td.all_text() for td in tr.find_all("td")] for tr in body.find_all("tr")]


def table_footer(root: Node, ident: str) -> list[str]:
    table = root.by_id(f"table-{ident}")
    (foot,) = table.find_all("tfoot")
    return [cell.all_text() for cell in foot.walk() if cell.tag in ("td", "th")]
