/*
 * iprobe.h — developer probe points for iprobe.
 *
 *   #include <iprobe.h>
 *   void handle_request(struct req *r) {
 *       IPROBE_POINT(request_parsed);
 *       ...
 *   }
 *
 * IPROBE_POINT(name) costs one 5-byte NOP while it is off. `iprobe coldpatch`
 * records every point (address and name) from the `iprobe_points` section the
 * macro writes, and `iprobe hot` switches chosen points on at run time.
 *
 * Switched on, the NOP becomes `jmp` to an out-of-line stub of this point:
 *
 *   site:   0f 1f 44 00 00   nopl 0(%rax,%rax)      off
 *           e9 <rel32>       jmp  stub               on
 *   stub:   lea  -128(%rsp),%rsp                     step over the red zone: the
 *                                                    point may sit in a leaf function
 *           push %rdi
 *           lea  site(%rip),%rdi                     the handler's argument
 *           call __iprobe_point_trampoline           saves every other register
 *           pop  %rdi
 *           lea  128(%rsp),%rsp
 *           jmp  site+5
 *
 * The trampoline calls the handler through `__iprobe_point_slot`, one pointer
 * per linked object (a weak hidden symbol, so every translation unit shares
 * it). The slot points to a plain `ret` until iprobe stores the address of the
 * runtime's `__iprobe_point_hit(const void *site)` in it.
 *
 * Section `iprobe_points` holds one record per point, each field a 32-bit
 * offset relative to the field's own address (no dynamic relocations, same
 * bytes for PIE and non-PIE):
 *   int32 site, int32 stub, int32 name (NUL-terminated), int32 slot
 */
#ifndef IPROBE_H
#define IPROBE_H

#if defined(__x86_64__) && !defined(IPROBE_DISABLE)

#define IPROBE_POINT(name)                                                   \
  __asm__ volatile(                                                          \
      "661:\n\t"                                                             \
      ".byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n"                                 \
      "662:\n\t"                                                             \
      ".pushsection .text.iprobe_stubs, \"ax\", @progbits\n"                 \
      "663:\n\t"                                                             \
      "lea -128(%%rsp), %%rsp\n\t"                                           \
      "push %%rdi\n\t"                                                       \
      "lea 661b(%%rip), %%rdi\n\t"                                           \
      "call __iprobe_point_trampoline\n\t"                                   \
      "pop %%rdi\n\t"                                                        \
      "lea 128(%%rsp), %%rsp\n\t"                                            \
      "jmp 662b\n\t"                                                         \
      ".popsection\n\t"                                                      \
      ".pushsection .rodata.iprobe_point_names, \"aMS\", @progbits, 1\n"     \
      "664:\n\t"                                                             \
      ".asciz \"" #name "\"\n\t"                                             \
      ".popsection\n\t"                                                      \
      ".pushsection iprobe_points, \"a\", @progbits\n\t"                     \
      ".balign 4\n\t"                                                        \
      ".long 661b - .\n\t"                                                   \
      ".long 663b - .\n\t"                                                   \
      ".long 664b - .\n\t"                                                   \
      ".long __iprobe_point_slot - .\n\t"                                    \
      ".popsection\n" ::: "memory")

/* One trampoline and one slot per linked object: COMDAT groups let every
 * translation unit that includes this header define them. The trampoline
 * preserves all general-purpose registers, the flags and the x87/SSE state
 * (fxsave), and calls the slot with a 16-byte aligned stack. */
__asm__(
    ".pushsection .text.__iprobe_point_trampoline, \"axG\", @progbits, __iprobe_point_trampoline, comdat\n\t"
    ".weak __iprobe_point_trampoline\n\t"
    ".hidden __iprobe_point_trampoline\n\t"
    ".type __iprobe_point_trampoline, @function\n"
    "__iprobe_point_trampoline:\n\t"
    "pushfq\n\t"
    "push %rax\n\tpush %rcx\n\tpush %rdx\n\tpush %rsi\n\t"
    "push %r8\n\tpush %r9\n\tpush %r10\n\tpush %r11\n\t"
    "push %rbp\n\t"
    "mov %rsp, %rbp\n\t"
    "and $-64, %rsp\n\t"
    "sub $512, %rsp\n\t"
    "fxsave64 (%rsp)\n\t"
    "call *__iprobe_point_slot(%rip)\n\t"
    "fxrstor64 (%rsp)\n\t"
    "mov %rbp, %rsp\n\t"
    "pop %rbp\n\t"
    "pop %r11\n\tpop %r10\n\tpop %r9\n\tpop %r8\n\t"
    "pop %rsi\n\tpop %rdx\n\tpop %rcx\n\tpop %rax\n\t"
    "popfq\n\t"
    "ret\n"
    ".size __iprobe_point_trampoline, . - __iprobe_point_trampoline\n\t"
    ".weak __iprobe_point_off\n\t"
    ".hidden __iprobe_point_off\n\t"
    ".type __iprobe_point_off, @function\n"
    "__iprobe_point_off:\n\t"
    "ret\n\t"
    ".size __iprobe_point_off, . - __iprobe_point_off\n\t"
    ".popsection\n\t"
    ".pushsection .data.__iprobe_point_slot, \"awG\", @progbits, __iprobe_point_slot, comdat\n\t"
    ".weak __iprobe_point_slot\n\t"
    ".hidden __iprobe_point_slot\n\t"
    ".type __iprobe_point_slot, @object\n\t"
    ".balign 8\n"
    "__iprobe_point_slot:\n\t"
    ".quad __iprobe_point_off\n\t"
    ".size __iprobe_point_slot, 8\n\t"
    ".popsection\n");

#else
#define IPROBE_POINT(name) ((void)0)
#endif

#endif /* IPROBE_H */
