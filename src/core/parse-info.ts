/** INFO reply, section by section ("# Clients" → "clients"), every value kept as the server wrote it. */
export interface Info {
  sections: Record<string, Record<string, string>>;
  /** All fields of all sections in one map (field names are unique across sections). */
  fields: Record<string, string>;
}

export function parseInfo(text: string): Info {
  const sections: Record<string, Record<string, string>> = {};
  const fields: Record<string, string> = {};
  let current: Record<string, string> = {};
  sections.default = current;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    if (line === '') continue;
    if (line.startsWith('#')) {
      current = {};
      sections[line.slice(1).trim().toLowerCase()] = current;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1);
    current[key] = value;
    fields[key] = value;
  }
  if (Object.keys(sections.default ?? {}).length === 0) delete sections.default;
  return { sections, fields };
}

/** A numeric INFO field, or undefined when this server version does not have it. */
export function infoNumber(info: Info, key: string): number | undefined {
  const value = info.fields[key];
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** Splits "calls=3,usec=12,usec_per_call=4.00" (commandstats, errorstats, slaveN) into a map. */
export function parseInfoList(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** Calls of a command from the commandstats section (`client|kill`, `keys`), 0 when never called. */
export function commandCalls(info: Info, command: string): number {
  const value = info.sections.commandstats?.[`cmdstat_${command}`];
  return value ? Number(parseInfoList(value).calls ?? 0) : 0;
}
