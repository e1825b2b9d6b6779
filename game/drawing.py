"""Draw for D's rules: a canvas of strokes with undo, D's verdict on each finished stroke, and the session's drawings.

The player draws on a 28x28 canvas with the mouse; each time the pen lifts,
the drawing (centred as MNIST's were, see `game.canvas`) goes to the bridge,
which answers with D's p(real), the classifier's digit, and where D looked.
Enter hands the drawing in: it joins the session, and when it fooled D (D
found it likelier real than not) `Game` has the history thread keep it as a
PNG in the data folder ("keep my best"). Leaving saves the session as one history line (game "draw"). No
pygame, no torch.
"""

from dataclasses import replace
from datetime import datetime

import numpy as np

from game import canvas
from game.events import DrawingJudged, Pen
from game.rounds import Answer, Drawing, DrawingRequest, d_probability

MAX_DRAWINGS = 100  # a session's line in the history stays a few tens of KB
MAX_POINTS = 2000  # per drawing: far more than a digit needs, and the renderer's cost stays small


class DrawSession:
    def __init__(self, checkpoint: str, opponent_name: str):
        self.checkpoint = checkpoint
        self.opponent_name = opponent_name
        self.strokes: list[list[tuple[float, float]]] = []
        self.undo_stack: list[list] = []  # the strokes before each change, newest last
        self.pen_down = False
        self.drawing_ms = 0.0  # time spent on the drawing on the canvas, from its first stroke
        self.verdicts: dict[bytes, DrawingJudged] = {}  # by the centred drawing's pixels: an undo shows its verdict
        self.drawings: list[Drawing] = []  # handed in, oldest first
        self.answers: list[Answer] = []  # the time each took to draw
        self.checkpoint_sha256 = ""  # of the weights that judged, as the bridge found them
        self._image: np.ndarray | None = None  # the centred drawing, cached until the strokes change
        self._raw: np.ndarray | None = None

    # --- what the screen shows

    @property
    def raw(self) -> np.ndarray:
        """(28, 28) uint8: the strokes where they were drawn, as the canvas shows them."""
        if self._raw is None:
            self._raw = canvas.render(self.strokes)
        return self._raw

    @property
    def image(self) -> np.ndarray:
        """(28, 28) uint8: the drawing scaled and centred as MNIST's were, what D and the classifier judge."""
        if self._image is None:
            self._image = canvas.centred(self.strokes)
            self._image.setflags(write=False)
        return self._image

    @property
    def blank(self) -> bool:
        return not self.strokes

    @property
    def request(self) -> DrawingRequest | None:
        """The drawing to judge: the finished strokes on the canvas, while D has not judged them."""
        if self.blank or self.pen_down:
            return None
        return DrawingRequest(self.checkpoint, self.image.tobytes())

    @property
    def verdict(self) -> DrawingJudged | None:
        """D's verdict on the drawing on the canvas; None while it is being judged (or the canvas is blank)."""
        return None if self.blank else self.verdicts.get(self.image.tobytes())

    @property
    def best(self) -> Drawing | None:
        """The handed-in drawing D found likeliest real."""
        judged = [drawing for drawing in self.drawings if drawing.d_prob_real is not None]
        return max(judged, key=lambda drawing: drawing.d_prob_real) if judged else None

    @property
    def full(self) -> bool:
        return len(self.drawings) >= MAX_DRAWINGS

    # --- input

    def pen(self, event: Pen) -> None:
        x, y = min(max(event.x, 0.0), canvas.SIDE), min(max(event.y, 0.0), canvas.SIDE)
        points = sum(len(stroke) for stroke in self.strokes)
        if event.kind == "down" and not self.full:
            self._change()
            self.strokes.append([(x, y)])
            self.pen_down = True
        elif event.kind == "move" and self.pen_down and points < MAX_POINTS:
            last = self.strokes[-1][-1]
            if (x - last[0]) ** 2 + (y - last[1]) ** 2 >= 0.04:  # a fifth of a pixel: enough for a smooth line
                self.strokes[-1].append((x, y))
                self._changed()
        elif event.kind == "up" and self.pen_down:
            self.pen_down = False
            self._changed()

    def undo(self) -> None:
        if self.undo_stack and not self.pen_down:
            self.strokes = self.undo_stack.pop()
            self._changed()

    def clear(self) -> None:
        if self.strokes and not self.pen_down:
            self._change()
            self.strokes = []
            self._changed()

    def judged(self, event: DrawingJudged) -> None:
        self.verdicts[event.request.pixels] = event
        self.checkpoint_sha256 = event.checkpoint_sha256 or self.checkpoint_sha256
        if len(self.verdicts) > 200:  # the oldest go; an undo that far back is judged again
            self.verdicts.pop(next(iter(self.verdicts)))

    def submit(self, now: datetime | None = None) -> Drawing | None:
        """Hand the drawing in once D has judged it; the canvas starts blank. Returns it, or None when not ready."""
        verdict = self.verdict
        if verdict is None or self.full:
            return None
        drawing = Drawing(
            image=self.image,
            d_prob_real=d_probability(verdict.d_prob_real),
            digit=verdict.digit,
            digit_prob=d_probability(verdict.digit_prob),
            saliency=verdict.saliency,
        )
        if drawing.fooled:
            stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
            seen = "" if drawing.digit is None else f"-{drawing.digit}"
            name = f"{stamp}-{self.opponent_name}{seen}-{100 * drawing.d_prob_real:.0f}pct-{len(self.drawings) + 1}.png"
            drawing = replace(drawing, kept=name)
        self.drawings.append(drawing)
        self.answers.append(Answer(answer_real=None, ms=int(round(self.drawing_ms))))
        self.strokes, self.undo_stack, self.drawing_ms = [], [], 0.0
        self._changed()
        return drawing

    def update(self, dt: float) -> None:
        if self.strokes:
            self.drawing_ms += dt * 1000.0

    # --- the strokes changed

    def _change(self) -> None:
        self.undo_stack.append([list(stroke) for stroke in self.strokes])
        del self.undo_stack[:-50]

    def _changed(self) -> None:
        self._image = self._raw = None
