"""Every table of the application, imported once so metadata and migrations see them."""

from twin.audit.models import AuditEntry, AuditHead
from twin.auth.models import LoginFailure, User
from twin.db import Base
from twin.plant.models import LayerRow
from twin.sites.models import Site

metadata = Base.metadata

__all__ = ["AuditEntry", "AuditHead", "LayerRow", "LoginFailure", "Site", "User", "metadata"]
