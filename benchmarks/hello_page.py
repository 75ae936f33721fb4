"""The floor of any first load here: a Streamlit page that writes one line.

benchmarks/browser.py times its first load on a new server, as it does the app's and the
naive page's: what Streamlit's own server start and JavaScript cost before any page
draws anything.
"""

import streamlit as st

st.write("Hello")
