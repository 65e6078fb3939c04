"""PDF documents: HTML rendered by WeasyPrint, and the response that serves them."""

from django.http import HttpResponse

FOOTER_STYLE = (
    'font-family: "DejaVu Sans", sans-serif; font-size: 6.5pt; color: #555; white-space: nowrap;'
)


def css_string(text: str) -> str:
    """`text` as a CSS string literal (quotes, backslashes and line breaks escaped)."""
    escaped = "".join(
        ch if ch.isprintable() and ch not in '"\\' else f"\\{ord(ch):x} " for ch in text
    )
    return f'"{escaped}"'


def with_footer(html: str, footer: str) -> str:
    """The document with `footer` printed in the bottom margin of every page."""
    if not footer:
        return html
    rule = (
        f"<style>@page {{ @bottom-center {{ content: {css_string(footer)}; "
        f"{FOOTER_STYLE} }} }}</style>"
    )
    head_end = html.lower().find("</head>")
    if head_end == -1:
        return rule + html
    return html[:head_end] + rule + html[head_end:]


def render(html: str, *, footer: str) -> bytes:
    """The PDF of an HTML document (its styles inline or in <style>).

    Every document Parcours produces carries a footer, the head of the organisation's
    journal (see core.journal_chain.footer): the caller supplies it, as lib knows
    nothing of the journal.
    """
    from weasyprint import HTML  # (loads Pango: only when a PDF is asked for)

    pdf: bytes = HTML(string=with_footer(html, footer)).write_pdf()
    return pdf


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """Shown in the browser, saved under `filename`."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
