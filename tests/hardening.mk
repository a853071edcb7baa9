# tests/hardening.mk
