"""Documents of a run in Debian's Chromium: the analyst runs 天工鼎 2024, generates 永康市's documents
on the run page, watches the job, and downloads the Word draft, which says 未审核 (the demo's 2024
drafts of 永康 are not approved).

Set ``ZONGHENG_DOCS_IMG=1`` to also write docs/img/platform_documents.png.
"""

from __future__ import annotations

import re

import pytest

from .browser_steps import demo_chromium, publish, start_tiangong_run
from .test_browser import live_demo, needs_chromium  # noqa: F401  (live_demo: fixture)


@needs_chromium
@pytest.mark.parametrize("live_demo", [True], indirect=True)
def test_the_analyst_generates_and_downloads_the_documents(live_demo, tmp_path):  # noqa: F811
    import docx
    with demo_chromium(live_demo) as chromium:
        page = chromium.login("fenxi")
        run_url = start_tiangong_run(page)
        section = page.locator("section#documents")
        assert section.locator("p.none").count() == 1          # nothing archived yet
        section.locator("select[name=unit]").select_option("永康市")
        section.locator("button.generate").click()
        page.wait_for_url(re.compile(r".*/jobs/\d+$"))
        # The job page polls its progress and returns to the run's documents by itself.
        page.wait_for_url(re.compile(r".*/runs/\d+#documents$"), timeout=180_000)
        assert page.url.startswith(run_url)
        rows = page.locator("table.document-list tr.document")
        assert rows.evaluate_all("rows => rows.map(r => r.dataset.kind)") == ["html", "docx", "xlsx"]
        assert "未审核" in page.locator("table.document-list tr.version").inner_text()
        with page.expect_download() as info:
            page.locator("tr.document[data-kind=docx] a.download").click()
        download = info.value
        assert download.suggested_filename.startswith("未审核_永康市_2024_")
        assert download.suggested_filename.endswith(".docx")
        saved = tmp_path / "download.docx"
        download.save_as(saved)
        draft = docx.Document(str(saved))
        assert "永康市" in draft.paragraphs[0].text
        assert "未审核" in draft.sections[0].header.paragraphs[0].text
        page.set_viewport_size({"width": 1280, "height": 900})
        page.evaluate("document.querySelector('section#documents').scrollIntoView()")
        page.screenshot(path=str(tmp_path / "platform_documents.png"), full_page=False)
    publish(tmp_path, "platform_documents.png")
