"""PDF documents: HTML rendered by WeasyPrint, and the response that serves them."""

from django.http import HttpResponse


def render(html: str) -> bytes:
    """The PDF of an HTML document (its styles inline or in <style>)."""
    from weasyprint import HTML  # (loads Pango: only when a PDF is asked for)

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """Shown in the browser, saved under `filename`."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
