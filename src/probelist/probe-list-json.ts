/** Probe list <-> JSON text. Addresses and bytes are hex strings; one site per line. */
import { UserError } from '../util/user-error.js';
import {
  PROBE_LIST_FORMAT,
  PROBE_LIST_VERSION,
  type BinaryIdentity,
  type HookAddresses,
  type ProbeFunction,
  type ProbeList,
  type ProbeSite,
  type SiteForm,
  type SiteKind,
} from './probe-list.js';

const hex = (n: number) => `0x${n.toString(16)}`;

function siteToJson(s: ProbeSite): Record<string, unknown> {
  return {
    address: hex(s.address),
    length: s.length,
    kind: s.kind,
    form: s.form,
    function: s.function,
    original: s.original.toString('hex'),
    placeholder: s.placeholder.toString('hex'),
    enable: s.enable ? s.enable.toString('hex') : null,
    ...(s.name !== undefined ? { name: s.name } : {}),
    ...(s.file !== undefined ? { file: s.file, line: s.line } : {}),
  };
}

function functionToJson(f: ProbeFunction): Record<string, unknown> {
  return {
    name: f.name,
    linkName: f.linkName,
    address: hex(f.address),
    size: f.size,
    ...(f.file !== undefined ? { file: f.file, line: f.line } : {}),
  };
}

const hooksToJson = (h: HookAddresses) => ({ plt: h.plt.map(hex), got: h.got.map(hex) });

export function serializeProbeList(list: ProbeList): string {
  const head = {
    format: PROBE_LIST_FORMAT,
    version: list.version,
    tool: list.tool,
    binary: { ...list.binary, linkBase: hex(list.binary.linkBase) },
    source: list.source,
    hooks: {
      entry: hooksToJson(list.hooks.entry),
      exit: hooksToJson(list.hooks.exit),
      ...(list.hooks.point
        ? { point: { slot: hex(list.hooks.point.slot), slotDefault: hex(list.hooks.point.slotDefault) } }
        : {}),
    },
  };
  const headText = JSON.stringify(head, null, 2).replace(/\n}$/, '');
  const lines = (items: Record<string, unknown>[]) => items.map((i) => `    ${JSON.stringify(i)}`).join(',\n');
  return (
    `${headText},\n` +
    `  "functions": [\n${lines(list.functions.map(functionToJson))}\n  ],\n` +
    `  "sites": [\n${lines(list.sites.map(siteToJson))}\n  ]\n}\n`
  );
}

/** Parses and validates a probe list; anything malformed is a one-line UserError naming the field. */
export function parseProbeList(text: string, origin: string): ProbeList {
  const fail = (what: string): never => {
    throw new UserError(
      `malformed probe list ${origin}: ${what}`,
      'regenerate it with iprobe coldpatch on the instrumented binary',
    );
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return fail(`not JSON (${(err as Error).message})`);
  }
  const v = new Validator(fail);
  const root = v.object(doc, 'the document');
  if (root.format !== PROBE_LIST_FORMAT) fail(`"format" is not "${PROBE_LIST_FORMAT}"`);
  if (root.version !== PROBE_LIST_VERSION) {
    throw new UserError(
      `probe list ${origin} has version ${String(root.version)}; this iprobe reads version ${PROBE_LIST_VERSION}`,
      'regenerate it with this version of iprobe coldpatch',
    );
  }
  const binary = v.object(root.binary, 'binary');
  const hooks = v.object(root.hooks, 'hooks');
  const functions = v.array(root.functions, 'functions').map((f, i) => v.probeFunction(f, i));
  const sites = v.array(root.sites, 'sites').map((s, i) => v.site(s, i, functions.length));
  const elfType = binary.elfType;
  if (elfType !== 'exec' && elfType !== 'dyn') fail('binary.elfType must be "exec" or "dyn"');
  const point = hooks.point === undefined ? undefined : v.object(hooks.point, 'hooks.point');
  return {
    version: PROBE_LIST_VERSION,
    tool: v.string(root.tool, 'tool'),
    binary: {
      ...v.identity(binary, 'binary'),
      elfType: elfType as 'exec' | 'dyn',
      linkBase: v.address(binary.linkBase, 'binary.linkBase'),
      pie: v.boolean(binary.pie, 'binary.pie'),
      bindNow: v.boolean(binary.bindNow, 'binary.bindNow'),
      relro: v.boolean(binary.relro, 'binary.relro'),
      stripped: v.boolean(binary.stripped, 'binary.stripped'),
    },
    source: v.identity(v.object(root.source, 'source'), 'source'),
    hooks: {
      entry: v.hooks(hooks.entry, 'hooks.entry'),
      exit: v.hooks(hooks.exit, 'hooks.exit'),
      ...(point
        ? {
            point: {
              slot: v.address(point.slot, 'hooks.point.slot'),
              slotDefault: v.address(point.slotDefault, 'hooks.point.slotDefault'),
            },
          }
        : {}),
    },
    functions,
    sites,
  };
}

const SITE_KINDS: readonly SiteKind[] = ['entry', 'exit', 'point', 'patchable-entry'];
const SITE_FORMS: readonly SiteForm[] = ['call', 'call-indirect', 'tail-jump', 'tail-jump-indirect', 'nop'];

class Validator {
  constructor(private readonly fail: (what: string) => never) {}

  object(x: unknown, what: string): Record<string, unknown> {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) return this.fail(`${what} must be an object`);
    return x as Record<string, unknown>;
  }
  array(x: unknown, what: string): unknown[] {
    if (!Array.isArray(x)) return this.fail(`${what} must be an array`);
    return x;
  }
  string(x: unknown, what: string): string {
    if (typeof x !== 'string') return this.fail(`${what} must be a string`);
    return x;
  }
  boolean(x: unknown, what: string): boolean {
    if (typeof x !== 'boolean') return this.fail(`${what} must be true or false`);
    return x;
  }
  count(x: unknown, what: string): number {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) return this.fail(`${what} must be a non-negative integer`);
    return x;
  }
  address(x: unknown, what: string): number {
    if (typeof x !== 'string' || !/^0x[0-9a-f]{1,13}$/i.test(x)) return this.fail(`${what} must be a hex address like "0x1139"`);
    return Number.parseInt(x.slice(2), 16);
  }
  bytes(x: unknown, what: string): Buffer {
    if (typeof x !== 'string' || !/^([0-9a-f]{2})+$/i.test(x)) return this.fail(`${what} must be hex bytes`);
    return Buffer.from(x, 'hex');
  }
  identity(o: Record<string, unknown>, what: string): BinaryIdentity {
    const buildId = o.buildId;
    if (buildId !== null && (typeof buildId !== 'string' || !/^[0-9a-f]+$/.test(buildId))) {
      this.fail(`${what}.buildId must be hex or null`);
    }
    const sha256 = this.string(o.sha256, `${what}.sha256`);
    if (!/^[0-9a-f]{64}$/.test(sha256)) this.fail(`${what}.sha256 must be 64 hex digits`);
    const loadSha256 = o.loadSha256;
    if (loadSha256 !== undefined && (typeof loadSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(loadSha256))) {
      this.fail(`${what}.loadSha256 must be 64 hex digits`);
    }
    return {
      file: this.string(o.file, `${what}.file`),
      buildId: buildId as string | null,
      sha256,
      ...(loadSha256 !== undefined ? { loadSha256: loadSha256 as string } : {}),
      size: this.count(o.size, `${what}.size`),
    };
  }
  hooks(x: unknown, what: string): HookAddresses {
    const o = this.object(x, what);
    return {
      plt: this.array(o.plt, `${what}.plt`).map((a, i) => this.address(a, `${what}.plt[${i}]`)),
      got: this.array(o.got, `${what}.got`).map((a, i) => this.address(a, `${what}.got[${i}]`)),
    };
  }
  // Functions and sites are checked with module-level predicates, naming the
  // field only when one fails: a list holds thousands of them, and building
  // every field's path up front was most of the cost of reading one.
  probeFunction(x: unknown, index: number): ProbeFunction {
    const bad = (field: string, rule: string): never => this.fail(`functions[${index}]${field} ${rule}`);
    if (!isRecord(x)) return bad('', 'must be an object');
    const { name, linkName, address, size } = x;
    if (typeof name !== 'string') bad('.name', 'must be a string');
    if (typeof linkName !== 'string') bad('.linkName', 'must be a string');
    if (!isAddress(address)) bad('.address', ADDRESS_RULE);
    if (!isCount(size)) bad('.size', COUNT_RULE);
    const f: ProbeFunction = { name: name as string, linkName: linkName as string, address: parseAddress(address as string), size: size as number };
    if (x.file !== undefined) this.addSourceLine(f, x, bad);
    return f;
  }
  site(x: unknown, index: number, functionCount: number): ProbeSite {
    const bad = (field: string, rule: string): never => this.fail(`sites[${index}]${field} ${rule}`);
    if (!isRecord(x)) return bad('', 'must be an object');
    const { kind, form, length, function: fn, address } = x;
    if (!SITE_KINDS.includes(kind as SiteKind)) bad('.kind', `must be one of ${SITE_KINDS.join(', ')}`);
    if (!SITE_FORMS.includes(form as SiteForm)) bad('.form', `must be one of ${SITE_FORMS.join(', ')}`);
    if (!isCount(length)) bad('.length', COUNT_RULE);
    if (!isCount(fn)) bad('.function', COUNT_RULE);
    if ((fn as number) >= functionCount) bad('.function', 'refers to a function that is not in the list');
    const original = this.siteBytes(x, 'original', length as number, bad);
    const placeholder = this.siteBytes(x, 'placeholder', length as number, bad);
    const enable = x.enable === null ? null : this.siteBytes(x, 'enable', length as number, bad);
    if (!isAddress(address)) bad('.address', ADDRESS_RULE);
    const site: ProbeSite = {
      address: parseAddress(address as string),
      length: length as number,
      kind: kind as SiteKind,
      form: form as SiteForm,
      function: fn as number,
      original,
      placeholder,
      enable,
    };
    if (x.name !== undefined) site.name = typeof x.name === 'string' ? x.name : bad('.name', 'must be a string');
    if (x.file !== undefined) this.addSourceLine(site, x, bad);
    return site;
  }
  private siteBytes(o: Record<string, unknown>, field: 'original' | 'placeholder' | 'enable', length: number, bad: (field: string, rule: string) => never): Buffer {
    const hex = o[field];
    if (typeof hex !== 'string' || !HEX_BYTES.test(hex)) return bad(`.${field}`, 'must be hex bytes');
    if (hex.length !== 2 * length) bad(`.${field}`, `is not ${length} bytes long`);
    return this.decodeHex(hex);
  }
  // Most sites share their placeholder, and a call site's enable bytes are
  // its original ones: each distinct byte string is decoded once and its
  // Buffer shared (ProbeSite's byte fields are read, never written).
  private readonly decoded = new Map<string, Buffer>();
  private decodeHex(hex: string): Buffer {
    let bytes = this.decoded.get(hex);
    if (!bytes) {
      bytes = Buffer.from(hex, 'hex');
      this.decoded.set(hex, bytes);
    }
    return bytes;
  }
  private addSourceLine(to: { file?: string; line?: number }, o: Record<string, unknown>, bad: (field: string, rule: string) => never): void {
    to.file = typeof o.file === 'string' ? o.file : bad('.file', 'must be a string');
    to.line = isCount(o.line) ? o.line : bad('.line', COUNT_RULE);
  }
}

const HEX_BYTES = /^(?:[0-9a-f]{2})+$/i;
const ADDRESS = /^0x[0-9a-f]{1,13}$/i;
const ADDRESS_RULE = 'must be a hex address like "0x1139"';
const COUNT_RULE = 'must be a non-negative integer';

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}
function isAddress(x: unknown): x is string {
  return typeof x === 'string' && ADDRESS.test(x);
}
function parseAddress(x: string): number {
  return Number.parseInt(x.slice(2), 16);
}
