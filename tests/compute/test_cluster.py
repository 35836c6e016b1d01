"""``[compute]`` settings and ``map_ordered`` in this process, on a LocalCluster and on a
scheduler address (a real ``distributed`` scheduler started by the test)."""

from __future__ import annotations

import socket

import pytest

from onemg.compute import ComputeFailedError, compute_client, map_ordered
from onemg.errors import InvalidInputError
from onemg.settings import ComputeSettings, settings_from_mapping


def _square(x: int, offset: int = 0) -> int:
    return x * x + offset


def _fail(x: int) -> int:
    if x == 3:
        raise InvalidInputError(f"chunk {x}: bad record")
    if x == 4:
        raise RuntimeError("numba exploded")
    return x


def test_settings_section() -> None:
    s = settings_from_mapping({"compute": {"workers": 3, "memory_limit": "2GiB"}}, data_dir="d")
    assert s.compute == ComputeSettings(workers=3, memory_limit="2GiB")
    assert settings_from_mapping({}, data_dir="d").compute.workers == 0
    with pytest.raises(InvalidInputError, match=r"\[compute\].*unknown setting.*'worker'"):
        settings_from_mapping({"compute": {"worker": 2}}, data_dir="d")
    with pytest.raises(InvalidInputError, match="workers and allowed_failures must be >= 0"):
        ComputeSettings(workers=-1)


def test_in_process_runs_in_order_with_progress() -> None:
    ticks: list[tuple[int, int]] = []
    with compute_client(ComputeSettings()) as client:
        assert client is None
        out = map_ordered(
            client,
            _square,
            [3, 1, 2],
            progress=lambda d, t: ticks.append((d, t)),
            broadcast={"offset": 10},
        )
    assert out == [19, 11, 14]
    assert ticks == [(1, 3), (2, 3), (3, 3)]


@pytest.mark.slow
def test_local_cluster_order_broadcast_and_errors() -> None:
    with compute_client(ComputeSettings(workers=1, memory_limit="1GiB")) as client:
        assert client is not None
        assert len(client.scheduler_info()["workers"]) == 1
        items = list(range(30, 0, -1))
        assert map_ordered(client, _square, items, broadcast={"offset": 1}) == [
            x * x + 1 for x in items
        ]
        with pytest.raises(InvalidInputError, match="chunk 3: bad record"):
            map_ordered(client, _fail, [1, 2, 3])
        with pytest.raises(
            ComputeFailedError, match="RuntimeError: numba exploded.*Nothing was published"
        ):
            map_ordered(client, _fail, [4, 5])


@pytest.mark.slow
def test_scheduler_address() -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        settings = ComputeSettings(scheduler_address=cluster.scheduler_address)
        with compute_client(settings) as client:
            assert map_ordered(client, _square, [2, 3]) == [4, 9]


def test_unreachable_scheduler_says_how_to_fix() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = ComputeSettings(scheduler_address=f"tcp://127.0.0.1:{port}", connect_timeout_s=1)
    with (
        pytest.raises(ComputeFailedError, match="cannot reach the Dask scheduler"),
        compute_client(settings),
    ):
        pass
