/*
 * pmux-churn.c - a process whose threads come and go: every PERIOD
 * microseconds it starts a detached thread that spins for half of that
 * and exits, for MILLISECONDS in all.  /proc/PID/task changes all the
 * time, and inherited counters are copied and taken apart all the time:
 * what attaching (-p) and group reads must survive.
 * usage: pmux-churn [MILLISECONDS] [PERIOD_US]  (default 1000 ms, 500 us)
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t spin_ns;

static void *worker(void *arg)
{
  (void)arg;
  uint64_t until = now_ns() + spin_ns;
  volatile uint64_t x = 0;
  while (now_ns() < until)
    x++;
  return NULL;
}

int main(int argc, char **argv)
{
  long ms = argc > 1 ? atol(argv[1]) : 1000;
  long period_us = argc > 2 ? atol(argv[2]) : 500;
  if (ms <= 0 || period_us <= 0) {
    fprintf(stderr, "usage: pmux-churn [MILLISECONDS] [PERIOD_US]\n");
    return 2;
  }
  spin_ns = (uint64_t)period_us * 500u;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  uint64_t end = now_ns() + (uint64_t)ms * 1000000u;
  while (now_ns() < end) {
    pthread_t t;
    int err = pthread_create(&t, &attr, worker, NULL);
    if (err && err != EAGAIN) { /* EAGAIN: too many alive; next round */
      fprintf(stderr, "pmux-churn: pthread_create: %s\n", strerror(err));
      return 1;
    }
    usleep((useconds_t)period_us);
  }
  usleep((useconds_t)period_us); /* let the last thread finish */
  return 0;
}
