"""Query embeddings and the 2-D maps built on them."""
