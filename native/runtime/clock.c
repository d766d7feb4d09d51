#include "clock.h"

#include <cpuid.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* CPUID 0x80000007 EDX bit 8: the TSC ticks at a constant rate in every
 * P-, C- and T-state ("invariant TSC"; Linux calls it nonstop_tsc). */
static int IPROBE_NOINSTR tsc_is_invariant(void) {
  unsigned int eax, ebx, ecx, edx;
  if (!__get_cpuid(0x80000000u, &eax, &ebx, &ecx, &edx) || eax < 0x80000007u) return 0;
  __get_cpuid(0x80000007u, &eax, &ebx, &ecx, &edx);
  return (edx >> 8) & 1;
}

/* 1 if the kernel's clocksource is the TSC, 0 if it is something else (it
 * found the TSC unstable or unsynchronised), -1 if we cannot tell. */
static int IPROBE_NOINSTR kernel_uses_tsc(void) {
  int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char name[32] = {0};
  ssize_t n = read(fd, name, sizeof name - 1);
  close(fd);
  if (n <= 0) return -1;
  return strncmp(name, "tsc\n", 4) == 0;
}

uint32_t iprobe_clock_select(void) {
  const char *forced = getenv("IPROBE_CLOCK");
  if (forced && strcmp(forced, "monotonic") == 0) return IPROBE_CLOCK_MONOTONIC;
  if (forced && strcmp(forced, "tsc") == 0) return IPROBE_CLOCK_TSC;
  if (tsc_is_invariant() && kernel_uses_tsc() != 0) return IPROBE_CLOCK_TSC;
  return IPROBE_CLOCK_MONOTONIC;
}
