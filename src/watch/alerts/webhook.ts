import { fullJitterDelay } from '../../client/backoff.js';
import { ERROR_CODES } from '../../core/error-codes.js';
import { CannotRunError } from '../../core/errors.js';
import { redactText } from '../../core/redact.js';
import { TOOL_VERSION } from '../../version.js';
import type { Incident } from '../types.js';

export interface WebhookSinkOptions {
  /** http:// or https://. Credentials in it (`https://user:pass@host/…`) are sent as Basic auth. */
  url: string;
  /** Per attempt, response body included. */
  timeoutMs?: number;
  /** Attempts per alert, the first included. */
  maxAttempts?: number;
  /** Backoff: attempt n waits a random time in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))]. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Alerts waiting to be sent; beyond it the oldest is dropped. */
  maxQueue?: number;
  fetchImpl?: typeof fetch;
  /** One line per alert given up on (and once per overflow episode); never contains the URL's secrets. */
  onError?: (message: string) => void;
  /** For tests: the jitter source. */
  random?: () => number;
}

export interface WebhookStats {
  /** Alerts the endpoint accepted (2xx). */
  sent: number;
  /** Alerts given up on: attempts exhausted, a 4xx other than 408/429, or not serialisable. */
  failed: number;
  /** Alerts dropped from a full queue. */
  dropped: number;
  /** Attempts after the first. */
  retries: number;
  /** Alerts waiting, the one being sent included. */
  queued: number;
}

interface Job {
  id: string;
  kind: string;
  body: string;
}

/**
 * Posts each incident as JSON (`{ type: 'incident', ...incident }`) to a webhook, one at a time in
 * order, from a bounded queue. send() only enqueues: it returns at once and never throws, so sampling
 * is never held up by a slow or dead endpoint. Network errors, timeouts, 408, 429 and 5xx are retried
 * with full-jitter exponential backoff (a Retry-After header is honoured up to maxDelayMs); the
 * request carries `X-Lifeline-Incident` so a receiver can drop a retried duplicate.
 */
export class WebhookSink {
  private readonly url: string;
  private readonly headers: Record<string, string>;
  /** Where errors say they were sending: scheme, host and port only (paths often hold tokens). */
  private readonly shownUrl: string;
  private readonly secrets: string[];
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxQueue: number;
  private readonly fetchImpl: typeof fetch;
  private readonly onError: ((message: string) => void) | undefined;
  private readonly random: () => number;

  private readonly queue: Job[] = [];
  private busy = false;
  private scheduled = false;
  private overflowReported = false;
  private closed = false;
  private inflight: AbortController | undefined;
  private idleWaiters: (() => void)[] = [];
  private readonly counts = { sent: 0, failed: 0, dropped: 0, retries: 0 };

  constructor({
    url,
    timeoutMs = 5000,
    maxAttempts = 5,
    baseDelayMs = 500,
    maxDelayMs = 30_000,
    maxQueue = 1000,
    fetchImpl = fetch,
    onError,
    random = Math.random,
  }: WebhookSinkOptions) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw badWebhook('The webhook URL is not a valid URL; give a full http:// or https:// address.');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw badWebhook(
        `The webhook URL must start with http:// or https://, not ${parsed.protocol}//; give an HTTP endpoint.`,
      );
    }
    for (const [name, value] of [
      ['timeoutMs', timeoutMs],
      ['maxAttempts', maxAttempts],
      ['maxQueue', maxQueue],
    ] as const) {
      if (!Number.isFinite(value) || value < 1) {
        throw badWebhook(`The webhook ${name} must be a positive number, not ${String(value)}.`);
      }
    }

    this.headers = {
      'content-type': 'application/json',
      'user-agent': `redis-lifeline/${TOOL_VERSION}`,
    };
    const user = decodeURIComponent(parsed.username);
    const password = decodeURIComponent(parsed.password);
    if (user || password) {
      this.headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      parsed.username = '';
      parsed.password = '';
    }
    this.url = parsed.toString();
    this.shownUrl = parsed.origin;
    this.secrets = [
      url,
      this.url,
      parsed.pathname.length > 1 ? parsed.pathname : '',
      parsed.search,
      password,
    ];
    this.timeoutMs = timeoutMs;
    this.maxAttempts = Math.floor(maxAttempts);
    this.baseDelayMs = Math.max(0, baseDelayMs);
    this.maxDelayMs = Math.max(this.baseDelayMs, maxDelayMs);
    this.maxQueue = Math.floor(maxQueue);
    this.fetchImpl = fetchImpl;
    this.onError = onError;
    this.random = random;
  }

  get stats(): WebhookStats {
    return { ...this.counts, queued: this.queue.length + (this.busy ? 1 : 0) };
  }

  /** Queues an incident for delivery and returns at once; never throws. Ignored after close(). */
  send(incident: Incident): void {
    if (this.closed) return;
    try {
      const body = JSON.stringify({ type: 'incident', ...incident });
      this.queue.push({ id: String(incident.id), kind: String(incident.kind), body });
    } catch (error) {
      this.counts.failed += 1;
      const id = typeof incident === 'object' && incident !== null ? String(incident.id) : '?';
      this.report(`webhook: alert ${id} was not sent: it cannot be serialised (${oneLine(error)})`);
      return;
    }
    while (this.queue.length > this.maxQueue) {
      this.queue.shift();
      this.counts.dropped += 1;
      if (!this.overflowReported) {
        this.overflowReported = true;
        this.report(
          `webhook: ${this.maxQueue} alerts are waiting for ${this.shownUrl}; dropping the oldest until it catches up`,
        );
      }
    }
    this.schedule();
  }

  /**
   * Resolves when every queued alert has been delivered or given up on, or after timeoutMs, whichever
   * comes first (alerts still queued then stay queued; stats.queued says how many).
   */
  flush(timeoutMs = 5000): Promise<void> {
    if (!this.busy && this.queue.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      const waiter = () => done();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.idleWaiters.push(waiter);
    });
  }

  /**
   * Stops for good: aborts the request in flight and drops what is queued (counted in stats.dropped),
   * so nothing keeps the process alive. Call flush() first to give queued alerts their chance.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.counts.dropped += this.queue.length;
    this.queue.length = 0;
    this.inflight?.abort();
  }

  private schedule(): void {
    if (this.busy || this.scheduled) return;
    this.scheduled = true;
    // Start on the next turn: even the first fetch (which loads undici) stays off the caller's path.
    setImmediate(() => {
      this.scheduled = false;
      void this.drainQueue();
    });
  }

  private async drainQueue(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let job = this.queue.shift(); job; job = this.queue.shift()) {
        await this.deliver(job);
      }
    } finally {
      this.busy = false;
      this.overflowReported = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const waiter of waiters) waiter();
    }
  }

  private async deliver(job: Job): Promise<void> {
    let problem = '';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
      if (attempt > 1) this.counts.retries += 1;
      const outcome = await this.attempt(job);
      if (this.closed && !outcome.ok) {
        this.counts.dropped += 1;
        return;
      }
      if (outcome.ok) {
        this.counts.sent += 1;
        return;
      }
      problem = outcome.problem;
      if (!outcome.retry) break;
      if (attempt < this.maxAttempts) {
        const jitter = fullJitterDelay(
          attempt,
          { baseMs: this.baseDelayMs, capMs: this.maxDelayMs },
          this.random,
        );
        const delay =
          outcome.retryAfterMs !== undefined ? Math.min(this.maxDelayMs, outcome.retryAfterMs) : jitter;
        await sleep(delay);
        if (this.closed) {
          this.counts.dropped += 1;
          return;
        }
      } else {
        problem = `${problem} after ${this.maxAttempts} attempt${this.maxAttempts === 1 ? '' : 's'}`;
      }
    }
    this.counts.failed += 1;
    this.report(`webhook: alert ${job.id} (${job.kind}) was not delivered to ${this.shownUrl}: ${problem}`);
  }

  private async attempt(
    job: Job,
  ): Promise<{ ok: true } | { ok: false; retry: boolean; problem: string; retryAfterMs?: number }> {
    const controller = new AbortController();
    this.inflight = controller;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    try {
      const response = await this.fetchImpl(this.url, {
        method: 'POST',
        headers: { ...this.headers, 'x-lifeline-incident': job.id },
        body: job.body,
        signal: controller.signal,
        redirect: 'manual',
      });
      // Read (and discard) the body so the connection can be reused; the timeout covers it too.
      await response.text().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { ok: true };
      const retry = response.status >= 500 || response.status === 429 || response.status === 408;
      const retryAfterMs = retry ? parseRetryAfter(response.headers.get('retry-after')) : undefined;
      return {
        ok: false,
        retry,
        problem: `HTTP ${response.status}`,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    } catch (error) {
      const problem = timedOut
        ? `no answer within ${this.timeoutMs} ms`
        : redactText(oneLine(error), this.secrets);
      return { ok: false, retry: true, problem };
    } finally {
      clearTimeout(timer);
      this.inflight = undefined;
    }
  }

  private report(message: string): void {
    if (!this.onError) return;
    try {
      this.onError(redactText(message, this.secrets));
    } catch {
      // The reporter's own failure must not stop deliveries.
    }
  }
}

function badWebhook(message: string): CannotRunError {
  return new CannotRunError(ERROR_CODES.badWebhook, message);
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The error's message plus its cause's code (fetch says only "fetch failed"), on one line. */
function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error).split('\n')[0] ?? '';
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const detail =
    cause && typeof cause === 'object'
      ? typeof cause.code === 'string'
        ? cause.code
        : typeof cause.message === 'string'
          ? cause.message
          : ''
      : '';
  const text = detail ? `${error.message} (${detail})` : error.message;
  return text.split('\n')[0] ?? text;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });
}
