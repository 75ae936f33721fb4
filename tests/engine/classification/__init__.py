"""Tests of the classification engine: transforms, correlations and leave-one-variable-out."""
