"""The demo shop: a tenant, logins and a bilingual knowledge base to try kefu with."""
