/*
 * The shared-memory layout of one traced process, version 2.
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
 *   header.fperf_offset            struct iprobe_fperf_block (FPerf configuration and status)
 *   header.fperf_retired_offset    struct iprobe_fperf_row[function_capacity]
 *   header.fperf_rows_offset       struct iprobe_fperf_row[thread_capacity][function_capacity]
 *
 * Every region starts on a page boundary. All multi-byte fields are native
 * (little-endian) and naturally aligned; 64-bit fields are read and written
 * with single aligned loads/stores, so a reader never sees a torn value.
 */
#ifndef IPROBE_RUNTIME_LAYOUT_H
#define IPROBE_RUNTIME_LAYOUT_H

#include <stdint.h>

#define IPROBE_MAGIC 0x314d485342525049ull /* "IPRBSHM1" read as little-endian bytes */
#define IPROBE_LAYOUT_VERSION 2u
#define IPROBE_SEGMENT_PREFIX "/iprobe." /* shm_open name; the file is /dev/shm/iprobe.<pid> */

#define IPROBE_FPERF_MAX_EVENTS 8
#define IPROBE_FPERF_NAME_SIZE 64  /* a PAPI event name, NUL-terminated */
#define IPROBE_FPERF_TEXT_SIZE 256 /* an error message, NUL-terminated */

enum iprobe_mode {
  IPROBE_MODE_OFF = 0,
  IPROBE_MODE_COUNT = 1,
  IPROBE_MODE_TRACE = 2,
  IPROBE_MODE_FPERF = 3, /* calls, and PAPI counter samples within each function's quota */
  IPROBE_MODE_CALLS = 4, /* calls per function only: no clock, no shadow stack; exits return at once */
};

enum iprobe_clock {
  IPROBE_CLOCK_TSC = 1,       /* rdtsc ticks; readers calibrate against CLOCK_MONOTONIC via the anchor */
  IPROBE_CLOCK_MONOTONIC = 2, /* clock_gettime(CLOCK_MONOTONIC) nanoseconds */
};

/* What iprobe_clock_now() reads. With clock TSC the unit stays the TSC tick
 * even after a fall-back: CLOCK_MONOTONIC is then scaled to it with the
 * calibrated rate, so that times taken before and after add up. */
enum iprobe_clock_source {
  IPROBE_SOURCE_TSC = 1,       /* rdtsc */
  IPROBE_SOURCE_MONOTONIC = 2, /* clock_gettime(CLOCK_MONOTONIC) */
};

enum iprobe_clock_reason {
  IPROBE_CLOCK_REASON_INVARIANT_TSC = 1, /* the CPU reports an invariant TSC (CPUID 0x80000007 EDX bit 8) */
  IPROBE_CLOCK_REASON_FORCED = 2,        /* IPROBE_CLOCK=tsc|monotonic */
  IPROBE_CLOCK_REASON_NO_INVARIANT_TSC = 3,
  IPROBE_CLOCK_REASON_TSC_DRIFTED = 4, /* a check found the TSC away from CLOCK_MONOTONIC: fell back at run time */
};

enum iprobe_process_state {
  IPROBE_PROCESS_RUNNING = 1,
  IPROBE_PROCESS_EXITED = 2, /* the runtime's destructor ran; the name is already unlinked */
};

/* Written by the controller (iprobe), read by the runtime on every hook. */
struct iprobe_control {
  uint32_t mode;             /* enum iprobe_mode */
  uint32_t reset_generation; /* bumped by the controller to zero all statistics */
  uint32_t fperf_refill_generation; /* bumped at each quota refill (informative: readers see the daemon alive) */
  /* bumped after the controller wrote fperf.event_names: the runtime's control
   * thread, which futex-waits on this word, (re)configures PAPI and answers in
   * fperf.answered_request */
  uint32_t fperf_request;
  /* bumped at the start of each profiling session: a thread drops the sampled
   * frames an earlier session left open instead of closing them with its counts */
  uint32_t fperf_session;
  uint32_t reserved;
  /* the quota a function gets when it enters the table (the controller's
   * "no budget": functions first called during a window are sampled too) */
  int64_t fperf_initial_quota;
  uint64_t fperf_reserved[4];
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
  uint32_t clock_source;  /* enum iprobe_clock_source: what the hooks read now (0: not recorded) */
  uint64_t functions_offset;
  uint64_t retired_offset;
  uint64_t slots_offset;
  uint64_t stats_offset;
  uint64_t rings_offset;

  /* runtime-wide counters (atomic adds; all are rare events) */
  uint32_t function_count;    /* entries inserted into the function table */
  uint32_t slots_used;        /* high-water mark of thread slots ever claimed */
  uint32_t fold_sequence;     /* seqlock: odd while an exited slot's stats move into retired */
  uint32_t clock_reason;      /* enum iprobe_clock_reason: why the hooks read that source (0: not recorded) */
  uint64_t threads_attached;
  uint64_t threads_exited;
  uint64_t functions_dropped;  /* hooks for a function that did not fit in the table */
  uint64_t reentrant_drops;    /* hooks dropped because they interrupted a hook (signal handlers) */
  uint64_t slotless_drops;     /* trace events of threads that found no free thread slot */
  uint64_t unmatched_exits;    /* exit hooks with no matching entry (e.g. after a mode switch) */
  uint64_t unwound_frames;     /* frames closed without their exit hook (longjmp, exceptions, thread exit) */
  uint64_t shadow_overflows;   /* calls deeper than the shadow stack: counted, not timed */
  uint64_t uninitialized_drops; /* hooks that arrived while the runtime was still starting */

  /* the program this segment belongs to: /proc/<pid>/stat's start time is
   * kept across execve(), these are not (0: not recorded) */
  uint64_t exe_device;      /* st_dev of /proc/self/exe */
  uint64_t exe_inode;       /* st_ino of /proc/self/exe */
  uint64_t exe_start_stack; /* /proc/<pid>/stat field 28: set at each exec (randomised) */

  /* clock (TSC): the calibrated rate and what its checks found */
  uint64_t clock_ticks_per_second; /* ticks per second of CLOCK_MONOTONIC; refined by each check (0: not recorded) */
  uint64_t clock_deviation_ns;     /* largest confirmed gap between the TSC and CLOCK_MONOTONIC a check saw */

  /* FPerf geometry */
  uint64_t fperf_offset;
  uint64_t fperf_retired_offset;
  uint64_t fperf_rows_offset;
  uint32_t fperf_row_size;   /* sizeof(struct iprobe_fperf_row) */
  uint32_t fperf_max_events; /* IPROBE_FPERF_MAX_EVENTS */
  uint64_t clock_checks;     /* checks of the TSC against CLOCK_MONOTONIC so far */
  uint64_t header_reserved;

  /* the control block sits on its own cache line: the controller writes it, every hook reads it */
  struct iprobe_control control __attribute__((aligned(64)));
} __attribute__((aligned(64)));

enum iprobe_function_kind {
  IPROBE_FUNCTION_EMPTY = 0,
  IPROBE_FUNCTION_CODE = 1,  /* key is a function address from __cyg_profile_func_* */
  IPROBE_FUNCTION_POINT = 2, /* key is the address of an IPROBE_POINT site */
};

enum iprobe_function_flags {
  IPROBE_FUNCTION_FPERF_SAMPLED = 1, /* sampled at least once since the controller last cleared it */
};

struct iprobe_function {
  uint64_t address; /* key; 0 = empty slot; published last, by CAS */
  uint32_t kind;    /* enum iprobe_function_kind */
  uint32_t flags;   /* enum iprobe_function_flags: set by the runtime (atomic or), cleared by the controller */
  int64_t fperf_quota; /* samples left: stored by the controller, decremented by the runtime (may dip below 0) */
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
  uint32_t fperf_state;      /* enum iprobe_fperf_thread_state (written by the owning thread) */
  int32_t fperf_error;       /* the backend's error code for a failed event set (text: fperf.thread_error) */
  uint64_t reserved[3];
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

enum iprobe_fperf_state {
  IPROBE_FPERF_IDLE = 0,    /* nothing asked yet */
  IPROBE_FPERF_LOADING = 1, /* the control thread is working on a request */
  IPROBE_FPERF_READY = 2,   /* the events of the answered request can be sampled */
  IPROBE_FPERF_FAILED = 3,  /* see error and papi_error; hooks count calls only */
};

/* What counts FPerf's events (counters.h). */
enum iprobe_counter_backend {
  IPROBE_COUNTERS_PAPI = 0,   /* libpapi, dlopen'ed: presets and native events */
  IPROBE_COUNTERS_KERNEL = 1, /* perf_event_open(2) directly: the kernel's generic events */
};

enum iprobe_fperf_thread_state {
  IPROBE_FPERF_THREAD_NONE = 0,     /* has not sampled */
  IPROBE_FPERF_THREAD_COUNTING = 1, /* owns a started event set */
  IPROBE_FPERF_THREAD_FAILED = 2,   /* its event set could not be made: fperf_error */
  IPROBE_FPERF_THREAD_LIMITED = 3,  /* over IPROBE_FPERF_THREADS: does not sample */
  IPROBE_FPERF_THREAD_WAITING = 4,  /* asked the control thread for its counters; not sampling yet */
};

/* One page. The controller writes the request part, then bumps
 * control.fperf_request; everything else is the runtime's. */
struct iprobe_fperf_block {
  uint32_t event_count;
  uint32_t backend; /* enum iprobe_counter_backend: who counts event_names */
  char event_names[IPROBE_FPERF_MAX_EVENTS][IPROBE_FPERF_NAME_SIZE];

  uint32_t state;            /* enum iprobe_fperf_state */
  uint32_t answered_request; /* the fperf_request the state describes; release-stored last */
  int32_t papi_error;        /* the backend's error code when FAILED: PAPI's, or an errno (0 when none) */
  uint32_t papi_version;     /* PAPI_VER_CURRENT of the libpapi loaded (PAPI backend) */
  uint32_t control_tid;      /* the control thread; 0 when there is none (forked child) */
  uint32_t configuration;    /* generation of the event configuration threads build their sets from */
  char error[IPROBE_FPERF_TEXT_SIZE];
  uint64_t setup_ns;         /* the last request's work: dlopen, init, warm-up event set */

  /* atomic adds by the control thread (sets) and the hooks' slow paths */
  uint64_t thread_sets;         /* per-thread event sets created (by the control thread) */
  uint64_t thread_set_failures;
  uint64_t thread_set_ns;       /* time spent creating them, in the control thread */
  uint64_t thread_limit_drops;  /* samples not taken: the thread is over IPROBE_FPERF_THREADS */
  uint64_t depth_drops;         /* samples not taken: too many sampled frames open on the thread */
  uint64_t lost_samples;        /* sampled frames whose exit never came (longjmp, thread exit, new session) */
  uint64_t read_failures;
  uint64_t not_ready_drops;   /* samples not taken: the control thread had not opened the thread's counters yet */
  uint64_t off_control_opens; /* counter sets opened by a thread other than the control thread: stays 0 */
  uint64_t fperf_reserved[2];
  char thread_error[IPROBE_FPERF_TEXT_SIZE]; /* the backend's text for the last per-thread failure */

  /* the process's CPU time, recorded by the runtime's destructor at exit() */
  uint64_t exit_user_ns;
  uint64_t exit_system_ns;
  uint32_t exit_recorded;
  uint32_t reserved1;
};

/* One function's samples on one thread. Inclusive: everything between the
 * entry and exit reads. Exclusive: inclusive minus the inclusive counts of
 * the sampled activations nested directly inside it (unsampled callees stay
 * in their caller's exclusive counts). Both less the counts the sampling's
 * own reads add (estimated per thread), so either can dip below zero for a
 * function that does next to nothing. */
struct iprobe_fperf_row {
  uint64_t samples;
  uint64_t sample_ticks; /* clock ticks the sampling itself took in the hooks (reads and bookkeeping) */
  int64_t inclusive[IPROBE_FPERF_MAX_EVENTS];
  int64_t exclusive[IPROBE_FPERF_MAX_EVENTS];
};

_Static_assert(sizeof(struct iprobe_control) == 64, "control block is one cache line");
_Static_assert(sizeof(struct iprobe_function) == 64, "function entry size");
_Static_assert(sizeof(struct iprobe_stat) == 32, "stat entry size");
_Static_assert(sizeof(struct iprobe_thread_slot) == 128, "thread slot size");
_Static_assert(sizeof(struct iprobe_event) == 32, "event size");
_Static_assert(sizeof(struct iprobe_fperf_block) <= 4096, "fperf block fits a page");
_Static_assert(sizeof(struct iprobe_fperf_row) == 144, "fperf row size");
_Static_assert(sizeof(struct iprobe_header) == 384, "header size");

#endif
