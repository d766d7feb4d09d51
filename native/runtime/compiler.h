/* Attributes every runtime file uses. The runtime is compiled without
 * -finstrument-functions; no_instrument_function on each function is the
 * second line of defence if someone builds it with the flag anyway, because
 * an instrumented handler would call itself. */
#ifndef IPROBE_RUNTIME_COMPILER_H
#define IPROBE_RUNTIME_COMPILER_H

#define IPROBE_EXPORT __attribute__((visibility("default"), no_instrument_function))
#define IPROBE_HIDDEN __attribute__((visibility("hidden")))
#define IPROBE_NOINSTR __attribute__((no_instrument_function))
#define IPROBE_INTERNAL __attribute__((visibility("hidden"), no_instrument_function))
#define IPROBE_INLINE static inline __attribute__((always_inline, no_instrument_function))
#define IPROBE_LIKELY(x) __builtin_expect(!!(x), 1)
#define IPROBE_UNLIKELY(x) __builtin_expect(!!(x), 0)

#define IPROBE_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define IPROBE_LOAD_ACQUIRE(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define IPROBE_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define IPROBE_STORE_RELEASE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define IPROBE_ADD(p, v) __atomic_fetch_add((p), (v), __ATOMIC_RELAXED)
/* A single-writer counter: a plain load and store (no lock prefix), but
 * atomic so that a concurrent reader never sees a torn value. */
#define IPROBE_BUMP(p, v) IPROBE_STORE((p), IPROBE_LOAD(p) + (v))

#endif
