import 'reflect-metadata';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { lexicographicSortSchema } from 'graphql';
import { buildSchema } from './graphql/schema';

/** The served schema as SDL with its directives, sorted: what schema/schema.graphql holds. */
export async function servedSdl(): Promise<string> {
  return `${printSchemaWithDirectives(lexicographicSortSchema(await buildSchema()))}\n`;
}

if (require.main === module) {
  servedSdl().then(
    (sdl) => process.stdout.write(sdl),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? error}\n`);
      process.exitCode = 1;
    },
  );
}
