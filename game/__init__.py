"""The player's side of Real or Fake?: `python -m game`.

state.py     screens, overlays and the rules, in plain Python (no pygame, no torch)
events.py    what Game.handle takes: the player's actions and the outside world's news
rounds.py    what a game is made of: opponents, rounds, answers, a played game
scoring.py   scores and their statistics (Wilson and bootstrap intervals), from rounds and answers
keys.py      the one key table, read by the loop and the help screen
records.py   a played game as one history line and back, checked for sense
history.py   history.jsonl on disk: appends under a lock, damaged lines set aside alone
recorder.py  reads and writes the history in a background thread
files.py     opening only regular files (never a FIFO, a device or a folder)
opponents.py the checkpoints in weights/, labelled without importing torch
digits.py    the MNIST test digits that ship with the game (numpy only)
bridge.py    the one module that touches torch: a checkpoint + the test digits -> rounds
preparer.py  runs the bridge in a background thread, so the title is up before torch loads
view.py      draws the state (one module per screen in screens/); never changes it
sound.py     four sounds synthesized with numpy
loop.py      the one pygame loop
stats.py     one human evaluation of each generator from histories: `python -m game.stats`
measure.py   startup, latency and memory figures: `python -m game.measure`
"""
