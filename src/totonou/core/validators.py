from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

HEX_COLOR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Give a colour as #RRGGBB."), code="invalid_color")
