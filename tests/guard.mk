# tests/guard.mk
