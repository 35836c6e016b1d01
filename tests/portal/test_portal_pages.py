"""The researcher pages over a real network (FI and EE nodes and a hub, as processes).

Ground truth is each node's own Beacon API: the pages must show what the nodes publish.
"""

from __future__ import annotations

import re

import httpx
import pytest

from onemg.demo.demo import DemoNetwork

pytestmark = pytest.mark.slow
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def hub(real_network: DemoNetwork) -> httpx.Client:  # noqa: F811
    with httpx.Client(
        base_url=real_network.plan.hub_url, headers=HTML, timeout=60, trust_env=False
    ) as client:
        yield client


def _node_datasets(real_network: DemoNetwork) -> dict[str, dict]:
    out = {}
    for country in real_network.plan.countries:
        body = httpx.get(
            f"{real_network.plan.node_url(country)}/api/datasets", trust_env=False
        ).json()
        for d in body["response"]["collections"]:
            out[d["id"]] = {**d, "country": country}
    return out


def test_home_and_datasets_list_what_the_nodes_publish(hub, real_network) -> None:  # noqa: ANN001
    truth = _node_datasets(real_network)
    assert len(truth) == 2
    home = hub.get("/")
    assert home.status_code == 200
    assert "Content-Security-Policy" in home.headers
    assert re.search(r"2</strong> datasets from <strong>2</strong>\s+countries", home.text)
    page = hub.get("/datasets")
    assert page.status_code == 200
    for dataset_id, d in truth.items():
        assert f'href="/datasets/{dataset_id}"' in page.text
        assert d["name"] in page.text
    assert "2 of 2 datasets" in page.text


def test_facets_and_text_search_narrow_the_list(hub, real_network) -> None:  # noqa: ANN001
    truth = _node_datasets(real_network)
    fi = [i for i, d in truth.items() if d["country"] == "FI"]
    page = hub.get("/datasets", params={"country": "FI"})
    assert "1 of 2 datasets" in page.text
    assert f'href="/datasets/{fi[0]}"' in page.text
    # The country facet still counts the other country (it would add one dataset).
    assert re.search(r"EE \(1\)", page.text)
    by_text = hub.get("/datasets", params={"q": "Estonia"})
    assert "1 of 2 datasets" in by_text.text
    none = hub.get("/datasets", params={"q": "no-such-word-anywhere"})
    assert "0 of 2 datasets" in none.text
    assert "No dataset matches" in none.text
    duo = hub.get("/datasets", params={"condition": "GRU: general research use"})
    assert duo.status_code == 200


def test_dataset_page_explains_conditions_in_plain_words(hub, real_network) -> None:  # noqa: ANN001
    truth = _node_datasets(real_network)
    for dataset_id, d in truth.items():
        page = hub.get(f"/datasets/{dataset_id}")
        assert page.status_code == 200, page.text
        for use in d["dataUseConditions"]["duoDataUse"]:
            assert use["id"] in page.text
        assert "How to get access" in page.text
        assert "individuals" in page.text
    missing = hub.get("/datasets/no-such-dataset")
    assert missing.status_code == 404
    assert "Traceback" not in missing.text
    assert "<h1>Error</h1>" in missing.text


def test_search_by_gene_answers_per_country_with_honest_counts(hub) -> None:  # noqa: ANN001
    page = hub.get("/search", params={"kind": "gene", "gene": "CFTR"})
    assert page.status_code == 200, page.text
    assert 'id="by-country"' in page.text
    for country in ("FI", "EE"):
        assert f'<th scope="row">{country}</th>' in page.text
    # The public tier never shows a fake number for a small count.
    counts = re.findall(r'<td class="num">([^<]*)</td>', page.text)
    assert counts
    for text in counts:
        assert re.fullmatch(
            r"[\d,]+|fewer than [\d,]+|between .*|at least .*|yes|no|"
            r"not shown at your access level",
            text,
        ), text


def test_search_form_errors_say_how_to_fix(hub) -> None:  # noqa: ANN001
    page = hub.get(
        "/search", params={"kind": "variant", "position": "chr7-117", "ref": "A", "alt": "G"}
    )
    assert page.status_code == 400
    assert "chromosome:position" in page.text


def test_filtering_terms_autocomplete_has_labels(hub) -> None:  # noqa: ANN001
    page = hub.get("/search")
    options = re.findall(r'<option value="([^"]+)">([^<]*)</option>', page.text)
    hpo = [(v, label) for v, label in options if v.startswith("HP:")]
    assert hpo, "the datalist offers the network's HPO terms"
    assert all(label.strip() for _, label in hpo)


def test_filter_and_sex_search_matches_each_node_own_answer(hub, real_network) -> None:  # noqa: ANN001
    from onemg.network.counts import read_count
    from onemg.portal.search import count_text

    page = hub.get(
        "/search", params={"kind": "variant", "filter": "HP:0000822 Hypertension", "sex": "female"}
    )
    assert page.status_code == 200, page.text
    for country in real_network.plan.countries:
        body = httpx.get(
            f"{real_network.plan.node_url(country)}/api/individuals",
            params={
                "filters": "HP:0000822,NCIT:C16576",
                "requestedGranularity": "count",
                "includeResultsetResponses": "ALL",
            },
            trust_env=False,
        ).json()
        for rs in body["response"]["resultSets"]:
            expected = count_text(read_count(rs, count_key="resultsCount"))
            row = re.search(
                rf'<a href="/datasets/{rs["id"]}">[^<]*</a></td><td>(yes|no)</td>'
                rf'<td class="num">([^<]*)</td>',
                page.text,
            )
            assert row, f"{rs['id']} missing from the page"
            assert row[2] == expected


def test_theme_facet_comes_from_the_harvested_catalogue(hub, real_network) -> None:  # noqa: ANN001
    import time

    from rdflib import Graph

    # Ground truth: each node's own DCAT-AP catalogue, read with a SPARQL query.
    themes: dict[str, set[str]] = {}
    for country in real_network.plan.countries:
        text = httpx.get(f"{real_network.plan.node_url(country)}/api/catalogue",
                         headers={"Accept": "text/turtle"}, trust_env=False).text
        graph = Graph().parse(data=text, format="turtle")
        for row in graph.query("""
            PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/>
            PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
            SELECT ?id ?label WHERE { ?d a dcat:Dataset ; dct:identifier ?id ;
                                       dcat:theme ?t . ?t skos:prefLabel ?label }"""):
            themes.setdefault(str(row.id), set()).add(str(row.label))
    assert len(themes) == 2
    [label] = set.intersection(*themes.values())  # the EU data theme of both: Health
    deadline = time.monotonic() + 60
    while True:  # the hub harvests at start-up, in the background
        page = hub.get("/datasets")
        if f"{label} (2)" in page.text or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert "Theme and disease area" in page.text
    assert f"{label} (2)" in page.text
    narrowed = hub.get("/datasets", params={"theme": label, "country": "EE"})
    assert "1 of 2 datasets" in narrowed.text
    with_words = hub.get("/datasets", params={"theme": label, "q": "Finland"})
    assert "1 of 2 datasets" in with_words.text
    none = hub.get("/datasets", params={"theme": "no such theme"})
    assert "0 of 2 datasets" in none.text
    dataset_id = next(iter(themes))
    assert label in hub.get(f"/datasets/{dataset_id}").text
