"""Pure routing algorithms: numpy / scipy / scikit-learn only, no I/O."""
