"""Commands of the web platform (平台命令): ``serve``, ``db``, ``users``.

``db upgrade|backup|restore``; ``users add|disable|reset``.

FastAPI, SQLAlchemy, Alembic and uvicorn are imported inside the commands, never at the top:
``zongheng --help`` must not load them (tests/test_startup.py).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zongheng.cli.app import app
from zongheng.cli.common import console, fail
from zongheng.i18n import register_messages, text

if TYPE_CHECKING:
    from zongheng.platform.settings import Settings

register_messages({
    "pf_cli_upgraded": ("数据库已升级到版本 {revision}：{url}", "Database at revision {revision}: {url}"),
    "pf_cli_backup": ("已备份到 {file}", "Backed up to {file}"),
    "pf_cli_restored": ("已从 {file} 恢复；如备份较旧，请运行 zongheng db upgrade",
                        "Restored from {file}; run `zongheng db upgrade` if the backup is older"),
    "pf_cli_password_once": ("{user} 的密码（只显示这一次，请妥善转交）：{password}",
                             "Password of {user} (shown this once; hand it over safely): {password}"),
    "pf_cli_user_added": ("已新增用户 {user}（{role}）", "Added user {user} ({role})"),
    "pf_cli_disabled": ("已停用用户 {user}，其登录会话已结束", "Disabled {user} and ended their sessions"),
    "pf_cli_reset": ("已重置 {user} 的密码并解除锁定", "Reset the password of {user} and unlocked it"),
    "pf_cli_email_set": ("已设置 {user} 的邮箱：{email}", "Set the mail address of {user}: {email}"),
    "pf_cli_chased": ("已催办 {count} 项逾期任务（邮件失败 {failed} 封）",
                      "Chased {count} overdue task(s) ({failed} mail(s) failed)"),
    "pf_cli_no_user": ("没有用户 {user}", "There is no user {user}"),
    "pf_cli_org_kind": ("--kind 应为 region 或 department，实际为 {kind}",
                        "--kind is region or department, not {kind}"),
    "pf_cli_no_file": ("文件不存在：{file}", "No such file: {file}"),
    "pf_cli_bad_date": ("--from 应为 YYYY-MM-DD 格式的日期，实际为 {value}",
                        "--from is a date as YYYY-MM-DD, not {value}"),
    "pf_cli_org_done": ("已导入：新增 {added} 个，更名 {renamed} 个，未变 {unchanged} 个（自 {on} 起生效）",
                        "Imported: {added} added, {renamed} renamed, {unchanged} unchanged (from {on})"),
    "pf_cli_unknown_codes": ("注意：以下代码目前没有对应的地区或部门，该用户暂时看不到任何数据：{codes}",
                             "Note: these codes name no current region or department; the user sees "
                             "nothing until they exist: {codes}"),
    "pf_cli_no_database": ("无法连接数据库 {url}：{reason}", "Cannot reach the database {url}: {reason}"),
    "pf_cli_bad_role": ("--role {role!r} 不是角色；可选：{roles}",
                        "--role {role!r} is not a role; one of {roles}"),
    "pf_cli_bad_scope": ("--scope {scope!r} 不是范围；可选：own（本单位）、below（本级及下级）、"
                         "set（指定范围）",
                         "--scope {scope!r} is not a scope; one of own, below, set"),
    "pf_cli_empty_stdin": ("标准输入没有密码", "No password on standard input"),
    "pf_cli_demo_users": ("演示账号（合成数据；密码只显示这一次）",
                          "Demo accounts (synthetic data; passwords shown this once)"),
    "pf_cli_demo_exists": ("数据库已有用户，未重新生成演示数据；忘记密码请用 zongheng users reset",
                           "The database has users already: the demo was not seeded again; use "
                           "`zongheng users reset` for a forgotten password"),
    "pf_cli_serving": ("纵横平台：http://{host}:{port}/  （Ctrl+C 停止）",
                       "zongheng platform at http://{host}:{port}/ (Ctrl+C stops it)"),
    "pf_cli_worker": ("纵横后台任务：等待评价任务（Ctrl+C 停止）",
                      "zongheng worker: waiting for evaluation jobs (Ctrl+C stops it)"),
    "pf_cli_exposed": ("注意：监听 {host} 会让其他电脑访问本平台；"
                       "请放在 HTTPS 反向代理之后并加 --secure-cookies。",
                       "Note: listening on {host} lets other computers reach the platform; put it behind an "
                       "HTTPS reverse proxy and add --secure-cookies."),
})

ROLE_NAMES = {"填报员": "reporter", "审核员": "approver", "汇总分析员": "analyst", "领导": "leader",
              "人大": "congress", "管理员": "admin"}

DataOpt = Annotated[Path | None, typer.Option("--data", help="数据文件夹 data folder (默认 ./zongheng-data)")]
DatabaseOpt = Annotated[str | None, typer.Option(
    "--database", help="数据库 URL，如 postgresql://user@host/db（默认为数据文件夹中的 SQLite）")]
PasswordStdinOpt = Annotated[bool, typer.Option(
    "--password-stdin",
    help="从标准输入读取密码 read the password from standard input (else one is generated)")]

db_app = typer.Typer(no_args_is_help=True, help="数据库 database: upgrade, backup, restore")
users_app = typer.Typer(no_args_is_help=True, help="用户 users: add, disable, reset")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")


def _settings(data: Path | None, database: str | None, **kwargs: object) -> Settings:
    from zongheng.platform.settings import load_settings

    try:
        return load_settings(data, database, **kwargs)
    except ValueError as exc:       # a ZONGHENG_* variable that cannot be read: say which, no trace
        fail(str(exc))


def _migrated_engine(settings: Settings):
    """Return the engine of the settings' database, migrated; fail plainly if it cannot connect."""
    from sqlalchemy.exc import OperationalError

    from zongheng.platform.db import make_engine
    from zongheng.platform.migrate import upgrade

    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    except OperationalError as exc:
        fail(text("pf_cli_no_database", url=engine.url.render_as_string(hide_password=True),
                  reason=str(exc.orig).strip().splitlines()[0]))
    return engine


def _upgraded(settings: Settings):
    """Return a session factory for the settings' database, migrated to the newest revision."""
    from zongheng.platform.db import make_sessionmaker

    return make_sessionmaker(_migrated_engine(settings))


def _password(from_stdin: bool) -> tuple[str, bool]:
    """Return (password, generated)."""
    from zongheng.platform.services.passwords import generate_password

    if not from_stdin:
        return generate_password(), True
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        fail(text("pf_cli_empty_stdin"))
    return line, False


@db_app.command("upgrade")
def db_upgrade(data: DataOpt = None, database: DatabaseOpt = None) -> None:
    """升级数据库到当前版本 bring the database to the installed platform's schema."""
    from zongheng.platform.migrate import current_revision

    engine = _migrated_engine(_settings(data, database))
    typer.echo(text("pf_cli_upgraded", revision=current_revision(engine),
                    url=engine.url.render_as_string(hide_password=True)))


@db_app.command("backup")
def db_backup(file: Annotated[Path, typer.Argument(help="备份文件 backup file")],
              data: DataOpt = None, database: DatabaseOpt = None) -> None:
    """备份数据库 write a consistent copy of the database (SQLite online backup, or pg_dump)."""
    from zongheng.platform.services.backup import BackupError, backup

    try:
        backup(_settings(data, database).database_url, file)
    except BackupError as exc:
        fail(str(exc))
    typer.echo(text("pf_cli_backup", file=file))


@db_app.command("restore")
def db_restore(file: Annotated[Path, typer.Argument(help="备份文件 backup file")],
               data: DataOpt = None, database: DatabaseOpt = None) -> None:
    """从备份恢复数据库（先停止服务）restore the database from a backup; stop the server first."""
    from zongheng.platform.services.backup import BackupError, restore

    try:
        restore(_settings(data, database).database_url, file)
    except BackupError as exc:
        fail(str(exc))
    typer.echo(text("pf_cli_restored", file=file))


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="用户名 user name")],
    role: Annotated[str, typer.Option(help="角色 role: 填报员/reporter 审核员/approver 汇总分析员/analyst "
                                           "领导/leader 人大/congress 管理员/admin")],
    region: Annotated[str | None, typer.Option(help="地区代码 region code the scope starts from")] = None,
    department: Annotated[str | None, typer.Option(
        help="部门代码 department code (默认：该地区所有部门)")] = None,
    scope: Annotated[str, typer.Option(
        help="范围 scope: own 本单位 | below 本级及下级 | set 指定范围")] = "own",
    regions: Annotated[str | None, typer.Option(
        help="指定范围的地区代码，逗号分隔 regions of scope 'set'")] = None,
    view_unapproved: Annotated[bool, typer.Option(help="可查看未审核数据 may view unapproved data")] = False,
    display_name: Annotated[str, typer.Option(help="姓名或说明 display name")] = "",
    email: Annotated[str, typer.Option(help="邮箱（催办邮件）mail address for notices")] = "",
    password_stdin: PasswordStdinOpt = False,
    data: DataOpt = None, database: DatabaseOpt = None,
) -> None:
    """新增用户并授权 add a user with one role and its scope."""
    from zongheng.platform.db import transaction
    from zongheng.platform.models import Role, Scope
    from zongheng.platform.services import users

    role_value = ROLE_NAMES.get(role, role)
    if role_value not in {r.value for r in Role}:
        fail(text("pf_cli_bad_role", role=role, roles=", ".join(f"{k}/{v}" for k, v in ROLE_NAMES.items())))
    if scope not in {s.value for s in Scope}:
        fail(text("pf_cli_bad_scope", scope=scope))
    password, generated = _password(password_stdin)
    factory = _upgraded(_settings(data, database))
    chosen = [r.strip() for r in (regions or "").split(",") if r.strip()]
    try:
        with transaction(factory) as session:
            user = users.create(session, username, password, display_name=display_name, email=email)
            users.assign(session, user, Role(role_value), scope=Scope(scope), region=region,
                         department=department, view_unapproved=view_unapproved, regions=chosen)
            unknown = _unknown_codes(session, [region, *chosen], [department])
    except ValueError as exc:
        fail(str(exc))
    typer.echo(text("pf_cli_user_added", user=username, role=role))
    if unknown:
        # Not refused: the organisation may be loaded after its users. But a typo would leave
        # the user seeing nothing, so say it.
        typer.echo(text("pf_cli_unknown_codes", codes=", ".join(unknown)))
    if generated:
        typer.echo(text("pf_cli_password_once", user=username, password=password))


def _unknown_codes(session, regions: list[str | None], departments: list[str | None]) -> list[str]:
    """Return the codes that name no current region or department."""
    from zongheng.platform.models import Department, Region
    from zongheng.platform.services.org import current

    return [c for model, codes in ((Region, regions), (Department, departments)) for c in codes
            if c is not None and current(session, model, c) is None]


def _with_user(data: Path | None, database: str | None, username: str, change) -> None:
    from zongheng.platform.db import transaction
    from zongheng.platform.services import users

    factory = _upgraded(_settings(data, database))
    try:
        with transaction(factory) as session:
            user = users.by_name(session, username)
            if user is None:
                fail(text("pf_cli_no_user", user=username))
            change(session, user)
    except ValueError as exc:
        fail(str(exc))


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument(help="用户名 user name")],
                  data: DataOpt = None, database: DatabaseOpt = None) -> None:
    """停用用户并结束其会话 disable a user and end their sessions."""
    from zongheng.platform.services import users

    _with_user(data, database, username, users.disable)
    typer.echo(text("pf_cli_disabled", user=username))


@users_app.command("reset")
def users_reset(username: Annotated[str, typer.Argument(help="用户名 user name")],
                password_stdin: PasswordStdinOpt = False,
                data: DataOpt = None, database: DatabaseOpt = None) -> None:
    """重置密码并解除锁定 set a new password (printed once, or read from stdin) and unlock."""
    from zongheng.platform.services import users

    password, generated = _password(password_stdin)
    _with_user(data, database, username, lambda session, user: users.reset_password(session, user, password))
    typer.echo(text("pf_cli_reset", user=username))
    if generated:
        typer.echo(text("pf_cli_password_once", user=username, password=password))


@users_app.command("email")
def users_email(username: Annotated[str, typer.Argument(help="用户名 user name")],
                email: Annotated[str, typer.Argument(help="邮箱，空串为清除 mail address ('' clears it)")],
                data: DataOpt = None, database: DatabaseOpt = None) -> None:
    """设置用户邮箱（催办邮件）set the address a user's notices are mailed to."""
    from zongheng.platform.services import users

    _with_user(data, database, username, lambda session, user: users.set_email(session, user, email))
    typer.echo(text("pf_cli_email_set", user=username, email=email.strip() or "—"))


def _seed_demo(settings: Settings, factory) -> None:
    from rich.table import Table

    from zongheng.platform.db import transaction
    from zongheng.platform.services import demo
    from zongheng.platform.settings import DEMO_MARKER

    with transaction(factory) as session:
        if not demo.is_empty(session):
            typer.echo(text("pf_cli_demo_exists"))
            return
        accounts = demo.seed(session)
    (settings.data_dir / DEMO_MARKER).write_text("synthetic demo data (zongheng serve --demo)\n",
                                                 encoding="utf-8")
    table = Table(title=text("pf_cli_demo_users"))
    for column in ("用户名 user", "角色 role", "说明", "密码 password"):
        table.add_column(column)
    for a in accounts:
        table.add_row(a.username, a.role.value, a.description, a.password)
    console().print(table)


KEEP_ALIVE_SECONDS = 75


@app.command()
def serve(
    data: DataOpt = None,
    database: DatabaseOpt = None,
    host: Annotated[str, typer.Option(help="监听地址 address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 port")] = 8000,
    demo: Annotated[bool, typer.Option("--demo", help="生成演示数据（合成）seed the synthetic demo")] = False,
    secure_cookies: Annotated[bool, typer.Option(
        help="Cookie 仅经 HTTPS 发送 (behind an HTTPS proxy)")] = False,
    worker: Annotated[bool, typer.Option(
        help="在服务进程内执行评价任务 do evaluation jobs in the server process "
             "(--no-worker: run `zongheng worker` separately)")] = True,
) -> None:
    """启动填报平台 run the web platform (SQLite in the data folder, or --database PostgreSQL)."""
    import uvicorn

    from zongheng.platform.app import create_app

    settings = _settings(data, database, demo=demo, secure_cookies=secure_cookies)
    factory = _upgraded(settings)
    if demo:
        _seed_demo(settings, factory)
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(text("pf_cli_exposed", host=host))
    typer.echo(text("pf_cli_serving", host=host, port=port))
    served = create_app(_settings(data, database, secure_cookies=secure_cookies), worker=worker)
    # Keep idle connections 75 s (nginx's default), not uvicorn's 5 s: a browser pausing a few
    # seconds between saves would otherwise send its next save on a connection the server is
    # closing that instant, and see it dropped (the deadline-day load, docs/reliability/load.md).
    uvicorn.run(served, host=host, port=port, log_level="info", proxy_headers=True,
                timeout_keep_alive=KEEP_ALIVE_SECONDS)


@app.command("worker")
def worker_command(data: DataOpt = None, database: DatabaseOpt = None) -> None:
    """执行后台任务（评价运行），直到 Ctrl-C do queued jobs (evaluation runs) until interrupted."""
    from zongheng.platform.worker import Worker

    factory = _upgraded(_settings(data, database))
    typer.echo(text("pf_cli_worker"))
    running = Worker(factory)
    try:
        running.run()
    except KeyboardInterrupt:
        running.stop()


@app.command("chase")
def chase_command(data: DataOpt = None, database: DatabaseOpt = None) -> None:
    """催办全部逾期整改任务（每天至多一次，可由 cron 调用）chase every overdue task, once a day."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from zongheng.platform.db import transaction
    from zongheng.platform.services.chasing import chase_all

    settings = _settings(data, database)
    factory = _upgraded(settings)
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    with transaction(factory) as session:
        urged = chase_all(session, today, timezone=settings.timezone, mail=settings.mail,
                          base_url=settings.site_url)
    typer.echo(text("pf_cli_chased", count=len(urged), failed=sum(len(u.mail_errors) for u in urged)))


org_app = typer.Typer(no_args_is_help=True, help="组织机构 organisation: import regions or departments")
app.add_typer(org_app, name="org")


@org_app.command("import")
def org_import(
    file: Annotated[Path, typer.Argument(help="地区或部门表 table of regions or departments (.csv, .xlsx)")],
    kind: Annotated[str, typer.Option("--kind", help="region | department")] = "region",
    valid_from: Annotated[str | None, typer.Option(
        "--from", help="生效日期 in force from (YYYY-MM-DD; default today)")] = None,
    data: DataOpt = None, database: DatabaseOpt = None,
) -> None:
    """导入地区或部门（按生效日期新增、更名）import regions or departments, effective-dated."""
    from datetime import date

    from zongheng.cli.common import run
    from zongheng.platform.db import transaction
    from zongheng.platform.services.org_import import import_org

    if kind not in ("region", "department"):
        fail(text("pf_cli_org_kind", kind=kind))
    if not file.is_file():
        fail(text("pf_cli_no_file", file=str(file)))
    try:
        on = date.fromisoformat(valid_from) if valid_from else date.today()
    except ValueError:
        fail(text("pf_cli_bad_date", value=valid_from))
    factory = _upgraded(_settings(data, database))

    def apply():
        with transaction(factory) as session:
            return import_org(session, file, kind, on)

    outcome = run(apply)
    typer.echo(text("pf_cli_org_done", added=len(outcome.added), renamed=len(outcome.renamed),
                    unchanged=len(outcome.unchanged), on=on.isoformat()))


# -- issue 12: the approval chain (审核链) ------------------------------------------------------------
chain_app = typer.Typer(no_args_is_help=True, help="审核链 approval chain: show, set")
app.add_typer(chain_app, name="approval-chain")


@chain_app.command("show")
def approval_chain_show(data: DataOpt = None, database: DatabaseOpt = None) -> None:
    """显示审核链 show the global chain and each framework's own."""
    from zongheng.platform.services import approval_chain

    factory = _upgraded(_settings(data, database))
    with factory() as session:
        chains = {"": approval_chain.DEFAULT, **approval_chain.overrides(session)}
    for key, steps in sorted(chains.items()):
        typer.echo(f"{key or '*'}:")
        for s in steps:
            same = " same_approver" if s.same_approver else ""
            typer.echo(f"  {s.position}. {s.name} ({s.role.value}, {s.covers.value}{same})")


@chain_app.command("set")
def approval_chain_set(file: Annotated[Path, typer.Argument(help="审核链文件 chain file (.yaml)")],
                       data: DataOpt = None, database: DatabaseOpt = None) -> None:
    """设置审核链 set a chain from a YAML file (已报送的任务沿用原审核链 submitted ones keep theirs)."""
    from zongheng.platform.db import transaction
    from zongheng.platform.services import approval_chain

    if not file.is_file():
        fail(text("pf_cli_no_file", file=str(file)))
    try:
        key, steps = approval_chain.chain_from_yaml(file.read_text(encoding="utf-8"))
    except approval_chain.ChainError as exc:
        fail("\n".join(p.message() for p in exc.problems))
    factory = _upgraded(_settings(data, database))
    with transaction(factory) as session:
        approval_chain.set_chain(session, steps, framework_key=key, user_id=None)
    where = key or "*"
    typer.echo(text("pf_ac_cli_set", key=where, steps=" → ".join(s.name for s in steps)) if steps
               else text("pf_ac_cli_removed", key=where))
