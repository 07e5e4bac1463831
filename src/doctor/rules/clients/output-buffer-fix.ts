import type { ClientClass } from '../../../core/parse-client-list.js';
import { formatBytesExact } from '../../../core/units.js';
import type { Fix } from '../../report/types.js';
import type { AdviceFacts } from '../define-rule.js';
import { bufferLimitsIn, configSetFix } from '../helpers.js';

/** Advice per output-buffer class, shared by output-buffer-kills and output-buffer-at-risk. */
export function outputBufferFixes(
  facts: Pick<AdviceFacts, 'target' | 'config'>,
  classes: Iterable<ClientClass>,
): Fix[] {
  const { limits } = bufferLimitsIn(facts.config);
  const fixes: Fix[] = [];
  for (const cls of new Set(classes)) {
    if (cls === 'pubsub') {
      const l = limits.pubsub;
      fixes.push({
        command:
          'keep the subscriber connection free of slow work: never block its event loop; queue messages and process them elsewhere',
        note: 'the real fix: a subscriber that reads as fast as messages arrive is never cut',
      });
      fixes.push(
        ...configSetFix(
          facts.target,
          'client-output-buffer-limit',
          `pubsub ${formatBytesExact(Math.max(l.hardBytes * 2, 64 * 1024 ** 2))} ${formatBytesExact(Math.max(l.softBytes * 2, 16 * 1024 ** 2))} ${l.softSeconds || 60}`,
          'gives slow subscribers more room (the value is twice the current limit, at least 64mb/16mb)',
          'a subscriber that never catches up then holds more server memory before it is cut',
        ),
      );
    } else if (cls === 'replica') {
      const l = limits.replica;
      fixes.push(
        ...configSetFix(
          facts.target,
          'client-output-buffer-limit',
          `replica ${formatBytesExact(Math.max(l.hardBytes * 2, 512 * 1024 ** 2))} ${formatBytesExact(Math.max(l.softBytes * 2, 128 * 1024 ** 2))} ${l.softSeconds || 60}`,
          'lets a replica survive a full sync under write load; raise repl-backlog-size too so it can resync partially',
          'uses more master memory during syncs',
        ),
      );
    } else {
      fixes.push({
        command:
          'replace unbounded reads: KEYS → SCAN, LRANGE key 0 -1 → pages of LRANGE, HGETALL/SMEMBERS → HSCAN/SSCAN',
        note: 'a reply larger than the normal-class limit kills the connection however fast the client reads',
      });
      fixes.push(
        ...configSetFix(
          facts.target,
          'client-output-buffer-limit',
          'normal 0 0 0',
          'removes the limit on normal clients (the Redis default)',
          'one huge reply can then use a lot of server memory; prefer bounding the reads',
        ),
      );
    }
  }
  return fixes;
}
