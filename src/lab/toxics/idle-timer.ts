import type { ToxicContext } from './define-toxic.js';

/** Calls `onIdle` once the connection has carried no bytes either way for `idleMs`. */
export function watchIdle(
  ctx: ToxicContext<Record<string, number>>,
  idleMs: number,
  onIdle: () => void,
): void {
  const check = () => {
    const idle = performance.now() - ctx.connection.lastActivityAt;
    if (idle >= idleMs) onIdle();
    else ctx.state.timer = setTimeout(check, idleMs - idle + 1);
  };
  ctx.state.timer = setTimeout(check, idleMs);
}

export function stopWatchingIdle(ctx: ToxicContext<Record<string, number>>): void {
  clearTimeout(ctx.state.timer as NodeJS.Timeout | undefined);
}
