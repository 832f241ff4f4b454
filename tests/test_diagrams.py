"""The book's diagrams: each figure is drawn with the parts it promises, the receptive fields are
the architecture's, and the committed SVGs are exactly what the code writes now."""

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from vaebook import diagrams, stats  # noqa: E402
from vaebook.checks import InputTypeError  # noqa: E402
from vaebook.models.pixelcnn import visible_pixels  # noqa: E402

ROOT = Path(__file__).parent.parent
SVG_DIR = ROOT / "book" / "images" / "diagrams"


def _gids(fig: Figure) -> dict[str, list]:
    """Artists of the figure's axes grouped by gid."""
    found: dict[str, list] = {}
    for ax in fig.axes:
        for artist in ax.get_children():
            if artist.get_gid():
                found.setdefault(artist.get_gid(), []).append(artist)
    return found


def _is_dashed(artist) -> bool:
    return artist.get_linestyle() not in ("-", "solid")


def test_vae_graphical_model_has_its_nodes_arrows_and_plate():
    fig = diagrams.vae_graphical_model()
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    parts = _gids(fig)
    assert {g for g in parts if g.startswith("node-")} == {"node-z", "node-x"}
    assert {g for g in parts if g.startswith("param-")} == {"param-theta", "param-phi"}
    assert len(parts["plate"]) == 1
    assert not _is_dashed(parts["arrow-generative-z-x"][0])
    assert _is_dashed(parts["arrow-inference-x-z"][0])
    x, z = parts["node-x"][0], parts["node-z"][0]
    assert x.get_facecolor() != z.get_facecolor()  # x observed (shaded), z latent
    plt.close(fig)


def test_m2_graphical_model_has_y_and_z_into_x_and_two_dashed_encoders():
    fig = diagrams.m2_graphical_model()
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    parts = _gids(fig)
    assert {g for g in parts if g.startswith("node-")} == {"node-y", "node-z", "node-x"}
    generative = {g for g in parts if g.startswith("arrow-generative-")}
    inference = {g for g in parts if g.startswith("arrow-inference-")}
    assert generative == {"arrow-generative-y-x", "arrow-generative-z-x", "arrow-generative-theta-x"}
    assert inference == {"arrow-inference-x-y", "arrow-inference-x-z"}
    assert all(_is_dashed(parts[g][0]) for g in inference)
    assert not any(_is_dashed(parts[g][0]) for g in generative)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "observed for the labelled" in texts and "unlabelled" in texts
    plt.close(fig)


def test_encoder_decoder_sketch_labels_both_elbo_terms():
    fig = diagrams.encoder_decoder_sketch()
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    parts = _gids(fig)
    for gid in ["box-x", "net-encoder", "box-mu", "box-logvar", "box-z", "box-eps", "net-decoder",
                "box-px"]:
        assert len(parts[gid]) == 1, gid
    assert len(parts["flow"]) == 8
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert r"z=\mu+\sigma\odot\varepsilon" in texts
    assert "KL" in texts and "rate" in texts and "reconstruction" in texts
    plt.close(fig)


def test_masks_come_from_the_package():
    a, b = diagrams.mask("A"), diagrams.mask("B")
    assert a.shape == b.shape == (5, 5) and a.dtype == bool
    assert not a[2, 2] and b[2, 2]
    assert a.sum() == 12 and b.sum() == 13  # two rows above and two pixels to the left (+ centre)
    assert not a[3:].any() and not a[2, 3:].any()
    with pytest.raises(ValueError):
        diagrams.mask("C")
    with pytest.raises(ValueError):
        diagrams.mask("A", 0)


@pytest.mark.parametrize("context", [1, 2, 3])
def test_local_fields_are_the_causal_windows(context):
    field = diagrams.visible_field(context)
    assert field.sum() == visible_pixels(context) == 2 * context ** 2 + 2 * context
    rows, cols = np.nonzero(field)
    assert rows.min() == 14 - context and rows.max() == 14
    assert cols.min() == 14 - context and cols.max() == 14 + context
    assert not field[14, 14:].any()  # never the predicted pixel or anything after it
    assert not diagrams.blind_spot(field).any()  # a single masked layer has no blind spot


def test_full_pixelcnn_field_is_causal_with_a_blind_spot_to_the_upper_right():
    field = diagrams.visible_field("full")
    assert not field[15:].any() and not field[14, 14:].any()  # causal
    blind = diagrams.blind_spot(field)
    assert blind.sum() > 0 and not (blind & field).any()
    rows, cols = np.nonzero(blind)
    assert cols.min() > 14 and rows.max() < 14  # upper right of the predicted pixel
    assert field.sum() > visible_pixels(3)


def test_receptive_fields_figure_shows_the_measured_counts():
    fig = diagrams.receptive_fields()
    assert isinstance(fig, Figure) and len(fig.axes) == 6
    titles = [ax.get_title() for ax in fig.axes]
    for context, count in [(1, 4), (2, 12), (3, 24)]:
        assert any(f"l={context}$: {count} pixels" in t for t in titles), titles
    full = diagrams.visible_field("full")
    assert f"full PixelCNN: {int(full.sum())} pixels" in titles[-1]
    assert len(fig.axes[-1].images) == 1
    plt.close(fig)


def test_verdict_intervals_are_labelled_by_the_rule():
    fig = diagrams.verdict_intervals()
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    parts = _gids(fig)
    assert list(parts["zero-line"][0].get_xdata()) == [0, 0]
    assert list(parts["delta-line"][0].get_xdata()) == [1, 1] and _is_dashed(parts["delta-line"][0])
    verdicts, readings = set(), set()
    for i, (low, high) in enumerate(diagrams.EXAMPLE_INTERVALS):
        assert list(parts[f"interval-{i}"][0].get_xdata()) == [low, high]
        label = parts[f"verdict-{i}"][0].get_text()
        verdict, reading = stats.verdict(low, high, 1.0), stats.reading(low, high, 1.0)
        assert label == (f"{verdict} ({reading})" if reading else verdict), label
        verdicts.add(verdict)
        readings.add(reading)
    assert verdicts == set(stats.VERDICTS)  # every verdict and both readings are shown
    assert {stats.NO_EFFECT, stats.OPPOSITE} <= readings
    plt.close(fig)


def test_bad_inputs_are_refused(tmp_path):
    with pytest.raises(ValueError):
        diagrams.visible_field(-1)
    with pytest.raises(ValueError):
        diagrams.visible_field(2, size=30)
    with pytest.raises(InputTypeError):
        diagrams.blind_spot(np.zeros((5, 5)))
    with pytest.raises(InputTypeError):
        diagrams.write_svgs(3)
    with pytest.raises(SystemExit) as info:
        diagrams.main(["a", "b"])
    assert info.value.code == 2


def test_committed_svgs_are_what_the_code_writes(tmp_path):
    committed = sorted(p.name for p in SVG_DIR.glob("*.svg"))
    assert committed == sorted(f"{name}.svg" for name in diagrams.DIAGRAMS)
    creator = re.search(r"Matplotlib v([\w.+-]+),", (SVG_DIR / committed[0]).read_text())
    if creator is None or creator.group(1) != matplotlib.__version__:
        pytest.skip(f"the SVGs were written with matplotlib {creator and creator.group(1)}, this is "
                    f"{matplotlib.__version__}: glyph outlines may differ (install constraints.txt)")
    written = diagrams.write_svgs(tmp_path)
    for path in written:
        assert path.read_bytes() == (SVG_DIR / path.name).read_bytes(), (
            f"{path.name} is stale: run `python -m vaebook.diagrams book/images/diagrams`")
    again = diagrams.write_svgs(tmp_path / "again")
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in written]
