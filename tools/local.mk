# rtalloc-plan: profiles (rta_stats_write_json with RTA_PROFILE) in, a
# configuration that cannot fail out (doc/CAPACITY.md).
bin_PROGRAMS += tools/rtalloc-plan
tools_rtalloc_plan_SOURCES = tools/rtalloc-plan.c
tools_rtalloc_plan_LDADD = src/librtalloc.la
EXTRA_DIST += doc/CAPACITY.md
man_MANS += man/rtalloc-plan.1
CLEANFILES += man/rtalloc-plan.1
EXTRA_DIST += man/rtalloc-plan.1.in
