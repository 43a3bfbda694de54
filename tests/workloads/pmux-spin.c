/*
 * pmux-spin.c - a workload that spends nearly all its time in one named
 * function, spin_hot(), so that `pmux report` has a known top symbol.
 * usage: pmux-spin [MILLISECONDS] [CHILDREN]  (default 300 ms, 0 children:
 * with CHILDREN > 0 it forks that many copies that spin too).
 *        pmux-spin wBLOCKS [CHILDREN]  a fixed amount of work instead of a
 * fixed time (for overhead benchmarks): BLOCKS blocks of 200000 steps.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Spin until `until` (ns), or for `blocks` blocks when blocks > 0. */
__attribute__((noinline)) uint64_t spin_hot(uint64_t until, uint64_t blocks)
{
  volatile uint64_t x = 1;
  uint64_t n = 0;
  do {
    for (int i = 0; i < 200000; i++)
      x = x * 6364136223846793005ull + 1442695040888963407ull;
    n++;
  } while (blocks ? n < blocks : now_ns() < until);
  return x + n;
}

int main(int argc, char **argv)
{
  long ms = argc > 1 ? atol(argv[1]) : 300;
  uint64_t blocks =
      argc > 1 && argv[1][0] == 'w' ? strtoull(argv[1] + 1, NULL, 10) : 0;
  int kids = argc > 2 ? atoi(argv[2]) : 0;
  for (int i = 0; i < kids; i++)
    if (fork() == 0) {
      spin_hot(now_ns() + (uint64_t)ms * 1000000u, blocks);
      _exit(0);
    }
  uint64_t r = spin_hot(now_ns() + (uint64_t)ms * 1000000u, blocks);
  while (wait(NULL) > 0)
    ;
  return r == 42 ? 3 : 0;
}
