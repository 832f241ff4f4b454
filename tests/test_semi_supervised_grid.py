"""Chapters 4-5's grid: paired arms, the branch run, and the claims' statistics on known cases."""

import pytest
import torch

from vaebook import designs
from vaebook.experiments import grids
from vaebook.experiments import semi_supervised as ss

GRID = grids.SEMI_SUPERVISED


def test_every_arm_of_one_seed_starts_from_the_same_weights():
    states = {arm: ss.build_model(GRID.config(arm), 3).state_dict()
              for arm in ("m2", "m2_alpha0", "shot_vae", "smooth_epsilon")}
    first = states.pop("m2")
    for state in states.values():
        assert state.keys() == first.keys()
        assert all(torch.equal(state[k], first[k]) for k in first)
    other = ss.build_model(GRID.config("m2"), 4).state_dict()
    assert not torch.equal(other["class_head.weight"], first["class_head.weight"])


def test_build_model_bad_input():
    with pytest.raises(TypeError):
        ss.build_model([("model", "m2")], 0)
    with pytest.raises(ValueError, match="config\\['model'\\]"):
        ss.build_model(dict(model="m3"), 0)


def test_the_branch_run_continues_one_state_two_ways():
    config = dict(GRID.config("m2_branch"), num_epochs=2, branch_epoch=1)
    result = ss.run(config, 5)
    ev = result.evaluation
    assert set(ev) >= {"curve", "branch_point", "branch_full", "branch_elbo_only"}
    assert len(ev["branch_full"]["accuracy"]) == len(ev["branch_elbo_only"]["accuracy"]) == 1
    assert ev["curve"]["step"] == sorted(ev["curve"]["step"])
    assert ev["curve"]["step"][0] == 0 and ev["curve"]["step"][-1] == ss.STEPS_PER_EPOCH
    assert ev["branch_point"]["accuracy"] == ev["curve"]["accuracy"][-1]


def test_curve_merges_the_first_epoch_steps_with_the_epochs():
    history = dict(eval_step=[0, 5], eval_accuracy=[0.1, 0.2], eval_elbo=[-300.0, -250.0],
                   step=[78, 156], accuracy=[0.5, 0.6], elbo=[-200.0, -190.0])
    c = ss.curve(history)
    assert c == dict(step=[0, 5, 78, 156], accuracy=[0.1, 0.2, 0.5, 0.6],
                     elbo=[-300.0, -250.0, -200.0, -190.0])


def _curve(elbo, accuracy):
    return dict(step=list(range(len(elbo))), elbo=list(elbo), accuracy=list(accuracy))


def test_matched_elbo_gap_reads_both_runs_at_the_same_elbo():
    gap = designs.STATISTICS["semi_supervised/matched_elbo_gap"]
    # alpha = 100 peaks at -150 with 0.8; alpha = 0 passes -150 halfway between -160 and -140
    evals = {"m2": dict(curve=_curve([-200, -150], [0.5, 0.8])),
             "m2_alpha0": dict(curve=_curve([-200, -160, -140], [0.1, 0.2, 0.4]))}
    assert gap(evals) == pytest.approx(0.8 - 0.3)
    # the same run on both sides: no gap
    same = {"m2": dict(curve=_curve([-200, -150], [0.5, 0.8])),
            "m2_alpha0": dict(curve=_curve([-200, -150], [0.5, 0.8]))}
    assert gap(same) == pytest.approx(0.0)


def test_the_other_statistics_on_known_records():
    s = designs.STATISTICS
    evals = {"m2": dict(accuracy=0.70), "m2_alpha0": dict(accuracy=0.30),
             "smooth_mixup": dict(accuracy=0.72, margin=dict(y_part=0.5, z_part=6.0)),
             "shot_vae": dict(accuracy=0.75, margin=dict(y_part=0.3, z_part=5.0)),
             "m2_branch": dict(branch_point=dict(accuracy=0.70),
                               branch_elbo_only=dict(accuracy=[0.69, 0.65]))}
    assert s["semi_supervised/alpha_gain"](evals) == pytest.approx(0.40)
    assert s["semi_supervised/smooth_gain"](evals) == pytest.approx(0.02)
    assert s["semi_supervised/interpolation_gain"](evals) == pytest.approx(0.03)
    assert s["semi_supervised/shot_vs_m2"](evals) == pytest.approx(0.05)
    assert s["semi_supervised/y_margin_saving"](evals) == pytest.approx(0.2)
    assert s["semi_supervised/z_margin_saving"](evals) == pytest.approx(1.0)
    # the ELBO-only branch lost 5 points: 0.01 - (-0.05) supports "no improvement"
    assert s["semi_supervised/elbo_only_no_gain"](evals) == pytest.approx(0.06)


def test_label_count_arms_and_the_consistency_only_arm():
    assert GRID.config("m2_l50")["labels_per_class"] == 50
    assert GRID.config("shot_vae_l5")["labels_per_class"] == 5
    assert GRID.config("supervised_interp")["elbo"] is False
    with pytest.raises(ValueError, match="labels_per_class"):
        ss.run(dict(GRID.config("supervised_l5"), labels_per_class=0), 0)
    model = ss.build_model(GRID.config("supervised_interp"), 0)
    assert model.elbo is False and model.interpolate and not model.smooth


def test_the_pixel_decoder_arms_are_paired_everywhere_but_the_pixel_convolution():
    plain = ss.build_model(GRID.config("m2"), 2).state_dict()
    arms = {c: ss.build_model(GRID.config(f"m2_pixel{c}"), 2).state_dict() for c in (0, 1)}
    for key in plain:                      # the encoder and classifier of the plain M2
        if not key.startswith("decoder."):
            assert torch.equal(arms[0][key], plain[key]), key
            assert torch.equal(arms[1][key], plain[key]), key
    for key in arms[0]:                    # the pixel decoders differ in the mask only
        if not key.startswith("decoder.pixels."):
            assert torch.equal(arms[0][key], arms[1][key]), key
    assert arms[0]["decoder.pixels.weight"].shape[-1] == 1
    assert arms[1]["decoder.pixels.weight"].shape[-1] == 3
    assert designs.STATISTICS["semi_supervised/local_decoder_gain"](
        {"m2_pixel1": dict(accuracy=0.74), "m2_pixel0": dict(accuracy=0.70)}) == pytest.approx(0.04)


def test_a_pixel_decoder_run_trains_and_evaluates():
    result = ss.run(dict(GRID.config("m2_pixel1"), num_epochs=1), 7)
    ev = result.evaluation
    assert 0.0 <= ev["accuracy"] <= 1.0 and ev["elbo"] < 0
    assert ev["curve"]["step"][-1] == ss.STEPS_PER_EPOCH
