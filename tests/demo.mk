# tests/demo.mk
