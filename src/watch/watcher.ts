import { EventEmitter } from 'node:events';
import { CannotRunError } from '../core/errors.js';
import { parseRedisUrl } from '../core/redis-url.js';
import { docsUrl } from '../doctor/rules/define-rule.js';
import { RULES } from '../doctor/rules/index.js';
import { AlertGrouper } from './alerts/alert-grouping.js';
import type { Detection } from './detectors/detect-context.js';
import type { doctorAdvice } from './doctor-advice.js';
import { type ResolvedWatchOptions, resolveWatchOptions, type WatchOptions } from './options.js';
import { TargetWatcher } from './target-watcher.js';
import type { Incident, Sample } from './types.js';

export interface WatcherEvents {
  sample: [Sample];
  incident: [Incident];
  warning: [string];
}

/**
 * Watches every target on its own schedule. Emits each sample, each incident (first occurrences at
 * once, repeats within the grouping window as one summary when it ends) and warnings about watch
 * itself (a log it cannot follow, a CLIENT LIST it skips).
 */
export class Watcher extends EventEmitter<WatcherEvents> {
  readonly options: ResolvedWatchOptions;
  private readonly targets: TargetWatcher[];
  private readonly grouper: AlertGrouper;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private sequence = 0;
  private stopped = false;

  constructor(options: WatchOptions) {
    super();
    this.options = resolveWatchOptions(options);
    if (this.options.urls.length === 0)
      throw new CannotRunError('ERR_LIFELINE_NO_TARGET', 'Give at least one redis:// URL to watch.');
    if (this.options.logPath && this.options.urls.length > 1)
      throw new CannotRunError(
        'ERR_LIFELINE_LOG',
        '--log names one server log, so it can be used with one URL only (local servers of several URLs are found from CONFIG GET logfile).',
      );
    this.grouper = new AlertGrouper({ windowMs: this.options.groupWindowMs });
    const seen = new Set<string>();
    this.targets = this.options.urls.map((url) => {
      const target = parseRedisUrl(url);
      const key = `${target.host}:${target.port}/${target.db}`;
      if (seen.has(key))
        throw new CannotRunError('ERR_LIFELINE_BAD_URL', `${target.url} is given twice; watch it once.`);
      seen.add(key);
      return new TargetWatcher(target, this.options, {
        sample: (sample) => this.emit('sample', sample),
        detection: (detection, advice, at) => this.raise(target.url, detection, advice, at),
        warning: (message) => this.emit('warning', message),
      });
    });
  }

  /** The targets' URLs as printed (passwords redacted). */
  get targetUrls(): string[] {
    return this.targets.map((t) => t.target.url);
  }

  /**
   * Connects to every target (a target that cannot be used at start is a usage error, thrown as a
   * CannotRunError), takes the first samples, then keeps sampling every interval until stop().
   */
  async start(): Promise<void> {
    try {
      await Promise.all(this.targets.map((t) => t.open()));
    } catch (error) {
      for (const t of this.targets) t.close();
      throw error;
    }
    for (const t of this.targets) this.schedule(t, Date.now());
  }

  /** Stops sampling, waits for rounds in flight (bounded by their own timeouts) and emits held summaries. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
    for (const t of this.targets) t.close();
    for (const summary of this.grouper.drain()) this.emit('incident', summary);
  }

  private schedule(target: TargetWatcher, dueAt: number): void {
    if (this.stopped) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        const round = target.round().finally(() => {
          this.inFlight.delete(round);
          for (const summary of this.grouper.flush(Date.now())) this.emit('incident', summary);
          // The next round keeps the cadence; a round slower than the interval skips ahead, never overlaps.
          const now = Date.now();
          let next = dueAt + this.options.intervalMs;
          while (next <= now) next += this.options.intervalMs;
          this.schedule(target, next);
        });
        this.inFlight.add(round);
      },
      Math.max(0, dueAt - Date.now()),
    );
    this.timers.add(timer);
  }

  private raise(
    target: string,
    detection: Detection,
    advice: ReturnType<typeof doctorAdvice>,
    at: number,
  ): void {
    const when = new Date(at).toISOString();
    const { fix, explanation, ...rest } = detection;
    const incident: Incident = {
      id: `${target}#${++this.sequence}`,
      target,
      ...rest,
      explanation: explanation ?? advice?.explanation ?? '',
      fix: advice?.fix ?? fix ?? [],
      docs: RULES.some((r) => r.id === detection.cause)
        ? docsUrl(detection.cause)
        : `docs/watch.md#${detection.cause}`,
      at: when,
      occurrences: 1,
      firstAt: when,
      lastAt: when,
    };
    const passed = this.grouper.offer(incident);
    if (passed) this.emit('incident', passed);
  }
}
