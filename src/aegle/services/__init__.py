"""Application services: accounts, access, audit, consent, privacy, conversations."""
