"""Prepare the variables of a geographic classification: transforms, correlations, leave-one-out."""
