import type { Recognised } from './recognise-error.js';

/** One distinct error (its words and where they came from), shared by every occurrence. */
export interface ErrorKind {
  recognised: Recognised;
  /** The app log it was read from. */
  file: string;
  host: string | undefined;
  /** The Redis address the line names, when it names one. */
  peer: string | undefined;
  /** One line as written (redacted, cut), to show. */
  sample: string;
}

/** Errors kept for grouping at most: past it they are counted, and the answer says it is partial. */
export const MAX_ERRORS = 2_000_000;
const MAX_KINDS = 50_000;

/**
 * Every error occurrence as two numbers (when, which kind) in typed arrays: 10^6 errors are 12 MB.
 * Kinds are deduplicated; past MAX_KINDS, new words fold into the last kind of the same file and event.
 */
export class ErrorStore {
  at = new Float64Array(4096);
  kind = new Uint32Array(4096);
  /** Resolution of each occurrence's timestamp, ms (the coarsest in a burst bounds its matching). */
  precision = new Uint16Array(4096);
  size = 0;
  dropped = 0;
  readonly kinds: ErrorKind[] = [];
  private readonly byKey = new Map<string, number>();
  private readonly fallback = new Map<string, number>();

  add(at: number, precisionMs: number, kind: Omit<ErrorKind, 'sample'> & { sample: () => string }): void {
    if (this.size >= MAX_ERRORS) {
      this.dropped++;
      return;
    }
    const id = this.kindId(kind);
    if (this.size === this.at.length) this.grow();
    this.at[this.size] = at;
    this.kind[this.size] = id;
    this.precision[this.size] = Math.min(precisionMs, 65_535);
    this.size++;
  }

  private kindId(k: Omit<ErrorKind, 'sample'> & { sample: () => string }): number {
    const r = k.recognised;
    const key = `${k.file}\0${k.host ?? ''}\0${k.peer ?? ''}\0${r.event}\0${r.client ?? ''}\0${r.text}`;
    let id = this.byKey.get(key);
    if (id !== undefined) return id;
    const coarse = `${k.file}\0${r.event}`;
    if (this.kinds.length >= MAX_KINDS) {
      id = this.fallback.get(coarse);
      if (id !== undefined) return id;
    }
    id = this.kinds.length;
    this.kinds.push({ recognised: r, file: k.file, host: k.host, peer: k.peer, sample: k.sample() });
    if (this.kinds.length < MAX_KINDS) this.byKey.set(key, id);
    this.fallback.set(coarse, id);
    return id;
  }

  private grow(): void {
    const n = this.at.length * 2;
    const at = new Float64Array(n);
    at.set(this.at);
    this.at = at;
    const kind = new Uint32Array(n);
    kind.set(this.kind);
    this.kind = kind;
    const precision = new Uint16Array(n);
    precision.set(this.precision);
    this.precision = precision;
  }
}
