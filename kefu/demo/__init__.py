"""The demo shop: a tenant, logins and a bilingual knowledge base to try kefu with."""

DEMO_SLUG = "demo"  # the demo shop's slug: the store page and the seed find it by this
