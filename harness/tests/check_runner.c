/* check_runner.c - unit tests of the runner (harness/runner.c), through its command line.
 *
 * Each test runs the runner binary (the RUNNER environment variable, default
 * build/harness/runner) on a small /bin/sh program with --out to a file in a scratch
 * directory, and matches fragments of the JSON result, which the runner writes as exactly
 * `"key": value`. Check's fork mode runs every test in a process of its own, so a test may
 * change its environment, its directory or its signal dispositions freely.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_RUNNER "build/harness/runner"
#define MAX_ARGS       32

/* A scratch directory per test, for the result file and files the test programs write. */
static char scratch[64];

static void make_scratch(void) {
    snprintf(scratch, sizeof scratch, "/tmp/check_runner-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(scratch));
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st, (void)type, (void)ftw;
    return remove(path);
}

static void remove_scratch(void) {
    nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A path in the scratch directory; each call returns a new string (the test's process ends
   soon, so none is freed). */
static char *scratch_path(const char *name) {
    char *path;
    ck_assert_int_ge(asprintf(&path, "%s/%s", scratch, name), 0);
    return path;
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "r");
    if (f == NULL) return NULL;
    static const size_t max = 1 << 20;
    char *text = malloc(max);
    ck_assert_ptr_nonnull(text);
    size_t n = fread(text, 1, max - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One run of the runner. */
struct run {
    int exit_status; /* the runner's exit status, or 128+N when a signal killed it */
    double seconds;  /* wall-clock time of the whole run */
    char *json;      /* the --out file, NULL when the runner wrote none */
};

static const char *runner_path(void) {
    const char *runner = getenv("RUNNER");
    return runner && runner[0] ? runner : DEFAULT_RUNNER;
}

/* Starts the runner with args (NULL-terminated), its standard output and error going to files
   in the scratch directory. */
static pid_t start_runner(const char *const *args) {
    const char *argv[MAX_ARGS + 2] = {runner_path()};
    size_t n = 1;
    while (args[n - 1] != NULL && n <= MAX_ARGS) argv[n] = args[n - 1], n++;
    ck_assert_msg(args[n - 1] == NULL, "too many arguments");
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int out = open(scratch_path("stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(scratch_path("stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(125);
        execv(argv[0], (char **)argv);
        _exit(126);
    }
    return pid;
}

static int wait_runner(pid_t pid) {
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static struct run run_args(const char *const *args) {
    struct run r;
    double start = now();
    r.exit_status = wait_runner(start_runner(args));
    r.seconds = now() - start;
    ck_assert_msg(r.exit_status != 126, "cannot execute the runner %s", runner_path());
    r.json = read_file(scratch_path("result.json"));
    return r;
}

/* A run that wrote a result and had nothing to complain about. */
static void expect_result(const struct run *r) {
    char *errors = read_file(scratch_path("stderr"));
    ck_assert_msg(r->exit_status == 0, "runner exited with %d; stderr: %s", r->exit_status, errors);
    ck_assert_ptr_nonnull(r->json);
    ck_assert_msg(errors[0] == '\0', "runner complained: %s", errors);
}

/* Runs `/bin/sh -c SCRIPT` under the runner with --out and the options that follow SCRIPT:
   RUN_SH(SCRIPT, OPTION...). Expects the runner to write a result. */
#define RUN_SH(...) run_sh((const char *[]){__VA_ARGS__, NULL})

static struct run run_sh(const char *const *script_and_options) {
    const char *args[MAX_ARGS + 1] = {"--out", scratch_path("result.json")};
    size_t n = 2;
    for (const char *const *opt = script_and_options + 1; *opt != NULL; opt++) args[n++] = *opt;
    const char *tail[] = {"--", "/bin/sh", "-c", script_and_options[0], NULL};
    memcpy(args + n, tail, sizeof tail);
    struct run r = run_args(args);
    expect_result(&r);
    return r;
}

/* Runs PROGRAM ARGS... (NULL-terminated) under the runner with --out; expects a result. */
static struct run run_program(const char *const *argv) {
    const char *args[MAX_ARGS + 1] = {"--out", scratch_path("result.json"), "--"};
    for (size_t n = 0; argv[n] != NULL; n++) args[3 + n] = argv[n];
    struct run r = run_args(args);
    expect_result(&r);
    return r;
}

#define ck_assert_has(json, fragment)                                                              \
    ck_assert_msg(strstr(json, fragment) != NULL, "expected %s in %s", fragment, json)

/* The number after `"key": ` in the result. */
static double json_number(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\": ", key);
    const char *at = strstr(json, pattern);
    ck_assert_msg(at != NULL, "no %s in %s", key, json);
    return strtod(at + strlen(pattern), NULL);
}

/* The soft and hard values of a line of /proc/self/limits that the test program printed
   (the result holds it JSON-escaped, but the two values are plain words). */
static void limit_in_output(const char *json, const char *name, char *soft, char *hard) {
    const char *at = strstr(json, name);
    ck_assert_msg(at != NULL, "no %s in %s", name, json);
    ck_assert_int_eq(sscanf(at + strlen(name), "%31s %31s", soft, hard), 2);
}

static void ck_assert_limit(const char *json, const char *name, const char *soft,
                            const char *hard) {
    char s[32], h[32];
    limit_in_output(json, name, s, h);
    ck_assert_str_eq(s, soft);
    ck_assert_str_eq(h, hard);
}

static bool process_exists(pid_t pid) {
    return kill(pid, 0) == 0 || errno != ESRCH;
}

/* Waits (up to 5 s) until a file the test program writes has appeared. */
static char *wait_for_file(const char *path) {
    for (int i = 0; i < 500; i++) {
        char *text = read_file(path);
        if (text != NULL && strchr(text, '\n') != NULL) return text;
        usleep(10000);
    }
    ck_abort_msg("%s never appeared", path);
    return NULL;
}

/* ---- statuses ------------------------------------------------------------------------------ */

START_TEST(test_exit_code_recorded) {
    struct run r = RUN_SH("exit 3");
    ck_assert_has(r.json, "\"status\": \"exited\", \"exit_code\": 3, \"signal\": null, "
                          "\"signal_description\": null");
    ck_assert_has(r.json, "\"message\": null}\n");
}
END_TEST

START_TEST(test_keys_in_order_on_one_line) {
    static const char *const keys[] = {
        "{\"name\": \"sh\", ",
        "\"argv\": [\"/bin/sh\", \"-c\", \"true\"], ",
        "\"isolation\": \"none\", ",
        "\"isolation_error\": null, ",
        "\"trapped\": [], ",
        "\"status\": ",
        "\"exit_code\": 0, ",
        "\"signal\": ",
        "\"signal_description\": ",
        "\"wall_time\": ",
        "\"cpu_time\": ",
        "\"cpu_limit\": [",
        "\"max_rss_kb\": ",
        "\"output\": \"\", ",
        "\"output_bytes\": 0, ",
        "\"output_truncated\": false, ",
        "\"notes\": [], ",
        "\"still_running\": [], ",
        "\"killed\": false, ",
        "\"message\": null}\n",
    };
    struct run r = RUN_SH("true");
    const char *at = r.json;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *next = strstr(at, keys[i]);
        ck_assert_msg(next != NULL, "expected %s after %s", keys[i], at);
        at = next + strlen(keys[i]);
    }
    ck_assert_str_eq(at, "");
    ck_assert_ptr_eq(strchr(r.json, '\n'), r.json + strlen(r.json) - 1);
}
END_TEST

START_TEST(test_segfault_reported_as_signal) {
    struct run r = RUN_SH("kill -SEGV $$");
    ck_assert_has(r.json, "\"status\": \"signaled\", \"exit_code\": null, \"signal\": "
                          "\"SIGSEGV\", \"signal_description\": \"Segmentation fault\"");
}
END_TEST

START_TEST(test_abort_reported_as_sigabrt) {
    struct run r = RUN_SH("kill -ABRT $$");
    ck_assert_has(r.json, "\"status\": \"signaled\"");
    ck_assert_has(r.json, "\"signal\": \"SIGABRT\", \"signal_description\": \"Aborted\"");
}
END_TEST

START_TEST(test_timeout_kills_the_group) {
    struct run r = RUN_SH("sleep 100 & sleep 100", "--timeout", "1");
    ck_assert_has(r.json, "\"status\": \"timeout\", \"exit_code\": null, \"signal\": null, "
                          "\"signal_description\": null");
    ck_assert_has(r.json, "\"killed\": true, \"message\": \"timed out after 1.0 s (wall clock); "
                          "process group killed\"");
    ck_assert_double_lt(r.seconds, 2.0);
    double wall = json_number(r.json, "wall_time");
    ck_assert_double_ge(wall, 1.0);
    ck_assert_double_lt(wall, 2.0);
}
END_TEST

START_TEST(test_fractional_timeout_and_cpu_limit) {
    struct run r = RUN_SH("cat /proc/self/limits; sleep 100", "--timeout", "0.5");
    ck_assert_has(r.json, "\"message\": \"timed out after 0.5 s (wall clock)");
    ck_assert_double_lt(r.seconds, 1.5);
    /* ceil(0.5) + 1 soft, one more hard */
    ck_assert_limit(r.json, "Max cpu time", "2", "3");
}
END_TEST

START_TEST(test_background_child_does_not_keep_test_alive) {
    struct run r = RUN_SH("sleep 100 & echo done");
    ck_assert_has(r.json, "\"status\": \"exited\", \"exit_code\": 0");
    ck_assert_has(r.json, "\"output\": \"done\\n\"");
    ck_assert_double_lt(r.seconds, 2.0);
}
END_TEST

START_TEST(test_escaped_process_killed_after_test) {
    /* The escapee writes its pid only after setsid(), and the test waits for it. */
    char script[PATH_MAX * 2 + 200];
    const char *pid_file = scratch_path("escapee.pid");
    snprintf(script, sizeof script,
             "setsid sh -c 'echo $$ > %s.part && mv %s.part %s; exec sleep 100' & "
             "while [ ! -s %s ]; do sleep 0.01; done; echo started",
             pid_file, pid_file, pid_file, pid_file);
    struct run r = RUN_SH(script);
    ck_assert_has(r.json, "\"output\": \"started\\n\"");
    ck_assert_double_lt(r.seconds, 5.0);
    pid_t escapee = (pid_t)atoi(read_file(pid_file));
    ck_assert_int_gt(escapee, 1);
    ck_assert_msg(!process_exists(escapee), "escaped process %d still exists", (int)escapee);
}
END_TEST

START_TEST(test_leader_that_closes_its_output_still_waited_for) {
    struct run r = RUN_SH("echo bye; exec >&- 2>&-; sleep 0.3; exit 4");
    ck_assert_has(r.json, "\"status\": \"exited\", \"exit_code\": 4");
    ck_assert_has(r.json, "\"output\": \"bye\\n\"");
    ck_assert_double_ge(json_number(r.json, "wall_time"), 0.3);
}
END_TEST

START_TEST(test_missing_program_exec_failed) {
    struct run r = run_program((const char *[]){"/nonexistent/prog", "x", NULL});
    ck_assert_has(r.json, "{\"name\": \"prog\", \"argv\": [\"/nonexistent/prog\", \"x\"], ");
    ck_assert_has(r.json, "\"status\": \"exec-failed\", \"exit_code\": null, \"signal\": null");
    ck_assert_has(r.json,
                  "\"message\": \"cannot run /nonexistent/prog: No such file or directory\"}");
}
END_TEST

START_TEST(test_unexecutable_program_exec_failed) {
    const char *path = scratch_path("not-executable");
    fclose(fopen(path, "w"));
    struct run r = run_program((const char *[]){path, NULL});
    ck_assert_has(r.json, "\"status\": \"exec-failed\"");
    ck_assert_has(r.json, ": Permission denied\"}");
}
END_TEST

START_TEST(test_relative_program_found_from_runners_directory) {
    char runner[PATH_MAX];
    ck_assert_ptr_nonnull(realpath(runner_path(), runner));
    setenv("RUNNER", runner, 1);
    FILE *f = fopen(scratch_path("prog.sh"), "w");
    fputs("#!/bin/sh\necho hi\n", f);
    fclose(f);
    chmod(scratch_path("prog.sh"), 0755);
    ck_assert_int_eq(chdir(scratch), 0);
    struct run r = run_program((const char *[]){"./prog.sh", NULL});
    ck_assert_has(r.json, "\"argv\": [\"./prog.sh\"]");
    ck_assert_has(r.json, "\"output\": \"hi\\n\"");
}
END_TEST

START_TEST(test_timeout_names_what_still_runs) {
    struct run r = RUN_SH("sleep 100 & exec sleep 101", "--timeout", "1");
    ck_assert_has(r.json, "\"status\": \"timeout\"");
    ck_assert_has(r.json, "\"still_running\": [\"sleep 101\", \"sleep 100\"], ");
}
END_TEST

/* ---- output -------------------------------------------------------------------------------- */

START_TEST(test_output_limit_kills_and_truncates) {
    struct run r = RUN_SH("exec yes", "--max-output", "1000");
    char expected[2000] = "\"output\": \"";
    for (int i = 0; i < 250; i++) strcat(expected, "y\\n");
    strcat(expected, "[... ");
    ck_assert_has(r.json, "\"status\": \"output-limit\", \"exit_code\": null, \"signal\": null");
    ck_assert_has(r.json, expected);
    ck_assert_has(r.json, " bytes cut ...]\\ny\\ny\\n");
    ck_assert_has(r.json, "\"output_truncated\": true, \"notes\": [], \"still_running\": [], "
                          "\"killed\": true, \"message\": \"output exceeded 1000 bytes (");
    ck_assert_has(r.json, " written); process group killed\"}");
    /* Killed only past eight times the limit: a flood is stopped, but not at the limit. */
    ck_assert_double_gt(json_number(r.json, "output_bytes"), 8000);
    ck_assert_double_lt(r.seconds, 2.0);
}
END_TEST

/* The first half of the limit and its last sixteenth, both cut to whole lines: lines 1-152 are
   the first 500 bytes, and of the last 62 bytes the line "1490" is the first whole one. */
START_TEST(test_output_over_the_limit_keeps_its_end) {
    struct run r = RUN_SH("seq 1 1500; echo end", "--max-output", "1000");
    char expected[4000] = "\"output\": \"";
    for (int i = 1; i <= 152; i++) sprintf(expected + strlen(expected), "%d\\n", i);
    strcat(expected, "[... 5838 bytes cut ...]\\n");
    for (int i = 1490; i <= 1500; i++) sprintf(expected + strlen(expected), "%d\\n", i);
    strcat(expected, "end\\n\", \"output_bytes\": 6397, \"output_truncated\": true");
    ck_assert_has(r.json, "\"status\": \"output-limit\"");
    ck_assert_has(r.json, expected);
    ck_assert_has(r.json,
                  "\"killed\": false, \"message\": \"output exceeded 1000 bytes (6397 written)\"}");
}
END_TEST

START_TEST(test_output_over_the_limit_on_one_line) {
    struct run r = RUN_SH("head -c 100000 /dev/zero | tr '\\000' x", "--max-output", "1000");
    char head[1000] = "\"output\": \"", tail[200] = " bytes cut ...]\\n";
    memset(head + strlen(head), 'x', 500);
    strcat(head, "\\n[... ");
    memset(tail + strlen(tail), 'x', 62);
    strcat(tail, "\", ");
    ck_assert_has(r.json, head);
    ck_assert_has(r.json, tail);
}
END_TEST

START_TEST(test_output_at_the_limit_is_not_truncated) {
    struct run r = RUN_SH("head -c 1000 /dev/zero | tr '\\000' y", "--max-output", "1000");
    ck_assert_has(r.json, "\"status\": \"exited\", \"exit_code\": 0");
    ck_assert_has(r.json, "\"output_bytes\": 1000, \"output_truncated\": false");
}
END_TEST

START_TEST(test_stdout_and_stderr_interleaved_in_order) {
    struct run r = RUN_SH("echo a; echo b >&2; echo c");
    ck_assert_has(r.json, "\"output\": \"a\\nb\\nc\\n\", \"output_bytes\": 6, "
                          "\"output_truncated\": false");
}
END_TEST

START_TEST(test_invalid_utf8_and_control_bytes_escaped) {
    /* 0xFF; 0x01; é; quote; backslash; tab; CR; DEL; overlong '/'; a surrogate; a truncated
       3-byte sequence at the end */
    struct run r = RUN_SH("printf '\\377\\001\\303\\251\"\\\\\\t\\r\\177\\300\\257\\355\\240\\200"
                          "\\342\\202'");
    ck_assert_has(r.json, "\"output\": \"\\ufffd\\u0001\xc3\xa9\\\"\\\\\\t\\r\\u007f"
                          "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\", "
                          "\"output_bytes\": 16, ");
}
END_TEST

/* dash redirects only to descriptors below 10: the notes are reached through /dev/fd. */
START_TEST(test_notes_recorded_apart_from_output) {
    struct run r = RUN_SH("echo out; notes=/dev/fd/$HEAPLAB_NOTES_FD; echo one >>$notes; "
                          "printf 'two \"2\"' >>$notes");
    ck_assert_has(r.json, "\"output\": \"out\\n\", ");
    ck_assert_has(r.json, "\"notes\": [\"one\", \"two \\\"2\\\"\"], \"still_running\": [], ");
}
END_TEST

START_TEST(test_result_on_stdout_by_default) {
    struct run r = run_args((const char *[]){"--", "/bin/sh", "-c", "echo hi", NULL});
    ck_assert_int_eq(r.exit_status, 0);
    ck_assert_ptr_null(r.json);
    char *out = read_file(scratch_path("stdout"));
    ck_assert_ptr_eq(strstr(out, "{\"name\": \"sh\""), out);
    ck_assert_has(out, "\"output\": \"hi\\n\"");
    ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
}
END_TEST

START_TEST(test_out_file_replaced_whole) {
    struct run r = RUN_SH("true");
    ck_assert_ptr_nonnull(r.json);
    ck_assert_int_eq(access(scratch_path("result.json.tmp"), F_OK), -1);
}
END_TEST

START_TEST(test_name_option) {
    struct run r = RUN_SH("true", "--name", "001-malloc-basic");
    ck_assert_has(r.json, "{\"name\": \"001-malloc-basic\", \"argv\": [\"/bin/sh\", ");
}
END_TEST

START_TEST(test_cpu_time_and_rss_recorded) {
    struct run r = RUN_SH("i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done");
    ck_assert_double_gt(json_number(r.json, "cpu_time"), 0);
    ck_assert_double_gt(json_number(r.json, "max_rss_kb"), 0);
    ck_assert_double_gt(json_number(r.json, "wall_time"), 0);
}
END_TEST

/* The CPU-time limits are facts of the result, so that the grader can tell a test its CPU limit
   killed from one that crashed: a second above the wall clock rounded up, and one more. */
START_TEST(test_cpu_limit_recorded) {
    struct run r = RUN_SH("true", "--timeout", "2.5");
    ck_assert_has(r.json, "\"cpu_limit\": [4, 5], ");
}
END_TEST

/* ---- isolation ----------------------------------------------------------------------------- */

START_TEST(test_ulimits_as_documented) {
    struct run r = RUN_SH("ulimit -n; ulimit -c; ulimit -v", "--nofile", "256", "--memory", "512");
    ck_assert_has(r.json, "\"output\": \"256\\n0\\n524288\\n\"");
}
END_TEST

START_TEST(test_default_limits) {
    struct run r = RUN_SH("cat /proc/self/limits");
    ck_assert_limit(r.json, "Max cpu time", "11", "12");
    ck_assert_limit(r.json, "Max core file size", "0", "0");
    ck_assert_limit(r.json, "Max address space", "4294967296", "4294967296");
    ck_assert_limit(r.json, "Max file size", "268435456", "268435456");
    ck_assert_limit(r.json, "Max open files", "256", "256");
    char soft[32], hard[32];
    limit_in_output(r.json, "Max processes", soft, hard);
    ck_assert_str_eq(soft, hard);
    ck_assert_int_gt(atol(soft), 256);
}
END_TEST

START_TEST(test_limit_options) {
    struct run r = RUN_SH("cat /proc/self/limits", "--memory", "512", "--fsize", "1", "--nofile",
                          "100", "--nproc", "7", "--timeout", "3");
    ck_assert_limit(r.json, "Max cpu time", "4", "5");
    ck_assert_limit(r.json, "Max address space", "536870912", "536870912");
    ck_assert_limit(r.json, "Max file size", "1048576", "1048576");
    ck_assert_limit(r.json, "Max open files", "100", "100");
    char soft[32], hard[32];
    limit_in_output(r.json, "Max processes", soft, hard);
    ck_assert_int_gt(atol(soft), 7);
}
END_TEST

/* Root is exempt from RLIMIT_NPROC, so as root the test runs as nobody, as the grader's tests
   do. Each loop round forks once; dash gives up at the first fork that fails. A limit the kernel
   ignored would let all 1000 forks through. */
START_TEST(test_process_limit_enforced) {
    bool root = geteuid() == 0;
    if (root && getpwnam("nobody") == NULL) {
        fputs("check_runner: test_process_limit_enforced skipped: running as root, and there is "
              "no user nobody to whom RLIMIT_NPROC would apply\n",
              stderr);
        return;
    }
    struct run r = RUN_SH("i=0; while [ $i -lt 1000 ]; do sleep 5 & i=$((i+1)); done; echo all",
                          "--nproc", "20", "--user", "nobody");
    ck_assert_has(r.json, "\"status\": \"exited\", \"exit_code\": 2");
    ck_assert_has(r.json, "Cannot fork");
    ck_assert_msg(strstr(r.json, "all\\n\"") == NULL, "every fork succeeded: %s", r.json);
}
END_TEST

START_TEST(test_memory_zero_leaves_address_space_alone) {
    struct rlimit mine;
    getrlimit(RLIMIT_AS, &mine);
    char expected[32] = "unlimited";
    if (mine.rlim_cur != RLIM_INFINITY)
        snprintf(expected, sizeof expected, "%llu", (unsigned long long)mine.rlim_cur / 1024);
    char output[64];
    snprintf(output, sizeof output, "\"output\": \"%s\\n\"", expected);
    struct run r = RUN_SH("ulimit -v", "--memory", "0");
    ck_assert_has(r.json, output);
}
END_TEST

START_TEST(test_file_size_limit_enforced) {
    struct run r = RUN_SH("exec head -c 2000000 /dev/zero > big", "--fsize", "1");
    ck_assert_has(r.json, "\"status\": \"signaled\", \"exit_code\": null, \"signal\": "
                          "\"SIGXFSZ\"");
}
END_TEST

START_TEST(test_env_and_unsetenv) {
    setenv("HEAPLAB_CHECK_GONE", "1", 1);
    setenv("HEAPLAB_CHECK_KEPT", "kept", 1);
    struct run r =
        RUN_SH("echo \"$FOO|$SPACED|${HEAPLAB_CHECK_GONE-unset}|$HEAPLAB_CHECK_KEPT\"", "--env",
               "FOO=bar", "--env", "SPACED=a b=c", "--unsetenv", "HEAPLAB_CHECK_GONE");
    ck_assert_has(r.json, "\"output\": \"bar|a b=c|unset|kept\\n\"");
}
END_TEST

START_TEST(test_stdin_is_dev_null) {
    struct run r = RUN_SH("cat; readlink /proc/self/fd/0", "--timeout", "5");
    ck_assert_has(r.json, "\"status\": \"exited\", \"exit_code\": 0");
    ck_assert_has(r.json, "\"output\": \"/dev/null\\n\"");
    ck_assert_double_lt(r.seconds, 2.0);
}
END_TEST

START_TEST(test_inherited_descriptors_closed) {
    int fd = open("/dev/null", O_RDONLY);
    ck_assert_int_eq(dup2(fd, 42), 42);
    struct run r = RUN_SH("[ -e /proc/$$/fd/42 ] && echo open || echo closed");
    ck_assert_has(r.json, "\"output\": \"closed\\n\"");
}
END_TEST

START_TEST(test_ignored_signals_restored) {
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    /* Only the signals the runner can restore: glibc reserves 32 and 33 for itself, and a
       parent may leave those ignored. */
    struct run r = RUN_SH("awk '/^SigBlk/ {print $2}' "
                          "/proc/self/status; ign=$(awk '/^SigIgn/ {print $2}' /proc/self/status); "
                          "echo $(( 0x$ign & 0x7fffffff ))");
    ck_assert_has(r.json, "\"output\": \"0000000000000000\\n0\\n\"");
}
END_TEST

START_TEST(test_own_process_group) {
    struct run r = RUN_SH("set -- $(cat /proc/$$/stat); [ \"$5\" = $$ ] && echo leader");
    ck_assert_has(r.json, "\"output\": \"leader\\n\"");
}
END_TEST

START_TEST(test_fresh_work_dir_is_home_and_tmpdir_and_removed) {
    char script[PATH_MAX + 300];
    /* A link to a directory outside, which a walk that follows links would empty. */
    const char *target = scratch_path("outside");
    ck_assert_int_eq(mkdir(target, 0755), 0);
    fclose(fopen(scratch_path("outside/kept"), "w"));
    snprintf(script, sizeof script,
             "[ \"$HOME\" = \"$(pwd -P)\" ] && [ \"$TMPDIR\" = \"$HOME\" ] && echo same; "
             "mkdir -p a/b && touch a/b/c && chmod 0 a && ln -s %s link && pwd > %s",
             target, scratch_path("workdir"));
    struct run r = RUN_SH(script);
    ck_assert_has(r.json, "\"output\": \"same\\n\"");
    char *workdir = read_file(scratch_path("workdir"));
    ck_assert_ptr_nonnull(workdir);
    *strchr(workdir, '\n') = '\0';
    ck_assert_msg(strstr(workdir, "/heaplab-") != NULL, "work dir %s", workdir);
    ck_assert_msg(access(workdir, F_OK) != 0, "work dir %s still exists", workdir);
    ck_assert_int_eq(access(scratch_path("outside/kept"), F_OK), 0);
}
END_TEST

START_TEST(test_workdir_option_used_and_kept) {
    const char *dir = scratch_path("wd");
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    char expected[PATH_MAX + 64];
    snprintf(expected, sizeof expected, "\"output\": \"%s\\n%s\\n\"", dir, dir);
    struct run r = RUN_SH("pwd; echo $HOME; touch made", "--workdir", dir);
    ck_assert_has(r.json, expected);
    ck_assert_int_eq(access(scratch_path("wd/made"), F_OK), 0);
}
END_TEST

/* As root, the test's user is an id of its own, 0x70000000 plus the runner's pid (unboxed, the
   test's parent), in nobody's group alone, and owns the work dir. Not root, --user is ignored. */
START_TEST(test_user_option) {
    struct run r =
        RUN_SH("echo $(id -u) $(stat -c %u .) $PPID $(id -g); id -G", "--user", "nobody");
    unsigned uid, owner, parent, gid;
    char groups[32];
    const char *output = strstr(r.json, "\"output\": \"");
    ck_assert_ptr_nonnull(output);
    ck_assert_int_eq(sscanf(output, "\"output\": \"%u %u %u %u\\n%31[0-9 ]\\n", &uid, &owner,
                            &parent, &gid, groups),
                     5);
    ck_assert_uint_eq(owner, uid);
    if (geteuid() == 0) {
        ck_assert_uint_eq(uid, 0x70000000U + parent);
        ck_assert_uint_eq(gid, 65534);
        ck_assert_str_eq(groups, "65534");
    } else {
        ck_assert_uint_eq(uid, getuid());
    }
}
END_TEST

/* In the box, /etc/passwd names the test's own id as the --user, with the work dir as home, for
   programs that look the user up (git, perl). */
START_TEST(test_user_in_the_box) {
    if (geteuid() != 0) return; /* not root, --user is ignored */
    struct run r = RUN_SH("id -un; [ \"$(getent passwd $(id -u) | cut -d: -f6)\" = \"$HOME\" ] && "
                          "echo home; grep -c ^nobody: /etc/passwd",
                          "--box", "--user", "nobody");
    ck_assert_has(r.json, "\"output\": \"nobody\\nhome\\n1\\n\"");
}
END_TEST

/* The box shows the program at a path that names no test, a PID namespace where the test is
   PID 2 (after the box's init), a host of its own, no network device but loopback, and lists
   what the test leaves in a trap. */
START_TEST(test_box_option) {
    struct run r = RUN_SH("echo \"$0\" $$; uname -n; ls /home 2>/dev/null || echo no home; "
                          "sed -n 's/^ *\\([a-z0-9]*\\):.*/\\1/p' /proc/net/dev; "
                          "echo 1 > /results/results.json",
                          "--box", "--trap", "/results");
    ck_assert_has(r.json, "\"output\": \"/heaplab/test 2\\nheaplab\\nno home\\nlo\\n\"");
    ck_assert_has(r.json, "\"trapped\": [\"/results/results.json\"]");
    ck_assert_has(r.json, geteuid() == 0 ? "\"isolation\": \"namespaces\""
                                         : "\"isolation\": \"user-namespace\"");
}
END_TEST

/* ---- the runner's own exits ---------------------------------------------------------------- */

START_TEST(test_stop_signal_kills_test_without_result) {
    static const int signals[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        const char *info = scratch_path("info");
        unlink(info);
        char script[PATH_MAX * 2 + 100];
        snprintf(script, sizeof script, "{ echo $$; pwd; } > %s.part && mv %s.part %s; sleep 100",
                 info, info, info);
        pid_t runner = start_runner((const char *[]){"--out", scratch_path("result.json"), "--",
                                                     "/bin/sh", "-c", script, NULL});
        char *text = wait_for_file(info);
        pid_t leader = (pid_t)atoi(text);
        char workdir[PATH_MAX];
        ck_assert_int_eq(sscanf(text, "%*d %4095s", workdir), 1);
        kill(runner, signals[i]);
        ck_assert_int_eq(wait_runner(runner), 128 + signals[i]);
        ck_assert_ptr_null(read_file(scratch_path("result.json")));
        ck_assert_msg(!process_exists(leader), "test %d still exists", (int)leader);
        ck_assert_msg(access(workdir, F_OK) != 0, "work dir %s still exists", workdir);
    }
}
END_TEST

START_TEST(test_usage_errors) {
    static const char *const bad[][6] = {
        {NULL},
        {"--timeout", "0", "--", "true", NULL},
        {"--timeout", "soon", "--", "true", NULL},
        {"--max-output", "-1", "--", "true", NULL},
        {"--nofile", "12x", "--", "true", NULL},
        {"--env", "NOVALUE", "--", "true", NULL},
        {"--unsetenv", "A=B", "--", "true", NULL},
        {"--workdir", "/nonexistent/dir", "--", "true", NULL},
        {"--frobnicate", "--", "true", NULL},
        {"--out", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct run r = run_args(bad[i]);
        ck_assert_msg(r.exit_status == 2, "case %zu: exit status %d", i, r.exit_status);
        ck_assert_has(read_file(scratch_path("stderr")), "usage: runner [options] -- PROGRAM");
        ck_assert_str_eq(read_file(scratch_path("stdout")), "");
    }
}
END_TEST

/* --help prints every option (from the one table that getopt reads too) and exits 0. */
START_TEST(test_help_lists_every_option) {
    struct run r = run_args((const char *[]){"--help", NULL});
    ck_assert_int_eq(r.exit_status, 0);
    const char *out = read_file(scratch_path("stdout"));
    static const char *const options[] = {"--name NAME",        "--out FILE",  "--timeout SECONDS",
                                          "--max-output BYTES", "--memory MB", "--fsize MB",
                                          "--nofile N",         "--nproc N",   "--env NAME=VALUE",
                                          "--unsetenv NAME",    "--user NAME", "--workdir DIR"};
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) ck_assert_has(out, options[i]);
}
END_TEST

static Suite *runner_suite(void) {
    Suite *s = suite_create("runner");
    TCase *statuses = tcase_create("statuses");
    TCase *output = tcase_create("output");
    TCase *isolation = tcase_create("isolation");
    TCase *exits = tcase_create("exits");
    TCase *all[] = {statuses, output, isolation, exits};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        tcase_add_checked_fixture(all[i], make_scratch, remove_scratch);
        tcase_set_timeout(all[i], 30);
        suite_add_tcase(s, all[i]);
    }
    tcase_add_test(statuses, test_exit_code_recorded);
    tcase_add_test(statuses, test_keys_in_order_on_one_line);
    tcase_add_test(statuses, test_segfault_reported_as_signal);
    tcase_add_test(statuses, test_abort_reported_as_sigabrt);
    tcase_add_test(statuses, test_timeout_kills_the_group);
    tcase_add_test(statuses, test_timeout_names_what_still_runs);
    tcase_add_test(statuses, test_fractional_timeout_and_cpu_limit);
    tcase_add_test(statuses, test_background_child_does_not_keep_test_alive);
    tcase_add_test(statuses, test_escaped_process_killed_after_test);
    tcase_add_test(statuses, test_leader_that_closes_its_output_still_waited_for);
    tcase_add_test(statuses, test_missing_program_exec_failed);
    tcase_add_test(statuses, test_unexecutable_program_exec_failed);
    tcase_add_test(statuses, test_relative_program_found_from_runners_directory);

    tcase_add_test(output, test_output_limit_kills_and_truncates);
    tcase_add_test(output, test_output_over_the_limit_keeps_its_end);
    tcase_add_test(output, test_output_over_the_limit_on_one_line);
    tcase_add_test(output, test_output_at_the_limit_is_not_truncated);
    tcase_add_test(output, test_stdout_and_stderr_interleaved_in_order);
    tcase_add_test(output, test_invalid_utf8_and_control_bytes_escaped);
    tcase_add_test(output, test_notes_recorded_apart_from_output);
    tcase_add_test(output, test_result_on_stdout_by_default);
    tcase_add_test(output, test_out_file_replaced_whole);
    tcase_add_test(output, test_name_option);
    tcase_add_test(output, test_cpu_time_and_rss_recorded);
    tcase_add_test(output, test_cpu_limit_recorded);

    tcase_add_test(isolation, test_ulimits_as_documented);
    tcase_add_test(isolation, test_default_limits);
    tcase_add_test(isolation, test_limit_options);
    tcase_add_test(isolation, test_process_limit_enforced);
    tcase_add_test(isolation, test_memory_zero_leaves_address_space_alone);
    tcase_add_test(isolation, test_file_size_limit_enforced);
    tcase_add_test(isolation, test_env_and_unsetenv);
    tcase_add_test(isolation, test_stdin_is_dev_null);
    tcase_add_test(isolation, test_inherited_descriptors_closed);
    tcase_add_test(isolation, test_ignored_signals_restored);
    tcase_add_test(isolation, test_own_process_group);
    tcase_add_test(isolation, test_fresh_work_dir_is_home_and_tmpdir_and_removed);
    tcase_add_test(isolation, test_workdir_option_used_and_kept);
    tcase_add_test(isolation, test_user_option);
    tcase_add_test(isolation, test_user_in_the_box);
    tcase_add_test(isolation, test_box_option);

    tcase_add_test(exits, test_stop_signal_kills_test_without_result);
    tcase_add_test(exits, test_usage_errors);
    tcase_add_test(exits, test_help_lists_every_option);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(runner_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
