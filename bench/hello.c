/* The smallest program a process start can run: the floor compnn-bench-startup measures against. */
#include <stdio.h>

int main(void) {
  puts("hello");
  return 0;
}
