"""One module per screen and overlay, each with `draw(paint, surface, game, mouse)` and `targets(game, size)`.

widgets.py  the drawing kit they share (colours, size unit, text, panels, marks, buttons, digits)
title.py    pick opponent, rounds and mode
loading.py  the spinner while the rounds are prepared
play.py     the round and its reveal
summary.py  the scores and every digit of the game
failed.py   a --weights checkpoint that cannot be played
help.py     the help overlay
"""
