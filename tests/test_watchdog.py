# SPDX-License-Identifier: BSD-3-Clause
"""The whole-exchange bound on its own, with a plain requests session."""

import time

import pytest
import requests

from piwcheck.net.watchdog import Watchdog, watched


def session():
    s = requests.Session()
    adapter = watched(requests.adapters.HTTPAdapter)()
    s.mount("http://", adapter)
    return s


def test_shuts_a_connection_whose_headers_trickle(server):
    server.faults["numpy"] = "trickle-headers"
    start = time.monotonic()
    with pytest.raises(requests.exceptions.ConnectionError):
        with Watchdog(time.monotonic() + 1) as dog:
            session().get(server.url + "/project/numpy/json/",
                          timeout=(1, 1))
    assert dog.expired.is_set()
    assert time.monotonic() - start < 2


def test_leaves_a_prompt_answer_alone(server):
    s = session()
    with Watchdog(time.monotonic() + 5) as dog:
        resp = s.get(server.url + "/project/numpy/json/", timeout=(1, 1))
    assert resp.status_code == 200 and resp.json()["package"] == "numpy"
    assert not dog.expired.is_set()
    # the pooled connection is still good for the next request
    assert s.get(server.url + "/project/numpy/json/").status_code == 200


def test_expiry_with_no_connection_is_harmless():
    with Watchdog(time.monotonic()) as dog:
        time.sleep(0.1)
    assert dog.expired.is_set()


def test_wrapping_is_idempotent():
    cls = watched(requests.adapters.HTTPAdapter)
    adapter = cls()
    first = dict(adapter.poolmanager.pool_classes_by_scheme)
    adapter.proxy_manager_for("http://127.0.0.1:9")
    adapter.proxy_manager_for("http://127.0.0.1:9")
    manager = adapter.proxy_manager["http://127.0.0.1:9"]
    assert manager.pool_classes_by_scheme == first
    assert all(getattr(c, "_piwcheck_watched", False) for c in first.values())
