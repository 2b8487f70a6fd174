"""Password hashing: scrypt through werkzeug.security (salted, memory-hard; no extra dependency)."""
from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
METHOD = "scrypt:32768:8:1"   # werkzeug's default; written out so the cost is visible
#: Checked against when the user does not exist, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password of anyone", method=METHOD)


class PasswordError(ValueError):
    """A new password is not acceptable; the message says why."""


def check_new_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"the password must be at least {MIN_LENGTH} characters long")
    if password.strip() != password:
        raise PasswordError("the password must not begin or end with spaces")


def hash_password(password: str) -> str:
    """The storable hash (`scrypt:…$salt$hash`) of an acceptable new password."""
    check_new_password(password)
    return generate_password_hash(password, method=METHOD)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches `stored_hash`; constant work when there is no hash."""
    if not stored_hash:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(stored_hash, password)
