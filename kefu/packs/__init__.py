"""Industry knowledge packs: ready-made knowledge points a shop imports in one go and keeps up to date.

packfile.py reads and checks pack files, sources.py finds them (built in, a local folder, a pack server),
server.py serves a folder of them, fill.py puts the shop's facts into their answers, merge.py decides what an
update does to each point (pure), actions.py imports, updates, rolls back and refills (points.py writes the
shop's points), views.py reads for the API, routes.py and cli.py expose it. docs/packs.md explains the rules.
"""
