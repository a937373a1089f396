import { join } from 'node:path';

/** The public contract as served by this repository: schema/contract. */
export const CONTRACT_DIR = join(__dirname, '..', '..', 'schema', 'contract');

/** A file of the contract (`schema.graphql`, `integrations.graphql`, `import-example.json`). */
export const contractFile = (name: string) => join(CONTRACT_DIR, name);
