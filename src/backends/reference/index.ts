export { ReferenceBackend, RefData } from './backend.ts';
