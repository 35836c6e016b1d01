"""News rules and store over real databases (SQLite and PostgreSQL), images checked by Pillow,
the Atom feed read by feedparser and checked against RFC 4287's required elements."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from PIL import Image as PilImage

from onemg.community.news import images as img
from onemg.community.news.atom import ATOM, atom_feed
from onemg.community.news.demo import POSTS, load_demo_news, load_demo_news_hub
from onemg.community.news.service import parse_links, parse_tags, slugify, validate_post
from onemg.community.news.store import NewsStore
from onemg.errors import InvalidInputError, NotFoundError
from onemg.settings import Settings
from onemg.times import in_zone, instant_in_zone
from onemg.web.pages import WebServices


@pytest.fixture
def services(tmp_path: Path, db_url: str):  # noqa: ANN201
    web = WebServices.for_settings(Settings(data_dir=tmp_path / "hub", database_url=db_url))
    yield web
    web.dispose()


@pytest.fixture
def store(services: WebServices) -> NewsStore:
    return NewsStore(services.engine)


def _post(title: str = "A post", *, date: str = "2022-10-13", tags: str = "", body: str = "x"):
    return validate_post(
        title=title,
        dated_at=instant_in_zone(date, "12:00", "Europe/Brussels"),
        summary="Summary.",
        body=body,
        tags=tags,
        links="",
    )


def _png(size: tuple[int, int] = (8, 8), fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    PilImage.new("RGB", size, (10, 80, 140)).save(out, fmt)
    return out.getvalue()


def test_times_are_instants_shown_with_their_zone_on_both_sides_of_summer_time() -> None:
    summer = instant_in_zone("2022-10-13", "12:00", "Europe/Brussels")
    winter = instant_in_zone("2021-11-17", "12:00", "Europe/Brussels")
    assert summer == 1665655200  # 10:00 UTC
    assert winter == 1637146800  # 11:00 UTC
    assert in_zone(summer) == "13 October 2022, 12:00 CEST"
    assert in_zone(winter) == "17 November 2021, 12:00 CET"
    assert in_zone(summer, "UTC") == "13 October 2022, 10:00 UTC"
    with pytest.raises(InvalidInputError, match="time zone 'Mars/Olympus'"):
        instant_in_zone("2022-10-13", "12:00", "Mars/Olympus")
    with pytest.raises(InvalidInputError, match="use YYYY-MM-DD and HH:MM"):
        instant_in_zone("13/10/2022", "12:00", "UTC")


def test_form_fields_are_checked_with_messages_that_name_the_field() -> None:
    assert parse_tags("Stakeholder  Forum, deliverables, stakeholder forum") == (
        "stakeholder forum",
        "deliverables",
    )
    with pytest.raises(InvalidInputError, match="tag '<b>'"):
        parse_tags("<b>")
    assert parse_links("D1.2 | https://zenodo.org/record/4813451\nForum | /events/3")[1].url == (
        "/events/3"
    )
    with pytest.raises(InvalidInputError, match="line 1: 'javascript:alert"):
        parse_links("Click | javascript:alert(1)")
    with pytest.raises(InvalidInputError, match="line 2: write 'label | URL'"):
        parse_links("ok | /news\nno separator here")
    with pytest.raises(InvalidInputError, match="title: must be one line"):
        validate_post(title="a\nb", dated_at=0, summary="s", body="", tags="", links="")
    with pytest.raises(InvalidInputError, match="summary: required"):
        validate_post(title="a", dated_at=0, summary=" ", body="", tags="", links="")
    assert slugify("1+MG / B1MG Stakeholder Forum – 13 October 2022") == (
        "1-mg-b1mg-stakeholder-forum-13-october-2022"
    )


def test_store_pages_filters_by_tag_and_keeps_drafts_out(store: NewsStore) -> None:
    for n in range(12):
        store.create(
            _post(
                f"Post {n}",
                date=f"2021-{n + 1:02d}-01",
                tags="deliverables" if n % 3 == 0 else "project",
            ),
            author=None,
            published=True,
        )
    draft = store.create(_post("Secret draft", date="2030-01-01"), author=None)
    first, total = store.published(page=1, per_page=10)
    assert total == 12
    assert [p.title for p in first][:2] == ["Post 11", "Post 10"]  # newest first
    second, _ = store.published(page=2, per_page=10)
    assert [p.title for p in second] == ["Post 1", "Post 0"]
    tagged, n_tagged = store.published(tag="deliverables")
    assert n_tagged == 4
    assert {p.title for p in tagged} == {"Post 0", "Post 3", "Post 6", "Post 9"}
    assert dict(store.tags()) == {"project": 8, "deliverables": 4}
    assert "Secret draft" not in {p.title for p in store.published(per_page=50)[0]}
    # the same title gets a new address; publishing shows the draft
    again = store.create(_post("Post 1"), author=None)
    assert again.slug == "post-1-2"
    store.set_published(draft.id, True)
    assert store.published(page=1)[0][0].title == "Secret draft"
    assert store.delete(draft.id) == []
    with pytest.raises(NotFoundError):
        store.get(draft.id)


def test_demo_posts_load_once_with_real_dates_and_the_demo_label(
    services: WebServices, store: NewsStore
) -> None:
    engine = services.engine
    assert load_demo_news(engine) == len(POSTS) == 8
    assert load_demo_news(engine) == 0  # idempotent
    posts, total = store.published(per_page=20)
    assert total == 8
    assert all(p.demo for p in posts)
    assert all("Demo content" in p.body for p in posts)
    dates = {p.title: in_zone(p.dated_at).split(",")[0] for p in posts}
    assert dates["The Beyond 1 Million Genomes project begins"] == "4 June 2020"
    assert dates["The B1MG Stakeholder Portal launches"] == "19 October 2020"
    assert dates["New B1MG newsletter released"] == "8 April 2021"
    assert dates["1+MG / B1MG Stakeholder Forum - 13 October 2022"] == "13 October 2022"


def test_images_are_checked_by_content_not_by_name(tmp_path: Path) -> None:
    png = img.check_image(_png(), post_id=3, filename="chart.png", alt="A chart")
    assert png.content_type == "image/png"
    assert png.name.startswith("3-")
    assert png.name.endswith(".png")
    jpeg = img.check_image(_png(fmt="JPEG"), post_id=3, filename="photo.png", alt="A photo")
    assert jpeg.content_type == "image/jpeg"  # what the bytes are, not what the name says
    with pytest.raises(InvalidInputError, match="not a readable image"):
        img.check_image(
            b"<html><script>alert(1)</script></html>", post_id=3, filename="evil.png", alt="x"
        )
    bmp = io.BytesIO()
    PilImage.new("RGB", (4, 4)).save(bmp, "BMP")
    with pytest.raises(InvalidInputError, match="BMP images are not accepted"):
        img.check_image(bmp.getvalue(), post_id=3, filename="a.bmp", alt="x")
    with pytest.raises(InvalidInputError, match="at most 200 KiB"):
        img.check_image(b"\x89PNG" + bytes(img.MAX_BYTES), post_id=3, filename="big.png", alt="x")
    with pytest.raises(InvalidInputError, match="image description: required"):
        img.check_image(_png(), post_id=3, filename="chart.png", alt=" ")
    path = img.write_image(tmp_path, png, _png())
    assert path.read_bytes() == _png()
    assert path.parent == img.images_dir(tmp_path)


def test_atom_feed_is_valid_rfc_4287(store: NewsStore) -> None:
    store.create(
        _post(
            "Forum & <friends>",
            tags="stakeholder forum",
            body="Hello <script>alert(1)</script> **world**",
        ),
        author=None,
        published=True,
    )
    store.create(_post("Second", date="2020-06-04"), author=None, published=True)
    posts, _ = store.published()
    xml = atom_feed(posts, base_url="https://hub.example.org/")
    # RFC 4287 4.1.1: a feed has exactly one id, title and updated; every entry has them too.
    root = ET.fromstring(xml)
    assert root.tag == f"{{{ATOM}}}feed"
    for el in (root, *root.findall(f"{{{ATOM}}}entry")):
        for required in ("id", "title", "updated"):
            assert len(el.findall(f"{{{ATOM}}}{required}")) == 1, required
    assert root.find(f"{{{ATOM}}}author/{{{ATOM}}}name") is not None
    assert root.find(f"{{{ATOM}}}link[@rel='self']").get("href") == (
        "https://hub.example.org/news.atom"
    )
    feed = feedparser.parse(xml)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    first = feed.entries[0]
    assert first.title == "Forum & <friends>"
    assert first.link == "https://hub.example.org/news/forum-friends"
    assert first.published == "2022-10-13T10:00:00Z"
    assert [t.term for t in first.tags] == ["stakeholder forum"]
    content = first.content[0].value
    assert "<strong>world</strong>" in content
    assert "<script" not in content
    assert feed.entries[1].id != first.id


def test_the_demo_hub_gets_the_demo_news_once(tmp_path: Path) -> None:
    lines: list[str] = []
    assert load_demo_news_hub(tmp_path / "hub", echo=lines.append) == 8
    assert load_demo_news_hub(tmp_path / "hub", echo=lines.append) == 0
    assert lines == ["loaded 8 demo news posts (1+MG/B1MG milestones)"]
