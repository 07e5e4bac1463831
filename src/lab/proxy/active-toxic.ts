import type { Stream, ToxicDefinition } from '../toxics/define-toxic.js';

/** A toxic as the API shows it (Toxiproxy's wrapper fields), plus its definition. */
export interface ToxicSpec {
  name: string;
  type: string;
  stream: Stream;
  /** Probability that the toxic applies to a connection, decided once per connection. */
  toxicity: number;
  attributes: Record<string, number>;
}

export interface ActiveToxic extends ToxicSpec {
  definition: ToxicDefinition<Record<string, number>>;
  /** Bumped on every update, so connections know to restart their instance. */
  revision: number;
  /** The toxic's own state across connections (ToxicContext.shared). */
  shared: Record<string, unknown>;
}
