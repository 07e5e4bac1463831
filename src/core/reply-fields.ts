/** A flat [field, value, field, value...] reply (SENTINEL MASTER, SENTINEL REPLICAS entries) as an object. */
export function fieldsOf(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const flat = Array.isArray(reply) ? reply : [];
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

/** A list of flat replies (SENTINEL REPLICAS, SENTINEL SENTINELS) as objects. */
export const listOf = (reply: unknown): Record<string, string>[] =>
  Array.isArray(reply) ? reply.map(fieldsOf) : [];
