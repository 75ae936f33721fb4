"""The AppTest fixtures of tests/app, for the catalogue's AppTest run."""

from tests.app.conftest import deferred_downloads, make_app, real_data, served_files_in_tmp

__all__ = ["deferred_downloads", "make_app", "real_data", "served_files_in_tmp"]
