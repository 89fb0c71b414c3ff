"""Refusals of the API's writes (接口错误): located problems in Chinese and English, as JSON.

A refused write changes nothing (the request's transaction is rolled back) and answers
``{"detail": …, "problems": [{key, index, submission, indicator, zh, en}, …]}`` with every problem
found, each located by its 0-based ``index`` in the body's ``values`` list where it has one. The
body's own shape errors (too many items, a string too long, a value that is neither number, text
nor null) answer the same way, with ``key = "pf_api_invalid"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from zongheng.i18n import register_messages
from zongheng.platform.api.schemas import ProblemsOut
from zongheng.platform.services.entry import Problem

__all__ = ["READ_ERRORS", "UNAUTHORIZED", "UNAVAILABLE", "ApiRefusal", "Located", "install_handlers",
           "refusal"]

UNAUTHORIZED = {"description": "No, an unknown, expired or revoked token (no cookie is ever read)"}
UNAVAILABLE = {503: {"model": ProblemsOut, "description": "The database cannot answer just now "
                     "(restarting, disk full): nothing was changed; try again after Retry-After seconds "
                     "(pf_db_unavailable, pf_db_full)"}}
"""The answer every route may give while the database is down (set where the routers are included)."""
READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: UNAUTHORIZED,
    422: {"model": ProblemsOut, "description": "A malformed parameter, located (pf_api_invalid)"},
    **UNAVAILABLE,
}
"""Error answers every read route documents (set where the reads' router is included)."""

register_messages({
    "pf_api_read_only": ("此访问令牌只能读取；写入须使用生成时勾选“允许写入”的令牌。",
                         "This token is read-only; writing needs a token made with write access."),
    "pf_api_wrong_role": ("您没有可以{action}的角色。", "You hold no role that may {action}."),
    "pf_api_do_values": ("填报数值", "enter values"),
    "pf_api_do_explain": ("填写说明", "explain a flag"),
    "pf_api_not_found": ("找不到报送任务 {id}，或不在您的权限范围内。",
                         "No submission {id}, or it is outside your scope."),
    "pf_api_unknown_indicator": ("第 {n} 项：报送任务 {submission} 没有指标“{code}”。",
                                 "Item {n}: submission {submission} has no indicator \"{code}\"."),
    "pf_api_duplicate_indicator": ("第 {n} 项：指标“{code}”在本次请求中重复（已在第 {first} 项出现）。",
                                   "Item {n}: indicator \"{code}\" appears twice (first at item {first})."),
    "pf_api_not_number": ("第 {n} 项（{code} {name}）：“{text}”不是数值。",
                          "Item {n} ({code} {name}): \"{text}\" is not a number."),
    "pf_api_percent_unit": ("第 {n} 项（{code} {name}）：“{text}”带百分号，但该指标的计量单位是“{unit}”。",
                            "Item {n} ({code} {name}): \"{text}\" has a percent sign but the unit is "
                            "\"{unit}\"."),
    "pf_api_closed": ("第 {n} 项：报送任务 {submission} 状态为“{state}”，不能修改。",
                      "Item {n}: submission {submission} is {state} and cannot be changed."),
    "pf_api_flag_not_found": ("报送任务 {id} 没有未解决的校验标记 {flag}。",
                              "Submission {id} has no open check flag {flag}."),
    "pf_api_flag_closed": ("报送任务状态为“{state}”，不能再填写说明。",
                           "The submission is {state}: its flags can no longer be explained."),
    "pf_api_explanation": ("说明须为 1 至 {max} 个字符。", "An explanation has 1 to {max} characters."),
    "pf_api_invalid": ("请求不符合接口说明（{where}）：{message}",
                       "The request does not match the API description ({where}): {message}"),
    "pf_api_flag_unexplained": ("{finding}——请先填写说明（POST /api/v1/submissions/{id}/flags/{flag}/"
                                "explanation）",
                                "{finding} — explain it first (POST /api/v1/submissions/{id}/flags/{flag}/"
                                "explanation)"),
    "pf_api_nothing_saved": ("有 {n} 处问题，本次未保存任何内容。", "{n} problem(s): nothing was saved."),
})


@dataclass(frozen=True)
class Located:
    """A problem in zh and en, and where it is: the body index, the submission, the indicator."""

    key: str
    zh: str
    en: str
    index: int | None = None
    submission: int | None = None
    indicator: str | None = None

    @classmethod
    def of(cls, problem: Problem, *, index: int | None = None, submission: int | None = None,
           indicator: str | None = None) -> Located:
        """Locate a service's problem (its message in both languages)."""
        return cls(problem.key, problem.message("zh"), problem.message("en"), index, submission, indicator)

    def as_json(self) -> dict[str, object]:
        """Return the problem as the API answers it (:class:`~.schemas.ProblemOut`)."""
        return {"key": self.key, "index": self.index, "submission": self.submission,
                "indicator": self.indicator, "zh": self.zh, "en": self.en}


class ApiRefusal(Exception):
    """A refused API call: an HTTP status and every problem; the transaction is rolled back."""

    def __init__(self, status: int, problems: list[Located], detail: str | None = None) -> None:
        self.status, self.problems = status, problems
        self.detail = detail or Problem("pf_api_nothing_saved", {"n": len(problems)}).message("en")
        super().__init__(self.detail)


def refusal(status: int, key: str, **params: object) -> ApiRefusal:
    """Return a refusal with one problem that has no place in the body."""
    problem = Problem(key, params)
    submission = params.get("id")
    where = submission if isinstance(submission, int) else None
    return ApiRefusal(status, [Located.of(problem, submission=where)], detail=problem.message("en"))


def _refused(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiRefusal)
    return JSONResponse({"detail": exc.detail, "problems": [p.as_json() for p in exc.problems]},
                        status_code=exc.status)


def _where(loc: tuple[object, ...]) -> tuple[str, int | None]:
    """Turn pydantic's location into text and the index in ``values`` when it is one."""
    index = loc[2] if len(loc) > 2 and loc[:2] == ("body", "values") and isinstance(loc[2], int) else None
    return ".".join(str(part) for part in loc), index


def _invalid(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        where, index = _where(tuple(error.get("loc", ())))
        problem = Problem("pf_api_invalid", {"where": where, "message": error.get("msg", "")})
        problems.append(Located.of(problem, index=index))
    # FastAPI's own shape errors keep their usual 422, with the same body as every other refusal.
    return JSONResponse({"detail": "the request does not match the API description",
                         "problems": [p.as_json() for p in problems]}, status_code=422)


async def _unreadable(request: Request, exc: Exception) -> Response:
    """Answer a body FastAPI could not even decode (not UTF-8: its bare 400) as a located 422.

    Found by schemathesis (tests/platform/test_attack_api.py): the 400 was in no operation's
    description, and its body was not the refusal shape every other malformed body gets.
    """
    assert isinstance(exc, HTTPException)
    if exc.status_code != 400:
        return await http_exception_handler(request, exc)     # the API raises no 400 of its own
    problem = Problem("pf_api_invalid", {"where": "body", "message": "not UTF-8 encoded JSON"})
    return JSONResponse({"detail": "the request does not match the API description",
                         "problems": [Located.of(problem).as_json()]}, status_code=422)


def _database_down(request: Request, exc: Exception) -> JSONResponse:
    """Answer a request the database could not serve with 503 and ``Retry-After``, as the pages do.

    The API is an app of its own (mounted under /api/v1), so the pages' handler never saw its
    errors: a client got a bare 500 while PostgreSQL restarted.
    """
    from zongheng.platform.pages.unavailable import RETRY_AFTER_SECONDS, unavailable_key

    problem = Problem(unavailable_key(request, exc), {})
    response = JSONResponse({"detail": problem.message("en"), "problems": [Located.of(problem).as_json()]},
                            status_code=503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def install_handlers(api: FastAPI) -> None:
    """Answer refusals, malformed requests and an unreachable database with located problems."""
    from zongheng.platform.pages.unavailable import DATABASE_ERRORS

    for kind in DATABASE_ERRORS:
        api.add_exception_handler(kind, _database_down)
    api.add_exception_handler(ApiRefusal, _refused)
    api.add_exception_handler(RequestValidationError, _invalid)
    api.add_exception_handler(HTTPException, _unreadable)
