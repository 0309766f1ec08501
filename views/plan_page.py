"""A plan's page (one per plan in the store, its code the URL path): how far it has come."""

from dashboard.ui.framework_view import plan_page

plan_page()
