"""Stage 2 of the pipeline, pure Python (spaCy, no Django): sentences to atomic claims.

``worthiness`` decides which sentences can yield a checkable claim, ``atomic`` splits a parsed
sentence into claims with attribution, ``figures`` and ``entities`` read quantities, dates and
names, and ``drafting`` runs them over a whole article. ``claims.services.extraction`` stores
the result.
"""
