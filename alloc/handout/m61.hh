/* m61.hh - the header of CS61's C++ m61 handouts (2018), served by heaplab: see m61.h. */
#include "m61.h"
