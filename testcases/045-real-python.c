//@ category: real-programs
//@ points: 3
//@ timeout: 60
//@ mode: preload
//! python3: exit 0 with both allocators
//! python3: same output (4 threads building and dropping dicts and lists)

/* CPython with PYTHONMALLOC=malloc sends every object, down to each small int and string,
 * through malloc, realloc and free: its imports alone leave tens of thousands of small blocks
 * live, lists and dict tables grow by realloc, and with several threads (which take turns
 * under the GIL, so the allocator sees calls from all of them) blocks are freed by a thread
 * other than the one that allocated them. The same script runs on libc's allocator and on the
 * slot's, and the two outputs must be identical. Its own work is small: with that many live
 * blocks, an allocator that walks its whole heap on every malloc needs seconds already, and
 * speed is not what this test grades. */
#include "test_runtime.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char script[] =
    "import threading, hashlib, json\n"
    "def work(k, out):\n"
    "    d = {}\n"
    "    for i in range(200):\n"
    "        d['k%d_%d' % (k, i)] = [i, str(i * k), (i, k), 'x' * (i % 40)]\n"
    "    for i in range(0, 200, 2):\n"
    "        del d['k%d_%d' % (k, i)]\n"
    "    items = sorted(d.items(), key=lambda kv: kv[1][1])\n"
    "    text = json.dumps(items[:50])\n"
    "    blobs = [bytes(range(256)) * (i % 50 + 1) for i in range(50)]\n"
    "    h = hashlib.sha256()\n"
    "    for key, value in items:\n"
    "        h.update(key.encode())\n"
    "        h.update(value[3].encode())\n"
    "    for b in blobs:\n"
    "        h.update(b)\n"
    "    big = list(range(3000))\n"
    "    big.reverse()\n"
    "    s = sum(big[::7])\n"
    "    del big, blobs, d\n"
    "    out[k] = (len(items), h.hexdigest(), len(text), s)\n"
    "out = {}\n"
    "threads = [threading.Thread(target=work, args=(k, out)) for k in range(4)]\n"
    "for t in threads: t.start()\n"
    "for t in threads: t.join()\n"
    "for k in sorted(out): print(k, *out[k])\n"
    "print('total', sum(v[0] for v in out.values()))\n";

int main(void) {
    hl_write_file("work.py", script);
    static const char *const outputs[] = {"python3.out.%s", NULL};
    hl_run_both("python3",
                "export PYTHONMALLOC=malloc PYTHONHASHSEED=0 PATH=/usr/bin:$PATH; "
                "python3 -S work.py > python3.out.%1$s 2> python3.err.%1$s",
                outputs);
    printf("python3: same output (4 threads building and dropping dicts and lists)\n");
    return 0;
}
