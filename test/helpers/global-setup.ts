import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** The CLI and start-up tests run the compiled program, as `npm start` and `npm run cli` do. */
export default function globalSetup(): void {
  const root = join(__dirname, '..', '..');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}
