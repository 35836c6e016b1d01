"""The news pages: ``/news``, ``/news/<slug>``, ``/news.atom``, images, and the editors' pages.

Reading is open to everyone. Writing needs the ``editor`` site role; every publish, withdrawal
and deletion (and every refused attempt) goes to the hub's audit log.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.datastructures import UploadFile

from onemg.community.news import images as img
from onemg.community.news.atom import atom_feed
from onemg.community.news.service import (
    PER_PAGE,
    SUGGESTED_TAGS,
    Post,
    format_links,
    page_count,
    validate_post,
)
from onemg.community.news.store import NewsStore
from onemg.errors import InvalidInputError, NotFoundError
from onemg.times import SITE_ZONE, in_zone, instant_in_zone, iso_utc
from onemg.web.markdown import render_markdown
from onemg.web.pages import (
    SECURITY_HEADERS,
    WebUser,
    audit_page,
    check_csrf,
    page_user,
    redirect,
    render,
    require_site_role_audited,
    web,
)

EDITOR = "editor"
#: The fields of the post form.
_FIELDS = ("title", "date", "time", "zone", "summary", "body", "tags", "links", "image_alt")


def _store(request: Request) -> NewsStore:
    return NewsStore(web(request).engine)


def _data_dir(request: Request) -> Path:
    return request.app.state.data_dir


_audit = audit_page


def _editor(request: Request, action: str, resource: str = "news") -> WebUser:
    """The logged-in editor; a refusal is audited before the 403."""
    return require_site_role_audited(request, EDITOR, action=action, resource=resource)


def _shown(post: Post) -> dict[str, object]:
    """What templates need of a post besides the post itself."""
    return {"post": post, "when": in_zone(post.dated_at), "iso": iso_utc(post.dated_at)}


def _form_context(
    post: Post | None, error: str | None = None, fields: dict[str, str] | None = None
) -> dict[str, object]:
    if fields is None and post is not None:
        from datetime import UTC, datetime
        from zoneinfo import ZoneInfo

        local = datetime.fromtimestamp(post.dated_at, UTC).astimezone(ZoneInfo(SITE_ZONE))
        fields = {
            "title": post.title,
            "date": f"{local:%Y-%m-%d}",
            "time": f"{local:%H:%M}",
            "zone": SITE_ZONE,
            "summary": post.summary,
            "body": post.body,
            "tags": ", ".join(post.tags),
            "links": format_links(post.links),
        }
    return {
        "post": post,
        "error": error,
        "suggested": SUGGESTED_TAGS,
        "fields": fields
        or {
            "title": "",
            "date": "",
            "time": "12:00",
            "zone": SITE_ZONE,
            "summary": "",
            "body": "",
            "tags": "",
            "links": "",
        },
    }


def create_router() -> APIRouter:
    """The news router (a new one per app)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/news/style.css")
    def stylesheet() -> Response:
        css = resources.files("onemg.community.news").joinpath("news.css").read_text()
        return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    @router.get("/news")
    def news_list(request: Request, page: int = 1, tag: str | None = None) -> Response:
        store = _store(request)
        tag = tag.strip().lower() if tag else None
        if page < 1:
            raise InvalidInputError("page: must be 1 or more")
        posts, total = store.published(tag=tag or None, page=page, per_page=PER_PAGE)
        pages = page_count(total)
        if page > pages:
            raise NotFoundError(f"page {page}: the news has {pages} page(s)")
        return render(
            request,
            "news/list.html",
            {
                "items": [_shown(p) for p in posts],
                "tags": store.tags(),
                "tag": tag,
                "page": page,
                "pages": pages,
                "total": total,
                "is_editor": bool(page_user(request) and page_user(request).has_role(EDITOR)),
            },
            title="News" + (f": {tag}" if tag else ""),
        )

    @router.get("/news.atom")
    def news_feed(request: Request) -> Response:
        posts, _ = _store(request).published(page=1, per_page=50)
        body = atom_feed(posts, base_url=str(request.base_url))
        return Response(
            body,
            media_type="application/atom+xml; charset=utf-8",
            headers={"X-Content-Type-Options": "nosniff"},
        )

    @router.get("/news/images/{name}")
    def news_image(request: Request, name: str) -> Response:
        image, published = _store(request).image(name)
        user = page_user(request)
        if not published and not (user and user.has_role(EDITOR)):
            raise NotFoundError(f"no image {name!r}")
        path = img.images_dir(_data_dir(request)) / image.name
        if not path.is_file():
            raise NotFoundError(f"no image {name!r}")
        return FileResponse(
            path,
            media_type=image.content_type,
            headers={
                **SECURITY_HEADERS,
                "Cache-Control": "max-age=86400",
                "Content-Disposition": "inline",
            },
        )

    # The editors' pages come before /news/{slug}, which would otherwise match them.
    @router.get("/news/admin")
    def admin(request: Request) -> Response:
        _editor(request, "news.admin")
        posts = _store(request).all_posts()
        return render(
            request, "news/admin.html", {"items": [_shown(p) for p in posts]}, title="News: editors"
        )

    @router.get("/news/admin/new")
    def new_form(request: Request) -> Response:
        _editor(request, "news.create")
        return render(request, "news/edit.html", _form_context(None), title="New post")

    @router.get("/news/admin/{post_id}")
    def edit_form(request: Request, post_id: int) -> Response:
        _editor(request, "news.edit", f"news/{post_id}")
        post = _store(request).get(post_id)
        return render(request, "news/edit.html", _form_context(post), title=f"Edit: {post.title}")

    async def save(request: Request, post_id: int | None) -> Response:
        user = _editor(
            request, "news.edit" if post_id else "news.create", f"news/{post_id or 'new'}"
        )
        await check_csrf(request)
        store = _store(request)
        existing = store.get(post_id) if post_id is not None else None
        form = await request.form()
        fields = {k: str(form.get(k) or "") for k in _FIELDS}
        image = form.get("image")
        upload = await image.read() if isinstance(image, UploadFile) and image.filename else b""
        filename = image.filename if isinstance(image, UploadFile) else ""
        try:
            data = validate_post(
                dated_at=instant_in_zone(fields["date"], fields["time"], fields["zone"]),
                **{k: fields[k] for k in ("title", "summary", "body", "tags", "links")},
            )
            if upload:  # checked before anything is stored, so a bad image changes nothing
                img.check_image(upload, post_id=0, filename=filename or "", alt=fields["image_alt"])
        except InvalidInputError as exc:
            return render(
                request,
                "news/edit.html",
                _form_context(existing, str(exc), fields),
                status=400,
                title="Edit post" if existing else "New post",
            )
        post = store.update(post_id, data) if existing else store.create(data, author=user.sub)
        _audit(request, user, "news.edit" if existing else "news.create", f"news/{post.id}")
        if upload:
            checked = img.check_image(
                upload, post_id=post.id, filename=filename or "", alt=fields["image_alt"]
            )
            img.write_image(_data_dir(request), checked, upload)
            if checked.name not in {i.name for i in post.images}:
                store.add_image(post.id, checked)
        return redirect(request, f"/news/admin/{post.id}?saved=1")

    @router.post("/news/admin/new")
    async def create(request: Request) -> Response:
        return await save(request, None)

    @router.post("/news/admin/{post_id}")
    async def update(request: Request, post_id: int) -> Response:
        return await save(request, post_id)

    @router.post("/news/admin/{post_id}/{action}")
    async def moderate(request: Request, post_id: int, action: str) -> Response:
        if action not in ("publish", "unpublish", "delete"):
            raise NotFoundError(f"no action {action!r}")
        user = _editor(request, f"news.{action}", f"news/{post_id}")
        await check_csrf(request)
        store = _store(request)
        if action == "delete":
            img.remove_images(_data_dir(request), store.delete(post_id))
            _audit(request, user, "news.delete", f"news/{post_id}")
            return redirect(request, "/news/admin")
        store.set_published(post_id, action == "publish")
        _audit(request, user, f"news.{action}", f"news/{post_id}")
        return redirect(request, f"/news/admin/{post_id}")

    @router.get("/news/{slug}")
    def news_post(request: Request, slug: str) -> Response:
        post = _store(request).by_slug(slug)
        user = page_user(request)
        if not post.published and not (user and user.has_role(EDITOR)):
            raise NotFoundError(f"no news post {slug!r}")
        return render(
            request,
            "news/post.html",
            {
                **_shown(post),
                "html": render_markdown(post.body),
                "is_editor": bool(user and user.has_role(EDITOR)),
            },
            title=post.title,
        )

    return router
