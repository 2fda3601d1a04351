//@ category: real-programs
//@ points: 2
//@ timeout: 60
//@ mode: preload
//! sqlite3: exit 0 with both allocators
//! sqlite3: same query results (5000 inserts, an index, joins and aggregates)

/* The sqlite3 shell creates a database file, inserts 5000 rows in a transaction, builds an
 * index, and runs joins, GROUP BY and ORDER BY queries: its page cache, parser and sorter
 * allocate blocks of many sizes and realloc them constantly. Query results must be identical
 * on both allocators (the database files themselves are not compared). */
#include "test_runtime.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    int fd = open("work.sql", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    static char buf[1 << 20];
    size_t used = 0;
    used += (size_t)snprintf(buf + used, sizeof buf - used,
                             "CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT, cat INT, "
                             "price REAL);\nCREATE TABLE cat(id INT, label TEXT);\nBEGIN;\n");
    uint64_t rng = 50;
    for (int i = 1; i <= 5000; i++) {
        uint64_t r = hl_rand(&rng);
        used += (size_t)snprintf(buf + used, sizeof buf - used,
                                 "INSERT INTO item(name, cat, price) VALUES('item-%llx-%d', %d, "
                                 "%d.%02d);\n",
                                 (unsigned long long)(r >> 44), i, (int)(r % 37),
                                 (int)(r >> 8 & 1023), (int)(r >> 20 & 63));
        CHECK(used < sizeof buf - 200);
    }
    for (int c = 0; c < 37; c++)
        used += (size_t)snprintf(buf + used, sizeof buf - used,
                                 "INSERT INTO cat VALUES(%d, 'category %d');\n", c, c * 7 % 37);
    used += (size_t)snprintf(
        buf + used, sizeof buf - used,
        "COMMIT;\nCREATE INDEX item_cat ON item(cat, price);\n"
        "SELECT count(*), sum(price), max(length(name)) FROM item;\n"
        "SELECT c.label, count(*), printf('%%.2f', avg(i.price)) FROM item i JOIN cat c ON "
        "c.id = i.cat GROUP BY c.label ORDER BY c.label;\n"
        "SELECT name, price FROM item WHERE cat = 5 ORDER BY price DESC, name LIMIT 20;\n"
        "UPDATE item SET name = name || '-' || upper(name) WHERE id %% 3 = 0;\n"
        "DELETE FROM item WHERE price < 100;\n"
        "SELECT count(*), group_concat(substr(name, 1, 8), ',') FROM (SELECT name FROM item "
        "ORDER BY name LIMIT 50);\n"
        "VACUUM;\nPRAGMA integrity_check;\n");
    CHECK(write(fd, buf, used) == (ssize_t)used);
    close(fd);
    static const char *const outputs[] = {"sqlite3.out.%s", NULL};
    hl_run_both(
        "sqlite3",
        "rm -f db.%1$s && sqlite3 db.%1$s < work.sql > sqlite3.out.%1$s 2> sqlite3.err.%1$s",
        outputs);
    printf("sqlite3: same query results (5000 inserts, an index, joins and aggregates)\n");
    return 0;
}
