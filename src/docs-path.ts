import { fileURLToPath } from 'node:url';

/**
 * Where a page of docs/ is on this machine: docs/ ships inside the package, one level above src/ and
 * dist/, so the absolute path opens wherever lifeline is installed (it has no hosted docs to link to).
 */
export const docsPath = (page: string): string => fileURLToPath(new URL(`../docs/${page}`, import.meta.url));
