/* insn_exact.c - the lab's self-check: count the instructions of a
 * loop whose length is known exactly, through perf_event_open(2) alone (no
 * pmux), on the guest's emulated POWER PMU.  If these counts are not exact the
 * lab cannot judge anything else, so every lab test trusts this one first.
 *
 * The loop is `mtctr n; 1: bdnz 1b`: n branch instructions.  The instructions
 * around it (the ioctl return path in user mode, the call) are a constant c, so
 * count(n) = n + c.  QEMU does not freeze the counters in the kernel (the
 * exclude_kernel bit is set but kernel instructions of a timer interrupt that
 * lands in the loop are counted too), so the loop is short (well under one
 * 4 ms tick of emulated time) and measured REPEAT times: the most frequent
 * count is an interrupt-free one, and it must be seen at least twice.  The
 * probe checks usual count(2n) - usual count(n) = n exactly (the smallest was
 * used first, and once in a few dozen runs a single run 6 instructions short
 * of the usual one failed it; and where the longer loop takes a tick in most
 * runs, any two counts each seen twice and n apart will do), for the generic
 * instructions
 * event and for PM_INST_CMPL on each counter that can hold it (raw codes from
 * the POWER8/9 event lists: 0x2 any PMC, 0x10002..0x40002 PMC1..PMC4, 0x500fa
 * PM_RUN_INST_CMPL on PMC5), then opens one group on PMC1-6 at once.
 * Output: one "probe: ..." line per check; exit 0 when all hold, 1 otherwise.
 *
 * `insn_exact spin N` only runs the loop N times (N + a small constant user
 * instructions): the workload with a known count for the pmux lab tests.
 *
 * `insn_exact groups` is the kernel's side of the assignment case: for each
 * line of raw event codes on standard input (hex, space-separated) it opens
 * them as one perf group (the POWER driver checks the group's constraints at
 * open) and prints "yes" or "no ERRNO-NAME".
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LOOP_N 100000UL
#define REPEAT 21
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

__attribute__((noinline)) static void spin(unsigned long n)
{
	__asm__ volatile("mtctr %0\n1:\tbdnz 1b" : : "r"(n) : "ctr");
}

static int open_event(uint32_t type, uint64_t config, int group)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = type;
	a.config = config;
	a.disabled = group < 0;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, group, 0);
}

/* One measurement of spin(n) on the event fd; -1 when it cannot be read. */
static int64_t measure(int fd, unsigned long n)
{
	uint64_t v[3];

	ioctl(fd, PERF_EVENT_IOC_RESET, 0);
	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	spin(n);
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	if (read(fd, v, sizeof(v)) != (ssize_t)sizeof(v) || v[1] != v[2])
		return -1;
	return (int64_t)v[0];
}

/* The most frequent of n values, and how often it occurs. */
static int64_t mode(const int64_t *v, int n, int *times)
{
	int64_t best = -1;
	int i, j, most = 0;

	for (i = 0; i < n; i++) {
		int k = 0;

		for (j = 0; j < n; j++)
			k += v[j] == v[i];
		if (k > most || (k == most && v[i] < best))
			most = k, best = v[i];
	}
	*times = most;
	return best;
}

/*
 * Counting is exact when the usual count of spin(2n) exceeds the usual
 * count of spin(n) by exactly n.  The usual (most frequent) counts, not the
 * smallest: QEMU counts the kernel's instructions too, and a timer
 * interrupt, or a rare shorter path through the enable ioctl, moves single
 * runs by a few instructions either way.
 */
static int check_one(const char *name, uint32_t type, uint64_t config)
{
	int fd = open_event(type, config, -1);
	int64_t a[REPEAT], b[REPEAT], c1 = -1, c2 = -1;
	int i, seen = 0, seen2 = 0, ok;

	if (fd < 0) {
		printf("probe: %s: FAIL: perf_event_open: %m\n", name);
		return 0;
	}
	for (i = 0; i < REPEAT; i++) {
		a[i] = measure(fd, LOOP_N);
		b[i] = measure(fd, 2 * LOOP_N);
		if (a[i] < 0 || b[i] < 0)
			break;
	}
	close(fd);
	if (i == REPEAT) {
		c1 = mode(a, REPEAT, &seen);
		c2 = mode(b, REPEAT, &seen2);
	}
	ok = c1 >= 0 && seen >= 2 && seen2 >= 2 && c2 - c1 == (int64_t)LOOP_N;
	/* With the emulated clock, the longer loop can take a timer tick in
	 * most runs: then its usual count is not the clean one.  Any two counts
	 * each seen at least twice, n apart, show the counting exact. */
	for (int x = 0; !ok && i == REPEAT && x < REPEAT; x++)
		for (int y = 0; !ok && y < REPEAT; y++) {
			if (b[y] - a[x] != (int64_t)LOOP_N)
				continue;
			int na = 0, nb = 0;
			for (int k = 0; k < REPEAT; k++)
				na += a[k] == a[x], nb += b[k] == b[y];
			if (na >= 2 && nb >= 2)
				ok = 1, c1 = a[x], c2 = b[y], seen = na, seen2 = nb;
		}
	printf("probe: %s: %s: usual count(n)=%lld (seen %d of %d) usual count(2n)-count(n)=%lld n=%lu\n",
	       name, ok ? "ok" : "FAIL", (long long)c1, seen, REPEAT,
	       (long long)(c2 - c1), LOOP_N);
	return ok;
}

/* PMC1-6 in one group: PM_INST_CMPL on PMC1-4, PM_RUN_INST_CMPL (PMC5) and
 * PM_RUN_CYC (PMC6).  The POWER driver schedules all six at once. */
static int check_group(void)
{
	static const uint64_t codes[] = { 0x10002, 0x20002, 0x30002, 0x40002, 0x500fa, 0x600f4 };
	int fds[ARRAY_SIZE(codes)];
	size_t i;
	int ok = 1;

	for (i = 0; i < ARRAY_SIZE(codes); i++) {
		fds[i] = open_event(PERF_TYPE_RAW, codes[i], i ? fds[0] : -1);
		if (fds[i] < 0) {
			printf("probe: group PMC1-6: FAIL: event 0x%llx: %m\n", (unsigned long long)codes[i]);
			return 0;
		}
	}
	ioctl(fds[0], PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
	spin(LOOP_N);
	ioctl(fds[0], PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
	for (i = 0; i < ARRAY_SIZE(codes); i++) {
		uint64_t v[3];

		if (read(fds[i], v, sizeof(v)) != (ssize_t)sizeof(v) || v[2] == 0 || v[0] < LOOP_N)
			ok = 0;
		else
			printf("probe: group PMC1-6: 0x%llx = %llu\n", (unsigned long long)codes[i],
			       (unsigned long long)v[0]);
		close(fds[i]);
	}
	printf("probe: group PMC1-6: %s\n", ok ? "ok" : "FAIL");
	return ok;
}

/* One line of codes as one group: 0 if the kernel accepts it, else -errno. */
static int open_group(char *line)
{
	int fds[16], n = 0, rc = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(line, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		int fd;

		if (n == (int)ARRAY_SIZE(fds)) {
			rc = -E2BIG;
			break;
		}
		fd = open_event(PERF_TYPE_RAW, strtoull(tok, NULL, 16), n ? fds[0] : -1);
		if (fd < 0) {
			rc = -errno;
			break;
		}
		fds[n++] = fd;
	}
	if (n == 0 && rc == 0)
		rc = -ENODATA; /* an empty line: no group to judge */
	while (n > 0)
		close(fds[--n]);
	return rc;
}

static int judge_groups(void)
{
	char line[1024];

	while (fgets(line, sizeof(line), stdin)) {
		int rc = open_group(line);

		if (rc == 0)
			printf("yes\n");
		else
			printf("no %s\n", strerrorname_np(-rc) ? strerrorname_np(-rc) : "?");
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		uint32_t type;
		uint64_t config;
	} ev[] = {
		{ "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
		{ "PM_INST_CMPL 0x2", PERF_TYPE_RAW, 0x2 },
		{ "PM_INST_CMPL 0x10002 (PMC1)", PERF_TYPE_RAW, 0x10002 },
		{ "PM_INST_CMPL 0x20002 (PMC2)", PERF_TYPE_RAW, 0x20002 },
		{ "PM_INST_CMPL 0x30002 (PMC3)", PERF_TYPE_RAW, 0x30002 },
		{ "PM_INST_CMPL 0x40002 (PMC4)", PERF_TYPE_RAW, 0x40002 },
		{ "PM_RUN_INST_CMPL 0x500fa (PMC5)", PERF_TYPE_RAW, 0x500fa },
	};
	size_t i;
	int ok = 1;

	if (argc == 2 && strcmp(argv[1], "groups") == 0)
		return judge_groups();
	if (argc == 3 && strcmp(argv[1], "spin") == 0) {
		spin(strtoul(argv[2], NULL, 0));
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(ev); i++)
		ok &= check_one(ev[i].name, ev[i].type, ev[i].config);
	ok &= check_group();
	printf("probe: %s\n", ok ? "all exact" : "FAILED");
	return ok ? 0 : 1;
}
