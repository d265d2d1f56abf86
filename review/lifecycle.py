"""Lay out the lifecycle graph from the transition table itself (no hand-drawn picture).

States are placed in rows by their shortest distance from DRAFT along the table's edges;
edges that go back up (a return, an upheld objection) are drawn as curves on the right.
"""

from collections import deque

from applications.enums import State
from applications.workflow import TRANSITIONS

NODE_W, NODE_H = 168, 40
COL_GAP, ROW_GAP = 40, 46
MARGIN_X, MARGIN_Y = 24, 20


def layers():
    """The states in rows: ``[[State, …], …]``.

    A state sits one row below the nearest state that leads to it (breadth-first from
    DRAFT); an end state (no way out: withdrawn, rejected, revoked, lapsed) sits one row
    below the *last* state that leads to it, so that the arrows into it point downwards.
    """
    depth = {State.DRAFT: 0}
    queue = deque([State.DRAFT])
    while queue:
        state = queue.popleft()
        for row in TRANSITIONS:
            if row.source == state and row.target not in depth:
                depth[row.target] = depth[state] + 1
                queue.append(row.target)
    sources = {row.source for row in TRANSITIONS}
    for state in depth:
        if state not in sources:
            depth[state] = max(depth[row.source] for row in TRANSITIONS if row.target == state) + 1
    rows = [[] for _ in range(max(depth.values()) + 1)]
    for state in State:  # enum order keeps each row stable
        if state in depth:
            rows[depth[state]].append(state)
    return rows


def diagram():
    """Node boxes and edge paths for an SVG drawing of the lifecycle."""
    rows = layers()
    widest = max(len(row) for row in rows)
    width = MARGIN_X * 2 + widest * NODE_W + (widest - 1) * COL_GAP + 120
    nodes = {}
    for r, row in enumerate(rows):
        row_width = len(row) * NODE_W + (len(row) - 1) * COL_GAP
        x0 = MARGIN_X + ((widest * NODE_W + (widest - 1) * COL_GAP) - row_width) / 2
        for c, state in enumerate(row):
            x = x0 + c * (NODE_W + COL_GAP)
            y = MARGIN_Y + r * (NODE_H + ROW_GAP)
            nodes[state] = {"state": state, "label": state.label, "x": x, "y": y, "row": r}
    for node in nodes.values():
        node["cx"] = node["x"] + NODE_W / 2
        node["tx"] = node["cx"]
        node["ty"] = node["y"] + NODE_H / 2 + 5

    edges = []
    seen = set()
    for row in TRANSITIONS:
        key = (row.source, row.target)
        if key in seen:
            continue
        seen.add(key)
        a, b = nodes[row.source], nodes[row.target]
        actions = [t.action.label for t in TRANSITIONS if (t.source, t.target) == key]
        if b["row"] > a["row"]:
            x1, y1 = a["cx"], a["y"] + NODE_H
            x2, y2 = b["cx"], b["y"]
            path = f"M {x1:.0f} {y1:.0f} L {x2:.0f} {y2:.0f}"
            kind = "forward"
        elif b["row"] == a["row"]:
            # Within a row: dip below the boxes, so as not to run through a neighbour.
            x1, x2 = a["cx"], b["cx"]
            y = a["y"] + NODE_H
            dip = y + 14 + 8 * abs(x2 - x1) / (NODE_W + COL_GAP)
            path = f"M {x1:.0f} {y:.0f} Q {(x1 + x2) / 2:.0f} {dip:.0f}, {x2:.0f} {y:.0f}"
            kind = "forward"
        else:
            # Back up the graph: leave on the right, bend outwards, enter on the right.
            x1, y1 = a["x"] + NODE_W, a["y"] + NODE_H / 2
            x2, y2 = b["x"] + NODE_W, b["y"] + NODE_H / 2
            bend = max(x1, x2) + 40 + 12 * (a["row"] - b["row"])
            path = f"M {x1:.0f} {y1:.0f} C {bend:.0f} {y1:.0f}, {bend:.0f} {y2:.0f}, {x2:.0f} {y2:.0f}"
            kind = "back"
        edges.append({"path": path, "kind": kind, "title": " / ".join(str(a) for a in actions)})
    height = MARGIN_Y * 2 + len(rows) * NODE_H + (len(rows) - 1) * ROW_GAP + ROW_GAP // 2
    return {
        "width": int(width),
        "height": int(height),
        "node_w": NODE_W,
        "node_h": NODE_H,
        "nodes": list(nodes.values()),
        "edges": edges,
    }
