/**
 * The zone a log without offsets was written in: a fixed offset ("+05:30", "UTC") or an IANA name
 * ("Asia/Kolkata"), which has DST. Converting a wall-clock reading to epoch ms is the only use.
 */
export interface TimeZone {
  name: string;
  /** Epoch ms of a wall-clock reading (month 0–11) in this zone. */
  toEpoch(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number;
}

const OFFSET = /^(?:UTC|GMT|Z)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$/i;

/** Offset text ("+05:30", "-0800", "Z") in ms east of UTC, or undefined when it is not one. */
export function offsetMs(text: string): number | undefined {
  if (/^(Z|UTC|GMT)$/i.test(text)) return 0;
  const m = OFFSET.exec(text);
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  if (minutes > 18 * 60) return undefined;
  return (m[1] === '-' ? -1 : 1) * minutes * 60_000;
}

/** The zone, or undefined when neither an offset nor an IANA name this Node knows. */
export function timeZone(name?: string): TimeZone | undefined {
  const zone = name ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
  const fixed = offsetMs(zone);
  if (fixed !== undefined) {
    return {
      name: zone,
      toEpoch: (y, mo, d, h, mi, s, ms) => Date.UTC(y, mo, d, h, mi, s, ms) - fixed,
    };
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return undefined;
  }
  // formatToParts costs microseconds: offsets are cached per hour (no zone changes offset off the hour
  // but Lord Howe's half-hour DST, which this ignores).
  const cache = new Map<number, number>();
  const offsetAt = (epoch: number): number => {
    const hour = Math.floor(epoch / 3_600_000);
    let off = cache.get(hour);
    if (off === undefined) {
      const at = hour * 3_600_000;
      const p: Record<string, number> = {};
      for (const part of format.formatToParts(new Date(at))) p[part.type] = Number(part.value);
      off =
        Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0) -
        at;
      if (cache.size > 10_000) cache.clear();
      cache.set(hour, off);
    }
    return off;
  };
  return {
    name: zone,
    toEpoch: (y, mo, d, h, mi, s, ms) => {
      const wall = Date.UTC(y, mo, d, h, mi, s, ms);
      const first = offsetAt(wall);
      const second = offsetAt(wall - first);
      // In a DST gap or overlap the two differ: the second is the offset in force at the answer.
      return wall - second;
    },
  };
}
