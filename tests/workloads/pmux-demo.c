/*
 * pmux-demo.c - a deterministic workload with phases of very different
 * event rates, for the README, the tests and the benchmarks:
 *   fault phase:   touches PAGES fresh pages  -> PAGES minor faults
 *   sleep phase:   SLEEPS short nanosleeps    -> SLEEPS context switches
 *   compute phase: a busy loop of about COMPUTE_MS milliseconds of CPU
 * repeated ROUNDS times.  The loop count of the compute phase is fixed
 * (calibrated once from --compute-iters, not from a clock) so that
 * instruction counts are reproducible on a real PMU.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;

static void fault_phase(long pages)
{
  long page = sysconf(_SC_PAGESIZE);
  size_t len = (size_t)pages * (size_t)page;
  unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    perror("pmux-demo: mmap");
    exit(1);
  }
  /* Opt out of transparent huge pages: one fault per 4 KiB page. */
  madvise(p, len, MADV_NOHUGEPAGE);
  for (long i = 0; i < pages; i++)
    p[(size_t)i * (size_t)page] = (unsigned char)i;
  munmap(p, len);
}

static void sleep_phase(long sleeps)
{
  struct timespec ts = {0, 50000}; /* 50 us: each one blocks and switches */
  for (long i = 0; i < sleeps; i++)
    nanosleep(&ts, NULL);
}

__attribute__((noinline)) static void compute_phase(uint64_t iters)
{
  uint64_t x = 88172645463325252ull;
  for (uint64_t i = 0; i < iters; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  sink = x;
}

static void usage(void)
{
  fprintf(stderr,
          "usage: pmux-demo [-r ROUNDS] [-f PAGES] [-s SLEEPS] [-c ITERS]\n"
          "  -r ROUNDS  rounds of the three phases (default 20)\n"
          "  -f PAGES   pages touched per fault phase (default 2000)\n"
          "  -s SLEEPS  50-us sleeps per sleep phase (default 100)\n"
          "  -c ITERS   compute iterations per phase, in millions "
          "(default 20)\n");
}

int main(int argc, char **argv)
{
  long rounds = 20, pages = 2000, sleeps = 100, iters_m = 20;
  int c;
  while ((c = getopt(argc, argv, "r:f:s:c:h")) != -1) {
    char *end;
    long v = optarg ? strtol(optarg, &end, 10) : 0;
    if (optarg && (*end || v < 0)) {
      fprintf(stderr, "pmux-demo: -%c '%s': not a count\n", c, optarg);
      return 2;
    }
    switch (c) {
    case 'r': rounds = v; break;
    case 'f': pages = v; break;
    case 's': sleeps = v; break;
    case 'c': iters_m = v; break;
    case 'h': usage(); return 0;
    default: usage(); return 2;
    }
  }
  for (long r = 0; r < rounds; r++) {
    if (pages)
      fault_phase(pages);
    sleep_phase(sleeps);
    compute_phase((uint64_t)iters_m * 1000000u);
  }
  return 0;
}
