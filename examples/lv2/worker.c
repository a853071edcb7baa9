/* The LV2 worker: wavetables are built off the audio thread.
 *
 * run() asks for the program a MIDI program change selected with
 * schedule_work() (one request in flight at a time).  The host calls
 * work() in its worker thread: it builds the table in a block of the
 * instance's pools (the worker thread's own cache) and passes the
 * pointer back with respond(), which the host carries to the audio thread
 * through its lock-free ring.  work_response() runs in the audio thread:
 * it installs the table and frees the one it replaces; that block belongs
 * to another thread's cache, so rta_free sends it home lock-free.
 * work_response() is a real-time section of its own, counted like run(). */
#include "synth.h"

struct table_request {
    uint32_t program;
};

struct table_reply {
    struct wavetable *table; /* NULL: the pools had no room for it */
};

void synth_request_table(struct synth *s)
{
    if (!s->schedule || s->request_in_flight || wavetable_program(s->table) == s->wanted_program)
        return;
    struct table_request req = {s->wanted_program};
    if (s->schedule->schedule_work(s->schedule->handle, sizeof req, &req) == LV2_WORKER_SUCCESS) {
        s->request_in_flight = 1;
        s->c.table_requests++;
    }
}

static LV2_Worker_Status work(LV2_Handle h, LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle respond_handle, uint32_t size,
                              const void *data)
{
    struct synth *s = h;
    if (size != sizeof(struct table_request))
        return LV2_WORKER_ERR_UNKNOWN;
    const struct table_request *req = data;
    struct table_reply reply = {wavetable_build(s->heap, req->program)};
    LV2_Worker_Status st = respond(respond_handle, sizeof reply, &reply);
    if (st != LV2_WORKER_SUCCESS)
        rta_free(s->heap, reply.table);
    return st;
}

static LV2_Worker_Status work_response(LV2_Handle h, uint32_t size, const void *body)
{
    struct synth *s = h;
    if (size != sizeof(struct table_reply))
        return LV2_WORKER_ERR_UNKNOWN;
    uint64_t before = rta_rt_system_allocs();
    rta_rt_enter();
    const struct table_reply *reply = body;
    if (reply->table) {
        struct wavetable *old = s->table;
        s->table = reply->table;
        rta_free(s->heap, old);
        s->c.tables++;
    } else {
        s->c.pool_failures++;
    }
    s->request_in_flight = 0;
    rta_rt_leave();
    s->c.rt_system_calls += rta_rt_system_allocs() - before;
    return LV2_WORKER_SUCCESS;
}

const LV2_Worker_Interface synth_worker = {work, work_response, NULL};
