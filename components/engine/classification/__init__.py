"""The steps of a geographic classification beyond k-means: prepared variables, regions, levels, profiles."""
