#include "segment.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"

#define PAGE 4096u

static char segment_name[32];

static uint64_t IPROBE_NOINSTR page_align(uint64_t n) { return (n + PAGE - 1) & ~(uint64_t)(PAGE - 1); }

/* Fields 22 (start time, in clock ticks since boot) and 28 (start of the
 * stack, set at each exec) of /proc/self/stat. Parsed by hand: this also runs
 * in a fork child, where only async-signal-safe calls belong. */
static void IPROBE_NOINSTR read_process_stat(uint64_t *start_time, uint64_t *start_stack) {
  char buf[1024];
  *start_time = *start_stack = 0;
  int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return;
  buf[n] = 0;
  char *p = strrchr(buf, ')'); /* the command name may contain spaces and parentheses */
  if (!p) return;
  for (int field = 2; *p && field <= 28; field++) {
    while (*p && *p != ' ') p++;
    if (*p) p++; /* p is at the start of field + 1 */
    uint64_t value = 0;
    for (const char *d = p; *d >= '0' && *d <= '9'; d++) value = value * 10 + (uint64_t)(*d - '0');
    if (field + 1 == 22) *start_time = value;
    if (field + 1 == 28) *start_stack = value;
  }
}

/* Which file this process executes. A segment is tied to one exec: the pid
 * and start time stay the same across execve(), the program does not. */
static void IPROBE_NOINSTR read_exe_identity(struct iprobe_header *h) {
  struct stat exe;
  if (stat("/proc/self/exe", &exe) != 0) return;
  h->exe_device = (uint64_t)exe.st_dev;
  h->exe_inode = (uint64_t)exe.st_ino;
}

static int IPROBE_NOINSTR first_object_bias(struct dl_phdr_info *info, size_t size, void *out) {
  (void)size;
  *(uint64_t *)out = info->dlpi_addr; /* the first object is the main executable */
  return 1;
}

static void IPROBE_NOINSTR format_name(char *out, size_t size, pid_t pid) {
  snprintf(out, size, "%s%d", IPROBE_SEGMENT_PREFIX, (int)pid);
}

/* An existing name with our pid is left over from a process that had our pid
 * before, or from this process before execve(): neither is alive any more.
 * A reader may remove it at the same moment (ENOENT): the name is free then. */
static int IPROBE_NOINSTR open_exclusive(const char *name) {
  int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST && (shm_unlink(name) == 0 || errno == ENOENT)) {
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  }
  return fd;
}

int iprobe_segment_create(const struct iprobe_geometry *g, uint32_t mode, uint32_t clock) {
  uint64_t functions_offset = page_align(sizeof(struct iprobe_header));
  uint64_t retired_offset = functions_offset + page_align((uint64_t)g->function_capacity * sizeof(struct iprobe_function));
  uint64_t slots_offset = retired_offset + page_align((uint64_t)g->function_capacity * sizeof(struct iprobe_stat));
  uint64_t stats_offset = slots_offset + page_align((uint64_t)g->thread_capacity * sizeof(struct iprobe_thread_slot));
  uint64_t rings_offset =
      stats_offset + page_align((uint64_t)g->thread_capacity * g->function_capacity * sizeof(struct iprobe_stat));
  uint64_t fperf_offset =
      rings_offset + page_align((uint64_t)g->thread_capacity * g->ring_capacity * sizeof(struct iprobe_event));
  uint64_t fperf_retired_offset = fperf_offset + page_align(sizeof(struct iprobe_fperf_block));
  uint64_t fperf_rows_offset =
      fperf_retired_offset + page_align((uint64_t)g->function_capacity * sizeof(struct iprobe_fperf_row));
  uint64_t total =
      fperf_rows_offset + page_align((uint64_t)g->thread_capacity * g->function_capacity * sizeof(struct iprobe_fperf_row));

  char name[sizeof segment_name];
  format_name(name, sizeof name, getpid());
  int fd = open_exclusive(name);
  if (fd < 0) return -1;
  /* tmpfs allocates pages on first touch: only the used parts cost memory */
  if (fchmod(fd, 0600) != 0 || ftruncate(fd, (off_t)total) != 0) {
    close(fd);
    shm_unlink(name);
    return -1;
  }
  uint8_t *base = mmap(0, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (base == MAP_FAILED) {
    shm_unlink(name);
    return -1;
  }

  struct iprobe_header *h = (struct iprobe_header *)base;
  h->version = IPROBE_LAYOUT_VERSION;
  h->header_size = sizeof *h;
  h->pid = (uint32_t)getpid();
  h->uid = (uint32_t)getuid();
  read_process_stat(&h->process_start_time, &h->exe_start_stack);
  read_exe_identity(h);
  h->process_state = IPROBE_PROCESS_RUNNING;
  h->total_size = total;
  h->function_capacity = g->function_capacity;
  h->thread_capacity = g->thread_capacity;
  h->ring_capacity = g->ring_capacity;
  h->function_size = sizeof(struct iprobe_function);
  h->stat_size = sizeof(struct iprobe_stat);
  h->slot_size = sizeof(struct iprobe_thread_slot);
  h->event_size = sizeof(struct iprobe_event);
  h->functions_offset = functions_offset;
  h->retired_offset = retired_offset;
  h->slots_offset = slots_offset;
  h->stats_offset = stats_offset;
  h->rings_offset = rings_offset;
  h->fperf_offset = fperf_offset;
  h->fperf_retired_offset = fperf_retired_offset;
  h->fperf_rows_offset = fperf_rows_offset;
  h->fperf_row_size = sizeof(struct iprobe_fperf_row);
  h->fperf_max_events = IPROBE_FPERF_MAX_EVENTS;
  h->control.mode = mode;
  dl_iterate_phdr(first_object_bias, &h->exe_load_bias);

  iprobe_clock_publish(h, clock);

  iprobe_rt.functions = (struct iprobe_function *)(base + functions_offset);
  iprobe_rt.retired = (struct iprobe_stat *)(base + retired_offset);
  iprobe_rt.slots = (struct iprobe_thread_slot *)(base + slots_offset);
  iprobe_rt.stats = (struct iprobe_stat *)(base + stats_offset);
  iprobe_rt.rings = (struct iprobe_event *)(base + rings_offset);
  iprobe_rt.fperf = (struct iprobe_fperf_block *)(base + fperf_offset);
  iprobe_rt.fperf_retired = (struct iprobe_fperf_row *)(base + fperf_retired_offset);
  iprobe_rt.fperf_rows = (struct iprobe_fperf_row *)(base + fperf_rows_offset);
  iprobe_rt.function_capacity = g->function_capacity;
  iprobe_rt.function_shift = 64u - (uint32_t)__builtin_ctz(g->function_capacity);
  iprobe_rt.thread_capacity = g->thread_capacity;
  iprobe_rt.ring_capacity = g->ring_capacity;

  /* readers trust nothing before the magic; hooks nothing before the header pointer */
  IPROBE_STORE_RELEASE(&h->magic, IPROBE_MAGIC);
  memcpy(segment_name, name, sizeof name);
  IPROBE_STORE_RELEASE(&iprobe_rt.header, h);
  return 0;
}

void iprobe_segment_unlink(void) {
  if (segment_name[0]) shm_unlink(segment_name);
  segment_name[0] = 0;
}
