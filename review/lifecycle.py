"""Lay out the lifecycle graph from the transition table itself (no hand-drawn picture).

How it is laid out:

- The *main line* is the shortest way from the first state to the farthest state that still
  has a way out (草稿 … 限期整改中). Its states stand in one column, a row each.
- Every other state stands in a column to its right, half a row below the first main-line
  state it is linked to: between two rows of the main line, clear of every line drawn level
  with a main-line box. (A state linked to another such state, or to main-line states more
  than a row apart, is refused with ValueError: this layout cannot draw it.)
- An action that leads from three or more states into one state (撤回申报) is one grouped
  edge: a bracket to the right of the states it gathers, with its state beside the middle of
  the bracket, between two rows.
- Edges are orthogonal. A step along the main line is a vertical line between the two boxes;
  an edge between the main line and a state beside it leaves the main-line box level with it
  and turns into the other box from above or below; an edge that skips rows of the main line
  runs in a lane on its left. Lines leaving one side of a box are ordered so that they do not
  cross each other.

What that guarantees: no edge passes through a box, its own ends included; and the state of
a bracket stands within the rows of the states it gathers, so never in the row of an outcome
of the last of them (已撤回 is not beside 党组会通过待公示 or 未予认定).
tests/review/test_lifecycle.py reads the drawn paths back to check both. A label is drawn
only where it overlaps no box, line or other label; every edge also carries its actions as a
``<title>``, and the page's table lists every row. Boxes are sized to the state names of the
active language, wrapped to a width.
"""

import re
from collections import defaultdict, deque
from itertools import pairwise

from django.utils.translation import gettext as _

from applications.enums import State
from applications.workflow import TRANSITIONS

FONT, LINE = 14, 18  # state names
LABEL_FONT, LABEL_LINE = 11, 13  # action names
WRAP, LABEL_WRAP = 160, 128  # the widest line of text in a box, and beside a line
PAD_X, PAD_Y = 10, 9
COL_GAP, ROW_GAP, LANE, MARGIN = 84, 72, 22, 12
STEP = 7  # between lines leaving one side of a box
PORT = 18  # between lines entering the top or bottom of a box
BUS_MIN = 3  # an action from this many states into one state is drawn as a bracket
BRACKET = 36  # from the trunk of a bracket to its state


def text_width(text, size):
    """The width of ``text`` in the portal's sans-serif font, estimated on the wide side."""
    em = 0.0
    for char in text:
        if ord(char) >= 0x2E80:
            em += 1.0  # CJK characters and full-width punctuation
        elif char in " il.,:;'|!()[]/-":
            em += 0.3
        elif char.isupper() or char in "mw":
            em += 0.7
        else:
            em += 0.54
    return em * size


def wrap(text, width, size):
    """Lines no wider than ``width``, as even as their number allows.

    Lines break between words, or between CJK characters; a CJK character keeps the
    punctuation next to it, so that no line starts with "，" or ends with "（".
    """
    atoms = re.findall(r"[^\s\u2e80-\uffff]+\s*|（?[\u2e80-\uffff][，。：；、）]?\s*", str(text))

    def fill(limit):
        lines = [""]
        for atom in atoms:
            if lines[-1] and text_width((lines[-1] + atom).rstrip(), size) > limit:
                lines.append("")
            lines[-1] += atom
        return [line.rstrip() for line in lines]

    def widest(lines):
        return max(text_width(line, size) for line in lines)

    lines = fill(width)
    while len(lines) > 1:
        narrower = fill(widest(lines) - 1)
        if len(narrower) > len(lines) or widest(narrower) >= widest(lines):
            break
        lines = narrower
    return lines


def edges_of_table():
    """``pairs``: the actions per (from, to) pair; ``buses``: the sources per gathered action."""
    gathered = defaultdict(list)
    for row in TRANSITIONS:
        gathered[(row.action, row.target)].append(row.source)
    buses = {key: sources for key, sources in gathered.items() if len(sources) >= BUS_MIN}
    pairs = defaultdict(list)
    for row in TRANSITIONS:
        if (row.action, row.target) not in buses:
            pairs[(row.source, row.target)].append(row.action)
    return pairs, buses


def main_line(pairs):
    """Breadth-first from the first state: the way to the farthest state with a way out."""
    start = TRANSITIONS[0].source
    parent, depth, queue = {start: None}, {start: 0}, deque([start])
    while queue:
        state = queue.popleft()
        for source, target in pairs:
            if source == state and target not in parent:
                parent[target], depth[target] = state, depth[state] + 1
                queue.append(target)
    with_way_out = [state for state in parent if any(source == state for source, _ in pairs)]
    line = [max(with_way_out, key=depth.get)]  # of the deepest, the first found
    while parent[line[-1]] is not None:
        line.append(parent[line[-1]])
    return line[::-1]


def other_end(pair, state):
    return pair[1] if pair[0] == state else pair[0]


def place_states(pairs, buses):
    """The main line, and ``{state: (row, column)}``; a row ending in .5 lies between two."""
    line = main_line(pairs)
    place = {state: (float(i), 0) for i, state in enumerate(line)}
    gathered_into = {target for _action, target in buses}
    for state in State:
        if state in place or state in gathered_into:
            continue
        others = {other_end(pair, state) for pair in pairs if state in pair}
        if not others or not others <= set(line):
            raise ValueError(f"{state}: only states linked to the main line alone can be drawn")
        rows = [place[other][0] for other in others]
        if max(rows) - min(rows) > 1:
            raise ValueError(f"{state}: linked to main-line states more than a row apart")
        row = min(rows) + 0.5
        place[state] = (row, 1 + sum(1 for r, _c in place.values() if r == row))
    for (_action, target), sources in buses.items():
        rows = [place[source][0] for source in sources]
        column = max(c for r, c in place.values() if min(rows) - 0.5 <= r <= max(rows) + 0.5)
        middle = (min(rows) + max(rows)) / 2
        # Between two rows, so that its arrow continues none of the lines it gathers.
        place[target] = (middle + 0.5 if middle == int(middle) else middle, column + 1)
    return line, place


class Layout:
    """Where each box stands and where each line meets it, in the active language."""

    def __init__(self):
        self.pairs, self.buses = edges_of_table()
        self.line, self.place = place_states(self.pairs, self.buses)
        self.index = {state: i for i, state in enumerate(self.line)}
        self.ends = {state for state in State if not any(row.source == state for row in TRANSITIONS)}
        self.names = {state: wrap(state.label, WRAP, FONT) for state in State}
        widths = [text_width(part, FONT) for lines in self.names.values() for part in lines]
        self.w = round(max(widths) + 2 * PAD_X)
        self.h = round(max(len(lines) for lines in self.names.values()) * LINE + 2 * PAD_Y)
        self.lanes = self._lanes()
        self.x0 = MARGIN + LANE * (max(self.lanes.values(), default=0) + 1)
        half_w, half_h = self.w / 2, self.h / 2
        self.box = {  # (left, top, right, bottom)
            s: (self.cx(s) - half_w, self.cy(s) - half_h, self.cx(s) + half_w, self.cy(s) + half_h)
            for s in State
        }
        self.ports = self._ports()
        self.offsets = self._offsets()

    def cx(self, state):
        # A column right of a bracket's trunk stands BRACKET farther out, which leaves room
        # for the labels of the lines that the trunk passes.
        column = self.place[state][1]
        trunks = sum(self.place[target][1] <= column for _action, target in self.buses)
        return self.x0 + column * (self.w + COL_GAP) + self.w / 2 + BRACKET * trunks

    def cy(self, state):
        return MARGIN + self.h / 2 + self.place[state][0] * (self.h + ROW_GAP)

    def gaps(self):
        """The middle of each gap between two rows of the main line."""
        pitch = self.h + ROW_GAP
        return [MARGIN + self.h + ROW_GAP / 2 + i * pitch for i in range(len(self.line) - 1)]

    def _span(self, pair):
        return sorted(self.index[state] for state in pair)

    def _lanes(self):
        """A lane number for each edge that skips rows of the main line; shortest nearest."""
        skipping = [
            p for p in self.pairs if set(p) <= set(self.line) and self._span(p)[1] - self._span(p)[0] > 1
        ]
        lanes = {}
        for pair in sorted(skipping, key=lambda p: self._span(p)[1] - self._span(p)[0]):
            low, high = self._span(pair)
            taken = {lanes[o] for o in lanes if self._span(o)[0] <= high and low <= self._span(o)[1]}
            lanes[pair] = min(set(range(1, len(lanes) + 2)) - taken)
        return lanes

    def _ports(self):
        """Where lines meet the top or bottom of a state beside the main line."""
        ports = {}
        for state in set(State) - set(self.line):
            for above in (True, False):
                meeting = [
                    pair
                    for pair in self.pairs
                    if state in pair
                    and (self.place[other_end(pair, state)][0] < self.place[state][0]) == above
                ]
                meeting.sort(key=lambda pair: pair[0] == state)  # the line into it nearer the main line
                for k, pair in enumerate(meeting):
                    ports[(pair, state)] = self.cx(state) + (k - (len(meeting) - 1) / 2) * PORT
        return ports

    def _offsets(self):
        """How far from the middle of a box's side each line leaves it.

        Top to bottom: the lines turning upwards, nearest turn first; then those going
        straight on; then those turning downwards, farthest turn first. So none crosses another.
        """
        sides = defaultdict(list)  # (state, side) -> [(order, key of the line)]
        for pair in self.pairs:
            if pair in self.lanes:
                for here in pair:
                    up = self.index[other_end(pair, here)] < self.index[here]
                    lane = self.lanes[pair]
                    sides[(here, "left")].append(((0, lane) if up else (2, -lane), pair))
            elif not set(pair) <= set(self.line):
                main, beside = pair if pair[0] in self.index else pair[::-1]
                turn = self.ports[(pair, beside)]
                up = self.place[beside][0] < self.place[main][0]
                sides[(main, "right")].append(((0, turn) if up else (2, -turn), pair))
        for key, sources in self.buses.items():
            for source in sources:
                sides[(source, "right")].append(((1, 0), (key, source)))
        offsets = {}
        for (state, side), lines in sides.items():
            for k, (_order, key) in enumerate(sorted(lines, key=lambda item: item[0])):
                offsets[(state, side, key)] = (k - (len(lines) - 1) / 2) * STEP
        return offsets

    def edge(self, pair, actions):
        """The polyline of one pair of states, and whether it sets the file back."""
        a, b = pair
        box, index = self.box, self.index
        if pair in self.lanes:
            x = self.x0 - (self.lanes[pair] + 1) * LANE
            ya = self.cy(a) + self.offsets[(a, "left", pair)]
            yb = self.cy(b) + self.offsets[(b, "left", pair)]
            stroke = [(box[a][0], ya), (x, ya), (x, yb), (box[b][0], yb)]
        elif a in index and b in index:
            # A step along the main line, beside the opposite step if there is one.
            down = index[b] > index[a]
            x = self.cx(a) + (STEP if (b, a) in self.pairs else 0) * (1 if down else -1)
            stroke = [(x, box[a][3]), (x, box[b][1])] if down else [(x, box[a][1]), (x, box[b][3])]
        else:
            main, beside = pair if a in index else pair[::-1]
            y = self.cy(main) + self.offsets[(main, "right", pair)]
            x = self.ports[(pair, beside)]
            below = self.place[beside][0] > self.place[main][0]
            stroke = [(box[main][2], y), (x, y), (x, box[beside][1 if below else 3])]
            stroke = stroke if main == a else stroke[::-1]
        # Dashed: up the main line, or off it into a state that leads back to it (a return).
        back = index[b] < index[a] if a in index and b in index else a in index and b not in self.ends
        return {
            "sources": [a],
            "target": b,
            "strokes": [stroke],
            "kind": "back" if back else "forward",
            "title": " / ".join(str(action.label) for action in actions),
        }

    def bracket(self, action, target, sources):
        """Lines from each source into one trunk, and one arrow from it to ``target``."""
        trunk, y = self.box[target][0] - BRACKET, self.cy(target)
        ys = [self.cy(s) + self.offsets[(s, "right", ((action, target), s))] for s in sources]
        low, high = min(*ys, y), max(*ys, y)
        strokes = [[(self.box[s][2], sy), (trunk, sy)] for s, sy in zip(sources, ys, strict=True)]
        strokes += [[(trunk, low), (trunk, high)], [(trunk, y), (self.box[target][0], y)]]
        return {
            "sources": list(sources),
            "target": target,
            "strokes": strokes,
            "kind": "bus",
            "title": self._gathered_title(action, sources),
            # Drawn if the whole title fits nowhere (a long one, in English); the <title> and
            # the page's table keep the whole.
            "short": str(action.label),
            "dots": [(trunk, sy) for sy in ys if low < sy < high],
        }

    def _gathered_title(self, action, sources):
        """The bracket's text; "撤回申报（草稿至待党组会研究均可）" for a stretch of the main line."""
        first, *_between, last = sorted(sources, key=lambda state: self.place[state][0])
        if first in self.index and last in self.index:
            stretch = self.line[self.index[first] : self.index[last] + 1]
            if set(stretch) <= set(sources):
                return _("%(action)s（%(first)s至%(last)s均可）") % {
                    "action": action.label,
                    "first": first.label,
                    "last": last.label,
                }
        return str(action.label)


def diagram():
    """Boxes, edges and labels of the lifecycle, for ``templates/review/lifecycle.html``."""
    layout = Layout()
    edges = [layout.edge(pair, actions) for pair, actions in layout.pairs.items()]
    edges += [layout.bracket(action, target, sources) for (action, target), sources in layout.buses.items()]
    width = max(b[2] for b in layout.box.values()) + MARGIN
    height = max(b[3] for b in layout.box.values()) + MARGIN
    _place_labels(edges, layout.box, layout.gaps(), width, height)
    for edge in edges:
        edge["path"] = " ".join("M " + " L ".join(f"{x:g} {y:g}" for x, y in s) for s in edge["strokes"])
    nodes = []
    for state in State:
        lines = layout.names[state]
        first = layout.cy(state) - (len(lines) - 1) * LINE / 2 + FONT * 0.36
        nodes.append(
            {
                "state": state,
                "x": layout.box[state][0],
                "y": layout.box[state][1],
                "cx": layout.cx(state),
                "lines": [(first + i * LINE, part) for i, part in enumerate(lines)],
                "terminal": state in layout.ends,
            }
        )
    return {
        "width": round(width),
        "height": round(height),
        "node_w": layout.w,
        "node_h": layout.h,
        "nodes": nodes,
        "edges": edges,
    }


def _grown(rect, by):
    return (rect[0] - by, rect[1] - by, rect[2] + by, rect[3] + by)


def _overlap(r, s):
    return r[0] < s[2] and s[0] < r[2] and r[1] < s[3] and s[1] < r[3]


def _place_labels(edges, box, gaps, width, height):
    """Give each edge a ``label`` where its text overlaps no box, line or other label.

    Candidates are tried in order: beside each stretch of the edge, longest first (beside a
    vertical one at its middle, then at the middle of each gap between rows it runs through;
    above or below a horizontal one), and for a bracket under or over its state; each at a
    wide, a middle and a narrow wrap; a bracket's whole text first, then its action alone.
    An edge whose label fits nowhere keeps only its ``<title>``. The label's ``box`` is the
    rectangle that was kept clear.
    """
    obstacles = [_grown(b, 3) for b in box.values()]
    for edge in edges:
        for stroke in edge["strokes"]:
            for (x1, y1), (x2, y2) in pairwise(stroke):
                obstacles.append(_grown((min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)), 2))

    def candidates(edge):
        if edge["kind"] == "bus":
            left, top, right, bottom = box[edge["target"]]
            yield "middle", (left + right) / 2, bottom + 6, "top"
            yield "middle", (left + right) / 2, top - 6, "bottom"
            return
        sides = ("end", "start") if edge["kind"] == "back" else ("start", "end")
        segments = [segment for stroke in edge["strokes"] for segment in pairwise(stroke)]
        for (x1, y1), (x2, y2) in sorted(
            segments, key=lambda s: -abs(s[0][0] - s[1][0]) - abs(s[0][1] - s[1][1])
        ):
            if x1 == x2:
                top, bottom = sorted((y1, y2))
                for y in [(top + bottom) / 2] + [g for g in gaps if top < g < bottom]:
                    for anchor in sides:
                        yield anchor, x1 + (6 if anchor == "start" else -6), y, "middle"
            else:
                yield "middle", (x1 + x2) / 2, y1 - 4, "bottom"
                yield "middle", (x1 + x2) / 2, y1 + 4, "top"

    def fitting(edge):
        titles = [edge["title"], edge["short"]] if edge.get("short") else [edge["title"]]
        for title in titles:
            for anchor, x, y, valign in candidates(edge):
                for limit in (LABEL_WRAP * 1.7, LABEL_WRAP, LABEL_WRAP * 0.6):
                    lines = wrap(title, limit, LABEL_FONT)
                    lw, lh = max(text_width(part, LABEL_FONT) for part in lines), len(lines) * LABEL_LINE
                    left = {"start": x, "end": x - lw, "middle": x - lw / 2}[anchor]
                    top = {"top": y, "bottom": y - lh, "middle": y - lh / 2}[valign]
                    rect = (left, top, left + lw, top + lh)
                    inside = rect[0] >= 2 and rect[1] >= 2 and rect[2] <= width - 2 and rect[3] <= height - 2
                    if inside and not any(_overlap(rect, other) for other in obstacles):
                        baseline = top + LABEL_FONT - 1
                        lines = [(baseline + i * LABEL_LINE, part) for i, part in enumerate(lines)]
                        return {"anchor": anchor, "x": x, "lines": lines, "box": rect}
        return None

    # The main line's steps first: they have the room, and they tell the usual way.
    for edge in sorted(edges, key=lambda e: (e["kind"] == "bus", len(e["strokes"][0]) > 2)):
        edge["label"] = fitting(edge)
        if edge["label"]:
            obstacles.append(_grown(edge["label"]["box"], 2))
