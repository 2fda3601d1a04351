#!/bin/bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu or Debian):
# it installs what grading needs and builds the harness and the test programs, as the Dockerfile
# does. The zip (make autograder-zip) puts heaplab's tree in /autograder/source/heaplab.
set -eu
source=/autograder/source
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  gcc g++ make libc6-dev binutils python3 python3-pytest python3-pytest-xdist git perl sqlite3
# Test programs run as nobody: they must reach their programs, and must not change the grader.
chmod -R go-w,a+rX "$source"
make -C "$source/heaplab" -s harness tests
