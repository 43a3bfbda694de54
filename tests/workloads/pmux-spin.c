/*
 * pmux-spin.c - a workload that spends nearly all its time in one named
 * function, spin_hot(), so that `pmux report` has a known top symbol.
 * usage: pmux-spin [MILLISECONDS] [CHILDREN]  (default 300 ms, 0 children:
 * with CHILDREN > 0 it forks that many copies that spin too).
 *        pmux-spin wBLOCKS [CHILDREN]  a fixed amount of work instead of a
 * fixed time (for overhead benchmarks): BLOCKS blocks of 200000 steps.
 *        pmux-spin jMILLISECONDS  spin in "JIT" code: a copy of jit_body()
 * in an anonymous executable mapping, named in /tmp/perf-PID.map as a JIT
 * names its code for perf (x86-64: the copy must run where it lands); the
 * map's path is printed.
 *        pmux-spin mMILLISECONDS  the same, the copy in a memfd's mapping
 * ("/memfd:NAME (deleted)"), where some JITs put their code.
 *        pmux-spin tMILLISECONDS [THREADS]  THREADS threads (default 2)
 * beside the main one, all in spin_hot() from the start: what attaching
 * to a running process (-p) must see all of.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

/* A leaf loop without data references: its bytes run anywhere. */
__attribute__((noinline)) uint64_t jit_body(uint64_t n)
{
  uint64_t x = 1;
  for (uint64_t i = 0; i < n; i++)
    x = x * 6364136223846793005ull + 1442695040888963407ull;
  return x;
}

#define JIT_BYTES 256

/* Writable executable memory for the copy: anonymous, or a memfd's. */
static uint8_t *jit_memory(int memfd)
{
  int fd = -1;
  if (memfd && ((fd = memfd_create("pmux-jit", 0)) < 0 || ftruncate(fd, 4096)))
    return MAP_FAILED;
  uint8_t *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                       memfd ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS, fd, 0);
  if (fd >= 0)
    close(fd);
  return code;
}

static int jit_spin(long ms, int memfd)
{
#if defined(__x86_64__)
  uint8_t *code = jit_memory(memfd);
  if (code == MAP_FAILED)
    return 2;
  memcpy(code, (const void *)jit_body, JIT_BYTES);
  char path[64];
  snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
  FILE *map = fopen(path, "w");
  if (!map)
    return 2;
  fprintf(map, "%lx %x jit_spin\n", (unsigned long)(uintptr_t)code, JIT_BYTES);
  fclose(map);
  printf("%s\n", path); /* for whoever removes it */
  fflush(stdout);
  uint64_t (*fn)(uint64_t) = (uint64_t(*)(uint64_t))(uintptr_t)code;
  uint64_t until = now_ns() + (uint64_t)ms * 1000000u, r = 0;
  while (now_ns() < until)
    r += fn(200000);
  return r == 42 ? 3 : 0;
#else
  (void)ms;
  (void)memfd;
  fprintf(stderr, "pmux-spin: j, m: x86-64 only\n");
  return 2;
#endif
}

static uint64_t threads_until;

static void *spin_thread(void *arg)
{
  (void)arg;
  spin_hot(threads_until, 0);
  return NULL;
}

static int thread_spin(long ms, int nthreads)
{
  pthread_t t[64];
  if (nthreads < 0 || nthreads > 64) {
    fprintf(stderr, "pmux-spin: t: 0 to 64 threads\n");
    return 2;
  }
  threads_until = now_ns() + (uint64_t)ms * 1000000u;
  for (int i = 0; i < nthreads; i++)
    if (pthread_create(&t[i], NULL, spin_thread, NULL)) {
      fprintf(stderr, "pmux-spin: cannot start a thread\n");
      return 1;
    }
  uint64_t r = spin_hot(threads_until, 0);
  for (int i = 0; i < nthreads; i++)
    pthread_join(t[i], NULL);
  return r == 42 ? 3 : 0;
}

int main(int argc, char **argv)
{
  if (argc > 1 && (argv[1][0] == 'j' || argv[1][0] == 'm'))
    return jit_spin(atol(argv[1] + 1), argv[1][0] == 'm');
  if (argc > 1 && argv[1][0] == 't')
    return thread_spin(atol(argv[1] + 1), argc > 2 ? atoi(argv[2]) : 2);
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
