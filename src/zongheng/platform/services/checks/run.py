"""Running the checks on a submission (执行校验) and keeping their flags (校验标记).

:func:`run_checks` evaluates the framework's rules (:mod:`.rules`) and the outlier tests
(:mod:`.outliers`) on a submission's current values and brings its stored flags up to date: a
new finding becomes a flag, a finding that is still there keeps its flag (and its 说明 while the
value is the same), and a flag no longer found is marked resolved (kept for the record).
:func:`blocking_unexplained` is what refuses a submit. The entry and workflow pages call these
two on save and on submit.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from zongheng.i18n import register_messages, text
from zongheng.platform.models import (
    CheckFlag,
    CheckKind,
    FrameworkIndicator,
    FrameworkVersion,
    Region,
    Severity,
    Submission,
    Value,
    utcnow,
)
from zongheng.platform.services import audit
from zongheng.platform.services.access import Grant, submissions_under
from zongheng.platform.services.checks.outliers import Outliers, history_outliers, peer_outliers
from zongheng.platform.services.checks.rules import (
    Context,
    Finding,
    OutlierSettings,
    RuleSet,
    evaluate,
    fmt,
    load_rules,
)
from zongheng.platform.services.org import current

__all__ = ["EXPLANATION_MAX", "blocking_unexplained", "check_submission", "explain", "flag_text",
           "flags_in_scope", "open_flags", "outlier_findings", "run_checks"]

EXPLANATION_MAX = 2000

_PREFIX = ("{region}「{indicator}」本期为 {value}{unit}，", "{region} · {indicator} is {value}{unit}: ")
_PEER = ("比同期其他{peers}中位数（{median}{unit}）",
         "compared with the median of other {peers} in the period ({median}{unit}), ")
_HIST = ("较本地区过去{n}{span}中位数（{median}{unit}）",
         "compared with this region's median of the last {n} {span} ({median}{unit}), ")
_FORMS = {"times": ("高 {times} 倍", "{times} times higher"), "up": ("高 {pct}%", "{pct}% higher"),
          "down": ("低 {pct}%", "{pct}% lower"), "diff_up": ("高 {diff}{unit}", "{diff}{unit} higher"),
          "diff_down": ("低 {diff}{unit}", "{diff}{unit} lower")}
_SUFFIX = ("（稳健 z = {z}）。", " (robust z = {z}).")
register_messages({
    f"pf_ck_{scope}_{form}": (_PREFIX[0] + where[0] + words[0] + _SUFFIX[0],
                              _PREFIX[1] + where[1] + words[1] + _SUFFIX[1])
    for scope, where in (("peer", _PEER), ("history", _HIST)) for form, words in _FORMS.items()
} | {
    "pf_ck_peers_province": ("省份", "provinces"), "pf_ck_peers_city": ("设区市", "cities"),
    "pf_ck_peers_county": ("县（市、区）", "counties"), "pf_ck_peers_town": ("乡镇（街道、园区）", "towns"),
    "pf_ck_span_years": ("年", "years"), "pf_ck_span_periods": ("期", "periods"),
})


def flag_text(flag: CheckFlag, lang: str = "zh") -> str:
    """Return a flag's message in ``lang``; parameters named ``*_key`` are message keys themselves."""
    params = {k.removesuffix("_key"): text(v, lang) if k.endswith("_key") else v
              for k, v in (flag.params or {}).items()}
    return text(flag.message_key, lang, **params)


def _describe(scope: str, x: float, median: float, z: float, params: dict[str, Any]) -> tuple[str, dict]:
    """Put a flagged value in words: times or per cent of the median, or a difference."""
    out = dict(params, median=fmt(median), z=f"{z:.1f}")
    if median > 0 and x >= 0:
        ratio = x / median
        if ratio >= 2:
            return f"pf_ck_{scope}_times", out | {"times": f"{ratio - 1:.1f}"}
        if ratio >= 1:
            return f"pf_ck_{scope}_up", out | {"pct": f"{(ratio - 1) * 100:.0f}"}
        return f"pf_ck_{scope}_down", out | {"pct": f"{(1 - ratio) * 100:.0f}"}
    form = "diff_up" if x > median else "diff_down"
    return f"pf_ck_{scope}_{form}", out | {"diff": fmt(abs(x - median))}


def _level_peers(submission: Submission, own: Region | None) -> Select:
    """Values of the same version and period, in regions of the submission's region's level."""
    query = (select(Submission.region_code, Value.indicator_id, Value.value)
             .join(Value.submission)
             .where(Submission.version_id == submission.version_id, Submission.period == submission.period))
    if own is not None:
        # A list of the level's regions, not a join: SQLite joined the region once per value row.
        query = query.where(Submission.region_code.in_(
            select(Region.code).where(Region.valid_to.is_(None), Region.level == own.level)))
    return query


def _tuples(db: Session, query: Select) -> list[tuple]:
    """Run ``query`` on the session's connection and return plain tuples.

    The peer query returns a row per region and indicator (3,000 for 300 counties × 10): building
    SQLAlchemy rows for them cost three times the query itself, on every save. The DB-API cursor's
    tuples carry the same values (strings, integers and floats need no conversion).
    """
    connection = db.connection()
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    cursor = connection.connection.cursor()
    try:
        cursor.execute(str(compiled), [params[k] for k in compiled.positiontup or ()] if compiled.positional
                       else params)
        return cursor.fetchall()
    finally:
        cursor.close()


Past = list[tuple[str, str, float]]
"""The region's own past values: (period, indicator code, value), any year's version of the framework."""


def _past(db: Session, submission: Submission, codes: list[str]) -> Past:
    # One query serves both the yoy rule (last period's value) and the history outlier test.
    query = (select(Submission.period, FrameworkIndicator.code, Value.value)
             .join(Value.submission).join(Value.indicator).join(Submission.version)
             .where(FrameworkVersion.key == submission.version.key,
                    Submission.region_code == submission.region_code, Submission.period < submission.period,
                    FrameworkIndicator.code.in_(codes), Value.value.is_not(None)))
    return [tuple(r) for r in db.connection().execute(query)]


def _previous(past: Past) -> dict[str, tuple[str, float | None]]:
    """Last period's value of each code (as :func:`..submissions.previous_values` finds it)."""
    out: dict[str, tuple[str, float | None]] = {}
    for period, code, number in sorted(past, key=lambda r: r[0], reverse=True):
        out.setdefault(code, (period, number))
    return out


def _own_numbers(submission: Submission, ids: list[int]) -> np.ndarray:
    # The submission's values as they stand in this session, flushed or not: the entry grid runs
    # the checks before it writes anything (see services.entry.save_entries).
    own = {v.indicator_id: v.value for v in submission.values}
    return np.array([np.nan if own[i] is None else own[i] for i in ids], dtype=float)


def outlier_findings(db: Session, submission: Submission, settings: OutlierSettings, *,
                     region_name: str, region: Region | None,
                     indicators: dict[int, FrameworkIndicator], past: Past | None = None) -> list[Finding]:
    """Run both outlier tests on a submission's indicators (离群值检测).

    Every indicator is judged at once: one query for the peers' values (a regions × indicators
    array), one for the region's past values (``past``, read here if not given), and numpy over
    the columns.
    """
    if not settings.enabled:
        return []
    ids = [v.indicator_id for v in submission.values]
    # Peers: one row per region of the same level, one column per indicator of this submission;
    # the submission's own region is row 0 and holds its values as they stand in the session.
    found = _tuples(db, _level_peers(submission, region).where(Value.indicator_id.in_(ids)))
    rows: dict[str, int] = {submission.region_code: 0}
    peers = np.full((1, len(ids)), np.nan)
    if found:
        codes, indicator_ids, numbers = zip(*found, strict=True)
        r = np.fromiter((rows.setdefault(c, len(rows)) for c in codes), dtype=np.intp, count=len(codes))
        lookup = {i: n for n, i in enumerate(ids)}
        c = np.fromiter((lookup[i] for i in indicator_ids), dtype=np.intp, count=len(codes))
        x = np.array(numbers, dtype=float)          # None becomes NaN
        peers = np.full((len(rows), len(ids)), np.nan)
        peers[r, c] = x
    peers[0] = _own_numbers(submission, ids)
    peer = peer_outliers(peers, threshold=settings.threshold, min_peers=settings.min_peers)
    # History: the region's own past periods of the same framework (any year's version).
    codes_at = {indicators[i].code: n for n, i in enumerate(ids)}
    if past is None:
        past = _past(db, submission, list(codes_at))
    periods = sorted({p for p, _, _ in past}, reverse=True)[:settings.history]
    slot = {p: n for n, p in enumerate(periods)}
    history = np.full((len(periods), 1, len(ids)), np.nan)
    for period, code, number in past:
        if period in slot:
            history[slot[period], 0, codes_at[code]] = number
    hist = history_outliers(history, peers[:1], threshold=settings.threshold,
                            min_history=settings.min_history)
    span = "pf_ck_span_years" if all(len(p) == 4 and p.isdigit() for p in periods) else "pf_ck_span_periods"
    level = region.level if region else "county"
    out = []
    for scope, kind, result in (("peer", CheckKind.PEER, peer), ("history", CheckKind.HISTORY, hist)):
        for c in np.flatnonzero(_first_row(result)):
            indicator = indicators[ids[c]]
            x = float(peers[0, c])
            params = {"region": region_name, "indicator": indicator.name, "value": fmt(x),
                      "unit": indicator.unit, "peers_key": f"pf_ck_peers_{level}",
                      "n": int(result.count[0, c]), "span_key": span}
            key, params = _describe(scope, x, float(result.median[0, c]), float(result.z[0, c]), params)
            out.append(Finding(indicator.code, kind, kind.value, settings.severity, key, params))
    return out


def _first_row(result: Outliers) -> np.ndarray:
    return result.flagged[0]


def run_checks(db: Session, submission: Submission, *, on: Literal["save", "submit"] = "save",
               user_id: int | None = None, rules: RuleSet | None = None) -> list[CheckFlag]:
    """Check a submission's current values and update its flags (校验); return its open flags.

    ``on="save"`` runs every rule but ``required`` (a draft may be incomplete) and leaves the
    ``required`` flags as they are; ``on="submit"`` runs them all. ``rules`` defaults to the
    framework's rules file (:func:`.rules.load_rules`). The caller commits.
    """
    still, summary = check_submission(db, submission, on=on, rules=rules)
    audit.record(db, "checks.run", user_id=user_id, object_type="submission", object_id=submission.id,
                 on=on, **summary)
    return still


def check_submission(db: Session, submission: Submission, *, on: Literal["save", "submit"] = "save",
                     rules: RuleSet | None = None) -> tuple[list[CheckFlag], dict[str, int]]:
    """:func:`run_checks` without its audit event: return the open flags and what changed.

    The second item (``opened``, ``resolved``, ``open``) is for the caller's own audit event: the
    entry grid records one event per save (:func:`zongheng.platform.services.entry.save_entries`).
    Everything is read first, without flushing, from the values as they stand in the session; the
    flags are written at the end, in one flush.
    """
    version = submission.version
    indicators = {i.id: i for i in version.indicators}
    by_code = {i.code: i for i in version.indicators}
    rules = rules if rules is not None else load_rules(version.key, set(by_code))
    with db.no_autoflush:
        region = current(db, Region, submission.region_code)
        region_name = region.name if region else submission.region_code
        values = dict(db.connection().execute(
            select(FrameworkIndicator.code, Value.value).join(Value.indicator).join(Value.submission)
            .where(Submission.version_id == submission.version_id,
                   Submission.region_code == submission.region_code,
                   Submission.period == submission.period)).all())
        values.update({indicators[v.indicator_id].code: v.value for v in submission.values})
        own = frozenset(indicators[v.indicator_id].code for v in submission.values)
        past = _past(db, submission, sorted(own))
        ctx = Context(region_name, values, own, _previous(past),
                      {c: i.name for c, i in by_code.items()}, {c: i.unit for c, i in by_code.items()})
        findings = evaluate(rules, ctx)
        findings += outlier_findings(db, submission, rules.outliers, region_name=region_name, region=region,
                                     indicators=indicators, past=past)
        existing = open_flags(db, submission)
    checked = {k for k in CheckKind if on == "submit" or k is not CheckKind.REQUIRED}
    return _reconcile(db, submission, existing, [f for f in findings if f.kind in checked], checked, by_code)


def _reconcile(db: Session, submission: Submission, flags: list[CheckFlag], findings: list[Finding],
               checked: set[CheckKind], by_code: dict[str, FrameworkIndicator]
               ) -> tuple[list[CheckFlag], dict[str, int]]:
    now = utcnow()
    existing = {(f.indicator_id, f.rule_key): f for f in flags}
    seen, opened = set(), 0
    for finding in findings:
        key = (by_code[finding.indicator].id, finding.rule_key)
        seen.add(key)
        flag = existing.get(key)
        if flag is None:
            flag = CheckFlag(submission_id=submission.id, indicator_id=key[0], kind=finding.kind.value,
                             rule_key=finding.rule_key, explanation="", resolved=False, created_at=now)
            db.add(flag)
            existing[key] = flag
            opened += 1
        elif (flag.params or {}).get("value") != finding.params.get("value"):
            # The 说明 was given for another value: the new one needs its own.
            flag.explanation, flag.explained_by, flag.explained_at = "", None, None
        flag.severity, flag.message_key = finding.severity.value, finding.message_key
        flag.params = finding.params
        flag.checked_at = now
    resolved = 0
    for key, flag in existing.items():
        if key not in seen and CheckKind(flag.kind) in checked:
            flag.resolved, flag.resolved_at = True, now
            resolved += 1
    db.flush()
    still = [f for k, f in existing.items() if not f.resolved]
    summary = {"opened": opened, "resolved": resolved, "open": len(still)}
    return sorted(still, key=lambda f: (f.indicator_id, f.rule_key)), summary


def open_flags(db: Session, submission: Submission) -> list[CheckFlag]:
    """Return a submission's open (unresolved) flags."""
    return list(db.scalars(select(CheckFlag).where(CheckFlag.submission_id == submission.id,
                                                   CheckFlag.resolved.is_(False)).order_by(CheckFlag.id)))


def blocking_unexplained(db: Session, submission: Submission) -> list[CheckFlag]:
    """Return the open blocking flags without a 说明 (what stops a submit); run the checks first."""
    return [f for f in open_flags(db, submission)
            if f.severity == Severity.BLOCKING.value and not f.explanation.strip()]


def explain(db: Session, flag: CheckFlag, explanation: str, *, user_id: int) -> None:
    """Record the 填报员's 说明 of a flag (填写说明), in the audit log too.

    Raises
    ------
    ValueError
        The text is empty or longer than :data:`EXPLANATION_MAX` characters, or the flag is resolved.
    """
    explanation = explanation.strip()
    if not explanation or len(explanation) > EXPLANATION_MAX:
        raise ValueError(f"explanation must have 1 to {EXPLANATION_MAX} characters")
    if flag.resolved:
        raise ValueError("the flag is resolved")
    old = flag.explanation
    flag.explanation, flag.explained_by, flag.explained_at = explanation, user_id, utcnow()
    db.flush()
    audit.record(db, "check.explain", user_id=user_id, object_type="check_flag", object_id=flag.id,
                 submission=flag.submission_id, old=old, new=explanation)


def flags_in_scope(db: Session, user_grants: list[Grant], *, severity: str | None = None,
                   indicator: str | None = None, region: str | None = None) -> list[CheckFlag]:
    """Return the open flags of the submissions the grants may read (跟进清单), filtered."""
    visible = submissions_under(user_grants, "read").with_only_columns(Submission.id)
    query = (select(CheckFlag).join(CheckFlag.submission).join(CheckFlag.indicator)
             .where(CheckFlag.resolved.is_(False), CheckFlag.submission_id.in_(visible)))
    if severity:
        query = query.where(CheckFlag.severity == severity)
    if indicator:
        query = query.where(FrameworkIndicator.code == indicator)
    if region:
        query = query.where(Submission.region_code == region)
    order = (Submission.period.desc(), Submission.region_code, FrameworkIndicator.position, CheckFlag.id)
    return list(db.scalars(query.order_by(*order)))


