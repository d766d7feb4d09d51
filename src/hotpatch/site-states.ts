/** Whether each site of a live process is on, off, or holds bytes nobody expects. */
import { readMemory } from '../process/patch-engine.js';
import type { SelectedSite } from './site-selection.js';

export type SiteState = 'on' | 'off' | 'foreign';

export async function readSiteStates(pid: number, sites: readonly SelectedSite[]): Promise<SiteState[]> {
  const current = await readMemory(
    pid,
    sites.map((s) => ({ address: s.address, length: s.site.length })),
  );
  return sites.map((s, i) => {
    const bytes = current[i];
    if (!bytes) return 'foreign';
    const buffer = Buffer.from(bytes);
    if (s.site.enable && buffer.equals(s.site.enable)) return 'on';
    if (buffer.equals(s.site.placeholder)) return 'off';
    return 'foreign';
  });
}
