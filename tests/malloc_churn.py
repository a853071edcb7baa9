# Allocation-heavy Python with threads, for tests/malloc_programs.sh:
# dicts, lists, strings and bytes made and dropped by 8 threads at once,
# plus a few large buffers (the system path).  Prints a digest that does
# not depend on scheduling.
import hashlib
import threading

results = {}
lock = threading.Lock()


def work(k):
    d = {}
    for i in range(40000):
        d[str(i * k)] = [i] * (i % 7) + [str(i)] * (i % 3)
        if i % 3 == 0:
            d.pop(str((i // 2) * k), None)
        if i % 5000 == 0:
            blob = bytes(range(256)) * (4096 * (1 + i % 3))
            d["blob%d" % i] = len(blob)
    text = ",".join(sorted(d))
    with lock:
        results[k] = (len(d), hashlib.sha256(text.encode()).hexdigest())


threads = [threading.Thread(target=work, args=(k,)) for k in range(1, 9)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for k in sorted(results):
    print(k, *results[k])
