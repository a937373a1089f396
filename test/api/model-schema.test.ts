import { scratchDatabase, type ScratchDatabase, testDatabases } from '../helpers/databases';

/** The entities are the schema: after the migrations, TypeORM's schema builder finds nothing to change. */
describe.each(testDatabases())('the model and the migrated schema (%s)', (kind) => {
  let db: ScratchDatabase;

  beforeAll(async () => {
    db = await scratchDatabase(kind);
  });
  afterAll(() => db.drop());

  it('agree: the schema builder would run no statement', async () => {
    if (kind === 'mysql') {
      const [{ version }] = await db.dataSource.query<{ version: string }[]>('SELECT VERSION() AS version');
      // TypeORM's `mysql` type reads MariaDB's nullable defaults back as the text NULL and sees changes that are not there.
      expect({ version, type: db.dataSource.options.type }).toEqual({ version, type: /mariadb/i.test(version) ? 'mariadb' : 'mysql' });
    }
    const log = await db.dataSource.driver.createSchemaBuilder().log();
    expect(log.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('has an entity for every table', async () => {
    const sql =
      kind === 'mysql'
        ? 'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()'
        : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
    const tables = (await db.dataSource.query<{ name: string }[]>(sql)).map((t) => t.name).filter((name) => name !== 'migrations');
    const modelled = db.dataSource.entityMetadatas.map((m) => m.tableName);
    expect(tables.filter((name) => !modelled.includes(name))).toEqual([]);
    expect(tables.length).toBe(db.dataSource.entityMetadatas.length);
  });

  it('stores text with the collation each entity declares', async () => {
    if (kind !== 'mysql') return; // SQLite compares text byte for byte without being told
    const rows = await db.dataSource.query<{ table_name: string; column_name: string; collation_name: string | null }[]>(
      'SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name, COLLATION_NAME AS collation_name FROM information_schema.COLUMNS ' +
        'WHERE TABLE_SCHEMA = DATABASE()',
    );
    const stored = new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r.collation_name]));
    const declared = db.dataSource.entityMetadatas.flatMap((m) =>
      m.columns.filter((c) => c.collation).map((c) => [`${m.tableName}.${c.databaseName}`, c.collation] as const),
    );
    expect(declared.length).toBeGreaterThan(50);
    expect(declared.filter(([column, collation]) => stored.get(column) !== collation)).toEqual([]);
    // And no text column without a declared collation.
    const text = rows.filter((r) => r.collation_name !== null).map((r) => `${r.table_name}.${r.column_name}`);
    expect(text.filter((column) => !declared.some(([c]) => c === column) && !column.startsWith('migrations.'))).toEqual([]);
  });
});
