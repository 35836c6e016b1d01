"""Reading the portal's forms: one place that turns form fields into service arguments."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile

from onemg.community.stakeholders.registration import Profile, split_expertise
from onemg.errors import InvalidInputError


def text(form: Any, name: str, default: str = "") -> str:
    """A text field (``default`` when absent; files are refused)."""
    value = form.get(name, default)
    if not isinstance(value, str):
        raise InvalidInputError(f"{name}: expected text")
    return value


def flag(form: Any, name: str) -> bool:
    """A checkbox."""
    return form.get(name) not in (None, "", "0", "off")


def profile(form: Any) -> Profile:
    """The registration/profile fields."""
    return Profile(
        name=text(form, "name"),
        organisation=text(form, "organisation"),
        country=text(form, "country"),
        groups=tuple(str(g) for g in form.getlist("groups")),
        expertise=split_expertise(text(form, "expertise")),
        roles=tuple(str(r) for r in form.getlist("roles")),
        directory_opt_in=flag(form, "directory_opt_in"),
        named_in_reports=flag(form, "named_in_reports"),
    )


async def upload(form: Any, name: str = "file") -> tuple[str, bytes]:
    """(file name, bytes) of a file field; InvalidInputError when none was chosen."""
    item = form.get(name)
    if not isinstance(item, UploadFile) or not item.filename:
        raise InvalidInputError(f"{name}: choose a file to upload")
    return item.filename, await item.read()


def optional_int(form: Any, name: str) -> int | None:
    """An optional whole number."""
    value = text(form, name).strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInputError(f"{name}: expected a number, got {value!r}") from None
