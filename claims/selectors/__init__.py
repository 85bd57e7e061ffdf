"""Reads, one module per screen or concern: each a fixed number of queries whatever the size of the data."""
