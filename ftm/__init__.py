"""FollowTheMoney (FtM) export of a published version: entities, deltas, version index.

Pure functions over the canonical tables (polars frames, CONTRACT.md); the publishing asset
writes what they return into each version folder. Entities are built and checked with the
`followthemoney` library, never as hand-made dicts.
"""
