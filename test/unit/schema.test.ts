import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema as buildSdl, findBreakingChanges, type GraphQLField, type GraphQLSchema, Kind } from 'graphql';
import type { FieldAccess } from '../../src/auth/guard';
import { ACCESS } from '../../src/auth/roles';
import { servedSdl } from '../../src/print-schema';
import { buildSchema } from '../../src/graphql/schema';
import { contractFile } from '../helpers/contract';

const root = join(__dirname, '..', '..');
const contractFiles = ['schema.graphql', 'integrations.graphql', 'customer-signing.graphql', 'notifications.graphql'].map(contractFile);

describe('the served schema', () => {
  let served: GraphQLSchema;
  beforeAll(async () => {
    served = await buildSchema();
  });

  it('is what schema/schema.graphql holds (run `npm run schema` after changing the code)', async () => {
    expect(readFileSync(join(root, 'schema', 'schema.graphql'), 'utf8')).toBe(await servedSdl());
  });

  it('contains the whole public contract, every file of schema/contract: no breaking change against it', () => {
    const contract = buildSdl(contractFiles.map((f) => readFileSync(f, 'utf8')).join('\n'));
    expect(findBreakingChanges(contract, served)).toEqual([]);
  });

  const rootFields = (schema: GraphQLSchema) =>
    [schema.getQueryType(), schema.getMutationType()].flatMap((type) =>
      Object.values(type?.getFields() ?? {}).map((field) => ({ type: type!.name, field })),
    );

  const authRoles = (field: GraphQLField<unknown, unknown>) => {
    const directive = field.astNode?.directives?.find((d) => d.name.value === 'auth');
    const list = directive?.arguments?.find((a) => a.name.value === 'requires')?.value;
    return list?.kind === Kind.LIST ? list.values.map((v) => (v.kind === Kind.ENUM ? v.value : '?')) : undefined;
  };

  it('guards every Query and Mutation field from the role table, or opens it to any signed-in caller on purpose', () => {
    const unguarded: string[] = [];
    for (const { type, field } of rootFields(served)) {
      const access = field.extensions.access as FieldAccess | undefined;
      const roles = authRoles(field);
      if (access && 'operation' in access) {
        expect({ field: `${type}.${field.name}`, roles }).toEqual({ field: `${type}.${field.name}`, roles: [...ACCESS[access.operation].roles] });
      } else if (access && 'openToAnySignedInCaller' in access) {
        expect(roles).toBeUndefined();
        expect(field.description).toContain('Open to any signed-in caller');
      } else {
        unguarded.push(`${type}.${field.name}`);
      }
    }
    expect(unguarded).toEqual([]);
    expect(rootFields(served).length).toBeGreaterThanOrEqual(10);
  });
});
