"""Tests of components/figures/, one module per figures module."""
