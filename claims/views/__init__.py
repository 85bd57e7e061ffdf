"""Reviewer web interface: thin views over selectors (reads) and services (writes), one module per screen.

Every page needs a role (see claims.roles): viewers read, reviewers also post verdicts, evidence decisions
and uploads. The server enforces this (claims.views.access); templates only hide what a user may not use.
"""
