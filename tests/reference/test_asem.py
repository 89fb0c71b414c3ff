"""Reproduce COINr 1.1.14's ASEM index (shared/data/asem/reference) exactly."""

import numpy as np
import pandas as pd

import zongheng as zh


def test_every_aggregated_value_matches_coinr(asem_evaluation, shared_data):
    ref = pd.read_csv(shared_data / "asem" / "reference" / "aggregated.csv").set_index("uCode")
    ours = asem_evaluation.stage_frame("aggregated").loc[ref.index, ref.columns]
    assert ours.shape == (51, 49 + 8 + 2 + 1)
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(), rtol=0, atol=1e-6)


def test_every_index_rank_matches_coinr(asem_evaluation, shared_data):
    ref = pd.read_csv(shared_data / "asem" / "reference" / "index_ranks.csv").set_index("uCode")
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


def test_bundled_dataset_is_the_shared_data(asem, shared_data):
    # The package ships a copy; reading the shared original gives the same panel.
    fw = zh.read_framework(shared_data / "asem" / "iMeta.csv")
    panel = zh.read_panel(shared_data / "asem" / "iData.csv", fw)
    np.testing.assert_array_equal(panel.values, asem.panel.values)
    assert int(np.isnan(panel.values).sum()) == 63
