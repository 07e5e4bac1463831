import { isAbsolute, join } from 'node:path';
import { clientListRisk } from '../core/client-list-guard.js';
import { ERROR_CODES } from '../core/error-codes.js';
import { CannotRunError } from '../core/errors.js';
import { localServerProcess } from '../core/local-server.js';
import { RunEndTracker } from '../core/log/run-end.js';
import type { LogEvent } from '../core/log/summarize-log.js';
import { bufferLimitsOf } from '../core/parse-buffer-limits.js';
import type { RedisTarget } from '../core/redis-url.js';
import { capReply, ReplyTooLargeError } from '../core/reply-cap.js';
import { notPermitted } from '../doctor/collectors/context.js';
import { type TargetIdentity, targetIdentity } from '../doctor/evidence.js';
import { redisCli } from '../doctor/rules/helpers.js';
import {
  type DetectContext,
  type Detection,
  type DetectorMemory,
  newDetectorMemory,
  processChanged,
  type Round,
  type RunEnd,
  watchRunEnd,
} from './detectors/detect-context.js';
import { DETECTORS } from './detectors/index.js';
import { detectTargetUnreachable } from './detectors/target-unreachable.js';
import { doctorAdvice } from './doctor-advice.js';
import { type ResolvedWatchOptions, WATCH_DEFAULTS } from './options.js';
import { LogTail } from './sampling/log-tail.js';
import { type ClientList, readClientList } from './sampling/read-client-list.js';
import { counters, gauges, readInfo, serverFacts } from './sampling/read-info.js';
import { TargetLink } from './sampling/target-link.js';
import type { Sample } from './types.js';

// A CLIENT LIST that failed for another reason than permissions (a timeout on a huge list) is tried
// again this much later; INFO keeps the round going meanwhile.
const CLIENT_LIST_BACKOFF_MS = 60_000;

export interface TargetEvents {
  sample(sample: Sample): void;
  /** `advise` computes the doctor's fix for it; call it at once or never (it reads this round). */
  detection(detection: Detection, advise: () => ReturnType<typeof doctorAdvice>, at: number): void;
  warning(message: string): void;
}

interface Detected {
  detection: Detection;
  advise: () => ReturnType<typeof doctorAdvice>;
}

/**
 * Samples one target every round: INFO always, CONFIG now and then, CLIENT LIST within its time
 * budget, the server log when it is local. A failed round is a sample with up=false, and the
 * connection is opened again on the next one.
 */
export class TargetWatcher {
  private readonly link: TargetLink;
  private readonly identity: TargetIdentity;
  private prev: Round | undefined;
  private lastList: ClientList | undefined;
  private nextListAt = 0;
  private downSince: number | undefined;
  private connectsAtPrev = 0;
  private log: LogTail | undefined;
  private logChecked = false;
  private readonly runEnds = new RunEndTracker();
  private pendingRunEnd: RunEnd;
  private readonly memory: DetectorMemory = newDetectorMemory();
  /** The server takes one INFO section per call (before 7.0): ask for "all" without trying first. */
  private readonly infoMode = { all: false };
  private configWarned = false;
  private closed = false;
  /** The first INFO said redis_mode:cluster (or cluster_enabled:1): watch discovers the cluster from it. */
  clusterEnabled = false;

  constructor(
    readonly target: RedisTarget,
    private readonly options: ResolvedWatchOptions,
    private readonly events: TargetEvents,
  ) {
    this.link = new TargetLink(target, options);
    this.identity = targetIdentity(target);
  }

  /**
   * Opens the connection and reads INFO once; a target that cannot be used at start is the user's
   * error (exit 2), and so is a user that may not run INFO (watch has nothing to sample then).
   */
  async open(): Promise<void> {
    const redis = await this.link.open();
    try {
      const info = await capReply(redis, 'INFO', () => readInfo(redis, this.infoMode));
      this.clusterEnabled = info.fields.cluster_enabled === '1' || info.fields.redis_mode === 'cluster';
    } catch (error) {
      this.link.close();
      const denied = notPermitted(error);
      if (denied)
        throw new CannotRunError(
          ERROR_CODES.noPerm,
          `${this.target.url}: INFO is not permitted for this user (${denied}); watch needs at least +info (and +client|list, +config|get for every detector).`,
        );
      const message = (error as Error).message.replace(/\s+/g, ' ').slice(0, 200);
      const reason =
        error instanceof ReplyTooLargeError
          ? `failed: ${error.reason}`
          : /timed out/i.test(message)
            ? `did not answer within ${this.options.timeoutMs} ms`
            : redis.status === 'end'
              ? 'failed: the server closed the connection'
              : `failed: ${message}`;
      throw new CannotRunError(
        ERROR_CODES.notRedis,
        `${this.target.url}: INFO ${reason}. A Redis server answers it at once: check that this is a Redis port and that the server is healthy (or raise --timeout).`,
      );
    }
  }

  /** Stops for good: the connection closes now, and a round in flight reports nothing. */
  close(): void {
    this.closed = true;
    this.link.close();
  }

  async round(): Promise<void> {
    const at = Date.now();
    let sample: Sample;
    let detections: Detected[] = [];
    try {
      ({ sample, detections } = await this.sampleOnce(at));
    } catch (error) {
      if (this.closed) return;
      this.link.dropConnection();
      const message = (error as Error).message.replace(/\s+/g, ' ').trim();
      sample = { target: this.target.url, at, up: false, error: message, durationMs: Date.now() - at };
      if (this.downSince === undefined) {
        this.downSince = at;
        const last = this.prev?.sample;
        const detection = detectTargetUnreachable(
          message,
          last ? { at: last.at, connectedClients: last.gauges.connectedClients } : undefined,
          this.cli,
        );
        detections = [{ detection, advise: () => undefined }];
      }
    }
    if (this.closed) return;
    // State has moved on before anyone hears of this round, so a listener cannot make it repeat.
    this.events.sample(sample);
    for (const { detection, advise } of detections) this.events.detection(detection, advise, at);
  }

  private async sampleOnce(at: number): Promise<{ sample: Sample; detections: Detected[] }> {
    const connectsBefore = this.link.connectsMade;
    const redis = await this.link.open();
    const started = performance.now();
    const info = await capReply(redis, 'INFO', () => readInfo(redis, this.infoMode));
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    const server = serverFacts(info);
    if (this.link.connectsMade !== connectsBefore)
      await this.link.nameLibrary(server.product, server.version);
    await this.link.refreshConfig(WATCH_DEFAULTS.configEveryMs);
    const config = this.link.config;
    if (!config && this.link.configReason && !this.configWarned) {
      this.configWarned = true;
      this.events.warning(
        `${this.target.url}: CONFIG GET failed (${this.link.configReason}); detectors that compare with the server's settings (timeout, limits, log) are off`,
      );
    }
    const logEvents = await this.readLog(server.pid, config);
    const clientList = await this.maybeListClients(info.fields.connected_clients, config);

    const sample = {
      target: this.target.url,
      at,
      up: true,
      durationMs,
      server,
      counters: counters(info),
      gauges: gauges(info, config),
      ...(clientList ? { clients: clientList.facts } : {}),
    };
    const cur: Round = { sample, info, logEvents, ...(clientList ? { clientList } : {}) };
    const changed = this.prev !== undefined && processChanged(this.prev.sample.server, server);
    const ctx: DetectContext = {
      cur,
      prev: this.prev,
      // Clients listed before a restart or failover vanished with it, not one by one.
      prevList: changed ? undefined : this.lastList,
      config,
      logFollowed: this.log !== undefined,
      previousRunEnd: changed ? this.pendingRunEnd : undefined,
      downSince: this.downSince,
      ownConnects: this.link.connectsMade - this.connectsAtPrev,
      options: this.options,
      memory: this.memory,
      cli: this.cli,
    };
    const detections = DETECTORS.flatMap((detector) =>
      detector(ctx).map((detection) => ({
        detection,
        advise: () => doctorAdvice(detection.kind, ctx, this.identity),
      })),
    );
    if (changed) this.pendingRunEnd = undefined;
    this.prev = cur;
    if (clientList) this.lastList = clientList;
    this.downSince = undefined;
    this.connectsAtPrev = this.link.connectsMade;
    return { sample, detections };
  }

  /** CLIENT LIST when its last cost fits the budget, and when its reply cannot get us killed. */
  private async maybeListClients(
    connectedText: string | undefined,
    config: Record<string, string> | undefined,
  ): Promise<ClientList | undefined> {
    const now = Date.now();
    if (now < this.nextListAt) return undefined;
    const limits = bufferLimitsOf(config);
    if (clientListRisk(Number(connectedText ?? 0), limits)) {
      this.nextListAt = now + 60_000;
      this.events.warning(
        `${this.target.url}: CLIENT LIST skipped: its reply could exceed the normal-class output buffer limit and get watch's connection killed`,
      );
      return undefined;
    }
    const redis = await this.link.open();
    let list: ClientList;
    try {
      list = await capReply(redis, 'CLIENT LIST', () => readClientList(redis, this.link.ownId, limits));
    } catch (error) {
      const denied = notPermitted(error);
      if (denied) {
        // An ACL user without CLIENT LIST still gets every counter-based incident.
        this.nextListAt = now + 10 * 60_000;
        this.events.warning(
          `${this.target.url}: CLIENT LIST is not permitted (${denied}); idle reaping and ghosts are not watched`,
        );
        return undefined;
      }
      // A lost connection fails the round; a slow or refused listing only skips the listing.
      if (!this.link.connected) throw error;
      this.nextListAt = now + CLIENT_LIST_BACKOFF_MS;
      this.events.warning(
        `${this.target.url}: CLIENT LIST failed (${(error as Error).message.replace(/\s+/g, ' ').slice(0, 160)}); trying again in ${CLIENT_LIST_BACKOFF_MS / 1000} s`,
      );
      return undefined;
    }
    // Spend at most `clientListBudget` of wall time on it: a 20 ms listing runs every 2 s at 1%.
    this.nextListAt =
      now + list.facts.durationMs / this.options.clientListBudget - this.options.intervalMs / 10;
    return list;
  }

  /** New log events, when the log is followed; following starts on the first round that can. */
  private async readLog(pid: number, config: Record<string, string> | undefined): Promise<LogEvent[]> {
    if (!this.logChecked && (this.options.logPath || config)) {
      this.logChecked = true;
      const path = this.options.logPath ?? (await this.localLogPath(pid, config));
      if (path) {
        const tail = new LogTail(path, WATCH_DEFAULTS.logReadMaxBytes);
        try {
          await tail.start();
          this.log = tail;
        } catch (error) {
          this.events.warning(
            `${this.target.url}: cannot follow the log ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          );
        }
      }
    }
    if (!this.log) return [];
    const events = await this.log.read().catch(() => []);
    for (const ev of events) this.trackRunEnd(ev);
    return events;
  }

  /** A start banner closes the previous run: how it ended is what its log said (core/log/run-end.ts). */
  private trackRunEnd(ev: LogEvent): void {
    const end = this.runEnds.note(ev.kind);
    if (end) this.pendingRunEnd = watchRunEnd(end);
  }

  /** CONFIG's logfile, only when the server process is provably this machine's (never a remote path). */
  private async localLogPath(
    pid: number,
    config: Record<string, string> | undefined,
  ): Promise<string | undefined> {
    const logfile = config?.logfile ?? '';
    if (logfile === '' || 'reason' in (await localServerProcess(this.target.host, pid))) return undefined;
    return isAbsolute(logfile) ? logfile : join(config?.dir ?? '', logfile);
  }

  private readonly cli = (...args: string[]): string => redisCli(this.identity, ...args);
}
