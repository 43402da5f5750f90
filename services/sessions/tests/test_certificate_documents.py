"""A certificate's PDF read back (pypdf): its text with every diacritic of lv and lt, tagged
(PDF/UA: a structure tree, marked content), its language and title, its fonts embedded; and
the verification page, escaped, showing nothing of a certificate that is not valid."""
from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any, List

import pytest
from pypdf import PdfReader

from services.platform_core.settings import SETTINGS
from services.sessions import certificate_documents as documents
from services.sessions.domain import competence_areas
from services.sessions.domain.certificate import ERASED, Verdict

LATVIAN = "āčēģīķļņšūž"
LITHUANIAN = "ąčęėįšųūž"
FONT_DIR = next(s.default for s in SETTINGS if s.name == "CERTIFICATE_FONT_DIR")


def pdf_of(language: str, name: str, titles, areas=()) -> PdfReader:
    settings = {"content": {"areas": [{"id": "teamwork", "labels": {"en": "Teamwork", "lv": "Komandas darbs",
                                                                    "lt": "Komandinis darbas"}}]}}
    outcomes = [SimpleNamespace(title=t, description=f"{t}: {LATVIAN}", areas=list(areas)) for t in titles]
    html = documents.certificate_html(
        language=language, name=name, programme="Otrā iespēja / Antra galimybė", issued_on="2025-05-05",
        code="ABCD-EFGH-IJKL-MNOP-QRST-UVWX", url="https://mentoring.example/verify/ABCD-EFGH-IJKL-MNOP-QRST-UVWX",
        outcomes=documents.outcome_lines(outcomes, competence_areas(settings), language), font_dir=FONT_DIR)
    return PdfReader(io.BytesIO(documents.certificate_pdf(html)))


def test_the_pdf_carries_every_diacritic_as_text_tagged_with_its_language_and_fonts_embedded():
    reader = pdf_of("lv", f"Jānis Bērziņš {LATVIAN}", [f"Komandas darbs {LATVIAN}", f"Ąžuolų sodas {LITHUANIAN}"],
                    areas=["teamwork"])
    text = "".join(page.extract_text() for page in reader.pages)
    for expected in ("Mācīšanās rezultātu sertifikāts", f"Jānis Bērziņš {LATVIAN}", f"Komandas darbs {LATVIAN}",
                     f"Ąžuolų sodas {LITHUANIAN}", "Kompetenču jomas: Komandas darbs", "ABCD-EFGH-IJKL-MNOP-QRST-UVWX",
                     "https://mentoring.example/verify/ABCD-EFGH-IJKL-MNOP-QRST-UVWX", "Otrā iespēja"):
        assert expected in text
    # the reading order: the title, the name, the outcomes in their order, then the code
    assert text.index("sertifikāts") < text.index("Jānis") < text.index("Komandas darbs " + LATVIAN) \
        < text.index("Ąžuolų") < text.index("ABCD-EFGH")
    root: Any = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True and "/StructTreeRoot" in root
    assert root["/Lang"] == "lv"
    assert reader.metadata is not None and (reader.metadata.title or "").startswith("Mācīšanās rezultātu sertifikāts")
    roles = set()

    def walk(node):
        node = node.get_object()
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif hasattr(node, "get") and node.get("/S"):
            roles.add(str(node["/S"]))
            if "/K" in node:
                walk(node["/K"])
    walk(root["/StructTreeRoot"]["/K"])
    assert {"/H1", "/H2", "/L", "/LI"} <= roles  # headings and a list of the outcomes
    resources: List[Any] = [page["/Resources"] for page in reader.pages]
    fonts = [font.get_object() for found in resources for font in found["/Font"].values()]
    assert fonts
    for font in fonts:
        described = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = described["/FontDescriptor"].get_object()
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]


@pytest.mark.parametrize("language, title", [
    ("en", "Certificate of learning outcomes"), ("lt", "Mokymosi rezultatų pažymėjimas"),
    ("nl", "Certificaat van leerresultaten")])
def test_each_language_has_its_own_words(language, title):
    html = documents.certificate_html(language=language, name="Ona Žukauskaitė", programme="P", issued_on="2025-05-05",
                                      code="C", url="U", outcomes=[], font_dir=FONT_DIR)
    assert f'<html lang="{language}">' in html and f"<h1>{title}</h1>" in html


def test_every_language_has_every_word():
    catalogue = documents._catalogue()
    assert {key for key in catalogue if not key.startswith("_")} == {"en", "lv", "lt", "nl"}
    for language in ("lv", "lt", "nl"):
        assert set(catalogue[language]) == set(catalogue["en"]), language


def test_the_verification_page_escapes_and_shows_nothing_of_an_invalid_certificate():
    genuine = documents.verify_html(Verdict("valid", name="<b>Jānis</b>", programme="P", issued_on="2025-05-05",
                                            outcomes=["Komandas darbs"]), "lv")
    assert "&lt;b&gt;Jānis&lt;/b&gt;" in genuine and "Šis sertifikāts ir īsts." in genuine and 'lang="lv"' in genuine
    erased = documents.verify_html(Verdict(ERASED), "lv")
    assert "Šis kods neapliecina derīgu sertifikātu." in erased and "<dl>" not in erased
    assert 'lang="en"' in documents.verify_html(Verdict("unknown"), None)
