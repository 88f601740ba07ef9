"""The web interface's own pages: My day, Insights, Settings and the language switcher.

The pages of customers, deals and activities live in their apps' ``views.py``.
"""

from totonou.web.views.home import home
from totonou.web.views.insights import insights, uncontacted_list, uncontacted_plan
from totonou.web.views.language import set_language
from totonou.web.views.preferences import settings_page, token_create, token_revoke

__all__ = [
    "home",
    "insights",
    "set_language",
    "settings_page",
    "token_create",
    "token_revoke",
    "uncontacted_list",
    "uncontacted_plan",
]
