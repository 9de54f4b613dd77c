/** Public entry of the camera client. The simulator is never imported from here. */
export { TapoClient } from './client.ts';
export {
  TapoError,
  isTapoError,
  ERROR_CODES,
  NOT_SUPPORTED_CODES,
  describeCode,
  type TapoErrorKind,
} from './errors.ts';
export { MemoryStateStore, FileStateStore } from './state.ts';
export { normalizeFingerprint } from './transport.ts';
export * from './types.ts';
