/**
 * Spreading an interval's samples over the functions, least sampled first.
 * The samples go to the functions with the fewest samples so far until
 * they are level (water-filling on the samples taken), and no function gets
 * more than it is expected to use: its calls in the last interval. Samples
 * left when every demand is met are spread evenly as headroom for functions
 * whose calls grow; an unused quota costs nothing, and the total never
 * exceeds what the budget allows.
 */
export interface QuotaCandidate {
  /** Function table index. */
  index: number;
  /** Samples taken so far in this session. */
  samples: number;
  /** Samples it can use next interval: its calls in the last one. */
  demand: number;
}

export function allocateQuotas(allowed: number, candidates: readonly QuotaCandidate[]): Map<number, number> {
  const quotas = new Map<number, number>(candidates.map((c) => [c.index, 0]));
  let budget = Math.max(0, Math.floor(allowed));
  if (budget === 0 || candidates.length === 0) return quotas;
  const wanting = candidates.filter((c) => c.demand > 0);
  const totalDemand = wanting.reduce((sum, c) => sum + c.demand, 0);
  if (totalDemand <= budget) {
    const headroom = Math.floor((budget - totalDemand) / candidates.length);
    for (const c of candidates) quotas.set(c.index, c.demand + headroom);
    return quotas;
  }
  // the level T: every function below T is raised towards it, within its demand
  const filled = (level: number) => wanting.reduce((sum, c) => sum + Math.min(c.demand, Math.max(0, level - c.samples)), 0);
  let low = 0;
  let high = Math.max(...wanting.map((c) => c.samples + c.demand));
  while (low < high) {
    const mid = Math.floor((low + high + 1) / 2);
    if (filled(mid) <= budget) low = mid;
    else high = mid - 1;
  }
  for (const c of wanting) {
    const quota = Math.min(c.demand, Math.max(0, low - c.samples));
    quotas.set(c.index, quota);
    budget -= quota;
  }
  // what is left (less than one unit per function at the level) goes to the least sampled
  const next = wanting
    .filter((c) => quotas.get(c.index)! < c.demand)
    .sort((a, b) => a.samples + quotas.get(a.index)! - (b.samples + quotas.get(b.index)!) || a.index - b.index);
  for (const c of next) {
    if (budget <= 0) break;
    quotas.set(c.index, quotas.get(c.index)! + 1);
    budget--;
  }
  return quotas;
}
