import { formatBytes, formatBytesExact } from '../../../core/units.js';
import { defineRule } from '../define-rule.js';
import { configSetFix, info } from '../helpers.js';

// Like MEMORY DOCTOR: a ratio and an absolute floor (tiny instances are not judged).
const MAXMEMORY_SHARE = 0.9;
const HOST_SHARE = 0.8;
const FLOOR_BYTES = 32 * 1024 ** 2;

export default defineRule({
  id: 'memory-near-limit',
  cause: 'oom-kill',
  title: 'Used memory is close to maxmemory or to the host RAM',
  category: 'memory',
  severity: 'warning',
  tier: 'risk',
  needs: ['info'],
  check(e) {
    const used = info(e, 'used_memory') ?? 0;
    const rss = info(e, 'used_memory_rss') ?? used;
    const maxmemory = info(e, 'maxmemory') ?? 0;
    const hostRam =
      (e.host.status === 'ok' ? e.host.value.totalMemoryBytes : undefined) ??
      info(e, 'total_system_memory') ??
      0;
    const policy = e.info.status === 'ok' ? (e.info.value.fields.maxmemory_policy ?? 'unknown') : 'unknown';
    if (used < FLOOR_BYTES) return undefined;

    if (maxmemory > 0) {
      const share = used / maxmemory;
      if (share < MAXMEMORY_SHARE) return undefined;
      // Near maxmemory, connections drop only through client eviction; a full cache that evicts keys is fine.
      const clientEviction =
        ((e.config.status === 'ok' ? e.config.value['maxmemory-clients'] : undefined) ?? '0') !== '0';
      return {
        severity: clientEviction || policy === 'noeviction' ? 'warning' : 'info',
        confidence: 'high',
        message: `used_memory is ${formatBytes(used)}, ${Math.round(share * 100)}% of maxmemory ${formatBytes(maxmemory)} (policy ${policy}).`,
        explanation:
          (policy === 'noeviction'
            ? 'With noeviction, writes now fail with -OOM errors. '
            : 'Redis is evicting keys to stay under the limit; client buffers count too. ') +
          'With maxmemory-clients set, client connections are evicted first when client memory grows; without it, big client buffers push out data. Harmless for a cache that is meant to run full with an eviction policy.',
        evidence: { used_memory: used, maxmemory, maxmemory_policy: policy, share },
        fix: configSetFix(
          e.target,
          'maxmemory',
          formatBytesExact(Math.ceil((used * 1.25) / 1024 ** 2) * 1024 ** 2),
          'only if the host has that much room to spare',
        ),
      };
    }
    if (hostRam === 0) return { skip: 'maxmemory is 0 and the host RAM is unknown' };
    const share = rss / hostRam;
    if (share < HOST_SHARE) return undefined;
    return {
      confidence: 'medium',
      message: `maxmemory is 0 (no limit) and Redis RSS is ${formatBytes(rss)}, ${Math.round(share * 100)}% of the host's ${formatBytes(hostRam)}.`,
      explanation:
        'Without maxmemory Redis grows until the kernel OOM killer kills it, which drops every connection at once. In a container the real limit is the cgroup limit, which can be lower than the host RAM shown here.',
      evidence: { used_memory: used, used_memory_rss: rss, maxmemory: 0, hostMemoryBytes: hostRam, share },
      fix: configSetFix(
        e.target,
        'maxmemory',
        formatBytesExact(Math.floor((hostRam * 0.75) / 1024 ** 2) * 1024 ** 2),
        '75% of RAM leaves room for fork copy-on-write and buffers; pick a maxmemory-policy too',
      ),
    };
  },
});
