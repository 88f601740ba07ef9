"""Every page of Totonou, one module per area (``web/urls.py`` maps them). Pages are thin: they parse the
request, call the domain apps' selectors and services, and render ``web/templates``."""
