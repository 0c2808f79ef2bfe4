"""Sources management: the one service that adds, imports, exports and syncs sources."""

from monitor.subscriptions.declared import DeclaredSource, declared_sources, parse_declared
from monitor.subscriptions.files import is_sources_file, read_sources
from monitor.subscriptions.placement import FolderAccess, Placement, check_kind, place
from monitor.subscriptions.records import source_dict
from monitor.subscriptions.service import (
    Added,
    Exported,
    ImportReport,
    Progress,
    Subscriptions,
    SyncReport,
)

__all__ = ["Added", "DeclaredSource", "Exported", "FolderAccess", "ImportReport", "Placement",
           "Progress", "Subscriptions", "SyncReport", "check_kind", "declared_sources",
           "is_sources_file", "parse_declared", "place", "read_sources", "source_dict"]
