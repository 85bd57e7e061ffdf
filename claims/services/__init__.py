"""Writes, one module per stage: ``<entity>_<action>(*, ...)`` functions under ``transaction.atomic``.

Views, API views, commands and jobs call these; services never call jobs, views or tasks.
"""
