"""Documents of a run (评价文档): the library's HTML page, Word draft and Excel workbook, archived.

An analyst asks for a run's documents; a background job (kind ``document``) rebuilds the run's
evaluation from its record (:func:`.runs.evaluation_of`), has the report writers
(:mod:`zongheng.report.writers`) make the three files of one unit, and stores their bytes with
the run. Documents are never edited: asking again makes a new version and the old ones stay. A
run on data not all approved (``Run.approved`` false, 未审核) makes documents that say 未审核 in
every format (the writers' ``unapproved`` flag).
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from zongheng.errors import ZonghengWarning
from zongheng.platform.models import Job, Run, RunDocument
from zongheng.platform.models.run_documents import DocumentKind
from zongheng.platform.services import audit, jobs

__all__ = ["DOCUMENT", "MEDIA_TYPES", "Version", "listing", "perform", "start", "units_by_rank"]

DOCUMENT = "document"
"""The job kind that makes a run's documents."""

MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def units_by_rank(run: Run) -> list[str]:
    """Return the run's units by their rank in its last period, best first (unranked last)."""
    from zongheng.platform.services.runs import inputs_of, results_of

    framework, _ = inputs_of(run)
    found = results_of(run)
    root = found.nodes.index(framework.root.code)
    ranks = found.ranks[-1, :, root]
    def key(u: int) -> tuple:
        missing = math.isnan(ranks[u])
        return missing, 0 if missing else ranks[u], found.units[u]

    order = sorted(range(len(found.units)), key=key)
    return [found.units[u] for u in order]


def start(db: Session, run: Run, *, unit: str, lang: str, synthetic: bool, user_id: int | None) -> Job:
    """Queue the making of a run's documents about ``unit`` (生成文档); the caller commits.

    Raises
    ------
    ValueError
        ``unit`` is not one of the run's units, or ``lang`` is not ``zh`` or ``en``.
    """
    if unit not in units_by_rank(run):
        raise ValueError(f"unit {unit!r} is not in run {run.id}")
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be zh or en, got {lang!r}")
    return jobs.enqueue(db, DOCUMENT, {"run_id": run.id, "unit": unit, "lang": lang,
                                       "synthetic": bool(synthetic)}, user_id=user_id)


def _write(run: Run, unit: str, lang: str, synthetic: bool, folder: Path,
           progress: jobs.Progress) -> dict[str, Path]:
    """Write the three documents of ``unit`` into ``folder`` with the library's writers."""
    from zongheng.i18n import using_lang
    from zongheng.platform.services.runs import evaluation_of, inputs_of
    from zongheng.report.writers import FORMATS, template_for, write_attainment, write_report

    framework, panel = inputs_of(run)
    template = template_for(framework)
    unapproved = not run.approved
    written: dict[str, Path] = {}
    if template == "eco":   # target attainment: nothing normalised or ranked, no evaluation needed
        for n, fmt in enumerate(FORMATS):
            progress(20 + 20 * n, f"{fmt} 生成文档 writing")
            written[fmt] = write_attainment(framework, panel, unit, folder / f"document.{fmt}", format=fmt,
                                            lang=lang, synthetic=synthetic, unapproved=unapproved)
        return written
    from zongheng.report.brief import unit_brief

    progress(10, "重建评价 rebuilding the evaluation")
    evaluation = evaluation_of(run)
    with using_lang(lang), warnings.catch_warnings():   # the analyses' sentences in the documents' language
        # What the brief could not do (e.g. an award rule for groups the run lacks) is in its notes,
        # which the documents print: the warning would only repeat it in the worker's log.
        warnings.simplefilter("ignore", ZonghengWarning)
        brief = unit_brief(evaluation, unit)
    for n, fmt in enumerate(FORMATS):
        progress(25 + 20 * n, f"{fmt} 生成文档 writing")
        written[fmt] = write_report(brief, folder / f"document.{fmt}", format=fmt, template=template,
                                    lang=lang, synthetic=synthetic, unapproved=unapproved)
    return written


def _filename(run: Run, unit: str, period: object, fmt: str, template: str, version: int,
              unapproved: bool) -> str:
    """Return a document's file name: the writers' name, the run and version, 未审核 first if so."""
    from zongheng.report.writers import default_name

    stem, _, suffix = default_name(unit, period, fmt, template).rpartition(".")
    mark = "未审核_" if unapproved else ""
    return f"{mark}{stem}_评价{run.id}_第{version}版.{suffix}"


def perform(factory: sessionmaker, job: Job, progress: jobs.Progress) -> int:
    """Do a ``document`` job (生成文档): write the three documents, store them; return the run's id."""
    from zongheng.platform.services.runs import inputs_of
    from zongheng.report.writers import template_for

    args = json.loads(job.payload)
    with factory() as db:
        run = db.get(Run, args["run_id"])
        if run is None:
            raise ValueError(f"run {args['run_id']} no longer exists")
        db.expunge(run)
    framework, panel = inputs_of(run)
    template = template_for(framework)
    with tempfile.TemporaryDirectory() as folder:
        written = _write(run, args["unit"], args["lang"], bool(args.get("synthetic")), Path(folder), progress)
        files = {fmt: path.read_bytes() for fmt, path in written.items()}
    progress(90, "保存文档 saving the documents")
    for _ in range(3):      # another job for the same run may take the version first: take the next
        with factory() as db:
            try:
                _store(db, run, args, files, template, panel.periods[-1], job)
                jobs.settle(db, job.id, run.id)     # the documents and their job's end in one commit
                db.commit()
                return run.id
            except IntegrityError:
                db.rollback()
    raise RuntimeError(f"could not store the documents of run {run.id}")


def _store(db: Session, run: Run, args: dict, files: dict[str, bytes], template: str, period: object,
           job: Job) -> list[RunDocument]:
    version = (db.scalar(select(func.max(RunDocument.version)).where(RunDocument.run_id == run.id)) or 0) + 1
    rows = []
    for fmt in DocumentKind:
        data, unapproved = files[fmt], not run.approved
        name = _filename(run, args["unit"], period, fmt, template, version, unapproved)
        row = RunDocument(run_id=run.id, version=version, kind=fmt, unit=args["unit"], lang=args["lang"],
                          filename=name, media_type=MEDIA_TYPES[fmt], size=len(data),
                          sha256=hashlib.sha256(data).hexdigest(), unapproved=unapproved, job_id=job.id,
                          created_by=job.created_by, data=data)
        db.add(row)
        rows.append(row)
    db.flush()
    for row in rows:
        audit.record(db, "run_document.create", user_id=job.created_by, object_type="run_document",
                     object_id=row.id, run=run.id, version=version, kind=row.kind, unit=row.unit,
                     sha256=row.sha256, size=row.size, unapproved=row.unapproved)
    return rows


@dataclass(frozen=True)
class Version:
    """One request's documents (一版文档): the unit, when, by whom, and its files in kind order."""

    number: int
    unit: str
    unapproved: bool
    created_at: object
    created_by: int | None
    documents: tuple[RunDocument, ...]


def listing(db: Session, run: Run) -> list[Version]:
    """Return the run's documents by version, newest first, without reading their bytes."""
    order = {k: n for n, k in enumerate(DocumentKind)}
    rows = db.scalars(select(RunDocument).where(RunDocument.run_id == run.id)
                      .order_by(RunDocument.version.desc(), RunDocument.id)).all()
    versions: dict[int, list[RunDocument]] = {}
    for row in rows:
        versions.setdefault(row.version, []).append(row)
    out = []
    for number, docs in versions.items():
        docs.sort(key=lambda d: order.get(d.kind, 99))
        first = docs[0]
        out.append(Version(number, first.unit, first.unapproved, first.created_at, first.created_by,
                           tuple(docs)))
    return out
