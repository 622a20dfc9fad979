"""The sample-ratio mismatch check."""

import pytest

from readerfund.stats import srm_check


def test_srm_matches_the_textbook_example_of_a_5050_test():
    # Kohavi, Tang and Xu, "Trustworthy Online Controlled Experiments" (2020), chapter 3:
    # 821,588 vs 815,482 users in a test designed 50/50 has p ≈ 1.8e-6.
    check = srm_check(impressions=[821_588, 815_482], weights=[0.5, 0.5])

    assert check.p_value == pytest.approx(1.8e-6, rel=0.02)
    assert check.chi_square == pytest.approx(22.77, abs=0.01)
    assert check.mismatch


def test_a_split_within_chance_raises_no_warning():
    check = srm_check(impressions=[50_120, 49_880, 100_300], weights=[1, 1, 2])

    assert not check.mismatch
    assert check.expected_shares == (0.25, 0.25, 0.5)


def test_views_of_a_variant_meant_to_get_none_are_a_mismatch():
    check = srm_check(impressions=[1000, 3], weights=[1, 0])

    assert check.mismatch and check.p_value == 0.0


def test_no_views_yet_is_no_mismatch():
    assert not srm_check(impressions=[0, 0], weights=[1, 1]).mismatch


def test_one_weight_per_variant_is_required():
    with pytest.raises(ValueError, match="one weight per variant"):
        srm_check(impressions=[10, 10, 10], weights=[1, 1])
