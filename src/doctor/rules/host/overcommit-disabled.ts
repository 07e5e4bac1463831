import { defineRule } from '../define-rule.js';

export default defineRule({
  id: 'overcommit-disabled',
  cause: 'oom-kill',
  title: 'vm.overcommit_memory is not 1',
  category: 'host',
  severity: 'warning',
  tier: 'hygiene',
  needs: ['host'],
  check(e) {
    if (e.host.status !== 'ok') return undefined;
    const value = e.host.value.overcommitMemory;
    if (value === undefined) return { skip: '/proc/sys/vm/overcommit_memory is not readable' };
    if (value === 1) return undefined;
    return {
      confidence: 'high',
      message: `vm.overcommit_memory is ${value}; Redis asks for 1 (it logs "WARNING Memory overcommit must be enabled!" at every start).`,
      explanation:
        'With overcommit off, fork() for BGSAVE, AOF rewrite or a full sync can fail under memory pressure, and jemalloc can fail allocations even without it. ' +
        'This does not drop connections by itself, but failed saves and syncs lead to replica resync loops and, at worst, an out-of-memory crash.',
      evidence: { 'vm.overcommit_memory': value },
      fix: [
        { command: 'sysctl vm.overcommit_memory=1', note: 'takes effect at once' },
        { command: "echo 'vm.overcommit_memory = 1' >> /etc/sysctl.conf", note: 'survives a reboot' },
      ],
    };
  },
});
