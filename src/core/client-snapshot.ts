import { type ClientClass, type ClientFields, clientClass, num } from './parse-client-list.js';

/** One client of a CLIENT LIST, as the doctor's rules and watch's detectors read it. */
export interface ClientSnapshot {
  id: string;
  addr: string;
  name: string;
  libName: string;
  flags: string;
  class: ClientClass;
  ageS: number;
  idleS: number;
  omem: number;
  qbuf: number;
  totMem: number;
  cmd: string;
}

/** One CLIENT LIST line's fields (core/parse-client-list.ts) → the client they describe. */
export function toSnapshot(f: ClientFields): ClientSnapshot {
  return {
    id: f.id ?? '',
    addr: f.addr ?? '',
    name: f.name ?? '',
    libName: f['lib-name'] ?? '',
    flags: f.flags ?? '',
    class: clientClass(f),
    ageS: num(f, 'age'),
    idleS: num(f, 'idle'),
    omem: num(f, 'omem'),
    qbuf: num(f, 'qbuf'),
    totMem: num(f, 'tot-mem'),
    cmd: f.cmd ?? '',
  };
}
