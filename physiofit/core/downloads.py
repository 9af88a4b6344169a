"""Responses for documents about a patient (PDFs of handouts, notes, records)."""

from django.http import HttpResponse


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    """A PDF shown in the browser, never kept by a shared browser's or a proxy's cache. The
    file name carries a chart reference at most, never a name."""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
