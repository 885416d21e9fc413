"""Import every table so that metadata (and Alembic) sees the whole schema."""

from kefu.attachments.models import Attachment
from kefu.audit.models import AuditEntry
from kefu.commerce.models import Order, Product, ReturnRequest, Shipment
from kefu.conversations.models import Conversation, ConversationEvent, Customer, LeftMessage, Message
from kefu.db import Base
from kefu.knowledge.models import ImportJob, KnowledgePoint, Term
from kefu.learning.models import LearningDecision
from kefu.live.models import CannedResponse, ConversationNote, Rating, SkillGroup, SkillMember, SuggestionEvent
from kefu.packs.models import PackBatch, PackChange, PackInstall, PackPoint
from kefu.reactions.models import PendingReaction
from kefu.reports.models import ConversationFact, DailyRollup, HourlyMessages, ReportState
from kefu.tenants.models import ApiKey, Tenant, User, UserSession

__all__ = [
    "ApiKey", "Attachment", "AuditEntry", "Base", "CannedResponse", "Conversation", "ConversationEvent",
    "ConversationFact",
    "ConversationNote", "Customer", "DailyRollup", "HourlyMessages", "ImportJob", "KnowledgePoint",
    "LearningDecision", "LeftMessage", "Message", "Order", "PackBatch", "PackChange", "PackInstall", "PackPoint",
    "PendingReaction", "Product", "Rating", "ReportState", "ReturnRequest", "Shipment", "SkillGroup", "SkillMember",
    "SuggestionEvent", "Tenant", "Term", "User", "UserSession",
]
