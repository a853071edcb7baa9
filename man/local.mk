# Man pages (issue 11): the library, the process's malloc, rtalloc-run.
# @VERSION@ is filled in when they are built, as the scripts are.
# rtalloc-guard(1) lives in guard/.
man_MANS += man/rtalloc.3 man/rtalloc_malloc.3 man/rtalloc-run.1
CLEANFILES += man/rtalloc.3 man/rtalloc_malloc.3 man/rtalloc-run.1
EXTRA_DIST += man/rtalloc.3.in man/rtalloc_malloc.3.in man/rtalloc-run.1.in
man/%: $(top_srcdir)/man/%.in Makefile
	$(AM_V_GEN)$(MKDIR_P) man && \
	$(SED) -e 's|@VERSION[@]|$(PACKAGE_VERSION)|g' $< > $@.tmp && mv $@.tmp $@
