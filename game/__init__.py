"""The player's side of Real or Fake?: `python -m game`.

state.py     rules, phases and scoring in plain Python (no pygame, no torch)
opponents.py the checkpoints in weights/, labelled without importing torch
bridge.py    the one module that touches torch: a checkpoint + MNIST test digits -> rounds
preparer.py  runs the bridge in a background thread, so the title is up before torch loads
history.py   history.jsonl, one line per finished game
view.py      draws the state; never changes it
loop.py      the one pygame loop
measure.py   startup, latency and memory figures: `python -m game.measure`
"""
