/* Reading a thread's page-fault counters (see faults.h).
 *
 * In /proc/.../stat the command name (field 2) may hold spaces and
 * parentheses, so parsing starts after the last ')'; minflt and majflt are
 * fields 10 and 12. */
#include "faults.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int thread_faults(int tid, uint64_t *minor, uint64_t *major)
{
    char path[64], text[1024];
    unsigned long long minflt, majflt;
    const char *fields;
    FILE *f;
    size_t n;

    if (tid <= 0)
        return -1;
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    fields = strrchr(text, ')');
    /* Fields 3 to 12: state ppid pgrp session tty_nr tpgid flags minflt
     * cminflt majflt. */
    if (fields == NULL ||
        sscanf(fields + 1, " %*c %*d %*d %*d %*d %*d %*u %llu %*u %llu", &minflt, &majflt) != 2)
        return -1;
    *minor = minflt;
    *major = majflt;
    return 0;
}
