import { EventEmitter } from 'node:events';
import { ERROR_CODES } from '../core/error-codes.js';
import { CannotRunError } from '../core/errors.js';
import { parseRedisUrl } from '../core/redis-url.js';
import { docsPath } from '../docs-path.js';
import { ruleDocsPath } from '../doctor/rules/define-rule.js';
import { RULES } from '../doctor/rules/index.js';
import { AlertGrouper } from './alerts/alert-grouping.js';
import type { Detection } from './detectors/detect-context.js';
import type { doctorAdvice } from './doctor-advice.js';
import { type ResolvedWatchOptions, resolveWatchOptions, type WatchOptions } from './options.js';
import { TargetWatcher } from './target-watcher.js';
import { CAUSE_OF_INCIDENT, type Incident, type Sample } from './types.js';

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
  private readonly advice = new Map<string, ReturnType<typeof doctorAdvice>>();
  private sequence = 0;
  private stopped = false;

  constructor(options: WatchOptions) {
    super();
    this.options = resolveWatchOptions(options);
    if (this.options.urls.length === 0)
      throw new CannotRunError(ERROR_CODES.noTarget, 'Give at least one redis:// URL to watch.');
    if (this.options.logPath && this.options.urls.length > 1)
      throw new CannotRunError(
        ERROR_CODES.log,
        '--log names one server log, so it can be used with one URL only (local servers of several URLs are found from CONFIG GET logfile).',
      );
    this.grouper = new AlertGrouper({ windowMs: this.options.groupWindowMs });
    const seen = new Set<string>();
    this.targets = this.options.urls.map((url) => {
      const target = parseRedisUrl(url);
      const key = `${target.host}:${target.port}/${target.db}`;
      if (seen.has(key))
        throw new CannotRunError(ERROR_CODES.badUrl, `${target.url} is given twice; watch it once.`);
      seen.add(key);
      return new TargetWatcher(target, this.options, {
        sample: (sample) => this.deliver('sample', sample),
        detection: (detection, advise, at) => this.raise(target.url, detection, advise, at),
        warning: (message) => this.deliver('warning', message),
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
      // stop() during start() closed the connections under it: that is no failure to start.
      if (this.stopped) return;
      throw error;
    }
    // stop() during start() closed the targets already; nothing may be scheduled after it.
    if (this.stopped) return;
    for (const t of this.targets) this.schedule(t, Date.now());
  }

  /**
   * Stops sampling at once: connections close now, rounds in flight end without reporting, and
   * summaries of held repeats are emitted.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const t of this.targets) t.close();
    await Promise.allSettled([...this.inFlight]);
    for (const summary of this.grouper.drain()) this.deliver('incident', summary);
  }

  private schedule(target: TargetWatcher, dueAt: number): void {
    if (this.stopped) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        const round = target.round().finally(() => {
          this.inFlight.delete(round);
          for (const summary of this.grouper.flush(Date.now())) this.deliver('incident', summary);
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

  /**
   * Emits to the application's listeners; one that throws must not stop watching or be taken for
   * an unreachable server, so its error becomes a warning.
   */
  private deliver<K extends keyof WatcherEvents>(event: K, ...args: WatcherEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: WatcherEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      if (event === 'warning') return;
      this.deliver('warning', `a '${event}' listener threw: ${(error as Error)?.message ?? String(error)}`);
    }
  }

  private raise(
    target: string,
    detection: Detection,
    advise: () => ReturnType<typeof doctorAdvice>,
    at: number,
  ): void {
    const when = new Date(at).toISOString();
    const { fix, explanation, ...rest } = detection;
    // A repeat that grouping holds back reuses the advice of the alert before it: the doctor's rule
    // re-reads the round (a CLIENT LIST of thousands of lines), which a repeat every round need not pay.
    const key = `${target}\u0000${detection.kind}`;
    const held = this.grouper.willAbsorb(target, detection.kind, detection.severity, at);
    const advice = held && this.advice.has(key) ? this.advice.get(key) : advise();
    this.advice.set(key, advice);
    const incident: Incident = {
      id: `${target}#${++this.sequence}`,
      target,
      ...rest,
      cause: CAUSE_OF_INCIDENT[detection.kind],
      explanation: explanation ?? advice?.explanation ?? '',
      fix: advice?.fix ?? fix ?? [],
      docs: RULES.some((r) => r.id === detection.kind)
        ? ruleDocsPath(detection.kind)
        : `${docsPath('watch.md')}#${detection.kind}`,
      at: when,
      occurrences: 1,
      firstAt: when,
      lastAt: when,
    };
    const passed = this.grouper.offer(incident);
    if (passed) this.deliver('incident', passed);
  }
}
