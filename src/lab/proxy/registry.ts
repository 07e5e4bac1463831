import { ERROR_CODES } from '../../core/error-codes.js';
import type { ToxicSpec } from './active-toxic.js';
import { ProxyError } from './errors.js';
import { FaultProxy, type NewToxic } from './proxy.js';

/** Toxiproxy's proxy fields: what POST /proxies and each entry of POST /populate carry. */
export interface ProxyFields {
  name: string;
  /** @default 127.0.0.1:0 (a free port; the proxy then shows the real one) */
  listen?: string;
  upstream: string;
  /** @default true */
  enabled?: boolean;
}

/**
 * The named fault proxies of one control API (Toxiproxy's ProxyCollection). Changes run one at a time,
 * in the order they were asked for, as under Toxiproxy's collection lock: two requests for the same name
 * can never both create it, and a delete is never overtaken by a toxic added after it.
 */
export class ProxyRegistry {
  private readonly proxies = new Map<string, FaultProxy>();
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private closing: Promise<void> | undefined;

  /** The proxies, in the order they were created. */
  list(): FaultProxy[] {
    return [...this.proxies.values()];
  }

  has(name: string): boolean {
    return this.proxies.has(name);
  }

  get(name: string): FaultProxy {
    const proxy = this.proxies.get(name);
    if (!proxy) throw new ProxyError(ERROR_CODES.proxyNotFound, `proxy not found: "${name}"`, 404);
    return proxy;
  }

  /** Creates and starts a proxy; 409 when the name is taken or the listen address is busy. */
  create(fields: ProxyFields): Promise<FaultProxy> {
    return this.exclusive(async () => {
      const proxy = newProxy(fields);
      if (this.proxies.has(proxy.name)) {
        throw new ProxyError(ERROR_CODES.proxyExists, `proxy already exists: "${proxy.name}"`, 409);
      }
      await proxy.start();
      this.proxies.set(proxy.name, proxy);
      return proxy;
    });
  }

  /**
   * Toxiproxy's /populate: checks every entry first (nothing changes when one is wrong), then creates each
   * proxy, keeps an existing one whose listen and upstream match (toxics and all), and replaces one whose
   * addresses differ. A listen port of 0 matches whatever port the existing proxy got, so populating
   * the same list twice changes nothing.
   */
  populate(entries: readonly ProxyFields[]): Promise<FaultProxy[]> {
    return this.exclusive(async () => {
      const candidates: FaultProxy[] = [];
      const names = new Set<string>();
      entries.forEach((fields, i) => {
        const proxy = newProxy(fields, ` at proxy ${i + 1}`);
        if (names.has(proxy.name)) {
          throw new ProxyError(
            ERROR_CODES.proxyDuplicate,
            `duplicate proxy name "${proxy.name}" at proxy ${i + 1}`,
            400,
          );
        }
        names.add(proxy.name);
        candidates.push(proxy);
      });
      const out: FaultProxy[] = [];
      for (const candidate of candidates) {
        const existing = this.proxies.get(candidate.name);
        if (existing && sameAddresses(existing, candidate)) {
          out.push(existing);
          continue;
        }
        if (existing) {
          this.proxies.delete(existing.name);
          await existing.stop();
        }
        await candidate.start();
        this.proxies.set(candidate.name, candidate);
        out.push(candidate);
      }
      return out;
    });
  }

  /** Changes listen/upstream/enabled; a moved proxy restarts and drops its connections (as Toxiproxy). */
  update(
    name: string,
    fields: { listen?: string; upstream?: string; enabled?: boolean },
  ): Promise<FaultProxy> {
    return this.exclusive(async () => {
      const proxy = this.get(name);
      await proxy.update(fields);
      return proxy;
    });
  }

  /** Stops the proxy (closing its connections) and forgets it. */
  remove(name: string): Promise<void> {
    return this.exclusive(async () => {
      const proxy = this.get(name);
      this.proxies.delete(name);
      await proxy.stop();
    });
  }

  addToxic(proxyName: string, toxic: NewToxic): Promise<ToxicSpec> {
    return this.exclusive(async () => this.get(proxyName).addToxic(toxic));
  }

  updateToxic(
    proxyName: string,
    toxicName: string,
    fields: { toxicity?: number; attributes?: Record<string, number> },
  ): Promise<ToxicSpec> {
    return this.exclusive(async () => this.get(proxyName).updateToxic(toxicName, fields));
  }

  removeToxic(proxyName: string, toxicName: string): Promise<void> {
    return this.exclusive(async () => this.get(proxyName).removeToxic(toxicName));
  }

  /** Toxiproxy's /reset: every proxy enabled, every toxic removed. */
  reset(): Promise<void> {
    return this.exclusive(async () => {
      for (const proxy of this.proxies.values()) {
        await proxy.enable();
        proxy.removeAllToxics();
      }
    });
  }

  /** Stops every proxy; later changes are refused (503). Safe to call again. */
  close(): Promise<void> {
    this.closing ??= this.exclusive(async () => {
      this.closed = true;
      const proxies = this.list();
      this.proxies.clear();
      await Promise.all(proxies.map((p) => p.stop()));
    });
    return this.closing;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(() => {
      if (this.closed) throw new ProxyError(ERROR_CODES.proxyClosed, 'the proxy registry is closed', 503);
      return fn();
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function newProxy(fields: ProxyFields, where = ''): FaultProxy {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new ProxyError(ERROR_CODES.badRequest, `bad request body: expected a proxy object${where}`, 400);
  }
  for (const key of ['name', 'upstream'] as const) {
    if (fields[key] === undefined || fields[key] === '') {
      throw new ProxyError(ERROR_CODES.missingField, `missing required field: ${key}${where}`, 400);
    }
  }
  for (const key of ['name', 'listen', 'upstream'] as const) {
    if (fields[key] !== undefined && typeof fields[key] !== 'string') {
      throw new ProxyError(ERROR_CODES.badRequest, `bad request body: ${key} must be a string${where}`, 400);
    }
  }
  if (fields.enabled !== undefined && typeof fields.enabled !== 'boolean') {
    throw new ProxyError(
      ERROR_CODES.badRequest,
      `bad request body: enabled must be true or false${where}`,
      400,
    );
  }
  return new FaultProxy({
    name: fields.name,
    listen: fields.listen || undefined,
    upstream: fields.upstream,
    enabled: fields.enabled ?? true,
  });
}

/** Toxiproxy compares listen and upstream; a wanted port 0 matches any port on the same host. */
function sameAddresses(existing: FaultProxy, wanted: FaultProxy): boolean {
  if (existing.upstream !== wanted.upstream) return false;
  if (wanted.port !== 0) return existing.listen === wanted.listen;
  return existing.listen.replace(/:\d+$/, '') === wanted.listen.replace(/:\d+$/, '');
}
