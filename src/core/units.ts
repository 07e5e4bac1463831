const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1024,
  m: 1000 ** 2,
  mb: 1024 ** 2,
  g: 1000 ** 3,
  gb: 1024 ** 3,
};

/** Parses a Redis memory value ("256kb", "1gb", "1048576"; units as in redis.conf: k=1000, kb=1024). */
export function parseBytes(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!match) return undefined;
  const factor = BYTE_UNITS[(match[2] ?? '').toLowerCase()];
  return factor === undefined ? undefined : Math.round(Number(match[1]) * factor);
}

/** Formats bytes the way redis.conf accepts them back: "256kb", "1mb", "1.5gb", "512b". */
export function formatBytes(bytes: number): string {
  const units: [string, number][] = [
    ['gb', 1024 ** 3],
    ['mb', 1024 ** 2],
    ['kb', 1024],
  ];
  for (const [unit, size] of units) {
    if (bytes >= size) {
      const value = bytes / size;
      return `${Number.isInteger(value) ? value : value.toFixed(1)}${unit}`;
    }
  }
  return `${bytes}b`;
}

/** Formats a redis.conf value that must stay an integer ("64mb", else plain bytes). */
export function formatBytesExact(bytes: number): string {
  for (const [unit, size] of [
    ['gb', 1024 ** 3],
    ['mb', 1024 ** 2],
    ['kb', 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

/** "2d 3h", "4m 10s", "12s", "850ms": for humans, not for parsing. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  const parts: [number, string][] = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor((s % 86400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'm'],
    [s % 60, 's'],
  ];
  const shown = parts.filter(([n]) => n > 0).slice(0, 2);
  return shown.map(([n, u]) => `${n}${u}`).join(' ') || '0s';
}

/** Parses "250ms", "5s", "2m", "1h" or a bare number of `defaultUnit`s into milliseconds. */
export function parseDuration(text: string, defaultUnit: 'ms' | 's' = 'ms'): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = (match[2] ?? defaultUnit).toLowerCase();
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit] ?? 1;
  return Number(match[1]) * factor;
}
