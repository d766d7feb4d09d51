/**
 * Event names as FPerf asks the runtime for them. Context switches and CPU
 * migrations are raised while the kernel runs, so an event set counting the
 * user domain only (the runtime's choice, and PAPI's default here) would see
 * none: those events are asked for in both domains, with libpfm4's
 * modifiers, unless the name already carries modifiers.
 */
const KERNEL_RAISED = new Set(['perf::CONTEXT-SWITCHES', 'perf::CS', 'perf::CPU-MIGRATIONS', 'perf::MIGRATIONS']);

export function profileEventName(name: string): string {
  return KERNEL_RAISED.has(name.toUpperCase().replace(/^PERF::/, 'perf::')) ? `${name}:u=1:k=1` : name;
}

/** The name to show for an event FPerf counted (without the modifiers it added). */
export function shownEventName(name: string): string {
  return name.replace(/:u=1:k=1$/, '');
}
