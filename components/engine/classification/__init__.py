"""The steps of a geographic classification beyond k-means.

Prepared variables, regions, levels, profiles.
"""
