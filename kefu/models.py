"""Import every table so that metadata (and Alembic) sees the whole schema."""

from kefu.conversations.models import Conversation, ConversationEvent, Customer, Message
from kefu.db import Base
from kefu.knowledge.models import ImportJob, KnowledgePoint, Term
from kefu.tenants.models import ApiKey, Tenant, User, UserSession

__all__ = [
    "ApiKey", "Base", "Conversation", "ConversationEvent", "Customer", "ImportJob", "KnowledgePoint", "Message",
    "Tenant", "Term", "User", "UserSession",
]
