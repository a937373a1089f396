import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** The shared contract next to the checkout, where it is. */
export const SHARED_CONTRACT = join(root, '..', 'shared', 'contract');

/** The contract's copy in the repository (schema/contract), kept identical to the shared one by a test. */
export const CONTRACT_COPY = join(root, 'schema', 'contract');

/** A contract file: the shared one when the checkout sits beside it, else the repository's copy. */
export const contractFile = (name: string) =>
  existsSync(join(SHARED_CONTRACT, name)) ? join(SHARED_CONTRACT, name) : join(CONTRACT_COPY, name);
