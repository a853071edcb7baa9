# fork() from a multi-threaded parent, for tests/malloc_programs.sh: four
# threads allocate while a multiprocessing pool (fork start method) forks
# four children that allocate and return results.
import multiprocessing as mp, threading
def work(n):
    d = {i: str(i) * 5 for i in range(n)}
    return sum(len(v) for v in d.values())
def spin():
    x = []
    for i in range(200000):
        x.append(str(i))
        if len(x) > 1000: x.clear()
if __name__ == "__main__":
    mp.set_start_method("fork")
    ts = [threading.Thread(target=spin) for _ in range(4)]
    [t.start() for t in ts]
    with mp.Pool(4) as p:
        print(sum(p.map(work, [20000 + i for i in range(16)])))
    [t.join() for t in ts]
