"""A procedure's text as headings, paragraphs and lists: the simple markup the référent
qualité writes in a text area (a block per paragraph separated by an empty line, "## " at
the start of a block for a heading, "- " at the start of a line for a list). Templates
escape the text; no HTML is ever taken from it (`includes/text_blocks.html`)."""

from dataclasses import dataclass, field


@dataclass
class Block:
    kind: str  # "h", "p" or "ul"
    text: str = ""
    items: list[str] = field(default_factory=list)


def text_blocks(text: str) -> list[Block]:
    """The text as headings, paragraphs and lists (escaped by the template)."""
    blocks: list[Block] = []
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in chunk.strip().splitlines() if line.strip()]
        if not lines:
            continue
        if lines[0].startswith("## "):
            blocks.append(Block("h", lines[0][3:].strip()))
            lines = lines[1:]
        paragraph: list[str] = []
        items: list[str] = []
        for line in lines:
            if line.startswith("- "):
                if paragraph:
                    blocks.append(Block("p", " ".join(paragraph)))
                    paragraph = []
                items.append(line[2:].strip())
            else:
                if items:
                    blocks.append(Block("ul", items=items))
                    items = []
                paragraph.append(line)
        if paragraph:
            blocks.append(Block("p", " ".join(paragraph)))
        if items:
            blocks.append(Block("ul", items=items))
    return blocks
