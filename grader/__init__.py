"""heaplab's grader: a pytest plugin that runs the numbered test programs and grades them."""
