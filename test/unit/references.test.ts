import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..');

/** Every file under `dir` (relative to the repository), skipping what is built or installed. */
function filesUnder(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return ['node_modules', 'dist'].includes(entry.name) ? [] : filesUnder(path);
    return [path];
  });
}

describe('the code and the schema', () => {
  it('point to no document outside the repository: every .md file they name is in it', () => {
    const named = ['src', 'test', 'migrations', 'schema'].flatMap(filesUnder).flatMap((file) =>
      [...readFileSync(join(root, file), 'utf8').matchAll(/\b([A-Za-z][\w-]*\.md)\b/g)].map((match) => ({ file, document: match[1] })),
    );
    const missing = named.filter(({ document }) => !existsSync(join(root, document)));
    expect(missing.map(({ file, document }) => `${relative(root, join(root, file))}: ${document}`)).toEqual([]);
  });
});
