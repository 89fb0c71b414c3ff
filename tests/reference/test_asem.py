"""Reproduce COINr 1.1.14's ASEM index exactly.

COINr's inputs are the bundled dataset (``src/zongheng/datasets/asem``); its outputs are in
``tests/data/asem/reference`` (see ``tests/data/PROVENANCE.md``).
"""

import hashlib

import numpy as np
import pandas as pd


def test_every_aggregated_value_matches_coinr(asem_evaluation, test_data):
    ref = pd.read_csv(test_data / "asem" / "reference" / "aggregated.csv").set_index("uCode")
    ours = asem_evaluation.stage_frame("aggregated").loc[ref.index, ref.columns]
    assert ours.shape == (51, 49 + 8 + 2 + 1)
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(), rtol=0, atol=1e-6)


def test_every_index_rank_matches_coinr(asem_evaluation, test_data):
    ref = pd.read_csv(test_data / "asem" / "reference" / "index_ranks.csv").set_index("uCode")
    ranking = asem_evaluation.ranking().set_index("unit")
    assert ranking.loc[ref.index, "rank"].tolist() == ref["Rank"].tolist()
    np.testing.assert_allclose(ranking.loc[ref.index, "Index"], ref["Index"], atol=1e-6)
    assert ranking.index[0] == "CHE" and ranking.index[-1] == "RUS"


def test_reference_pipeline_treats_fifteen_indicators_by_winsorisation(asem_evaluation):
    treated = asem_evaluation.treated
    assert len(treated) == 15
    assert not treated["log"].any()
    assert treated["winsorised"].between(1, 4).all()
    assert asem_evaluation.screened.empty


# sha256 of the bundled iMeta.csv / iData.csv: byte-identical to the copies of COINr's ASEM_iMeta /
# ASEM_iData that came with the reference outputs (the same values are in tests/data/PROVENANCE.md).
COINR_INPUTS_SHA256 = {
    "iMeta.csv": "744815396e65cc9a67d06d7b8d2d531add6855f95eb7d9bf39fb6096fdd42d71",
    "iData.csv": "dd750296fa17c79e16612415d7228880beec162413f544ebc3a2b4758a156d9a",
}


def test_bundled_coinr_inputs_have_their_recorded_sha256(asem, asem_files):
    # The reference outputs hold only for these exact inputs: a changed byte must fail here.
    for name, digest in COINR_INPUTS_SHA256.items():
        assert hashlib.sha256((asem_files / name).read_bytes()).hexdigest() == digest, name
    assert asem.panel.shape == (1, 51, 49)
    assert int(np.isnan(asem.panel.values).sum()) == 63
