# heaplab - build the allocator slot two ways, the harness and the test programs; grade.
#
#   make test                 grade alloc/alloc.c        make test ALLOC=path/to/alloc.c
#   make test T=12            one test (T=3,7-9 several) make check   the project's own tests
#   make test BUDGET=600      the whole run's time budget in seconds (default 300)
#   make gdb T=12             make valgrind T=12         make deps    install what is missing
#   make test RUBRIC=malloc   which tests count (auto, malloc, dmalloc, full, or a .toml)
#   make test PERF=0          without the performance category (make perf grades it alone)
#   make test DETERMINISTIC=1 its throughput as instruction counts: the same score every run
#   make test FORMAT=autolab,prairielearn                 make autograder-zip RUBRIC=malloc
#
# Everything is built out of tree under build/. The slot is compiled once as a static library
# (linked into each test program, its malloc replacing libc's) and once as a shared object
# for LD_PRELOAD, with the same flags apart from -fPIC.

BUILD   := build
ALLOC   ?= alloc/alloc.c
J       ?= $(shell nproc 2>/dev/null || echo 1)
PYTHON  := /usr/bin/python3
PYTEST  := $(PYTHON) -m pytest
empty   :=
space   := $(empty) $(empty)

# Each allocator gets its own slot directory, so grading another file never reuses objects
# built from a different one.
ifeq ($(abspath $(ALLOC)),$(abspath alloc/alloc.c))
SLOT    ?= $(BUILD)/slot
else
SLOT    ?= $(BUILD)/slots/$(subst /,_,$(abspath $(ALLOC)))
endif

# The debugging layer beside the slot's file joins the slot: a dmalloc.c (or .cc, .cpp) in the
# same folder, as alloc/dmalloc.c, the reference's, sits beside alloc/alloc.c. Its object goes
# into liballoc.a and alloc.so unless the slot's file is itself a layer (ALLOC=dmalloc.cc) or
# defines dmalloc_malloc (a student's alloc.c with everything). A course grading allocators
# alone deletes alloc/dmalloc.c, or grades from a folder without one.
DMALLOC := $(if $(filter dmalloc.%,$(notdir $(ALLOC))),,$(firstword $(wildcard $(addprefix $(dir $(ALLOC))dmalloc.,c cc cpp))))

# The project's own C: strict.
CFLAGS_STRICT := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -g
# The slot: a student's file is graded, not linted, so warnings do not stop the build. As
# allocators build themselves, the compiler may not treat malloc and its kin as the C library's:
# gcc would otherwise turn a calloc written as malloc plus memset into a call to calloc itself.
NO_BUILTIN_ALLOC := -fno-builtin-malloc -fno-builtin-calloc -fno-builtin-realloc -fno-builtin-free
SLOT_CFLAGS   := -std=gnu11 -O2 -g -pthread -Wall -Ialloc -Ialloc/handout $(NO_BUILTIN_ALLOC)
SLOT_CXXFLAGS := -std=gnu++17 -O2 -g -pthread -Wall -Ialloc -Ialloc/handout $(NO_BUILTIN_ALLOC)
# Test programs: the compiler must not elide or merge the allocation calls they make. The
# headers CS61's handouts include (dmalloc.hh, m61.hh, m61.h) are alloc/handout/'s, which serve
# alloc/dmalloc.h; the paths are absolute because a handout's test compiles elsewhere (below).
TEST_INCLUDES := $(addprefix -I$(CURDIR)/,harness alloc alloc/handout)
TEST_CFLAGS   := -std=gnu11 -O1 -g -pthread -Wall $(TEST_INCLUDES) $(NO_BUILTIN_ALLOC)
TEST_CXXFLAGS := -std=gnu++17 -O1 -g -pthread -Wall $(TEST_INCLUDES) $(NO_BUILTIN_ALLOC)
# --wrap=main: the C library's startup calls the runtime's __wrap_main, which notes that main
# started (a program that ends without that note never ran its test) and then calls main.
TEST_LDLIBS   := -Wl,--wrap=main -pthread -ldl -lm

# TESTCASES is heaplab's suite or a course's folder of tests, which then replaces it: numbered
# NNN-what.c, or testNNN.c and testNNN.cc as CS61's handouts name them (C++ tests are compiled and
# linked with $(CXX)). A course folder builds into a folder of its own name, so that its testNNN
# never meets another folder's.
TESTCASES     ?= testcases
TEST_DIR      := $(patsubst %/,%,$(TESTCASES))
TEST_SUB      := $(if $(filter testcases,$(notdir $(TEST_DIR))),,/$(notdir $(TEST_DIR)))
TEST_BUILD    := $(BUILD)/tests$(TEST_SUB)
SLOT_TESTS    := $(SLOT)/tests$(TEST_SUB)
TEST_SOURCES  := $(sort $(wildcard $(TEST_DIR)/[0-9][0-9][0-9]-*.c $(TEST_DIR)/test[0-9][0-9][0-9].c \
                                   $(TEST_DIR)/test[0-9][0-9][0-9].cc))
TEST_NAMES    := $(basename $(notdir $(TEST_SOURCES)))
CXX_NAMES     := $(basename $(notdir $(filter %.cc,$(TEST_SOURCES))))
# Only a test whose `//@ mode:` names preload has a preload build: the others may call what only
# the slot defines (dmalloc_*, alloc_check_heap), and link against it alone. The grader's parser
# says which, as it reads them (a folder's heaplab.toml included).
PRELOAD_NAMES := $(shell $(PYTHON) -m grader.testcase preload-tests $(TEST_DIR))
PRELOAD_TESTS := $(PRELOAD_NAMES:%=$(TEST_BUILD)/%)
STATIC_TESTS  := $(TEST_NAMES:%=$(SLOT_TESTS)/%)

HARNESS := $(BUILD)/harness/runner $(BUILD)/harness/test_runtime.o $(BUILD)/harness/base_allocator.o \
           $(BUILD)/harness/libbase_allocator.pic.a $(BUILD)/harness/tracker.so $(BUILD)/harness/tracker_linked.o \
           $(BUILD)/harness/tracker_dmalloc_linked.o

# TRACKER=0 grades without the tracker (docs/tracker.md), to measure what it costs: the preload
# runs leave it out, and the static test programs are linked without it.
TRACKER ?= 1
TRACKED := $(if $(filter 0,$(TRACKER)),,1)

.PHONY: all test grade-all shared-tests check units deps deps-check alloc-exists harness slot tests tools gdb valgrind \
        clean format lint image ubsan autograder-zip
.DELETE_ON_ERROR:
# Test objects are intermediate files, but rebuilding them on every run wastes minutes.
.SECONDARY:

all: harness slot tests tools

# ---- dependencies ----------------------------------------------------------------------------
# Grading needs pytest, matplotlib (the performance report's plots) and the programs the
# real-program tests run; the project's own tests also need Check, clang, valgrind and bubblewrap
# (a root of its own for the image's entry point, grader/tests/test_formats.py). `deps`
# installs what is missing when it may (root), and otherwise prints the one apt-get line to run.
TEST_PACKAGES   := python3-pytest python3-pytest-xdist python3-matplotlib binutils git perl sqlite3
CHECK_PACKAGES  := check pkg-config libsubunit-dev clang clang-format valgrind bubblewrap
BENCH_PACKAGES  := libjemalloc2 libmimalloc2.0 libtcmalloc-minimal4
# make perf's report plots with matplotlib; its deterministic mode counts with valgrind.
PERF_PACKAGES   := python3-matplotlib $(if $(DETERMINISTIC),valgrind)
DEBIAN_PACKAGES ?= $(TEST_PACKAGES) $(CHECK_PACKAGES) $(BENCH_PACKAGES)
MISSING = $$(for p in $(DEBIAN_PACKAGES); do \
            dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done)

deps-check:
	@missing="$(MISSING)"; if [ -n "$$missing" ]; then \
	  $(MAKE) --no-print-directory deps DEBIAN_PACKAGES="$(DEBIAN_PACKAGES)"; fi

# Grading needs only what grading runs: the image, for one, has no Check or clang.
test grade-all gdb valgrind: DEBIAN_PACKAGES := $(TEST_PACKAGES) $(if $(DETERMINISTIC),valgrind)

deps:
	@missing="$(MISSING)"; missing=$$(echo $$missing); \
	if [ -z "$$missing" ]; then echo "deps: all installed"; exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	  echo "deps: missing Debian packages $$missing; install them with:" >&2; \
	  echo "  sudo apt-get update && sudo apt-get install -y $$missing" >&2; exit 1; fi; \
	echo "deps: installing $$missing"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null

# ---- the harness -----------------------------------------------------------------------------
harness: $(HARNESS)

$(BUILD)/harness/runner: harness/runner.c | $(BUILD)/harness
	$(CC) $(CFLAGS_STRICT) -o $@ $<

$(BUILD)/harness/test_runtime.o: harness/test_runtime.c harness/test_runtime.h alloc/alloc.h | $(BUILD)/harness
	$(CC) $(CFLAGS_STRICT) -pthread -c -o $@ $<

# CS61's base_malloc/base_free (alloc/dmalloc.h), for debugging layers built on another allocator.
$(BUILD)/harness/base_allocator.o: harness/base_allocator.c alloc/dmalloc.h | $(BUILD)/harness
	$(CC) $(CFLAGS_STRICT) -pthread -c -o $@ $<

# The same in alloc.so, whose layer calls base_malloc: a program run under LD_PRELOAD defines
# none. An archive, so that only a slot that calls base_malloc and defines none takes it.
$(BUILD)/harness/libbase_allocator.pic.a: harness/base_allocator.c alloc/dmalloc.h | $(BUILD)/harness
	$(CC) $(CFLAGS_STRICT) -pthread -fPIC -c -o $(@:.a=.o) $<
	@rm -f $@ && ar rcs $@ $(@:.a=.o)

# The tracker: preloaded ahead of an allocator, it checks and records every call (docs/tracker.md).
TRACKER_SOURCES := harness/tracker.c harness/tracker_table.c harness/tracker_record.c
TRACKER_HEADERS := harness/tracker.h harness/tracker_table.h harness/tracker_record.h harness/tracker_dmalloc.h
# Its watch on a debugging layer's interface (dmalloc_malloc and the rest): in tracker.so, and
# for the static build an object of its own, which a program links only when it calls the layer.
TRACKER_DMALLOC := harness/tracker_dmalloc.c
$(BUILD)/harness/tracker.so: $(TRACKER_SOURCES) $(TRACKER_DMALLOC) $(TRACKER_HEADERS) alloc/dmalloc.h | $(BUILD)/harness
	$(CC) $(CFLAGS_STRICT) -pthread -fPIC -shared -o $@ $(TRACKER_SOURCES) $(TRACKER_DMALLOC) -ldl

# The same, for the static build: one object linked into each test program ahead of a copy of
# the slot whose allocation functions and system calls are renamed __heaplab_slot_NAME.
$(BUILD)/harness/tracker_linked.o: $(TRACKER_SOURCES) $(TRACKER_HEADERS) | $(BUILD)/harness
	$(CC) $(CFLAGS_STRICT) -pthread -DHEAPLAB_TRACKER_LINKED -r -o $@ $(TRACKER_SOURCES)

$(BUILD)/harness/tracker_dmalloc_linked.o: $(TRACKER_DMALLOC) $(TRACKER_HEADERS) alloc/dmalloc.h | $(BUILD)/harness
	$(CC) $(CFLAGS_STRICT) -pthread -DHEAPLAB_TRACKER_LINKED -c -o $@ $(TRACKER_DMALLOC)

# ---- the tools -------------------------------------------------------------------------------
# mreplace, mstats and leakcheck (README): a program on the slot's allocator, its allocation
# statistics beside libc's, its leaks. They find the tracker and the slot from their own path.
TOOLS        := $(BUILD)/bin/mreplace $(BUILD)/bin/mstats $(BUILD)/bin/leakcheck
TOOL_SOURCES := harness/tools/launch.c harness/tools/records.c harness/tools/symbolize.c
TOOL_HEADERS := $(TOOL_SOURCES:.c=.h)
tools: $(TOOLS) $(BUILD)/harness/tracker.so

$(BUILD)/bin/%: harness/tools/%.c $(TOOL_SOURCES) $(TOOL_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_STRICT) -Iharness/tools -o $@ $< $(TOOL_SOURCES)

# ---- the slot --------------------------------------------------------------------------------
# A slot that does not compile is graded, not crashed on: the compiler's messages go to
# $(SLOT)/compile.log, which the grader puts at the top of the report. The plain object's
# messages first (alloc.log); when the shared object alone fails (a file that compiles only
# without -fPIC, a relocation the linker refuses in a shared object), the messages of its
# compile or link follow. The shared object is built after the plain object, so the two never
# write compile.log at once.
slot: $(SLOT)/liballoc.a $(SLOT)/alloc.so

COMPILE_FOR   = $(if $(filter %.cc %.cpp,$(1)),$(CXX) $(SLOT_CXXFLAGS),$(CC) $(SLOT_CFLAGS))
SLOT_COMPILE  = $(call COMPILE_FOR,$(ALLOC))
SLOT_LINK     = $(call COMPILE_FOR,$(ALLOC) $(DMALLOC))
SLOT_SOURCES := $(ALLOC) $(DMALLOC)
SLOT_HEADERS := $(wildcard alloc/*.h alloc/handout/*)
SLOT_LOGS     = for log in $(SLOT)/alloc.log $(DMALLOC:%=$(SLOT)/dmalloc.log); do test ! -f $$log || cat $$log; done
SHARED_FAILED = { { $(SLOT_LOGS); echo "building alloc.so (-fPIC, for LD_PRELOAD):"; cat $(SLOT)/shared.log; } \
                  >$(SLOT)/compile.log; cat $(SLOT)/shared.log >&2; exit 1; }
# The objects of the slot from its file's object $(1) and the layer's $(2): the layer's when
# there is one and the file does not define the layer itself.
SLOT_OBJECTS  = $(1) $(if $(DMALLOC),$$(nm -g --defined-only $(1) | grep -q ' dmalloc_malloc$$' || echo $(2)))

# Which files make the slot: a layer deleted or added since the last build relinks it.
$(SLOT)/sources: FORCE | $(SLOT)/tests
	@echo '$(SLOT_SOURCES)' | cmp -s - $@ || echo '$(SLOT_SOURCES)' >$@
.PHONY: FORCE

$(SLOT)/alloc.o: $(ALLOC) $(SLOT_HEADERS) | $(SLOT)/tests
	@$(SLOT_COMPILE) -MMD -MP -c -o $@ $< 2>$(SLOT)/alloc.log; status=$$?; \
	  cp $(SLOT)/alloc.log $(SLOT)/compile.log; cat $(SLOT)/alloc.log >&2; exit $$status

$(SLOT)/alloc.pic.o: $(ALLOC) $(SLOT_HEADERS) | $(SLOT)/tests $(SLOT)/alloc.o $(DMALLOC:%=$(SLOT)/dmalloc.o)
	@$(SLOT_COMPILE) -MMD -MP -fPIC -c -o $@ $< 2>$(SLOT)/shared.log || $(SHARED_FAILED)

# The layer compiles after the slot's file, so that its messages follow the file's in
# compile.log, and its shared object after the file's, which shares shared.log.
$(SLOT)/dmalloc.o: $(DMALLOC) $(SLOT_HEADERS) | $(SLOT)/tests $(SLOT)/alloc.o
	@$(call COMPILE_FOR,$(DMALLOC)) -MMD -MP -c -o $@ $< 2>$(SLOT)/dmalloc.log; status=$$?; \
	  $(SLOT_LOGS) >$(SLOT)/compile.log; cat $(SLOT)/dmalloc.log >&2; exit $$status

$(SLOT)/dmalloc.pic.o: $(DMALLOC) $(SLOT_HEADERS) | $(SLOT)/tests $(SLOT)/alloc.pic.o
	@$(call COMPILE_FOR,$(DMALLOC)) -MMD -MP -fPIC -c -o $@ $< 2>$(SLOT)/shared.log || $(SHARED_FAILED)

# What the slot's files include (a zoo member includes the reference) rebuilds them when changed.
-include $(SLOT)/alloc.d $(SLOT)/alloc.pic.d $(if $(DMALLOC),$(SLOT)/dmalloc.d $(SLOT)/dmalloc.pic.d)

$(SLOT)/liballoc.a: $(SLOT)/alloc.o $(DMALLOC:%=$(SLOT)/dmalloc.o) $(SLOT)/sources
	@rm -f $@ && ar rcs $@ $(call SLOT_OBJECTS,$(SLOT)/alloc.o,$(SLOT)/dmalloc.o)

# The slot as the static build links it under the tracker: each object that defines one of the
# allocation functions is copied with them, and the system calls it makes, renamed
# __heaplab_slot_NAME (its own calls among them go straight to each other); the tracker's
# malloc is then the program's, as the slot's was, and forwards to the slot's. Objects that
# define none (a debugging layer calling malloc) call the tracker's. Each object that defines
# one of the debugging layer's functions the tracker watches has those renamed alike (and those
# alone: the layer's calls to malloc still reach the tracker's).
SLOT_RENAMED := malloc free calloc realloc posix_memalign aligned_alloc memalign valloc pvalloc malloc_usable_size
SLOT_SYSCALLS := sbrk brk mmap mmap64 munmap mremap
DMALLOC_RENAMED := dmalloc_malloc dmalloc_free dmalloc_calloc dmalloc_realloc dmalloc_get_statistics \
                   dmalloc_print_statistics
RENAMING = @for f in $(1); do echo "$$f __heaplab_slot_$$f"; done >$@
$(SLOT)/renamed.syms: | $(SLOT)/tests
	$(call RENAMING,$(SLOT_RENAMED) $(SLOT_SYSCALLS))

$(SLOT)/dmalloc-renamed.syms: | $(SLOT)/tests
	$(call RENAMING,$(DMALLOC_RENAMED))

DEFINES_ANY = nm -g --defined-only $$o | grep -qE ' ($(subst $(space),|,$(strip $(1))))$$'
$(SLOT)/liballoc.tracked.a: $(SLOT)/liballoc.a $(SLOT)/renamed.syms $(SLOT)/dmalloc-renamed.syms
	@rm -rf $@ $(SLOT)/tracked && mkdir -p $(SLOT)/tracked && cd $(SLOT)/tracked && ar x $(abspath $<) && \
	  for o in *.o; do \
	    if $(call DEFINES_ANY,$(SLOT_RENAMED)); then \
	      objcopy --redefine-syms=$(abspath $(SLOT)/renamed.syms) $$o; fi; \
	    if $(call DEFINES_ANY,$(DMALLOC_RENAMED)); then \
	      objcopy --redefine-syms=$(abspath $(SLOT)/dmalloc-renamed.syms) $$o; fi; done && \
	  ar rcs $(abspath $@) *.o

# The tracker's watch on the layer, for this slot: the functions the slot does not define are
# made local (a test calling one fails to link, as without the tracker) and their references to
# the slot weak. An archive, so that a program calling none of the layer's functions links
# neither it nor, through its references, the layer.
$(SLOT)/libtracker_dmalloc.a: $(BUILD)/harness/tracker_dmalloc_linked.o $(SLOT)/liballoc.a
	@defined=$$(nm -g --defined-only $(SLOT)/liballoc.a | awk '{print $$3}'); options=; \
	  for f in $(DMALLOC_RENAMED); do echo "$$defined" | grep -qx $$f || \
	    options="$$options --localize-symbol=$$f --weaken-symbol=__heaplab_slot_$$f"; done; \
	  objcopy $$options $< $(@:.a=.o) && rm -f $@ && ar rcs $@ $(@:.a=.o)

$(SLOT)/alloc.so: $(SLOT)/alloc.pic.o $(DMALLOC:%=$(SLOT)/dmalloc.pic.o) $(SLOT)/sources \
                  $(BUILD)/harness/libbase_allocator.pic.a
	@$(SLOT_LINK) -shared -o $@ $(call SLOT_OBJECTS,$(SLOT)/alloc.pic.o,$(SLOT)/dmalloc.pic.o) \
	  $(BUILD)/harness/libbase_allocator.pic.a -ldl 2>$(SLOT)/shared.log || $(SHARED_FAILED)
	@cat $(SLOT)/shared.log >&2

# ---- test programs ---------------------------------------------------------------------------
# Each test is compiled once; the preload build links with libc's allocator and runs under
# LD_PRELOAD, the static build links the slot's liballoc.a. A test that fails to compile
# leaves its messages in a .log beside it and costs that test alone (make -k).
tests: $(PRELOAD_TESTS) $(STATIC_TESTS)

TEST_HEADERS := harness/test_runtime.h $(wildcard alloc/*.h alloc/handout/*)
TEST_LINK    := $(CC)
$(CXX_NAMES:%=$(TEST_BUILD)/%) $(CXX_NAMES:%=$(SLOT_TESTS)/%): TEST_LINK := $(CXX)

$(TEST_BUILD)/%.o: $(TEST_DIR)/%.c $(TEST_HEADERS) | $(TEST_BUILD)
	@$(CC) $(TEST_CFLAGS) -c -o $@ $< 2>$(TEST_BUILD)/$*.log || { cat $(TEST_BUILD)/$*.log >&2; exit 1; }

# A handout's test compiles from a copy alone in a folder, by its own name: __FILE__ is
# `test001.cc` as in the handout, and the handout header names resolve to alloc/handout/ even
# when the handout's own header was copied beside the test. Other headers beside it are found.
HANDOUT_COMPILE = mkdir -p $(@D)/src && cp $< $(@D)/src/ && cd $(@D)/src && \
  $(1) -I$(abspath $(<D)) -c -o $(abspath $@) $(<F) 2>$(abspath $(@:.o=.log)) || { cat $(abspath $(@:.o=.log)) >&2; exit 1; }

$(TEST_BUILD)/test%.o: $(TEST_DIR)/test%.c $(TEST_HEADERS) | $(TEST_BUILD)
	@$(call HANDOUT_COMPILE,$(CC) $(TEST_CFLAGS))

$(TEST_BUILD)/test%.o: $(TEST_DIR)/test%.cc $(TEST_HEADERS) | $(TEST_BUILD)
	@$(call HANDOUT_COMPILE,$(CXX) $(TEST_CXXFLAGS))

$(TEST_BUILD)/%: $(TEST_BUILD)/%.o $(BUILD)/harness/test_runtime.o $(BUILD)/harness/base_allocator.o
	@$(TEST_LINK) -o $@ $^ $(TEST_LDLIBS)

# Under the tracker (TRACKER=1, the default), the tracker's object and the renamed slot; the -u
# options pull the slot's objects out of the archive, which the tracker names by weak references
# alone (a slot need not define all ten functions).
SLOT_PULLED  = $$(nm -g --defined-only $(SLOT)/liballoc.tracked.a | \
                 sed -n '/__heaplab_slot_dmalloc_/d; s/.* T \(__heaplab_slot_.*\)/-Wl,-u,\1/p')
STATIC_SLOT  = $(if $(TRACKED),$(BUILD)/harness/tracker_linked.o $(SLOT)/libtracker_dmalloc.a \
                 $(SLOT)/liballoc.tracked.a $(SLOT_PULLED),$(SLOT)/liballoc.a)

# Which way the static programs were linked: switching TRACKER relinks them.
$(SLOT)/tracked-link: FORCE | $(SLOT)/tests
	@echo '$(TRACKED)' | cmp -s - $@ || echo '$(TRACKED)' >$@

$(SLOT_TESTS)/%: $(TEST_BUILD)/%.o $(BUILD)/harness/test_runtime.o $(BUILD)/harness/base_allocator.o \
                 $(SLOT)/liballoc.a $(SLOT)/tracked-link \
                 $(if $(TRACKED),$(BUILD)/harness/tracker_linked.o $(SLOT)/libtracker_dmalloc.a \
                   $(SLOT)/liballoc.tracked.a)
	@$(if $(filter %.cc %.cpp,$(SLOT_SOURCES)),$(CXX),$(TEST_LINK)) -o $@ $(wordlist 1,3,$^) $(STATIC_SLOT) \
	  $(TEST_LDLIBS) 2>$@.log || { cat $@.log >&2; exit 1; }

$(sort $(BUILD)/harness $(BUILD)/tests $(TEST_BUILD) $(SLOT)/tests $(SLOT_TESTS)):
	@mkdir -p $@

# ---- grading ---------------------------------------------------------------------------------
# The run's time budget (BUDGET=seconds, 0 for none; the grader's default otherwise) counts from
# the start of the test recipe, build included: make expands a recipe whole before running it.
GRADER_ARGS = -p grader.plugin --rootdir=. -q --slot=$(SLOT) --build=$(BUILD) --alloc='$(ALLOC)' \
              --junitxml=$(SLOT)/results/junit.xml --budget-from=$(shell date +%s) $(if $(BUDGET),--budget=$(BUDGET)) \
              $(if $(T),--tests=$(T)) $(if $(ALIGN),--align=$(ALIGN)) $(if $(filter-out 1,$(J)),-n $(J) --dist loadgroup) \
              $(if $(RUBRIC),--rubric='$(RUBRIC)') $(if $(FORMAT),--format='$(FORMAT)') \
              $(if $(filter 0,$(PERF)),--no-performance) $(if $(DETERMINISTIC),--deterministic) \
              --tracker=$(if $(TRACKED),on,off)
# Autolab reads the score from the output's last line: a test that lost must not make make add
# its error line after it (pytest's status 1; a usage error, 4, still fails).
AUTOLAB_STATUS = $(if $(findstring autolab,$(FORMAT)), || [ $$? = 1 ])

# The slot and the test programs are built with -k: what fails to build costs its own tests,
# which the grader reports as not-built with the compiler's first error. So are the performance
# category's trace drivers and generated traces (below), unless PERF=0.
test: deps-check alloc-exists
	@$(MAKE) --no-print-directory harness
	@$(MAKE) --no-print-directory -k -j$(J) slot tests $(if $(filter 0,$(PERF)),,perf-programs) 2>$(SLOT)/build.log || true
	@$(PYTEST) $(GRADER_ARGS) $(TESTCASES) $(AUTOLAB_STATUS)

# A class in one command (grader/batch.py, docs/batch.md): every submission in SUBMISSIONS, J at
# once, into a gradebook under OUT (default build/class/<folder name>). These variables, when
# given, reach each submission's `make test`.
BATCH_VARS := T ALIGN TESTCASES RUBRIC BUDGET BUILD PERF DETERMINISTIC
grade-all: deps-check
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade-all SUBMISSIONS=DIR [OUT=DIR] [J=N]" >&2; exit 2; }
	@$(PYTHON) -m grader.batch '$(SUBMISSIONS)' --jobs $(J) $(if $(OUT),--out '$(OUT)') \
	  $(foreach v,$(BATCH_VARS),$(if $(filter command line environment,$(origin $(v))),'$(v)=$($(v))'))

# What every slot's test programs share: the batch builds it once, before grading several slots
# at once, so that their `make test` runs find it up to date rather than race to build it.
shared-tests: harness $(PRELOAD_TESTS) $(TEST_NAMES:%=$(TEST_BUILD)/%.o)

alloc-exists:
	@test -f "$(ALLOC)" || { echo "ALLOC=$(ALLOC): no such file; give the path of an allocator source (.c or .cc)" >&2; exit 2; }
	@mkdir -p $(SLOT_TESTS)

# One test under a debugger, in its own mode (the static build when it has one), from a fresh
# directory as under the grader, with the alignment the grading asked for (ALIGN=).
# Without the tracker: a breakpoint on malloc stops in the slot's, as the student expects.
gdb valgrind: TRACKER := 0
gdb valgrind: deps-check alloc-exists
	@test -n "$(T)" || { echo "usage: make $@ T=NUMBER" >&2; exit 2; }
	@$(MAKE) --no-print-directory harness
	@$(MAKE) --no-print-directory -k -j$(J) slot tests TRACKER=$(TRACKER) 2>$(SLOT)/build.log || true
	@cmd=$$($(PYTHON) -m grader.testcase $@ $(TESTCASES) '$(T)' $(SLOT) $(BUILD)) || exit 2; \
	  cd "$$(mktemp -d)" && echo "$(if $(ALIGN),HEAPLAB_ALIGN=$(ALIGN) )$$cmd" && \
	  $(if $(ALIGN),export HEAPLAB_ALIGN=$(ALIGN) &&) eval "exec $$cmd"

# ---- benchmarks ------------------------------------------------------------------------------
# The workloads of harness/bench/workloads.c under the slot's alloc.so, glibc, jemalloc,
# mimalloc and tcmalloc, interleaved, REPS repetitions (default 3); B=larson,frag picks some.
# One table: median time and peak RSS per allocator, ratios to glibc. Then bench-dmalloc, the
# debugging layer's benchmarks, when the slot defines the dmalloc interface.
.PHONY: bench
bench: DEBIAN_PACKAGES := $(TEST_PACKAGES) $(BENCH_PACKAGES)
bench: deps-check alloc-exists
	@$(MAKE) --no-print-directory $(SLOT)/alloc.so $(BUILD)/bench/workloads
	@$(PYTHON) harness/bench/run_bench.py $(SLOT)/alloc.so $(BUILD)/bench/workloads \
	  $(if $(REPS),--reps $(REPS)) $(if $(B),--only $(B))
	@if nm -D --defined-only $(SLOT)/alloc.so | grep -q ' dmalloc_malloc$$'; then \
	  $(MAKE) --no-print-directory bench-dmalloc; \
	else echo "bench: the slot defines no dmalloc_*: bench-dmalloc skipped"; fi

$(BUILD)/bench/workloads: harness/bench/workloads.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_STRICT) -pthread -fno-builtin-malloc -fno-builtin-free -fno-builtin-realloc \
	  -o $@ $<

# ---- the public benchmarks ---------------------------------------------------------------------
# mimalloc-bench's programs, built outside the repository (README.md, Benchmarks), under the same
# allocators: MB names the build directory. Outside `make check`: it takes about 15 minutes.
.PHONY: bench-public
bench-public: DEBIAN_PACKAGES := $(TEST_PACKAGES) $(BENCH_PACKAGES) time
bench-public: deps-check alloc-exists
	@$(MAKE) --no-print-directory $(SLOT)/alloc.so
	@$(PYTHON) harness/bench/public_suite.py $(SLOT)/alloc.so "$(MB)" \
	  $(if $(REPS),--reps $(REPS)) $(if $(B),--only $(B))

# ---- benchmarks of the debugging layer -------------------------------------------------------
# The dmalloc_* functions of the slot on many sites (500,000 blocks from 40,000 sites, freed in
# random order) and on the heavy-hitter report (1,000,000 allocations over 40 sites), each timed
# next to the same work done with the slot's plain malloc and free.
DMALLOC_BENCH := dmalloc_sites dmalloc_heavy
.PHONY: bench-dmalloc

$(SLOT)/bench/dmalloc_%: harness/bench/dmalloc_%.c harness/bench/timing.h alloc/dmalloc.h $(SLOT)/liballoc.a \
                         $(BUILD)/harness/base_allocator.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_STRICT) -pthread -Ialloc -o $@ $< $(SLOT)/liballoc.a $(BUILD)/harness/base_allocator.o

bench-dmalloc: alloc-exists
	@$(MAKE) --no-print-directory slot $(DMALLOC_BENCH:%=$(SLOT)/bench/%)
	@for b in $(DMALLOC_BENCH); do $(SLOT)/bench/$$b || exit 1; done

# ---- performance: malloc-lab traces -----------------------------------------------------------
# harness/trace_driver.c replays traces twice: linked with the slot's liballoc.a, whose sbrk, brk,
# mmap, munmap and mremap calls it wraps to learn the memory the slot obtained, and on libc's
# allocator, the yardstick. The synthetic traces are generated from TRACE_SEED into
# $(BUILD)/traces/; the recorded ones are committed in testcases/traces/. `make perf` grades the
# slot on them (DETERMINISTIC=1: instruction counts under callgrind instead of times).
TRACE_SEED    ?= 1
TRACE_WRAP    := -Wl,--wrap=sbrk,--wrap=brk,--wrap=mmap,--wrap=mmap64,--wrap=munmap,--wrap=mremap
PERF_PROGRAMS  = $(SLOT)/perf/trace_driver $(BUILD)/harness/trace_driver_libc $(BUILD)/traces/.seed-$(TRACE_SEED)
.PHONY: perf perf-programs record-trace

perf-programs: $(PERF_PROGRAMS)
# What every slot's drivers share, for the batch (shared-tests above).
shared-tests: $(BUILD)/harness/trace_driver_libc $(BUILD)/traces/.seed-$(TRACE_SEED)

$(BUILD)/harness/trace_driver_libc: harness/trace_driver.c | $(BUILD)/harness
	$(CC) $(CFLAGS_STRICT) $(NO_BUILTIN_ALLOC) -o $@ $<

$(SLOT)/perf/trace_driver.o: harness/trace_driver.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_STRICT) $(NO_BUILTIN_ALLOC) -DHL_SLOT -c -o $@ $<

$(SLOT)/perf/trace_driver: $(SLOT)/perf/trace_driver.o $(SLOT)/liballoc.a
	@$(if $(filter %.cc %.cpp,$(SLOT_SOURCES)),$(CXX),$(CC)) -o $@ $^ -pthread -ldl $(TRACE_WRAP) 2>$@.log \
	  || { cat $@.log >&2; exit 1; }

$(BUILD)/traces/.seed-$(TRACE_SEED): grader/trace_gen.py
	@$(PYTHON) -m grader.trace_gen $(BUILD)/traces --seed $(TRACE_SEED) >/dev/null && touch $@

perf: DEBIAN_PACKAGES := $(TEST_PACKAGES) $(PERF_PACKAGES)
perf: deps-check alloc-exists
	@$(MAKE) --no-print-directory harness
	@$(MAKE) --no-print-directory -j$(J) slot perf-programs
	@$(PYTHON) -m grader.performance --slot $(SLOT) --build $(BUILD) $(if $(DETERMINISTIC),--deterministic) \
	  $(if $(ALIGN),--align $(ALIGN)) --report $(SLOT)/results/performance

# Recording a program's requests as a trace: its malloc family is logged by an LD_PRELOAD
# interposer, and the busiest process's log becomes OUT (MAX_OPS keeps the first requests).
#   make record-trace CMD='sort /usr/share/dict/words' OUT=testcases/traces/sort.rep MAX_OPS=20000
$(BUILD)/bin/trace_recorder.so: harness/trace_recorder.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_STRICT) -fPIC -shared -o $@ $< -ldl

record-trace: $(BUILD)/bin/trace_recorder.so
	@test -n "$(CMD)" -a -n "$(OUT)" || { echo "usage: make record-trace CMD='program args' OUT=file.rep [MAX_OPS=N]" >&2; exit 2; }
	@$(PYTHON) -m grader.trace_record --recorder $< --out $(OUT) $(if $(MAX_OPS),--max-ops $(MAX_OPS)) -- sh -c '$(CMD)'

# ---- the project's own tests -----------------------------------------------------------------
# Check unit tests for the runner and the test runtime, built twice: plain, and with the
# address and undefined-behaviour sanitizers (the runner they drive is sanitized too).
CHECK_LIBS  = $$(pkg-config --cflags --libs check)
SANITIZE    := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
UNITS       := check_runner check_test_runtime check_base_allocator check_tracker

$(BUILD)/harness/check_%: harness/tests/check_%.c $(BUILD)/harness/test_runtime.o | $(BUILD)/harness
	$(CC) $(CFLAGS_STRICT) -pthread -Iharness -o $@ $^ $(CHECK_LIBS) -Wl,--wrap=main
$(BUILD)/harness/check_base_allocator: $(BUILD)/harness/base_allocator.o
$(BUILD)/sanitize/check_base_allocator: harness/base_allocator.c alloc/dmalloc.h
# The tracker's tables and records; the interposer itself cannot run under ASan (it replaces
# malloc), so grader/tests/test_tools.py tests it.
$(BUILD)/harness/check_tracker $(BUILD)/sanitize/check_tracker: harness/tracker_table.c harness/tracker_record.c
$(BUILD)/sanitize/check_tracker: harness/tracker_table.h harness/tracker_record.h

$(BUILD)/sanitize/runner: harness/runner.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_STRICT) $(SANITIZE) -o $@ $<

$(BUILD)/sanitize/check_%: harness/tests/check_%.c harness/test_runtime.c harness/test_runtime.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_STRICT) $(SANITIZE) -pthread -Iharness -o $@ $(filter %.c,$^) $(CHECK_LIBS) -Wl,--wrap=main

units: harness $(UNITS:%=$(BUILD)/harness/%) $(UNITS:%=$(BUILD)/sanitize/%) $(BUILD)/sanitize/runner
	@for t in $(UNITS); do RUNNER=$(BUILD)/harness/runner $(BUILD)/harness/$$t || exit 1; done
	@for t in $(UNITS); do ASAN_OPTIONS=fast_unwind_on_malloc=0 LSAN_OPTIONS=print_suppressions=0:suppressions=$(abspath harness/tests/lsan.supp) RUNNER=$(BUILD)/sanitize/runner \
	  $(BUILD)/sanitize/$$t || exit 1; done

# The grader's own tests share the harness and the preload test programs: build them first,
# so that the zoo's parallel `make test` runs find them up to date instead of racing.
check: deps-check
	@$(MAKE) --no-print-directory units lint ubsan
	@$(MAKE) --no-print-directory -j$(J) $(PRELOAD_TESTS)
	@$(PYTEST) -q -rs --durations=15 $(if $(filter-out 1,$(J)),-n $(J) --dist loadgroup) grader/tests

# The reference allocator is the project's own code too: the whole suite, with it built under
# UBSan (an allocator cannot run under ASan), must still score full marks. Undefined behaviour
# traps on the spot (SIGILL: a crashed test): UBSan's reporter would re-enter malloc.
ubsan:
	@mkdir -p $(BUILD)
	@$(MAKE) --no-print-directory test SLOT=$(BUILD)/ubsan J=$(J) PERF=0 \
	  SLOT_CFLAGS="$(SLOT_CFLAGS) -fsanitize=undefined -fsanitize-undefined-trap-on-error" \
	  >$(BUILD)/ubsan.log 2>&1 || { cat $(BUILD)/ubsan.log; exit 1; }
	@sed -n 's/^score:/ubsan: the reference under UBSan scores/p' $(BUILD)/ubsan.log

# The project's own C under both compilers; everything in its clang-format style.
C_SOURCES  := harness/*.c harness/*.h harness/tests/*.c harness/bench/*.c harness/bench/*.h \
              harness/tools/*.c harness/tools/*.h \
              alloc/*.c alloc/*.h alloc/handout/* testcases/*.c \
              grader/tests/zoo/*.c grader/tests/zoo/*.h grader/tests/cheats/*.c grader/tests/perf_zoo/*.c \
              grader/tests/tracker_zoo/*.c grader/tests/tracker_zoo/*.h grader/tests/tracker_progs/*.c
# The zoo's members too (all but the one that must not compile): each is the reference plus
# one bug, and a warning there is a second, unintended one; and the cheats, each one trick.
ZOO_SOURCES := $(filter-out %/does_not_compile.c,$(wildcard grader/tests/zoo/*.c grader/tests/cheats/*.c \
                 grader/tests/perf_zoo/*.c))
lint:
	@for cc in gcc clang; do \
	  $$cc $(CFLAGS_STRICT) -fsyntax-only harness/runner.c harness/test_runtime.c harness/base_allocator.c \
	    harness/trace_driver.c harness/trace_recorder.c $(TRACKER_SOURCES) $(TRACKER_DMALLOC) \
	    alloc/alloc.c alloc/dmalloc.c || exit 1; \
	  $$cc $(CFLAGS_STRICT) -DHL_SLOT -fsyntax-only harness/trace_driver.c || exit 1; \
	  $$cc $(CFLAGS_STRICT) -DHEAPLAB_TRACKER_LINKED -fsyntax-only harness/tracker.c $(TRACKER_DMALLOC) || exit 1; \
	  $$cc $(CFLAGS_STRICT) -fsyntax-only -Iharness/tools harness/tools/*.c || exit 1; \
	  for z in grader/tests/tracker_zoo/*.c grader/tests/tracker_progs/*.c; do \
	    $$cc $(CFLAGS_STRICT) -pthread -fsyntax-only $$z || exit 1; done; \
	  for t in $(TEST_SOURCES); do $$cc $(TEST_CFLAGS) -Werror -fsyntax-only $$t || exit 1; done; \
	  for z in $(ZOO_SOURCES); do $$cc $(CFLAGS_STRICT) -Ialloc -fsyntax-only $$z || exit 1; done; \
	done
	@clang-format --dry-run --Werror $(C_SOURCES)

format:
	clang-format -i $(C_SOURCES)

# The grader image (Dockerfile): docker build, or podman where no Docker engine runs (see
# grader/build-image). grader/tests/test_image.py, part of `make check`, builds and runs it
# where an engine works.
image:
	@grader/build-image heaplab

# The zip Gradescope takes as an autograder: gradescope/setup.sh and gradescope/run_autograder at
# its root, the tree as git has it (build/ aside) in heaplab/, and the rubric it grades with,
# named, never guessed: RUBRIC=malloc, dmalloc, full, or a course's .toml (copied in). FORMAT too.
AUTOGRADER := $(BUILD)/autograder
autograder-zip:
	@test -n "$(RUBRIC)" || { echo "usage: make autograder-zip RUBRIC=malloc|dmalloc|full|path/to/rubric.toml" >&2; exit 2; }
	@$(PYTHON) -c 'import sys; from grader import rubric; rubric.load(sys.argv[1])' '$(RUBRIC)' || exit 2
	@rm -rf $(AUTOGRADER) $(AUTOGRADER).zip && mkdir -p $(AUTOGRADER)/heaplab
	@git ls-files -co --exclude-standard | while read -r f; do test ! -e "$$f" || echo "$$f"; done \
	  | tar -cf - -T - | tar -xf - -C $(AUTOGRADER)/heaplab
	@cp gradescope/setup.sh gradescope/run_autograder $(AUTOGRADER)/
	@case '$(RUBRIC)' in *.toml|*/*) cp '$(RUBRIC)' $(AUTOGRADER)/rubric.toml; \
	  rubric=/autograder/source/rubric.toml;; *) rubric='$(RUBRIC)';; esac; \
	  printf 'RUBRIC=%s\nFORMAT=%s\n' "$$rubric" '$(FORMAT)' >$(AUTOGRADER)/rubric.env
	@cd $(AUTOGRADER) && $(PYTHON) -m zipfile -c ../autograder.zip setup.sh run_autograder rubric.env \
	  $$(test ! -f rubric.toml || echo rubric.toml) heaplab
	@echo "autograder: $(AUTOGRADER).zip (RUBRIC=$(RUBRIC)): upload it as the assignment's autograder"

clean:
	rm -rf $(BUILD)
