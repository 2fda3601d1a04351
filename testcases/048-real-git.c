//@ category: real-programs
//@ points: 2
//@ timeout: 60
//@ mode: preload
//! git: exit 0 with both allocators
//! git: same commits, log, diff and pack verification

/* git init, add, commit (three commits over 120 files), log with patches, repack and fsck:
 * git allocates object buffers, hash maps, strbufs grown by realloc and, in pack-objects,
 * works with several threads. Author, committer and dates are fixed, so the commit hashes
 * and every output are deterministic and must be identical on both allocators. */
#include "test_runtime.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    static const char *const outputs[] = {"git.out.%s", NULL};
    hl_run_both(
        "git",
        "export HOME=$PWD GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Heap GIT_AUTHOR_EMAIL=h@lab "
        "GIT_COMMITTER_NAME=Heap GIT_COMMITTER_EMAIL=h@lab "
        "GIT_AUTHOR_DATE='2024-01-01T00:00:00Z' GIT_COMMITTER_DATE='2024-01-01T00:00:00Z'; "
        "{ rm -rf repo.%1$s && git init -q -b main repo.%1$s && cd repo.%1$s && "
        "for i in $(seq 1 120); do seq $i $((i * 7)) > f$i.txt; done && "
        "git add . && git commit -q -m first && "
        "for i in $(seq 1 120 | sed -n '1~3p'); do echo change $i >> f$i.txt; done && "
        "git rm -q f2.txt f5.txt && git commit -q -am second && "
        "git mv f1.txt one.txt && git commit -q -m third && "
        "git log --stat -p && git rev-parse HEAD && git repack -adq && "
        "git fsck --full --strict 2>&1 && git count-objects -v | grep -v size; "
        "} > git.out.%1$s 2> git.err.%1$s",
        outputs);
    printf("git: same commits, log, diff and pack verification\n");
    return 0;
}
