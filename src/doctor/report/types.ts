import type { Cause } from '../../core/causes.js';

export type Severity = 'critical' | 'warning' | 'info';
export type Confidence = 'high' | 'medium' | 'low';
export type ResultStatus = 'finding' | 'pass' | 'skipped' | 'crashed';

export interface Fix {
  command: string;
  note?: string;
  risk?: string;
}

/** One rule's outcome (schemaVersion 1). */
export interface RuleResult {
  ruleId: string;
  /** The drop cause the rule is about (core/causes.ts). */
  cause: Cause;
  category: string;
  status: ResultStatus;
  severity?: Severity;
  confidence?: Confidence;
  title: string;
  message: string;
  explanation: string;
  evidence: Record<string, unknown>;
  fix: Fix[];
  docs: string;
  /** Why a rule was skipped, or the error of a crashed one. */
  reason?: string;
}

export interface Report {
  schemaVersion: 1;
  tool: { name: 'redis-lifeline'; version: string };
  target: {
    url: string;
    host: string;
    port: number;
    product: string;
    version: string;
    mode: string;
    role: string;
  };
  startedAt: string;
  durationMs: number;
  summary: {
    critical: number;
    warning: number;
    info: number;
    passed: number;
    skipped: number;
    crashed: number;
  };
  mostLikelyCause: { ruleId: string; cause: Cause; title: string; confidence: Confidence } | null;
  results: RuleResult[];
  /** Evidence that could not be collected, and why (text and markdown show it; JSON shows skipped rules). */
  unavailable: Record<string, string>;
}
