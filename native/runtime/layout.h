/*
 * The shared-memory layout of one traced process, version 1.
 *
 * This header is the contract between the runtime (the writer, in the target
 * process) and the readers (src/runtime/layout.ts mirrors every offset; the
 * layout test compiles this file and compares). Change a field and you
 * change IPROBE_LAYOUT_VERSION.
 *
 *   offset 0                       struct iprobe_header (incl. control block)
 *   header.functions_offset        struct iprobe_function[function_capacity]
 *   header.retired_offset          struct iprobe_stat[function_capacity]
 *   header.slots_offset            struct iprobe_thread_slot[thread_capacity]
 *   header.stats_offset            struct iprobe_stat[thread_capacity][function_capacity]
 *   header.rings_offset            struct iprobe_event[thread_capacity][ring_capacity]
 *
 * Every region starts on a page boundary. All multi-byte fields are native
 * (little-endian) and naturally aligned; 64-bit fields are read and written
 * with single aligned loads/stores, so a reader never sees a torn value.
 */
#ifndef IPROBE_RUNTIME_LAYOUT_H
#define IPROBE_RUNTIME_LAYOUT_H

#include <stdint.h>

#define IPROBE_MAGIC 0x314d485342525049ull /* "IPRBSHM1" read as little-endian bytes */
#define IPROBE_LAYOUT_VERSION 1u
#define IPROBE_SEGMENT_PREFIX "/iprobe." /* shm_open name; the file is /dev/shm/iprobe.<pid> */

enum iprobe_mode {
  IPROBE_MODE_OFF = 0,
  IPROBE_MODE_COUNT = 1,
  IPROBE_MODE_TRACE = 2,
  IPROBE_MODE_FPERF = 3, /* reserved for the FPerf issue; version 1 runtimes treat it as off */
};

enum iprobe_clock {
  IPROBE_CLOCK_TSC = 1,       /* rdtsc ticks; readers calibrate against CLOCK_MONOTONIC via the anchor */
  IPROBE_CLOCK_MONOTONIC = 2, /* clock_gettime(CLOCK_MONOTONIC) nanoseconds */
};

enum iprobe_process_state {
  IPROBE_PROCESS_RUNNING = 1,
  IPROBE_PROCESS_EXITED = 2, /* the runtime's destructor ran; the name is already unlinked */
};

/* Written by the controller (iprobe), read by the runtime on every hook. */
struct iprobe_control {
  uint32_t mode;             /* enum iprobe_mode */
  uint32_t reset_generation; /* bumped by the controller to zero all statistics */
  /* FPerf (not used by version 1): quota refills and counter selection. */
  uint32_t fperf_refill_generation;
  uint32_t fperf_event_set;
  uint64_t fperf_reserved[6];
};

struct iprobe_header {
  /* identity: the reader checks these before anything else */
  uint64_t magic;
  uint32_t version;
  uint32_t header_size;
  uint32_t pid;
  uint32_t uid;
  uint64_t process_start_time; /* /proc/<pid>/stat field 22: tells a reused pid from ours */
  uint32_t process_state;      /* enum iprobe_process_state */
  uint32_t clock;              /* enum iprobe_clock */
  uint64_t clock_anchor_ticks; /* one (ticks, CLOCK_MONOTONIC ns) pair taken at creation */
  uint64_t clock_anchor_ns;
  uint64_t exe_load_bias; /* load bias of the main executable (dl_iterate_phdr) */

  /* geometry */
  uint64_t total_size;
  uint32_t function_capacity; /* power of two; open-addressing table */
  uint32_t thread_capacity;
  uint32_t ring_capacity; /* events per thread ring, power of two */
  uint32_t function_size; /* sizeof(struct iprobe_function) */
  uint32_t stat_size;     /* sizeof(struct iprobe_stat) */
  uint32_t slot_size;     /* sizeof(struct iprobe_thread_slot) */
  uint32_t event_size;    /* sizeof(struct iprobe_event) */
  uint32_t reserved0;
  uint64_t functions_offset;
  uint64_t retired_offset;
  uint64_t slots_offset;
  uint64_t stats_offset;
  uint64_t rings_offset;

  /* runtime-wide counters (atomic adds; all are rare events) */
  uint32_t function_count;    /* entries inserted into the function table */
  uint32_t slots_used;        /* high-water mark of thread slots ever claimed */
  uint32_t fold_sequence;     /* seqlock: odd while an exited slot's stats move into retired */
  uint32_t reserved1;
  uint64_t threads_attached;
  uint64_t threads_exited;
  uint64_t functions_dropped;  /* hooks for a function that did not fit in the table */
  uint64_t reentrant_drops;    /* hooks dropped because they interrupted a hook (signal handlers) */
  uint64_t slotless_drops;     /* trace events of threads that found no free thread slot */
  uint64_t unmatched_exits;    /* exit hooks with no matching entry (e.g. after a mode switch) */
  uint64_t unwound_frames;     /* frames closed without their exit hook (longjmp, exceptions, thread exit) */
  uint64_t shadow_overflows;   /* calls deeper than the shadow stack: counted, not timed */
  uint64_t uninitialized_drops; /* hooks that arrived while the runtime was still starting */
  uint64_t counters_reserved[5];

  /* the control block sits on its own cache line: the controller writes it, every hook reads it */
  struct iprobe_control control __attribute__((aligned(64)));
} __attribute__((aligned(64)));

enum iprobe_function_kind {
  IPROBE_FUNCTION_EMPTY = 0,
  IPROBE_FUNCTION_CODE = 1,  /* key is a function address from __cyg_profile_func_* */
  IPROBE_FUNCTION_POINT = 2, /* key is the address of an IPROBE_POINT site */
};

struct iprobe_function {
  uint64_t address; /* key; 0 = empty slot; published last, by CAS */
  uint32_t kind;    /* enum iprobe_function_kind */
  uint32_t flags;   /* reserved (FPerf: selected for counter reads) */
  int64_t fperf_quota; /* reserved (FPerf: samples left, refilled by the controller) */
  uint64_t reserved[5];
};

struct iprobe_stat {
  uint64_t calls;
  uint64_t total_ticks; /* inclusive time of outermost activations (recursion is not counted twice) */
  uint64_t self_ticks;  /* time not spent in instrumented callees */
  uint32_t active;      /* activations now on this thread's stack (writer-private bookkeeping) */
  uint32_t reserved;
};

enum iprobe_slot_state {
  IPROBE_SLOT_FREE = 0,
  IPROBE_SLOT_LIVE = 1,
  IPROBE_SLOT_EXITED = 2,   /* its thread is gone; its events wait for a reader */
  IPROBE_SLOT_CLAIMING = 3, /* a new thread is folding its statistics into retired */
};

struct iprobe_thread_slot {
  /* written by the owning thread */
  uint32_t state; /* enum iprobe_slot_state */
  uint32_t tid;
  uint32_t generation;       /* bumped each time a thread claims the slot */
  uint32_t stats_generation; /* control.reset_generation its stats row belongs to */
  uint64_t write_index;      /* events ever written; release-stored after the event */
  uint64_t dropped;          /* events dropped because the ring was full */
  uint64_t reserved[4];
  /* written by the reader, on its own cache line */
  uint64_t read_index __attribute__((aligned(64))); /* events ever consumed; release-stored */
  uint64_t reader_reserved[7];
};

enum iprobe_event_kind {
  IPROBE_EVENT_ENTRY = 1,
  IPROBE_EVENT_EXIT = 2,
  IPROBE_EVENT_POINT = 3,
};

enum iprobe_event_flags {
  IPROBE_EVENT_UNWOUND = 1, /* an exit the runtime made up for a frame that was skipped */
};

struct iprobe_event {
  uint64_t ticks;
  uint64_t function; /* function address; for points, the enclosing traced function or 0 */
  uint64_t site;     /* call site (entry/exit) or point address */
  uint32_t tid;
  uint8_t kind;   /* enum iprobe_event_kind */
  uint8_t flags;  /* enum iprobe_event_flags */
  uint16_t depth; /* shadow-stack depth of the frame (1 = outermost), saturated */
};

_Static_assert(sizeof(struct iprobe_control) == 64, "control block is one cache line");
_Static_assert(sizeof(struct iprobe_function) == 64, "function entry size");
_Static_assert(sizeof(struct iprobe_stat) == 32, "stat entry size");
_Static_assert(sizeof(struct iprobe_thread_slot) == 128, "thread slot size");
_Static_assert(sizeof(struct iprobe_event) == 32, "event size");

#endif
