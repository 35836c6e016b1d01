"""News posts, tags and images in the hub database (image files in ``<data_dir>/news/images``)."""

from __future__ import annotations

import time

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError as SqlIntegrityError

from onemg.community.news.models import NewsImage, NewsPost, NewsTag
from onemg.community.news.service import Image, Link, Post, PostInput, format_links, slugify
from onemg.db import make_sessionmaker
from onemg.errors import NotFoundError


def _links_of(text: str) -> tuple[Link, ...]:
    out = []
    for line in text.splitlines():
        label, _, url = line.rpartition(" | ")
        if url:
            out.append(Link(label, url))
    return tuple(out)


class NewsStore:
    """Reads and writes the news of one hub database."""

    def __init__(self, engine: Engine) -> None:
        self._session = make_sessionmaker(engine)

    def _post(self, s, row: NewsPost) -> Post:  # noqa: ANN001
        tags = s.scalars(
            select(NewsTag.tag).where(NewsTag.post_id == row.id).order_by(NewsTag.tag)
        ).all()
        images = s.scalars(
            select(NewsImage)
            .where(NewsImage.post_id == row.id)
            .order_by(NewsImage.created_at, NewsImage.name)
        ).all()
        return Post(
            id=row.id,
            slug=row.slug,
            title=row.title,
            dated_at=row.dated_at,
            summary=row.summary,
            body=row.body,
            tags=tuple(tags),
            links=_links_of(row.links),
            published=row.published,
            demo=row.demo,
            created_at=row.created_at,
            updated_at=row.updated_at,
            images=tuple(Image(i.name, i.content_type, i.alt, i.size) for i in images),
        )

    def published(
        self,
        *,
        tag: str | None = None,
        page: int = 1,
        per_page: int = 10,
    ) -> tuple[list[Post], int]:
        """One page of published posts, newest first, and how many there are in all."""
        query = select(NewsPost).where(NewsPost.published.is_(True))
        if tag:
            query = query.where(NewsPost.id.in_(select(NewsTag.post_id).where(NewsTag.tag == tag)))
        with self._session() as s:
            total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = s.scalars(
                query.order_by(NewsPost.dated_at.desc(), NewsPost.id.desc())
                .offset((page - 1) * per_page)
                .limit(per_page)
            ).all()
            return [self._post(s, r) for r in rows], total

    def all_posts(self) -> list[Post]:
        """Every post, drafts included, newest first (the editors' list)."""
        with self._session() as s:
            rows = s.scalars(
                select(NewsPost).order_by(NewsPost.dated_at.desc(), NewsPost.id.desc())
            ).all()
            return [self._post(s, r) for r in rows]

    def tags(self) -> list[tuple[str, int]]:
        """Tags of published posts with how many posts carry each, most used first."""
        with self._session() as s:
            rows = s.execute(
                select(NewsTag.tag, func.count())
                .join(NewsPost, NewsPost.id == NewsTag.post_id)
                .where(NewsPost.published.is_(True))
                .group_by(NewsTag.tag)
                .order_by(func.count().desc(), NewsTag.tag)
            ).all()
        return [(r[0], int(r[1])) for r in rows]

    def get(self, post_id: int) -> Post:
        """The post ``post_id`` (NotFoundError if there is none)."""
        with self._session() as s:
            row = s.get(NewsPost, post_id)
            if row is None:
                raise NotFoundError(f"no news post {post_id}")
            return self._post(s, row)

    def by_slug(self, slug: str) -> Post:
        """The post at ``/news/<slug>`` (NotFoundError if there is none)."""
        with self._session() as s:
            row = s.scalar(select(NewsPost).where(NewsPost.slug == slug))
            if row is None:
                raise NotFoundError(f"no news post {slug!r}")
            return self._post(s, row)

    def has_slug(self, slug: str) -> bool:
        """True when a post uses ``slug``."""
        with self._session() as s:
            return s.scalar(select(NewsPost.id).where(NewsPost.slug == slug)) is not None

    def create(self, data: PostInput, *, author: str | None, published: bool = False) -> Post:
        """Store a new post (a draft unless ``published``) under a free slug of its title."""
        base = slugify(data.title)
        for n in range(1, 1000):
            slug = base if n == 1 else f"{base}-{n}"
            now = int(time.time())
            try:
                with self._session.begin() as s:
                    row = NewsPost(
                        slug=slug,
                        title=data.title,
                        dated_at=data.dated_at,
                        summary=data.summary,
                        body=data.body,
                        links=format_links(data.links),
                        published=published,
                        demo=data.demo,
                        author_sub=author,
                        created_at=now,
                        updated_at=now,
                    )
                    s.add(row)
                    s.flush()
                    s.add_all(NewsTag(post_id=row.id, tag=t) for t in data.tags)
                    post_id = row.id
                return self.get(post_id)
            except SqlIntegrityError:
                continue  # the slug was taken (maybe concurrently): try the next one
        raise NotFoundError(f"no free address for a post titled {data.title!r}")

    def update(self, post_id: int, data: PostInput) -> Post:
        """Replace a post's fields and tags (its address stays the same)."""
        with self._session.begin() as s:
            row = s.get(NewsPost, post_id)
            if row is None:
                raise NotFoundError(f"no news post {post_id}")
            row.title, row.dated_at, row.summary = data.title, data.dated_at, data.summary
            row.body, row.links = data.body, format_links(data.links)
            row.updated_at = int(time.time())
            s.execute(delete(NewsTag).where(NewsTag.post_id == post_id))
            s.add_all(NewsTag(post_id=post_id, tag=t) for t in data.tags)
        return self.get(post_id)

    def set_published(self, post_id: int, published: bool) -> Post:
        """Publish or withdraw a post."""
        with self._session.begin() as s:
            row = s.get(NewsPost, post_id)
            if row is None:
                raise NotFoundError(f"no news post {post_id}")
            row.published = published
            row.updated_at = int(time.time())
        return self.get(post_id)

    def delete(self, post_id: int) -> list[str]:
        """Delete a post with its tags and image records; the image file names to remove."""
        with self._session.begin() as s:
            row = s.get(NewsPost, post_id)
            if row is None:
                raise NotFoundError(f"no news post {post_id}")
            names = list(s.scalars(select(NewsImage.name).where(NewsImage.post_id == post_id)))
            s.execute(delete(NewsTag).where(NewsTag.post_id == post_id))
            s.execute(delete(NewsImage).where(NewsImage.post_id == post_id))
            s.delete(row)
        return names

    def add_image(self, post_id: int, image: Image) -> None:
        """Record an image (its file already written) as belonging to ``post_id``."""
        with self._session.begin() as s:
            s.add(
                NewsImage(
                    name=image.name,
                    post_id=post_id,
                    content_type=image.content_type,
                    alt=image.alt,
                    size=image.size,
                    created_at=int(time.time()),
                )
            )

    def image(self, name: str) -> tuple[Image, bool]:
        """An image and whether its post is published (NotFoundError if unknown)."""
        with self._session() as s:
            row = s.get(NewsImage, name)
            post = s.get(NewsPost, row.post_id) if row else None
            if row is None or post is None:
                raise NotFoundError(f"no image {name!r}")
            return Image(row.name, row.content_type, row.alt, row.size), post.published
