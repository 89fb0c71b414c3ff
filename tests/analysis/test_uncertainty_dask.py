"""The Dask path gives the local result: a LocalCluster of two worker processes."""

import numpy as np
import pytest

import zongheng as zh
from zongheng.analysis.uncertainty import default_spec, evaluate, sample

distributed = pytest.importorskip("distributed")


def test_dask_run_equals_the_local_run():
    ds = zh.datasets.load("asem")
    ev = zh.build(ds.framework, ds.panel, ds.method)
    spec = default_spec(ev, ["weights", "normalise", "aggregate", "treat"])
    samples = sample(ev, spec, 3000, seed=7, chunk_size=400)  # 8 chunks
    options = {"groups": ["EurAsia_group"], "track": ["NLD"], "keep": True}
    local = evaluate(ev, spec, samples, **options)
    seen = []
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = evaluate(ev, spec, samples, client=client,
                          progress=lambda done, total: seen.append((done, total)), **options)
        assert len(client.scheduler_info()["workers"]) == 2
    np.testing.assert_array_equal(remote.counts, local.counts)
    np.testing.assert_array_equal(remote.group_counts["EurAsia_group"],
                                  local.group_counts["EurAsia_group"])
    np.testing.assert_array_equal(remote.shift, local.shift)
    np.testing.assert_array_equal(remote.tracked["NLD"], local.tracked["NLD"])
    np.testing.assert_array_equal(remote.nominal_rank, local.nominal_rank)
    assert remote.combinations == local.combinations == 20
    assert seen[-1] == (3000, 3000) and len(seen) == 8
