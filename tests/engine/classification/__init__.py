"""Tests of components/engine/classification/."""
