"""What a certificate looks like: its PDF and the public verification page.

The words are in ``certificate_templates/texts.json`` (en, lv, lt, nl: a translator edits them
there), the layouts in ``certificate_templates/certificate.html`` and ``verify.html`` (Jinja2,
every value HTML-escaped). The PDF is the certificate's HTML rendered by WeasyPrint as PDF/UA-1:
tagged (a structure tree and ``/MarkInfo``), with a text layer, the document's language
(``/Lang``) and title, and a logical reading order (a heading, the facts, a heading and an
ordered list of the outcomes, then the verification code and URL); the font (DejaVu Sans, which
carries every Latvian, Lithuanian and Dutch diacritic) is embedded from
``CERTIFICATE_FONT_DIR``.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .domain import Verdict
from .domain.outcomes import CERTIFICATE_LANGUAGES, CompetenceArea

TEMPLATES = Path(__file__).with_name("certificate_templates")


@lru_cache(maxsize=1)
def _catalogue() -> Dict[str, Dict[str, str]]:
    return json.loads((TEMPLATES / "texts.json").read_text(encoding="utf-8"))


def texts(language: str) -> Dict[str, str]:
    """The certificate's words in ``language`` (English for a language it has none in)."""
    catalogue = _catalogue()
    return catalogue[language] if language in CERTIFICATE_LANGUAGES and language in catalogue else catalogue["en"]


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                       autoescape=select_autoescape(["html"]))


def outcome_lines(outcomes: Sequence[Any], areas: Sequence[CompetenceArea], language: str) -> List[Dict[str, Any]]:
    """Each outcome's title, description and competence areas (labelled in ``language``)."""
    labels = {area.id: area.label(language) for area in areas}
    return [{"title": o.title, "description": o.description,
             "areas": [labels.get(a, a) for a in (o.areas or [])]} for o in outcomes]


def certificate_html(*, language: str, name: str, programme: str, issued_on: str, code: str, url: str,
                     outcomes: Sequence[Mapping[str, Any]], font_dir: str) -> str:
    font_url = Path(font_dir).resolve().as_uri()
    return _environment().get_template("certificate.html").render(
        t=texts(language), language=language, name=name, programme=programme, issued_on=issued_on, code=code,
        url=url, outcomes=outcomes, font_dir=font_url)


def certificate_pdf(html: str) -> bytes:
    """The HTML as a tagged PDF/UA-1 document, its fonts embedded."""
    import weasyprint  # imported when first needed: it loads Pango

    return weasyprint.HTML(string=html, base_url=str(TEMPLATES)).write_pdf(pdf_variant="pdf/ua-1")


def verify_html(verdict: Verdict, language: Optional[str]) -> str:
    """The public verification page: genuine or not, and for a genuine one only what it certifies."""
    language = language if language in CERTIFICATE_LANGUAGES else "en"
    return _environment().get_template("verify.html").render(t=texts(language), language=language, verdict=verdict)
