export { diagnose, type RuleSelection, selectRules } from './diagnose.js';
export { type DoctorForUrlOptions, doctorForUrl } from './doctor-for-url.js';
export type * from './evidence.js';
export { renderJson } from './report/render-json.js';
export { renderMarkdown } from './report/render-markdown.js';
export { renderText } from './report/render-text.js';
export type * from './report/types.js';
export { RULES } from './rules/index.js';
export { DOCTOR_DEFAULTS, type DoctorOptions, runDoctor } from './run.js';
export {
  runTopologyDoctor,
  type TopologyDoctorOptions,
} from './topology/run-topology-doctor.js';
export type * from './topology/topology-evidence.js';
