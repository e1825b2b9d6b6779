"""One module per screen and overlay, each with `draw(paint, surface, game, mouse)` and `targets(game, size)`.

widgets.py  the drawing kit they share (colours, size unit, text, panels, marks, buttons, digits)
title.py    pick opponent, rounds and mode
loading.py  the spinner while the rounds are prepared
play.py     the round and its reveal (glimpse mode's mask too)
pairs.py    pairs mode's round and reveal: a real and a fake side by side
dview.py    where the judge looked, as a heat map beside a digit (V)
draw_for_d.py  the canvas, what D sees of the drawing, and its verdict
card.py     a generator's opponent card: samples, scores, timelapse
summary.py  the scores and every digit of the game
failed.py   a --weights checkpoint that cannot be played
help.py     the help overlay
"""
