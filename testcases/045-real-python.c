//@ category: real-programs
//@ points: 3
//@ timeout: 60
//@ mode: preload
//! python3: exit 0 with both allocators
//! python3: same output (4 threads building and dropping dicts and lists)

/* CPython with PYTHONMALLOC=malloc sends every object, down to each small int and string,
 * through malloc, realloc and free: hundreds of thousands of small blocks, lists and dict
 * tables grown by realloc, and with several threads (which take turns under the GIL, so the
 * allocator sees calls from all of them) blocks freed by a thread other than the one that
 * allocated them. The same script runs on libc's allocator and on the slot's, and the two
 * outputs must be identical. */
#include "test_runtime.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

__attribute__((unused)) static void write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK_MSG(fd >= 0, "cannot create %s in the working directory", path);
    size_t n = strlen(text);
    CHECK(write(fd, text, n) == (ssize_t)n);
    close(fd);
}

/* The first line of a file, for failure messages. */
static const char *first_line(const char *path) {
    static char buf[200];
    buf[0] = '\0';
    int fd = open(path, O_RDONLY);
    if (fd < 0) return "(no output)";
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return buf[0] ? buf : "(empty)";
}

/* Runs cmd (with %1$s for the run's name, used in its output file names) on libc's allocator,
 * then on the slot's; both must succeed, then every listed output must be identical. */
static void run_both(const char *prog, const char *cmd, const char *const *outputs) {
    char run[4096], err[64];
    snprintf(run, sizeof run, cmd, "libc");
    int libc = hl_system(run, false);
    snprintf(err, sizeof err, "%s.err.libc", prog);
    CHECK_MSG(libc == 0, "%s failed on libc's allocator (exit %d): %s", prog, libc,
              first_line(err));
    snprintf(run, sizeof run, cmd, "slot");
    int slot = hl_system(run, true);
    snprintf(err, sizeof err, "%s.err.slot", prog);
    CHECK_MSG(slot == libc, "%s exited with %d on the allocator, %d on libc's: %s", prog, slot,
              libc, first_line(err));
    printf("%s: exit 0 with both allocators\n", prog);
    for (int i = 0; outputs[i]; i++) {
        char a[128], b[128], cmp[300];
        snprintf(a, sizeof a, outputs[i], "libc");
        snprintf(b, sizeof b, outputs[i], "slot");
        snprintf(cmp, sizeof cmp, "cmp -s %s %s", a, b);
        CHECK_MSG(hl_system(cmp, false) == 0, "%s: %s and %s differ (first line: %s)", prog, a, b,
                  first_line(b));
    }
}

static const char script[] =
    "import threading, hashlib, json\n"
    "def work(k, out):\n"
    "    d = {}\n"
    "    for i in range(40000):\n"
    "        d['k%d_%d' % (k, i)] = [i, str(i * k), (i, k), 'x' * (i % 40)]\n"
    "    for i in range(0, 40000, 2):\n"
    "        del d['k%d_%d' % (k, i)]\n"
    "    items = sorted(d.items(), key=lambda kv: kv[1][1])\n"
    "    text = json.dumps(items[:2000])\n"
    "    blobs = [bytes(range(256)) * (i % 50 + 1) for i in range(2000)]\n"
    "    h = hashlib.sha256()\n"
    "    for key, value in items:\n"
    "        h.update(key.encode())\n"
    "        h.update(value[3].encode())\n"
    "    for b in blobs:\n"
    "        h.update(b)\n"
    "    big = list(range(300000))\n"
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
    write_file("work.py", script);
    static const char *const outputs[] = {"python3.out.%s", NULL};
    run_both("python3",
             "PYTHONMALLOC=malloc PYTHONHASHSEED=0 /usr/bin/python3 -S work.py > python3.out.%1$s "
             "2> python3.err.%1$s",
             outputs);
    printf("python3: same output (4 threads building and dropping dicts and lists)\n");
    return 0;
}
