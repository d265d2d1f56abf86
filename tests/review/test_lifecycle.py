"""The lifecycle diagram: its geometry, read back from what the page draws."""

import re
from itertools import pairwise

import pytest
from django.utils import translation

from applications.enums import Action, State
from applications.workflow import TRANSITIONS, WITHDRAWABLE
from review.lifecycle import diagram

LANGUAGES = ["zh-hans", "en"]


def points_along(path, step=1.0):
    """Points every ``step`` px along an SVG path (absolute M, L, H, V, Q and C commands)."""
    tokens = re.findall(r"[MLHVQC]|-?\d+(?:\.\d+)?", path)
    points, here, command, i = [], (0.0, 0.0), None, 0
    while i < len(tokens):
        if tokens[i].isalpha():
            command, i = tokens[i], i + 1
        arity = {"M": 2, "L": 2, "H": 1, "V": 1, "Q": 4, "C": 6}[command]
        values = [float(token) for token in tokens[i : i + arity]]
        i += arity
        if command == "M":
            here = tuple(values)
            continue
        if command == "H":
            controls = [here, (values[0], here[1])]
        elif command == "V":
            controls = [here, (here[0], values[0])]
        else:
            controls = [here, *zip(values[::2], values[1::2], strict=True)]
        # Bézier curves of degree 1, 2 and 3, sampled densely enough for `step`.
        span = sum(abs(b[0] - a[0]) + abs(b[1] - a[1]) for a, b in pairwise(controls))
        samples = max(2, int(span / step) + 1)
        for k in range(samples + 1):
            t, level = k / samples, controls
            while len(level) > 1:
                level = [(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t) for a, b in pairwise(level)]
            points.append(level[0])
        here = controls[-1]
    return points


def boxes(drawn):
    return {
        node["state"]: (node["x"], node["y"], node["x"] + drawn["node_w"], node["y"] + drawn["node_h"])
        for node in drawn["nodes"]
    }


def overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def inside(point, box, margin=1.0):
    """Strictly inside, with a pixel of slack: an edge may end on a box's border."""
    x, y = point
    left, top, right, bottom = box
    return left + margin < x < right - margin and top + margin < y < bottom - margin


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_edge_passes_through_a_box(language):
    with translation.override(language):
        drawn = diagram()
    crossings = set()
    for edge in drawn["edges"]:
        for point in points_along(edge["path"]):
            for state, box in boxes(drawn).items():
                if inside(point, box):
                    crossings.add((str(edge["title"]), state.label))
    assert crossings == set()


@pytest.mark.parametrize("language", LANGUAGES)
def test_withdrawals_are_one_bracket_beside_the_decision_row(language):
    with translation.override(language):
        drawn = diagram()
        withdraw = str(Action.WITHDRAW.label)
    box = boxes(drawn)

    def same_row(a, b):
        return box[a][1] < box[b][3] and box[b][1] < box[a][3]

    assert not same_row(State.WITHDRAWN, State.APPROVED)
    assert not same_row(State.WITHDRAWN, State.REJECTED)
    (withdrawals,) = [edge for edge in drawn["edges"] if edge["target"] == State.WITHDRAWN]
    assert withdrawals["sources"] == list(WITHDRAWABLE)
    assert withdraw in withdrawals["title"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_boxes_lie_apart_inside_the_drawing(language):
    with translation.override(language):
        drawn = diagram()
    box = boxes(drawn)
    for state, (left, top, right, bottom) in box.items():
        assert left >= 0 and right <= drawn["width"] and top >= 0 and bottom <= drawn["height"], state
        for other in State:
            if other != state:
                assert not overlap(box[state], box[other]), (state, other)


@pytest.mark.parametrize("language", LANGUAGES)
def test_labels_overlap_no_box_line_or_other_label(language):
    with translation.override(language):
        drawn = diagram()
    labels = [edge["label"]["box"] for edge in drawn["edges"] if edge["label"]]
    # Most edges carry a visible label, not only a tooltip.
    assert len(labels) >= len(drawn["edges"]) - 2
    points = [point for edge in drawn["edges"] for point in points_along(edge["path"])]
    for i, label in enumerate(labels):
        assert label[0] >= 0 and label[2] <= drawn["width"]
        assert not any(overlap(label, box) for box in boxes(drawn).values())
        assert not any(overlap(label, other) for other in labels[i + 1 :])
        assert not any(inside(point, label, margin=0) for point in points)


def ends(edge):
    return {(source, edge["target"]) for source in edge["sources"]}


def test_every_transition_is_drawn_once_with_its_action():
    drawn = diagram()
    for row in TRANSITIONS:
        drawn_as = [edge for edge in drawn["edges"] if (row.source, row.target) in ends(edge)]
        assert len(drawn_as) == 1, row
        assert str(row.action.label) in drawn_as[0]["title"]
