"""The only Streamlit code outside the page files: cached data, the shared sidebar, layout."""
