"""Claim matching core: candidate generation (lexical MinHash, semantic hyperplane bands) and scoring.

Plain Python and numpy (torch only for the sentence encoder), no Django. Candidate
generation never compares all pairs: every text gets integer band keys
``(band, key)``; texts that share a key are candidates, to be re-ranked exactly.
The same rows can be stored in any database with an index on ``(method, band, key)``.
"""
