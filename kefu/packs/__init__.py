"""Industry knowledge packs: ready-made knowledge points a shop imports in one go and keeps up to date.

packfile.py reads and checks pack files, sources.py finds them (built in, a local folder, a pack server),
server.py serves a folder of them, fill.py puts the shop's facts into their answers, merge.py decides what an
update does to each point (pure), duplicates.py finds the shop's own points a pack point repeats, actions.py
imports, updates, rolls back, refills and holds back what the shop has not confirmed (points.py writes the shop's
points), views.py reads for the API, routes.py and cli.py expose it. docs/packs.md explains the rules.
"""
