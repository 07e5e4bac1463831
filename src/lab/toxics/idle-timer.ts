import type { ToxicContext } from './define-toxic.js';

/**
 * Calls `onIdle` once the connection has carried no bytes either way for `idleMs`, counted from the
 * toxic's start at the earliest: a timer can fire a few ms early (libuv measures it from the start of
 * the loop turn), and a flow already idle would then be cut before the `idleMs` the scenario announced.
 */
export function watchIdle(
  ctx: ToxicContext<Record<string, number>>,
  idleMs: number,
  onIdle: () => void,
): void {
  const startedAt = performance.now();
  const check = () => {
    const idle = performance.now() - Math.max(ctx.connection.lastActivityAt, startedAt);
    if (idle >= idleMs) onIdle();
    else ctx.state.timer = setTimeout(check, idleMs - idle + 1);
  };
  ctx.state.timer = setTimeout(check, idleMs);
}

export function stopWatchingIdle(ctx: ToxicContext<Record<string, number>>): void {
  clearTimeout(ctx.state.timer as NodeJS.Timeout | undefined);
}
