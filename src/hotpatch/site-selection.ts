/** Which probe-list sites an `iprobe hot` request means. */
import type { ProbeSite, SiteKind } from '../probelist/probe-list.js';
import { NameMatcher } from '../util/name-glob.js';
import type { ProbedObject } from './probed-objects.js';

export interface SiteSelection {
  /** Function (or IPROBE_POINT) name globs; ignored with `all`. */
  functions: readonly string[];
  all: boolean;
  kinds: ReadonlySet<SiteKind>;
}

export interface SelectedSite {
  object: ProbedObject;
  site: ProbeSite;
  /** Address in the target process. */
  address: number;
  functionName: string;
}

export const DEFAULT_KINDS: ReadonlySet<SiteKind> = new Set(['entry', 'exit', 'point']);

export function selectSites(objects: readonly ProbedObject[], selection: SiteSelection): SelectedSite[] {
  const matcher = selection.all ? undefined : new NameMatcher(selection.functions);
  const selected: SelectedSite[] = [];
  for (const object of objects) {
    for (const site of object.list.sites) {
      if (!selection.kinds.has(site.kind) || site.enable === null) continue;
      const fn = object.list.functions[site.function]!;
      const wanted =
        !matcher || matcher.matches(fn.name, fn.linkName) || (site.name !== undefined && matcher.matches(site.name, site.name));
      if (wanted) selected.push({ object, site, address: site.address + object.bias, functionName: fn.name });
    }
  }
  return selected;
}
