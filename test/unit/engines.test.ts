import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

describe('the locked dependencies', () => {
  // The README names Node 20.19 or later; a package that wants a newer Node makes `npm ci` warn EBADENGINE there.
  it('install on the Node running the tests with no engine warning (npm ci --engine-strict, dry run)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mca-engines-'));
    try {
      for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(root, file), join(dir, file));
      const run = spawnSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--engine-strict', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8' });
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/EBADENGINE|notsup/);
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
