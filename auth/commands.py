"""`python app.py user|token|forget …`: the command-line side of sign-in and personal data.

Each function takes the Settings and the parsed arguments and returns the exit code (0 ok,
2 refused), printing what it did; errors name the problem. Used by app.py's argparse.
"""
from __future__ import annotations

import getpass
import sys

from queries.db import ensure_schema, make_engine

from .passwords import PasswordError
from .roles import ROLES, Principal
from .users import (
    UserError,
    add_token,
    add_user,
    list_tokens,
    list_users,
    revoke_token,
    update_user,
)


def cli_principal() -> Principal:
    """Who ran the command, for the audit log ("cli:<login name>", acting as admin)."""
    try:
        who = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        who = "unknown"
    return Principal(f"cli:{who}", "admin", via="cli")


def _engine(settings):
    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    return engine


def read_password(from_stdin: bool, stdin=None, prompt=getpass.getpass) -> str:
    """The new password: one line of stdin (`--password-stdin`), else typed twice."""
    if from_stdin:
        line = (stdin or sys.stdin).readline()
        return line.rstrip("\r\n")
    first = prompt("Password: ")
    if prompt("Password (again): ") != first:
        raise PasswordError("the two passwords differ")
    return first


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def cmd_user(settings, args) -> int:
    engine = _engine(settings)
    try:
        if args.user_command == "add":
            password = None if args.no_password else read_password(args.password_stdin)
            user = add_user(engine, args.username, role=args.role, password=password,
                            owner_id=args.owner, region=args.region)
            scope = (f", owner {user.owner_id}" if user.owner_id else "") + \
                (f", regions {', '.join(user.region_scope)}" if user.region_scope else "")
            print(f"User {user.username} added: role {user.role}{scope}"
                  + ("" if user.has_password else " (no password: proxy sign-on or API tokens only)"))
        elif args.user_command == "list":
            rows = list_users(engine)
            if not rows:
                print("No users yet (python app.py user add USERNAME --role admin).")
            for u in rows:
                print(f"{u.username:<24} {u.role:<10} owner={u.owner_id or '-':<10} "
                      f"regions={','.join(u.region_scope) if u.region_scope else '*':<16} "
                      f"{'DISABLED' if u.disabled else 'active'}  since {u.created_at:%Y-%m-%d}")
        elif args.user_command in ("disable", "enable"):
            user = update_user(engine, args.username, disabled=args.user_command == "disable")
            print(f"User {user.username} {'disabled: signed out on the next request' if user.disabled else 'enabled'}")
        elif args.user_command == "set":
            user = update_user(engine, args.username, role=args.role, owner_id=args.owner, region=args.region)
            print(f"User {user.username}: role {user.role}, owner {user.owner_id or '-'}, "
                  f"regions {', '.join(user.region_scope) if user.region_scope else 'all'}")
        elif args.user_command == "password":
            user = update_user(engine, args.username, password=read_password(args.password_stdin))
            print(f"Password of {user.username} changed; their other sessions have ended")
    except (UserError, PasswordError) as exc:
        return _fail(f"Refused: {exc}")
    return 0


def cmd_token(settings, args) -> int:
    engine = _engine(settings)
    try:
        if args.token_command == "add":
            token = add_token(engine, args.username, args.name)
            print(f"API token {args.name!r} for {args.username.strip().lower()} (shown once, store it now):")
            print(token)
            print("Use it as: Authorization: Bearer <token>", file=sys.stderr)
        elif args.token_command == "list":
            for t in list_tokens(engine, args.username):
                used = f"{t['last_used_at']:%Y-%m-%d %H:%M}" if t["last_used_at"] else "never"
                print(f"{t['username']:<24} {t['name']:<24} created {t['created_at']:%Y-%m-%d}  "
                      f"last used {used}  {'REVOKED' if t['revoked'] else 'active'}")
        elif args.token_command == "revoke":
            n = revoke_token(engine, args.username, args.name)
            print(f"Revoked {n} token(s) named {args.name!r} of {args.username.strip().lower()}")
    except UserError as exc:
        return _fail(f"Refused: {exc}")
    return 0


def cmd_forget(settings, customer_id: str) -> int:
    from .forget import ForgetError, forget_customer
    engine = _engine(settings)
    try:
        result = forget_customer(engine, customer_id, principal=cli_principal())
    except ForgetError as exc:
        return _fail(f"Refused: {exc}")
    erased = [k for k, v in result["erased"].items() if v]
    print(f"Customer {result['customer_id']}: "
          + (f"erased {', '.join(erased)}; " if erased else "nothing left to erase; ")
          + f"the name now reads {result['pseudonym']!r}. Aggregates are unchanged; erase them in the "
          "source system too, or the next import brings the data back.")
    return 0


def add_parsers(sub) -> None:
    """The `user`, `token` and `forget` sub-commands (for app.py's build_parser)."""
    up = sub.add_parser("user", help="manage users who sign in (AUTH_MODE=builtin/proxy)")
    us = up.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    a = us.add_parser("add", help="add a user (asks for the password twice)")
    a.add_argument("username")
    a.add_argument("--role", required=True, choices=ROLES, help="what the user may see")
    a.add_argument("--owner", metavar="OWNER_ID", help="a sales user's owner id (their deals)")
    a.add_argument("--region", metavar="REGION", help="only customers of these regions (comma-separated)")
    g = a.add_mutually_exclusive_group()
    g.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    g.add_argument("--no-password", action="store_true",
                   help="no built-in sign-in (proxy sign-on users, API tokens)")
    us.add_parser("list", help="list users")
    for action, text in (("disable", "disable a user (signed out at once, tokens stop working)"),
                         ("enable", "enable a disabled user again")):
        d = us.add_parser(action, help=text)
        d.add_argument("username")
    s = us.add_parser("set", help="change a user's role, owner or regions")
    s.add_argument("username")
    s.add_argument("--role", choices=ROLES)
    s.add_argument("--owner", metavar="OWNER_ID", help="owner id ('' clears it)")
    s.add_argument("--region", metavar="REGION", help="regions, comma-separated ('' clears: all regions)")
    pw = us.add_parser("password", help="set a new password (asks twice)")
    pw.add_argument("username")
    pw.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")

    tp = sub.add_parser("token", help="personal API tokens (Authorization: Bearer …)")
    ts = tp.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    a = ts.add_parser("add", help="create a token for a user; prints it once")
    a.add_argument("username")
    a.add_argument("--name", required=True, help="what the token is for, e.g. 'weekly report script'")
    ls = ts.add_parser("list", help="list tokens (never the tokens themselves)")
    ls.add_argument("username", nargs="?")
    r = ts.add_parser("revoke", help="revoke a user's token by name")
    r.add_argument("username")
    r.add_argument("--name", required=True)

    fp = sub.add_parser("forget", help="erase a customer's personal data (GDPR); aggregates stay")
    fp.add_argument("customer_id")
