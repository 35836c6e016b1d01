"""SQL tables of the news (created by migration ``0009_news``)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onemg.db.base import Base


class NewsPost(Base):
    """One post: Markdown written by an editor, a draft until published."""

    __tablename__ = "news_posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    #: The post's date as a UTC instant (epoch seconds); shown in the reader's zone.
    dated_at: Mapped[int] = mapped_column(BigInteger, index=True)
    summary: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    #: Related events and documents, one ``label | URL`` per line.
    links: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    #: Demo content (``onemg demo``), labelled as such on every page that shows it.
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    author_sub: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)


class NewsTag(Base):
    """A tag of a post (``stakeholder forum``, ``deliverables``...), for the list's filters."""

    __tablename__ = "news_tags"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("news_posts.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class NewsImage(Base):
    """An image uploaded for a post; the file lives in ``<data_dir>/news/images/``."""

    __tablename__ = "news_images"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("news_posts.id", ondelete="CASCADE"), index=True
    )
    content_type: Mapped[str] = mapped_column(String(40))
    alt: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[int] = mapped_column(BigInteger)
