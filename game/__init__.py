"""The player's side of Real or Fake?: `python -m game`.

state.py     screens, rounds and the rules, in plain Python (no pygame, no torch)
events.py    what Game.handle takes: the player's actions and the outside world's news
scoring.py   scores and their statistics, from rounds and answers
keys.py      the one key table, read by the loop and the help screen
opponents.py the checkpoints in weights/, labelled without importing torch
digits.py    the MNIST test digits that ship with the game (numpy only)
bridge.py    the one module that touches torch: a checkpoint + the test digits -> rounds
preparer.py  runs the bridge in a background thread, so the title is up before torch loads
history.py   history.jsonl, one line per finished game
view.py      draws the state (one module per screen in screens/); never changes it
loop.py      the one pygame loop
measure.py   startup, latency and memory figures: `python -m game.measure`
"""
