# The heaplab grader image: grades one submission reproducibly.
#   docker run --rm -v "$PWD/alloc.c:/submission/alloc.c:ro" -v "$PWD/out:/results" heaplab
# As a Gradescope autograder it reads /autograder/submission and writes
# /autograder/results/results.json.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      gcc g++ make libc6-dev binutils python3 python3-pytest python3-pytest-xdist python3-matplotlib \
      git perl sqlite3 gdb valgrind \
 && rm -rf /var/lib/apt/lists/*
COPY . /heaplab
WORKDIR /heaplab
# A container without CAP_SYS_ADMIN cannot make the runner's box (the report then says so): the
# test sources are then kept from the unprivileged user that test programs run as by their modes.
RUN make -s harness tests && chmod -R go-w /heaplab && chmod -R o-rwx /heaplab/testcases
ENTRYPOINT ["/heaplab/grader/grade-submission"]
