/**
 * How the source imports: no circles, and floors that run one way. A folder may
 * use the folders listed before it, never one after it (types alone excepted:
 * a resolver names the GraphQL context it is given, a service the shape of its
 * configuration). `shared/` is the ground floor: it uses no other folder.
 */
const FLOORS = [
  'shared',
  'partners',
  'auth',
  'agreements',
  'audit',
  'status',
  'customers',
  'acceptances',
  'orders',
  'idempotency',
  'signing',
  'notifications',
  'imports',
  'http',
  'integrations',
  'graphql',
  'cli',
];

const above = (floor) => FLOORS.slice(FLOORS.indexOf(floor) + 1);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules that import each other, however far round.',
      from: { path: '^src' },
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'shared-is-the-ground-floor',
      severity: 'error',
      comment: 'shared/ imports no feature, nor anything else of the application.',
      from: { path: '^src/shared/' },
      to: { path: '^src/', pathNot: '^src/shared/' },
    },
    ...FLOORS.filter((floor) => above(floor).length > 0).map((floor) => ({
      name: `${floor}-uses-only-the-floors-below`,
      severity: 'error',
      comment: `${floor}/ may use ${FLOORS.slice(0, FLOORS.indexOf(floor)).join(', ') || 'no other folder'}; not ${above(floor).join(', ')}.`,
      from: { path: `^src/${floor}/` },
      to: { path: `^src/(${above(floor).join('|')})/`, dependencyTypesNot: ['type-only'] },
    })),
    {
      name: 'features-do-not-use-the-application',
      severity: 'error',
      comment: 'The files at the top of src/ put the application together; nothing below them (but the CLI) uses them at run time.',
      from: { path: '^src/[^/]+/', pathNot: '^src/cli/' },
      to: { path: '^src/(server|main|services|entities|print-schema)\\.ts$', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
